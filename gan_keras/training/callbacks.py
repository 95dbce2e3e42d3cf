"""Side effects of a training run: grids, history, plots, checkpoints, models.

Each callback owns one file (or folder) under the run's output directory.
"""

import csv
import json
import math
import os

import numpy as np

from gan_keras.sampling import artifact
from gan_keras.training import checkpoint
from gan_keras.core import fileio
from gan_keras.sampling import layout, plotting
from gan_keras.core.errors import UserError
from gan_keras.training.loop import HISTORY_FIELDS, Callback


class AverageUpdater(Callback):
    """Moves the averaged generator (`GAN.ema`, see `gan_keras.training.ema`) after every step; runs first."""

    def on_step_end(self, run, logs):
        run.gan.ema.update(run.step)  # the warm-up's decay comes from the step: a resumed run goes on exactly


def generator_of(run, averaged):
    """`run.gan`, or with `averaged` the same GAN with its averaged generator (statistics re-estimated)."""
    return run.gan.ema.view(run.gan, run.source) if averaged else run.gan


class SampleGrid(Callback):
    """Saves a grid of samples from one fixed noise batch every `interval` steps.

    The same noise (and, for a conditional GAN, one row per class) is used at
    every save, so grids over time show how the same latent points evolve.
    Files: `samples/step_NNNNNNN.png`; the last one is also `samples/last.png`.
    The rows of a generator of named classes (a folder's) are labelled with
    the names.
    With `averaged`, the grids of the averaged generator (`--ema`), in
    their own folder (`samples_ema/`).

    Args:
        directory: Folder of the PNG files.
        interval: Save every this many steps (and always at the end).
        seed: Seed of the fixed noise.
        rows: Grid rows (classes of a conditional GAN, one per row).
        cols: Grid columns.
        preview: For an image-conditioned GAN, fixed held-out `(inputs,
            targets)` pairs: the grid shows rows of inputs, outputs and
            targets, `cols` pairs per group of three rows (inputs smaller
            than the outputs are enlarged, nearest neighbour). For a
            captioned GAN, fixed `(captions, caption vectors)`: one row per
            caption, printed beside it, the previous stage's samples of the
            same noise beside this one's.
        averaged: Draw with the averaged generator (`--ema`).
    """

    def __init__(self, directory, interval, seed, rows=10, cols=10, preview=None, averaged=False):
        self.directory = directory
        self.interval = interval
        self.seed = seed
        self.rows = rows
        self.cols = cols
        self.preview = preview
        self.averaged = averaged

    def on_train_begin(self, run):
        os.makedirs(self.directory, exist_ok=True)
        # Training steps draw from (seed, step) with step >= 1; step 0 is free.
        rng = np.random.default_rng([self.seed, 0])
        self.noise, self.labels, self.rows = layout.grid_inputs(run.gan.condition, rng, run.gan.sample_noise, self.rows,
                                                                           self.cols, self.preview)
        if run.step == 0:
            self.save(run)

    def saves_at(self, step):
        return step % self.interval == 0

    def on_step_end(self, run, logs):
        if self.saves_at(run.step):
            self.save(run)

    def on_train_end(self, run):
        if run.step % self.interval != 0:
            self.save(run)

    on_interrupt = on_train_end

    def save(self, run):
        """Writes the grid of the current generator; returns its path."""
        gan = generator_of(run, self.averaged)
        images = gan.to_tanh_range(gan.generate(self.noise, self.labels))
        rows = self.rows
        path = os.path.join(self.directory, f"step_{run.step:07d}.png")
        if layout.grid_kind(gan.condition) == layout.GRID_CAPTIONS:
            panels, titles = [images], [f"{gan.name} (step {run.step})"]
            if gan.previous_stage is not None:
                panels.insert(0, gan.to_tanh_range(gan.generate_previous_stage(self.noise, self.labels)))
                titles.insert(0, "previous stage (enlarged)")
            for target in (path, os.path.join(self.directory, "last.png")):
                plotting.save_caption_grid(panels, list(self.preview[0]), target, titles)
            return path
        names = getattr(gan.condition, "class_names", None)
        if names:  # a folder's classes: each row labelled with its class's name
            captions = [f"{label} {names[label]}" for label in self.labels[::self.cols]]
            for target in (path, os.path.join(self.directory, "last.png")):
                plotting.save_caption_grid([images], captions, target, [f"{gan.name} (step {run.step})"])
            return path
        if layout.grid_kind(gan.condition) == layout.GRID_TRANSLATIONS:
            images, rows = plotting.translation_rows(self.preview[0], images, self.preview[1], self.cols)
        plotting.save_image_grid(images, path, rows, self.cols)
        plotting.save_image_grid(images, os.path.join(self.directory, "last.png"), rows, self.cols)
        return path


