"""Judging the 1-D Gaussian GAN: moments, KS distance, convergence, stability study.

Pipeline: each run trains with the shared loop (`experiment.run_training`)
while `MomentTrajectory` logs the generator's mean and standard deviation
(the `mean`/`std` columns of history.csv and `trajectory.png`); at the end
`FinalHistogram` draws 10,000 samples, measures them against the target
(`describe_samples`) and plots them over the target density
(`histogram.png`). `run_study` repeats this over seeds and judges every run
by `Target.converged`.

The Kolmogorov-Smirnov statistic is computed with numpy and `math.erf`
only; scipy serves as the reference in the tests.
"""

import dataclasses
import json
import math
import os

import numpy as np

from gan_keras.errors import UserError
from gan_keras.training import Callback

# The convergence rule is stated for the default target N(4, 1.25): mean and
# standard deviation within 0.2, KS statistic at most 0.1. For other targets
# the 0.2 scales with the standard deviation (it is 0.16 standard deviations).
DEFAULT_MEAN = 4.0
DEFAULT_STD = 1.25
BASE_TOLERANCE = 0.2
KS_THRESHOLD = 0.1
EVAL_SAMPLES = 10_000
TRAJECTORY_SAMPLES = 2_000


@dataclasses.dataclass(frozen=True)
class Target:
    """The normal distribution the generator should learn, and when it has.

    Attributes:
        mean: Mean of the target.
        std: Standard deviation of the target (> 0).
    """

    mean: float = DEFAULT_MEAN
    std: float = DEFAULT_STD

    def __post_init__(self):
        if not (math.isfinite(self.mean) and math.isfinite(self.std)) or self.std <= 0:
            raise ValueError(f"a target needs a finite mean and a positive finite std, got {self.mean}, {self.std}")

    @property
    def tolerance(self):
        """Allowed error of the mean and of the std: 0.2 * std / 1.25."""
        return BASE_TOLERANCE * self.std / DEFAULT_STD

    def converged(self, mean, std, ks):
        """Whether samples with this mean, std and KS statistic count as converged.

        |mean - target mean| <= tolerance, |std - target std| <= tolerance and
        KS <= 0.1 (a small slack of 1e-9 absorbs float rounding at the edges).
        """
        slack = 1e-9 * max(1.0, abs(self.mean), self.std)
        return bool(
            abs(mean - self.mean) <= self.tolerance + slack
            and abs(std - self.std) <= self.tolerance + slack
            and ks <= KS_THRESHOLD + 1e-12
        )

    def cdf(self, x):
        """The target's cumulative distribution function at `x` (float64 array)."""
        return normal_cdf(x, self.mean, self.std)

    def density(self, x):
        """The target's probability density at `x` (float64 array)."""
        z = (np.asarray(x, np.float64) - self.mean) / self.std
        return np.exp(-0.5 * z * z) / (self.std * math.sqrt(2.0 * math.pi))


_erf = np.frompyfunc(math.erf, 1, 1)


def normal_cdf(x, mean, std):
    """CDF of N(mean, std) at `x`, exact to float64 (through `math.erf`).

    Args:
        x: Array-like of any shape.
        mean: Mean of the normal distribution.
        std: Its standard deviation (> 0).

    Returns:
        float64 array of the shape of `x`, values in [0, 1].
    """
    z = (np.asarray(x, np.float64) - mean) / (std * math.sqrt(2.0))
    return 0.5 * (1.0 + _erf(z).astype(np.float64))


def ks_statistic(samples, mean, std):
    """One-sample Kolmogorov-Smirnov statistic of `samples` against N(mean, std).

    The largest distance between the empirical CDF (a step function, so both
    sides of each step count) and the normal CDF:
    `max_i max(i/n - F(x_(i)), F(x_(i)) - (i-1)/n)` over the sorted samples.

    Args:
        samples: Array-like of n >= 1 finite values (any shape; flattened).
        mean: Mean of the reference normal distribution.
        std: Its standard deviation (> 0).

    Returns:
        The statistic as a float in [0, 1].

    Raises:
        ValueError: if there are no samples or some are not finite.
    """
    x = np.sort(np.asarray(samples, np.float64).ravel())
    if x.size == 0:
        raise ValueError("the KS statistic needs at least one sample")
    if not np.all(np.isfinite(x)):
        raise ValueError("the samples contain NaN or infinite values")
    n = x.size
    cdf = normal_cdf(x, mean, std)
    above = np.arange(1, n + 1) / n - cdf
    below = cdf - np.arange(0, n) / n
    return float(max(above.max(), below.max()))


def describe_samples(samples, target):
    """Mean, (population) std and KS statistic of `samples` against `target`.

    Returns:
        dict with float "mean", "std", "ks"; a set of samples holding NaN or
        infinities gets NaN moments and a KS statistic of 1.0 (not converged).
    """
    x = np.asarray(samples, np.float64).ravel()
    if not np.all(np.isfinite(x)):
        return {"mean": float("nan"), "std": float("nan"), "ks": 1.0}
    return {"mean": float(x.mean()), "std": float(x.std()), "ks": ks_statistic(x, target.mean, target.std)}


