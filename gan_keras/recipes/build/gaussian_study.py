"""The 1-D Gaussian GAN's stability study: train several seeds, judge each run.

Each run is a phase of the study's run (`gan_keras.runs.phases`), trained
by the package's standard run while `MomentTrajectory` logs the generator's
mean and standard deviation (the `mean`/`std` columns of history.csv and
`trajectory.png`); at the end `FinalHistogram` draws 10,000 samples, measures them against the target
(`moments.describe_samples`) and plots them over the target density
(`histogram.png`). `study_phases` repeats this over seeds and judges every
run by `Target.converged`.
"""

import csv
import dataclasses
import json
import math
import os
import time

import numpy as np

from gan_keras.core import checks
from gan_keras.core import fileio
from gan_keras.core.errors import EXIT_USAGE
from gan_keras.data.sources import GaussianSource
from gan_keras.evaluation.moments import KS_THRESHOLD, Target, describe_samples
from gan_keras.runs.phases import Phase, Training
from gan_keras.sampling import plotting
from gan_keras.training.callbacks import number, read_history
from gan_keras.training.loop import Callback

EVAL_SAMPLES = 10_000
TRAJECTORY_SAMPLES = 2_000


def fixed_noise(gan, seed, n):
    """`n` noise vectors drawn from `(seed, 0)`: the same at every call.

    Training steps draw their noise from `(seed, step)` with step >= 1, so
    stream 0 is free for measurements, and the same noise at every
    measurement makes the trajectory free of sampling jitter.
    """
    return gan.sample_noise(np.random.default_rng([seed, 0]), n)


@dataclasses.dataclass(eq=False)
class MomentTrajectory(Callback):
    """Logs the generator's mean and std now and then, and plots their course.

    Adds `mean` and `std` to the logs of step 1, of every `interval`-th step
    and of the last step (History writes them as columns; other rows get
    NaN), measured on `samples` fixed noise vectors. At the end (or on
    Ctrl-C) writes `trajectory.png`: both moments over the steps, with the
    target and its convergence band. On resume, the points already in
    `history.csv` up to the resumed step are kept.

    Args:
        target: The `Target`.
        plot_path: The trajectory PNG.
        history_path: The run's history.csv (read on resume only).
        interval: Measure every this many steps.
        seed: Seed of the fixed noise.
        samples: Noise vectors per measurement.
    """

    fields = ("mean", "std")

    target: Target
    plot_path: str
    history_path: str
    interval: int
    seed: int
    samples: int = TRAJECTORY_SAMPLES
    points: list = dataclasses.field(default_factory=list)  # (step, mean, std) of every measurement

    def on_train_begin(self, run):
        self.noise = fixed_noise(run.gan, self.seed, self.samples)
        self.points = []
        if run.step > 0:
            self.points = trajectory_points(self.history_path, run.step)

    def saves_at(self, step):
        return step == 1 or step % self.interval == 0

    def on_step_end(self, run, logs):
        if self.saves_at(run.step) or run.step == run.config.total_steps:
            samples = run.gan.generate(self.noise)
            mean, std = float(np.mean(samples)), float(np.std(samples))
            logs.update(mean=mean, std=std)
            self.points.append((run.step, mean, std))

    def on_train_end(self, run):
        if self.points:
            plotting.save_trajectory_plot(self.points, self.target, self.plot_path, self.samples)

    on_interrupt = on_train_end


def trajectory_points(history_path, step):
    """The measured `(step, mean, std)` points of a history's intact rows up to `step`, for a resumed run.

    This callback reads the history before `History` repairs it (callbacks
    that add columns run first), so the rows are taken as a resume keeps
    them: a row cut off (too few or too many cells) or with a step that is
    not a number is skipped, and so is every row after `step`; `History`
    then drops those with its one-line notice, or refuses a damaged row at
    or before `step` (`gan_keras.training.callbacks.read_resumable_history`).

    Args:
        history_path: The run's history.csv.
        step: The checkpoint's step.

    Returns:
        A list of `(step, mean, std)`, in the file's order; empty when the
        file is missing or unreadable (`History` then says why).
    """
    try:
        rows = read_history(history_path)
    except (OSError, UnicodeDecodeError, csv.Error):
        return []
    points = []
    for row in rows:
        if None in row or None in row.values():  # cut off, or more cells than columns
            continue
        row_step, mean, std = number(row.get("step")), number(row.get("mean")), number(row.get("std"))
        if row_step <= step and row_step == int(row_step) and math.isfinite(mean):
            points.append((int(row_step), mean, std))
    return points


@dataclasses.dataclass(eq=False)
class FinalHistogram(Callback):
    """Measures the final generator on 10,000 samples and plots their histogram.

    At the end of the run (or on Ctrl-C) draws `samples` values from fixed
    noise, stores `describe_samples` of them (plus "step" and "converged") in
    `result` and the values in `values`, and writes `histogram.png` against
    the target density.

    Args:
        target: The `Target`.
        path: The histogram PNG.
        seed: Seed of the fixed noise.
        samples: Number of samples.
    """

    target: Target
    path: str
    seed: int
    samples: int = EVAL_SAMPLES
    result: dict | None = None  # describe_samples of the final samples, with "step" and "converged"
    values: np.ndarray | None = None  # the final samples

    def on_train_end(self, run):
        self.values = run.gan.generate(fixed_noise(run.gan, self.seed, self.samples)).ravel()
        result = describe_samples(self.values, self.target)
        result["converged"] = self.target.converged(result["mean"], result["std"], result["ks"])
        self.result = {"step": run.step, **result}
        plotting.save_histogram(self.values, self.target, self.path, title=f"step {run.step}: " + _summary(self.result))

    on_interrupt = on_train_end