class History(Callback):
    """Appends one CSV row per step and redraws the loss plot now and then.

    A fresh run (step 0) starts the file anew. A resumed run keeps the rows
    up to the checkpoint's step, which must be steps 1..k, each intact, and
    drops the rows after it (a run that died after its last checkpoint, or a
    row cut off by a full disk), saying so in one line; every column of the
    kept rows stays, also metric columns the resumed run does not fill. Rows
    are flushed at every step and forced to disk (`sync`) before each
    checkpoint.

    Args:
        csv_path: The `history.csv` file.
        plot_path: The loss plot PNG.
        plot_interval: Redraw the plot every this many steps (and at the end).
        extra_fields: Further columns filled from the step's logs when present
            (NaN otherwise), e.g. evaluation metrics.

    Raises:
        UserError: (exit status 1) on resume if the file is missing or a row
            at or before the checkpoint's step is damaged or missing; if a
            row cannot be written (e.g. a full disk), naming the file.
    """

    def __init__(self, csv_path, plot_path, plot_interval, extra_fields=()):
        self.csv_path = csv_path
        self.plot_path = plot_path
        self.plot_interval = plot_interval
        self.columns = list(HISTORY_FIELDS) + [f for f in extra_fields if f not in HISTORY_FIELDS]
        self._file = None

    def on_train_begin(self, run):
        rows = []
        if run.step > 0:
            header, rows = read_resumable_history(self.csv_path, run.step)
            self.columns = header + [c for c in self.columns if c not in header]
        with fileio.atomic_write(self.csv_path, newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self.columns, extrasaction="ignore", restval="nan")
            writer.writeheader()
            writer.writerows(rows)
        self._file = open(self.csv_path, "a", newline="")
        self._writer = csv.DictWriter(self._file, fieldnames=self.columns, extrasaction="ignore", restval="nan")

    def on_step_end(self, run, logs):
        try:
            self._writer.writerow({k: _format(v) for k, v in logs.items()})
            self._file.flush()
        except OSError as error:
            raise UserError(f"cannot write {self.csv_path}: {error.strerror or error}") from None
        if run.step % self.plot_interval == 0:
            self.plot()

    def sync(self):
        """Forces the rows written so far to disk (before a checkpoint claims their step)."""
        if self._file is not None and not self._file.closed:
            try:
                self._file.flush()
                os.fsync(self._file.fileno())
            except OSError as error:
                raise UserError(f"cannot write {self.csv_path}: {error.strerror or error}") from None

    def on_train_end(self, run):
        self.sync()
        self._file.close()
        self.plot()

    on_interrupt = on_train_end

    def on_abort(self, run):
        if self._file is not None and not self._file.closed:
            self._file.close()

    def plot(self):
        rows = read_history(self.csv_path)
        if rows:
            columns = {name: [number(row.get(name)) for row in rows] for name in self.columns}
            plotting.save_loss_plot(columns, self.plot_path)