def fixed_noise(gan, seed, n):
    """`n` noise vectors drawn from `(seed, 0)`: the same at every call.

    Training steps draw their noise from `(seed, step)` with step >= 1, so
    stream 0 is free for measurements, and the same noise at every
    measurement makes the trajectory free of sampling jitter.
    """
    return gan.sample_noise(np.random.default_rng([seed, 0]), n)


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

    def __init__(self, target, plot_path, history_path, interval, seed, samples=TRAJECTORY_SAMPLES):
        self.target = target
        self.plot_path = plot_path
        self.history_path = history_path
        self.interval = interval
        self.seed = seed
        self.samples = samples
        self.points = []

    def on_train_begin(self, run):
        self.noise = fixed_noise(run.gan, self.seed, self.samples)
        self.points = []
        if run.step > 0 and os.path.exists(self.history_path):
            from gan_keras.callbacks import read_history

            for row in read_history(self.history_path):
                step, mean, std = int(row["step"]), float(row.get("mean", "nan")), float(row.get("std", "nan"))
                if step <= run.step and math.isfinite(mean):
                    self.points.append((step, mean, std))

    def on_step_end(self, run, logs):
        if run.step == 1 or run.step % self.interval == 0 or run.step == run.config.total_steps:
            samples = run.gan.generate(self.noise)
            mean, std = float(np.mean(samples)), float(np.std(samples))
            logs.update(mean=mean, std=std)
            self.points.append((run.step, mean, std))

    def on_train_end(self, run):
        if self.points:
            save_trajectory_plot(self.points, self.target, self.plot_path)

    on_interrupt = on_train_end


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

    def __init__(self, target, path, seed, samples=EVAL_SAMPLES):
        self.target = target
        self.path = path
        self.seed = seed
        self.samples = samples
        self.result = None
        self.values = None

    def on_train_end(self, run):
        self.values = run.gan.generate(fixed_noise(run.gan, self.seed, self.samples)).ravel()
        result = describe_samples(self.values, self.target)
        result["converged"] = self.target.converged(result["mean"], result["std"], result["ks"])
        self.result = {"step": run.step, **result}
        save_histogram(self.values, self.target, self.path, title=f"step {run.step}: " + _summary(self.result))

    on_interrupt = on_train_end


@dataclasses.dataclass(frozen=True)
class StudyConfig:
    """What to train and how often.

    Attributes:
        target: The `Target`.
        runs: Number of runs; run i (1-based) uses seed `seed + i - 1`.
        latent_dim: Size of the uniform noise vector.
        batch_statistics: Whether the discriminator sees batch statistics.
        d_steps: Discriminator updates per step.
        g_steps: Generator updates per step.
        trajectory_interval: Steps between mean/std measurements.
    """

    target: Target = Target()
    runs: int = 1
    latent_dim: int = 4  # models.gaussian.LATENT_DIM
    batch_statistics: bool = True
    d_steps: int = 1
    g_steps: int = 1
    trajectory_interval: int = 100


def run_output_dir(output_dir, run, runs):
    """The folder of run `run` (1-based): `output_dir` itself for a single run, else `output_dir/run_NN`."""
    return output_dir if runs == 1 else os.path.join(output_dir, f"run_{run:02d}")


def run_study(config, study, steps_per_epoch, report=print):
    """Trains `study.runs` seeds of the Gaussian GAN and judges each.

    Every run is a standard run (`experiment.run_training`) with its own
    folder, seed and outputs: history.csv (with `mean` and `std` columns),
    losses.png, trajectory.png, histogram.png, checkpoint.npz,
    generator.keras. With several runs, `study.png` shows every final
    histogram side by side.

    The learning rates decay over the run's total steps (see
    `build_gaussian_gan`), so a resumed run repeats an uninterrupted one
    exactly when it keeps the same `--steps`/`--epochs`; resuming with more
    steps continues from a higher learning rate.

    Args:
        config: `experiment.RunConfig` of the first run (its seed is the
            first seed; `output_dir` holds all runs).
        study: `StudyConfig`.
        steps_per_epoch: Batches that count as one epoch.
        report: Called with one line of text after each run.

    Returns:
        `(rows, interrupted)`: rows are dicts with run, seed, step, mean, std,
        ks, converged, one per finished run.

    Raises:
        UserError: if a run's folder holds a run and neither `resume` nor
            `overwrite` is set (checked for all runs before training any).
    """
    from gan_keras.experiment import CHECKPOINT_FILE, run_training
    from gan_keras.models.gaussian import build_gaussian_gan
    from gan_keras.sources import GaussianSource

    target = study.target
    folders = [run_output_dir(config.output_dir, i, study.runs) for i in range(1, study.runs + 1)]
    taken = [f for f in folders if os.path.exists(os.path.join(f, CHECKPOINT_FILE))]
    if taken and not (config.resume or config.overwrite):
        raise UserError(
            f"{taken[0]} already holds a run ({CHECKPOINT_FILE}); pass --resume to continue, "
            f"--overwrite to start afresh, or choose another --output-dir",
            exit_code=2,
        )
    total_steps = config.total_steps(steps_per_epoch)
    rows, samples = [], []
    for i, folder in enumerate(folders, start=1):
        os.makedirs(folder, exist_ok=True)
        run_config = dataclasses.replace(config, output_dir=folder, seed=config.seed + i - 1)
        seed = run_config.seed
        trajectory = MomentTrajectory(target, os.path.join(folder, "trajectory.png"),
                                      os.path.join(folder, "history.csv"), study.trajectory_interval, seed)
        histogram = FinalHistogram(target, os.path.join(folder, "histogram.png"), seed)
        source = GaussianSource(target.mean, target.std, batch_size=run_config.batch_size, seed=seed,
                                batches_per_epoch=steps_per_epoch)
        run = run_training(
            run_config,
            lambda: build_gaussian_gan(target.mean, target.std, latent_dim=study.latent_dim,
                                       batch_statistics=study.batch_statistics,
                                       decay_steps=total_steps, d_steps=study.d_steps, g_steps=study.g_steps),
            source,
            loop=dict(d_steps=study.d_steps, g_steps=study.g_steps),
            callbacks=[trajectory, histogram],
            image_grid=False,
        )
        if run.interrupted:
            return rows, True
        rows.append({"run": i, "seed": seed, **histogram.result})
        samples.append(histogram.values)
        report(f"run {i}/{study.runs} (seed {seed}): " + _summary(histogram.result))
    if study.runs > 1:
        save_study_plot(samples, rows, target, os.path.join(config.output_dir, "study.png"))
    return rows, False


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
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(table, f, indent=1, allow_nan=False)
        f.write("\n")
    os.replace(tmp, path)


