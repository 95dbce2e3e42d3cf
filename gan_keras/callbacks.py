"""Side effects of a training run: grids, history, plots, checkpoints, models.

Each callback owns one file (or folder) under the run's output directory.
"""

import csv
import math
import os

import numpy as np

from gan_keras import checkpoint, fileio, plotting
from gan_keras.training import HISTORY_FIELDS, Callback


class SampleGrid(Callback):
    """Saves a grid of samples from one fixed noise batch every `interval` steps.

    The same noise (and, for a conditional GAN, one row per class) is used at
    every save, so grids over time show how the same latent points evolve.
    Files: `samples/step_NNNNNNN.png`; the last one is also `samples/last.png`.

    Args:
        directory: Folder of the PNG files.
        interval: Save every this many steps (and always at the end).
        seed: Seed of the fixed noise.
        rows: Grid rows (classes of a conditional GAN, one per row).
        cols: Grid columns.
    """

    def __init__(self, directory, interval, seed, rows=10, cols=10):
        self.directory = directory
        self.interval = interval
        self.seed = seed
        self.rows = rows
        self.cols = cols

    def on_train_begin(self, run):
        os.makedirs(self.directory, exist_ok=True)
        # Training steps draw from (seed, step) with step >= 1; step 0 is free.
        rng = np.random.default_rng([self.seed, 0])
        gan = run.gan
        if gan.conditional:
            column_noise = gan.sample_noise(rng, self.cols)
            self.noise = np.tile(column_noise, (self.rows, 1))
            self.labels = np.repeat(np.arange(self.rows) % gan.num_classes, self.cols)
        else:
            self.noise = gan.sample_noise(rng, self.rows * self.cols)
            self.labels = None
        if run.step == 0:
            self.save(run)

    def on_step_end(self, run, logs):
        if run.step % self.interval == 0:
            self.save(run)

    def on_train_end(self, run):
        if run.step % self.interval != 0:
            self.save(run)

    on_interrupt = on_train_end

    def save(self, run):
        """Writes the grid of the current generator; returns its path."""
        images = run.gan.to_tanh_range(run.gan.generate(self.noise, self.labels))
        path = os.path.join(self.directory, f"step_{run.step:07d}.png")
        plotting.save_image_grid(images, path, self.rows, self.cols)
        plotting.save_image_grid(images, os.path.join(self.directory, "last.png"), self.rows, self.cols)
        return path


class History(Callback):
    """Appends one CSV row per step and redraws the loss plot now and then.

    On resume, rows after the checkpoint's step are dropped first, so the
    file holds every step exactly once.

    Args:
        csv_path: The `history.csv` file.
        plot_path: The loss plot PNG.
        plot_interval: Redraw the plot every this many steps (and at the end).
        extra_fields: Further columns filled from the step's logs when present
            (NaN otherwise), e.g. evaluation metrics.
    """

    def __init__(self, csv_path, plot_path, plot_interval, extra_fields=()):
        self.csv_path = csv_path
        self.plot_path = plot_path
        self.plot_interval = plot_interval
        self.fields = list(HISTORY_FIELDS) + [f for f in extra_fields if f not in HISTORY_FIELDS]
        self._file = None

    def on_train_begin(self, run):
        rows = read_history(self.csv_path) if run.step > 0 and os.path.exists(self.csv_path) else []
        rows = [row for row in rows if int(row["step"]) <= run.step]
        with fileio.atomic_write(self.csv_path, newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self.fields, extrasaction="ignore", restval="nan")
            writer.writeheader()
            writer.writerows(rows)
        self._file = open(self.csv_path, "a", newline="")
        self._writer = csv.DictWriter(self._file, fieldnames=self.fields, extrasaction="ignore", restval="nan")

    def on_step_end(self, run, logs):
        self._writer.writerow({k: _format(v) for k, v in logs.items()})
        self._file.flush()
        if run.step % self.plot_interval == 0:
            self.plot()

    def on_train_end(self, run):
        self._file.close()
        self.plot()

    on_interrupt = on_train_end

    def plot(self):
        rows = read_history(self.csv_path)
        if rows:
            columns = {name: [float(row[name]) for row in rows] for name in self.fields}
            plotting.save_loss_plot(columns, self.plot_path)


class Checkpointer(Callback):
    """Saves the full training state every `interval` steps, at the end, and on Ctrl-C.

    Args:
        path: The checkpoint file (replaced atomically at each save).
        interval: Save every this many steps.
        settings: Settings a resumed run must share (see `gan_keras.checkpoint`).
    """

    def __init__(self, path, interval, settings):
        self.path = path
        self.interval = interval
        self.settings = settings
        self._saved_step = None

    def on_step_end(self, run, logs):
        if run.step % self.interval == 0:
            self._save(run)

    def on_train_end(self, run):
        if self._saved_step != run.step:
            self._save(run)

    on_interrupt = on_train_end

    def _save(self, run):
        checkpoint.save_checkpoint(self.path, run.gan, run.step, self.settings)
        self._saved_step = run.step


class ModelSaver(Callback):
    """Saves the generator (with its info, see `gan_keras.artifact`) at the end of the run and on Ctrl-C."""

    def __init__(self, path):
        self.path = path

    def on_train_end(self, run):
        run.gan.save_generator(self.path)

    on_interrupt = on_train_end


def read_history(path):
    """Reads a `history.csv` into a list of dicts (strings)."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _format(value):
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.6g}"
    return value