def study_phases(config, model, study, build, loop, steps_per_epoch, name="gaussian", report=print):
    """The stability study as phases: one standard run per seed, then the table of all runs.

    Run i (1-based) trains seed `config.seed + i - 1` in `DIR/run_NN` (in
    `DIR` itself for a single run): history.csv (with `mean` and `std`
    columns), losses.png, trajectory.png, histogram.png, checkpoint.npz,
    generator.keras; a line judges it when it ends. The last phase prints
    the table, draws every final histogram side by side in `DIR/study.png`
    (several runs) and writes `study.json`. Interrupted, the runs so far are
    tabled. Every run folder is checked for an earlier run before any trains
    (`gan_keras.runs.phases.run_phases`).

    The learning rates decay over the run's total steps (see
    `build_gaussian_gan`), so a resumed run repeats an uninterrupted one
    exactly when it keeps the same `--steps`/`--epochs`; resuming with more
    steps continues from a higher learning rate.

    Args:
        config: `RunConfig` of the study (its seed is the first seed;
            `output_dir` holds all runs).
        model: `recipes.GaussianConfig`.
        study: `recipes.StudyConfig`.
        build: `(model, run_config, total_steps) -> GAN`.
        loop: `LoopConfig` fields of `model` as a dict.
        steps_per_epoch: Batches that count as one epoch.
        name: The GAN's name in checkpoints and generator infos.
        report: Called with one line of text after each run, and with the table.

    Returns:
        The `Phase`s: one per run, then the table's.

    Raises:
        UserError: (exit status 2) if the folder of `study.json` does not exist.
    """
    checks.require_parent_dir(study.json, "--json", EXIT_USAGE)
    target = Target(model.target_mean, model.target_std)
    total_steps = config.total_steps(steps_per_epoch)
    started = time.perf_counter()
    rows, samples = [], []

    def run_phase(i):
        def start(run_config):
            folder, seed = run_config.output_dir, run_config.seed
            trajectory = MomentTrajectory(target, os.path.join(folder, "trajectory.png"),
                                          os.path.join(folder, "history.csv"), study.trajectory_interval, seed)
            histogram = FinalHistogram(target, os.path.join(folder, "histogram.png"), seed)
            source = GaussianSource(target.mean, target.std, batch_size=run_config.batch_size, seed=seed,
                                    batches_per_epoch=steps_per_epoch)

            def judge(run):
                if run.interrupted:
                    if rows:
                        report(format_table(rows, target))
                    return
                rows.append({"run": i, "seed": seed, **histogram.result})
                samples.append(histogram.values)
                report(f"run {i}/{study.runs} (seed {seed}): " + _summary(histogram.result))

            return Training(lambda: build(model, run_config, total_steps), source, model=name, model_config=model,
                            loop=loop, callbacks=[trajectory, histogram], image_grid=False, after_run=judge)

        return Phase(f"run {i}", start, folder=None if study.runs == 1 else f"run_{i:02d}",
                     seed=config.seed + i - 1)

    def table(run_config):
        if study.runs > 1:
            plotting.save_study_plot(samples, rows, target, os.path.join(config.output_dir, "study.png"))
        report(format_table(rows, target))
        report(f"{len(rows)} run(s) in {time.perf_counter() - started:.1f} s")
        if study.json is not None:
            write_json(rows, study.json)
            report(f"Table written to {study.json}")
        return None

    return [run_phase(i) for i in range(1, study.runs + 1)] + [Phase("table", table, marker=None)]


def format_table(rows, target):
    """The study's table as text: one line per run and the converged count."""
    lines = [f"target N({target.mean:g}, {target.std:g}); converged: |mean - {target.mean:g}| <= "
             f"{target.tolerance:.3g}, |std - {target.std:g}| <= {target.tolerance:.3g}, KS <= {KS_THRESHOLD:g}",
             f"{'run':>4} {'seed':>6} {'mean':>9} {'std':>9} {'KS':>7}  converged"]
    for row in rows:
        lines.append(f"{row['run']:>4} {row['seed']:>6} {row['mean']:>9.4f} {row['std']:>9.4f} "
                     f"{row['ks']:>7.4f}  {'yes' if row['converged'] else 'NO'}")
    lines.append(f"converged runs: {sum(r['converged'] for r in rows)} of {len(rows)}")
    return "\n".join(lines)


def write_json(rows, path):
    """Writes the table as a JSON list of {run, seed, mean, std, ks, converged}.

    A NaN moment (a generator that produced NaN or infinities) is written as
    null, so that the file is strict JSON.
    """
    table = [{k: _json_value(row[k]) for k in ("run", "seed", "mean", "std", "ks", "converged")} for row in rows]
    fileio.write_text(path, json.dumps(table, indent=1, allow_nan=False) + "\n")


def _json_value(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _summary(result):
    verdict = "converged" if result["converged"] else "NOT converged"
    return f"mean {result['mean']:.4f}, std {result['std']:.4f}, KS {result['ks']:.4f}: {verdict}"