def save_trajectory_plot(points, target, path):
    """Plots `(step, mean, std)` points with the target and its tolerance band."""
    plt = _pyplot()
    steps, means, stds = (np.asarray(c, np.float64) for c in zip(*points))
    fig, axes = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True)
    for axis, values, goal, name in ((axes[0], means, target.mean, "mean"), (axes[1], stds, target.std, "std")):
        axis.axhspan(goal - target.tolerance, goal + target.tolerance, color="tab:green", alpha=0.15,
                     label="converged band")
        axis.axhline(goal, color="tab:green", linestyle="--", label=f"target {goal:g}")
        axis.plot(steps, values, marker="o", markersize=3, label=f"generator {name}")
        axis.set_ylabel(name)
        axis.grid(alpha=0.3)
        axis.legend(loc="best", fontsize="small")
    axes[-1].set_xlabel("step")
    axes[0].set_title(f"generator moments on {TRAJECTORY_SAMPLES:,} samples, target N({target.mean:g}, {target.std:g})")
    fig.tight_layout()
    _save_figure(fig, path)


def save_histogram(values, target, path, title=""):
    """Plots a density histogram of `values` over the target's density."""
    plt = _pyplot()
    fig, axis = plt.subplots(figsize=(7, 4))
    _draw_histogram(axis, values, target)
    axis.set_title(title, fontsize="medium")
    axis.legend(loc="upper right", fontsize="small")
    fig.tight_layout()
    _save_figure(fig, path)


def save_study_plot(samples, rows, target, path):
    """Small multiples: the final histogram of every run of a study."""
    plt = _pyplot()
    cols = min(len(samples), 5)
    nrows = -(-len(samples) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(3.2 * cols, 2.6 * nrows), squeeze=False, sharex=True)
    for axis in axes.ravel()[len(samples):]:
        axis.axis("off")
    for axis, values, row in zip(axes.ravel(), samples, rows):
        _draw_histogram(axis, values, target)
        verdict = "ok" if row["converged"] else "NOT converged"
        axis.set_title(f"run {row['run']} (seed {row['seed']}): KS {row['ks']:.3f}, {verdict}", fontsize="small")
        axis.tick_params(labelsize="small")
    fig.tight_layout()
    _save_figure(fig, path)


def _draw_histogram(axis, values, target):
    values = np.asarray(values, np.float64)
    finite = values[np.isfinite(values)]
    low, high = target.mean - 4 * target.std, target.mean + 4 * target.std
    if finite.size:
        low, high = min(low, finite.min()), max(high, finite.max())
        axis.hist(finite, bins=80, range=(low, high), density=True, alpha=0.6, label="generator")
    x = np.linspace(low, high, 400)
    axis.plot(x, target.density(x), color="black", label=f"N({target.mean:g}, {target.std:g})")
    axis.set_xlim(low, high)


def _json_value(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _summary(result):
    verdict = "converged" if result["converged"] else "NOT converged"
    return f"mean {result['mean']:.4f}, std {result['std']:.4f}, KS {result['ks']:.4f}: {verdict}"


def _pyplot():
    from gan_keras import plotting  # noqa: F401 (selects the Agg backend)
    import matplotlib.pyplot as plt

    return plt


def _save_figure(fig, path):
    plt = _pyplot()
    tmp = f"{path}.tmp"
    try:
        fig.savefig(tmp, dpi=90, format="png")
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)
