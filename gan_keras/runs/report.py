"""A one-page Markdown report of a run: settings, final numbers, curves, last grid."""

import json
import math
import os

import numpy as np

from gan_keras.core import fileio
from gan_keras.evaluation.translation import METRICS_FILE, finite_or_none, metrics_markdown
from gan_keras.training.callbacks import read_history
from gan_keras.training.loop import Callback

LOSS_COLUMNS = ("d_loss_real", "d_loss_fake", "d_acc", "g_loss", "scam_ratio")
OPTIONAL_LOSS_COLUMNS = ("g_content", "d_loss_wrong")  # shown when the GAN logs them
METRIC_COLUMNS = ("fd", "kid", "classifier_score", "precision", "recall", "density", "coverage",
                  "conditional_accuracy")


class RunReport(Callback):
    """Writes `report.md` in the run folder at the end of a run (and on Ctrl-C).

    The report holds the run's settings, the mean losses of its last steps,
    every evaluation (if the run had an `EvaluationCallback`) with the
    real-data floor at the same sample count, the best generator, and links to
    `losses.png` and the newest sample grid, so runs can be compared at a glance.

    Args:
        output_dir: The run folder (holding history.csv, losses.png, samples/).
        settings: dict of the run's settings to list.
        evaluation: The run's `EvaluationCallback`, or None.
        last_steps: Steps averaged for the final losses.
        sections: Callbacks whose `report_lines()` are added (e.g. held-out test metrics).
    """

    def __init__(self, output_dir, settings, evaluation=None, last_steps=50, sections=()):
        self.output_dir = output_dir
        self.settings = settings
        self.evaluation = evaluation
        self.last_steps = last_steps
        self.sections = list(sections)

    def on_train_end(self, run):
        fileio.write_text(os.path.join(self.output_dir, "report.md"), self.render(run))

    on_interrupt = on_train_end

    def render(self, run):
        """Returns the report's Markdown text."""
        rows = read_history(os.path.join(self.output_dir, "history.csv"))
        status = "interrupted" if run.interrupted else "finished"
        lines = [f"# Run report: {self.settings.get('model', 'gan')}", "",
                 f"{status} at step {run.step} of {run.config.total_steps}.", "", "## Settings", "",
                 "| setting | value |", "|---|---|"]
        lines += [f"| {key} | {value} |" for key, value in self.settings.items()]
        recent = rows[-self.last_steps:]
        columns = LOSS_COLUMNS + tuple(c for c in OPTIONAL_LOSS_COLUMNS if any(_finite(r.get(c)) for r in recent))
        lines += ["", f"## Losses (mean of the last {len(recent)} steps)", "",
                  "| " + " | ".join(columns) + " |", "|" + "---:|" * len(columns),
                  "| " + " | ".join(_mean(recent, c) for c in columns) + " |"]
        evaluated = [r for r in rows if _finite(r.get("fd"))]
        if evaluated:
            columns = [c for c in METRIC_COLUMNS if any(_finite(r.get(c)) for r in evaluated)]
            lines += ["", "## Evaluation", "", "| step | " + " | ".join(columns) + " |",
                      "|---:|" + "---:|" * len(columns)]
            lines += ["| " + " | ".join([r["step"]] + [_cell(r.get(c)) for c in columns]) + " |" for r in evaluated]
            floor = self._floor()
            if floor:
                lines.append("| real-data floor | " + " | ".join(_cell(floor.get(c)) for c in columns) + " |")
            averaged = [r for r in evaluated if _finite(r.get("ema_fd"))]
            if averaged:
                lines += ["", "### Averaged generator (EMA)", "", "| step | " + " | ".join(columns) + " |",
                          "|---:|" + "---:|" * len(columns)]
                lines += ["| " + " | ".join([r["step"]] + [_cell(r.get("ema_" + c)) for c in columns]) + " |"
                          for r in averaged]
            best = os.path.join(self.output_dir, "best_generator_metrics.json")
            if os.path.exists(best):
                with open(best) as f:
                    info = json.load(f)
                which = {"ema_generator": ", the averaged generator"}.get(info.get("generator"), "")
                lines += ["", f"Best generator (lowest FD): `best_generator.keras`, step {info.get('step')}{which}, "
                              f"FD {_cell(info.get('fd', info.get('metrics', {}).get('fd')))}."]
        if self.evaluation is not None:
            lines += self.evaluation.report_lines()
        for section in self.sections:
            lines += section.report_lines()
        lines += ["", "## Curves", "", "![losses](losses.png)", ""]
        if os.path.exists(os.path.join(self.output_dir, "samples", "last.png")):
            lines += ["## Last samples", "", "![samples](samples/last.png)", ""]
        return "\n".join(lines)

    def _floor(self):
        if self.evaluation is None or self.evaluation.evaluator is None:
            return None
        try:
            return self.evaluation.evaluator.floor()
        except ValueError:
            return None


def _finite(text):
    try:
        return math.isfinite(float(text))
    except (TypeError, ValueError):
        return False


def _mean(rows, column):
    values = [float(r[column]) for r in rows if _finite(r.get(column))]
    return f"{np.mean(values):.4g}" if values else "-"


def _cell(value):
    return f"{float(value):.4g}" if _finite(value) else "-"


class FolderSection(Callback):
    """The report's section on a folder of the user's pictures: what was read, and every file left out.

    Args:
        folder: The run's `gan_keras.data.image_folder.ImageFolder`.
    """

    def __init__(self, folder):
        self.folder = folder

    def report_lines(self):
        folder = self.folder
        lines = ["", "## Training pictures", "", folder.summary(), "", f"Prepared once into `{folder.cache}` (digest "
                 f"`{folder.digest}`)."]
        if folder.class_names:
            counts = np.bincount(folder.labels, minlength=len(folder.class_names))
            lines += ["", "| class | name | images |", "|---:|---|---:|"]
            lines += [f"| {i} | {name} | {count:,} |" for i, (name, count) in enumerate(zip(folder.class_names,
                                                                                          counts))]
        if folder.skipped:
            lines += ["", f"Skipped ({len(folder.skipped)}):", ""]
            lines += [f"- `{name}`: {reason}" for name, reason in folder.skipped]
        return lines


def combine_phase_reports(output_dir, phases):
    """One table of every phase's held-out metrics (baselines once), in `DIR/report.md` and `DIR/test_metrics.json`.

    Args:
        output_dir: The folder holding one run folder per phase.
        phases: The phases' folder names, in order (e.g. "srresnet", "srgan").

    Returns:
        The rows `(name, metrics)`.
    """
    rows, seen = [], set()
    for phase in phases:
        with open(os.path.join(output_dir, phase, METRICS_FILE)) as f:
            for row in json.load(f)["rows"]:
                name = row.pop("name")
                if name not in seen:
                    seen.add(name)
                    rows.append((name, {k: (math.nan if v is None else v) for k, v in row.items()}))
    fileio.write_text(os.path.join(output_dir, METRICS_FILE),
                      json.dumps({"rows": [{"name": n, **finite_or_none(m)} for n, m in rows]}, indent=1))
    lines = ["# Held-out results of every phase", "", metrics_markdown(rows), "",
             "Each phase's run (history, grids, checkpoint, generator, report) is in its folder: "
             + ", ".join(f"[{p}]({p}/report.md)" for p in phases) + "."]
    fileio.write_text(os.path.join(output_dir, "report.md"), "\n".join(lines) + "\n")
    print(metrics_markdown(rows))
    return rows
