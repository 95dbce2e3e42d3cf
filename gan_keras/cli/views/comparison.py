"""Runs side by side: their metric curves in one plot, their settings and final metrics in one table.

`gan-keras compare RUN_DIR...` reads what every run folder already holds
(`history.csv`, the settings in `checkpoint.npz`, `best_generator_metrics.json`)
and writes `PREFIX.md` and `PREFIX.png`, so the effect of a change (batch size,
normalisation, `--ema`) shows at a glance.
"""

import dataclasses
import json
import math
import os

from gan_keras.core import fileio
from gan_keras.core.errors import UserError
from gan_keras.sampling.plotting import plt
from gan_keras.training import checkpoint
from gan_keras.training.callbacks import number, read_history, steps_per_epoch

CURVES = (("fd", "FD (lower is better)"), ("kid", "KID (lower is better)"),
          ("classifier_score", "classifier score (higher is better)"))
FINAL = (("fd", "FD", "{:.2f}"), ("kid", "KID", "{:.4g}"), ("classifier_score", "score", "{:.2f}"),
         ("precision", "precision", "{:.3f}"), ("recall", "recall", "{:.3f}"),
         ("conditional_accuracy", "cond. acc.", "{:.3f}"))


@dataclasses.dataclass
class RunSummary:
    """What a comparison knows of one run.

    Attributes:
        name: Its label (the folder's name, or its path when names repeat).
        path: The run folder.
        settings: The settings stored in its checkpoint (model, seed, batch
            size, the model config...), empty without a checkpoint.
        evaluations: The evaluated history rows, as dicts of floats.
        steps: Steps trained (the history's last step).
        steps_per_epoch: From the history (rows of epoch 1), or None for a
            run shorter than two epochs.
        best: `best_generator_metrics.json`, or None.
    """

    name: str
    path: str
    settings: dict
    evaluations: list
    steps: int
    steps_per_epoch: int | None
    best: dict | None


def read_run(path, name=None):
    """The `RunSummary` of run folder `path`.

    Raises:
        UserError: (exit status 1) if `path` holds no readable `history.csv`.
    """
    history = os.path.join(path, "history.csv")
    try:
        rows = read_history(history)
    except FileNotFoundError:
        raise UserError(f"{path} holds no history.csv, and no folder in it holds one: give a training run's "
                        f"folder (or a run of phases, e.g. outputs/srgan_photos)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read {history}: {error}") from None
    if not rows:
        raise UserError(f"{history} holds no steps yet")
    numbers = [{key: number(value) for key, value in row.items()} for row in rows]
    settings = {}
    if os.path.exists(os.path.join(path, "checkpoint.npz")):
        settings = checkpoint.read_checkpoint_header(os.path.join(path, "checkpoint.npz"))["settings"]
    best = None
    best_path = os.path.join(path, "best_generator_metrics.json")
    if os.path.exists(best_path):
        with open(best_path) as f:
            best = json.load(f)
    return RunSummary(
        name=name or os.path.basename(os.path.normpath(path)), path=path, settings=settings,
        evaluations=[row for row in numbers if math.isfinite(row.get("fd", math.nan))],
        steps=int(numbers[-1]["step"]), steps_per_epoch=steps_per_epoch(rows), best=best)


def run_folders(paths):
    """The run folders of `paths`: a run of phases (SRGAN, StackGAN) stands for its phases' folders.

    A folder without `history.csv` whose sub-folders hold one (`DIR/srresnet`,
    `DIR/srgan`) is replaced by those sub-folders, in name order.

    Returns:
        The folders to compare, each holding `history.csv` or left for
        `read_run` to refuse.
    """
    folders = []
    for path in paths:
        phases = [] if os.path.exists(os.path.join(path, "history.csv")) else sorted(
            os.path.join(path, name) for name in os.listdir(path)
            if os.path.isfile(os.path.join(path, name, "history.csv")))
        folders.extend(phases or [path])
    return folders


def read_runs(paths):
    """`RunSummary`s of `paths`, named by folder (by path where two folders share a name)."""
    names = [os.path.basename(os.path.normpath(p)) for p in paths]
    return [read_run(p, name if names.count(name) == 1 else p) for p, name in zip(paths, names)]