def read_resumable_history(path, step):
    """The header and rows 1..`step` of a history to resume after `step`; later rows are dropped.

    Args:
        path: The `history.csv` file.
        step: The checkpoint's step.

    Returns:
        `(header, rows)`: the column names and `step` rows (dicts of strings).

    Raises:
        UserError: (exit status 1) if the file is missing or unreadable, or a
            row at or before `step` is missing or damaged (wrong number of
            fields, a value that is not a number).
    """
    remedy = "restore it from a copy, or start afresh with --overwrite"
    try:
        with open(path, newline="") as f:
            lines = list(csv.reader(f))
    except FileNotFoundError:
        raise UserError(f"{path} is missing, but the checkpoint is at step {step}: {remedy}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise UserError(f"cannot read {path} ({error}): {remedy}") from None
    if not lines or "step" not in lines[0]:
        raise UserError(f"{path} has no header row: {remedy}")
    header, body = lines[0], lines[1:]
    rows, dropped, damaged_tail = [], 0, 0
    for number, cells in enumerate(body, start=2):
        row = dict(zip(header, cells)) if len(cells) == len(header) else None
        valid = row is not None and all(_is_number(value) for value in row.values())
        row_step = _step_of(cells, header)
        if row_step is not None and row_step <= step and len(rows) < step:
            if not valid:
                raise UserError(f"{path} line {number} (step {row_step}) is damaged: {remedy}")
            if row_step != len(rows) + 1:
                raise UserError(f"{path} line {number} holds step {row_step} where step {len(rows) + 1} belongs: "
                                f"{remedy}")
            rows.append(row)
        else:
            dropped += 1
            damaged_tail += not valid
    if len(rows) != step:
        raise UserError(f"{path} holds {len(rows)} intact rows, but the checkpoint is at step {step}: {remedy}")
    if dropped:
        cut = f", {damaged_tail} of them cut off or damaged" if damaged_tail else ""
        print(f"{path}: dropped {dropped} row(s) after step {step}, the checkpoint's{cut}")
    return header, rows


class Checkpointer(Callback):
    """Saves the full training state every `interval` steps, at the end, and on Ctrl-C.

    Args:
        path: The checkpoint file (replaced atomically at each save).
        interval: Save every this many steps.
        settings: Settings a resumed run must share (see `gan_keras.training.checkpoint`).
        history: The run's `History`, forced to disk before each checkpoint so
            that a checkpoint never claims a step whose row could be lost.
    """

    def __init__(self, path, interval, settings, history=None):
        self.path = path
        self.interval = interval
        self.settings = settings
        self.history = history
        self._saved_step = None

    def saves_at(self, step):
        return step % self.interval == 0

    def on_step_end(self, run, logs):
        if self.saves_at(run.step):
            self._save(run)

    def on_train_end(self, run):
        if self._saved_step != run.step:
            self._save(run)

    on_interrupt = on_train_end

    def _save(self, run):
        if self.history is not None:
            self.history.sync()
        checkpoint.save_checkpoint(self.path, run.gan, run.step, self.settings)
        self._saved_step = run.step


class ModelSaver(Callback):
    """Saves the generator (with its info, see `gan_keras.sampling.artifact`) at the end of the run and on Ctrl-C.

    Args:
        path: The generator's file, e.g. `generator.keras`.
        averaged_path: Where the averaged generator (`--ema`) goes, e.g.
            `ema_generator.keras`; None without one.
    """

    def __init__(self, path, averaged_path=None):
        self.path = path
        self.averaged_path = averaged_path

    def on_train_end(self, run):
        artifact.save_gan_generator(self.path, run.gan)
        if self.averaged_path is not None:
            artifact.save_gan_generator(self.averaged_path, generator_of(run, True))

    on_interrupt = on_train_end


class KeptGenerators(Callback):
    """Keeps the generator every `interval` steps (`--keep-generators`), so any point of a run can be restored.

    Files in `directory`: `step_NNNNNNN.keras` (with its `.json` info, so
    `gan-keras sample` and `evaluate` take it), `ema_step_NNNNNNN.keras` for
    the averaged generator (`--ema`), and `step_NNNNNNN_metrics.json`
    holding the step, its epoch and, when the step was evaluated, the
    metrics of both (`fd`, ..., `ema_fd`, ...). Runs after the evaluation,
    whose metrics it reads from the step's logs. A fresh run starts with an
    empty folder; a resumed one replaces the files of the steps it repeats.

    Args:
        directory: The folder, e.g. `generators/`.
        interval: Keep every this many steps.
        metrics: The metric columns to copy from the logs.
    """

    def __init__(self, directory, interval, metrics=()):
        self.directory = directory
        self.interval = interval
        self.metrics = tuple(metrics)

    def on_train_begin(self, run):
        os.makedirs(self.directory, exist_ok=True)

    def saves_at(self, step):
        return step % self.interval == 0

    def on_step_end(self, run, logs):
        if not self.saves_at(run.step):
            return
        name = os.path.join(self.directory, f"step_{run.step:07d}")
        artifact.save_gan_generator(name + ".keras", run.gan)
        if run.gan.ema is not None:
            artifact.save_gan_generator(os.path.join(self.directory, f"ema_step_{run.step:07d}.keras"),
                                        generator_of(run, True))
        record = {"step": run.step, "epoch": logs.get("epoch")}
        record.update({k: float(logs[k]) for k in self.metrics if k in logs and math.isfinite(float(logs[k]))})
        fileio.write_text(name + "_metrics.json", json.dumps(record, indent=1))


def read_history(path):
    """Reads a `history.csv` into a list of dicts (strings)."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def steps_per_epoch(rows):
    """Steps of one epoch from history rows (those of epoch 1), or None before epoch 2 or without epochs."""
    epochs = [number(row.get("epoch")) for row in rows]
    return epochs.index(2) if 2 in epochs else None


def _is_number(text):
    try:
        float(text)
        return True
    except (TypeError, ValueError):
        return False


def number(text):
    """A history cell as a float (NaN when empty or not a number)."""
    return float(text) if _is_number(text) else math.nan


def _step_of(cells, header):
    try:
        return int(cells[header.index("step")])
    except (ValueError, IndexError):
        return None


def _format(value):
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.6g}"
    return value