def markdown(runs, plot_name=None):
    """The comparison as Markdown: settings side by side (differences in bold), final and best metrics."""
    keys = []
    for run in runs:
        keys += [k for k in run.settings if k not in keys]
    lines = ["# Run comparison", "", "## Settings", "", "| setting | " + " | ".join(r.name for r in runs) + " |",
             "|---|" + "---|" * len(runs)]
    for key in keys:
        values = [str(_setting(r, key, runs)) for r in runs]
        differ = len(set(values)) > 1
        lines.append(f"| {'**' + key + '**' if differ else key} | "
                     + " | ".join(f"**{v}**" if differ else v for v in values) + " |")
    lines.append("| steps trained | " + " | ".join(f"{r.steps:,}" for r in runs) + " |")
    lines += ["", "## Final evaluation", "", "The last evaluation of each run; `EMA` rows are its averaged "
              "generator (`--ema`). Compare FD and KID only at the same sample count.", "",
              "| run | step | " + " | ".join(heading for _, heading, _ in FINAL) + " |",
              "|---|---:|" + "---:|" * len(FINAL)]
    for run in runs:
        if not run.evaluations:
            lines.append(f"| {run.name} | - | " + " | ".join("-" for _ in FINAL) + " |")
            continue
        last = run.evaluations[-1]
        for prefix, label in (("", run.name), ("ema_", f"{run.name} (EMA)")):
            if prefix and not math.isfinite(last.get("ema_fd", math.nan)):
                continue
            lines.append(f"| {label} | {int(last['step']):,} | "
                         + " | ".join(_cell(last.get(prefix + key), form) for key, _, form in FINAL) + " |")
    lines += ["", "## Best of each run (lowest FD)", "", "| run | step | generator | FD |", "|---|---:|---|---:|"]
    for run in runs:
        if run.best is not None:
            lines.append(f"| {run.name} | {run.best.get('step', '-')} | {run.best.get('generator', 'generator')} | "
                         f"{_cell(run.best.get('fd'), '{:.2f}')} |")
    if plot_name:
        lines += ["", f"![comparison]({plot_name})", ""]
    return "\n".join(lines) + "\n"


def plot(runs, path):
    """Draws the FD, KID and score curves of `runs` (the averaged generators dashed) into the PNG `path`."""
    by_epoch = all(r.steps_per_epoch for r in runs if r.evaluations)
    figure, axes = plt.subplots(1, len(CURVES), figsize=(5 * len(CURVES), 3.8))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, run in enumerate(runs):
        if not run.evaluations:
            continue
        x = [row["step"] / run.steps_per_epoch if by_epoch else row["step"] for row in run.evaluations]
        for axis, (key, title) in zip(axes, CURVES):
            color = colors[i % len(colors)]
            axis.plot(x, [row.get(key, math.nan) for row in run.evaluations], "o-", color=color, label=run.name,
                      markersize=3)
            if any(math.isfinite(row.get("ema_" + key, math.nan)) for row in run.evaluations):
                axis.plot(x, [row.get("ema_" + key, math.nan) for row in run.evaluations], "s--", color=color,
                          label=f"{run.name} (EMA)", markersize=3)
    for axis, (key, title) in zip(axes, CURVES):
        axis.set_title(title)
        axis.set_xlabel("epoch" if by_epoch else "step")
        axis.grid(alpha=0.3)
        if key in ("fd", "kid"):
            axis.set_yscale("log")
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    with fileio.atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=110, format="png")
    plt.close(figure)


def write_comparison(paths, prefix):
    """Writes `prefix.md` and `prefix.png` for the run folders `paths` (phases: `run_folders`); returns the two paths."""
    runs = read_runs(run_folders(paths))
    png, md = prefix + ".png", prefix + ".md"
    plot(runs, png)
    fileio.write_text(md, markdown(runs, os.path.basename(png)))
    return md, png


def _setting(run, key, runs):
    """A run's setting; one its checkpoint predates (`checkpoint.MISSING_SETTINGS`) where a run of the same
    model records it; "-" for a setting its model does not have."""
    if key in run.settings:
        return run.settings[key]
    model = run.settings.get("model")
    if key in checkpoint.MISSING_SETTINGS and any(key in r.settings and r.settings.get("model") == model for r in runs):
        return checkpoint.MISSING_SETTINGS[key]
    return "-"


def _cell(value, form):
    return form.format(value) if isinstance(value, (int, float)) and math.isfinite(value) else "-"
