"""What a phase writes while it trains: the standard callbacks, in the order they run after each step.

History (`history.csv`, `losses.png`), sample grids (`samples/`, and
`samples_ema/` with an averaged generator), kept generators
(`generators/`), checkpoints, saved generators, the progress animation,
TensorBoard and `report.md`. The disk is checked for all of them before the
first step (`gan_keras.runs.disk`).
"""

import dataclasses
import os

from gan_keras.runs.animation import ProgressAnimation
from gan_keras.runs.disk import check_disk_space
from gan_keras.runs.folder import CHECKPOINT_FILE
from gan_keras.runs.report import RunReport
from gan_keras.sampling import layout
from gan_keras.training import callbacks as cb
from gan_keras.training.tensorboard import TensorBoardLogger

EMA_GENERATOR_FILE = "ema_generator.keras"


@dataclasses.dataclass(frozen=True)
class PhaseOutputs:
    """The callbacks of one phase's training.

    Attributes:
        callbacks: Every callback, in order: the phase's own (the averaged
            generator's update first, its evaluation), then the standard ones.
        total: The phase's last step.
        per_epoch: Steps of one epoch.
    """

    callbacks: list
    total: int
    per_epoch: int


def phase_outputs(config, training, gan, start_step, settings, d_steps):
    """The callbacks that write a phase's files, checked against the free space of the disk.

    Args:
        config: The phase's `RunConfig`.
        training: The phase's `Training` (its callbacks, evaluation, preview, grids).
        gan: The built `GAN`.
        start_step: The step it starts from.
        settings: The checkpoint's settings (`gan_keras.runs.resume.phase_settings`).
        d_steps: Discriminator steps per generator step (the animation's epoch).

    Returns:
        `PhaseOutputs`.

    Raises:
        UserError: (exit status 2) if the files the run would write exceed the free space of its disk.
    """
    out, source, preview, evaluation = config.output_dir, training.source, training.preview, training.evaluation
    per_epoch = source.batches_per_epoch
    total = config.total_steps(per_epoch)
    every = config.default_interval(per_epoch, total)
    save_interval = every if config.save_interval is None else config.save_interval
    extra = list(training.callbacks) + ([evaluation] if evaluation is not None else [])
    if gan.ema is not None:  # first: every later callback of the step sees the updated average
        extra.insert(0, cb.AverageUpdater())
    history = cb.History(os.path.join(out, "history.csv"), os.path.join(out, "losses.png"), save_interval,
                         extra_fields=list(gan.condition.log_fields) + [f for c in extra for f in c.fields])
    averaged_path = os.path.join(out, EMA_GENERATOR_FILE) if gan.ema is not None else None
    checkpoint_interval = every if config.checkpoint_interval is None else config.checkpoint_interval
    standard = [
        history,
        cb.Checkpointer(os.path.join(out, CHECKPOINT_FILE), checkpoint_interval, settings, history),
        cb.ModelSaver(os.path.join(out, "generator.keras"), averaged_path),
    ]
    keep = config.keep_interval(per_epoch)
    kept = None
    if keep is not None:
        kept = cb.KeptGenerators(os.path.join(out, "generators"), keep, [f for c in extra for f in c.fields])
        standard.insert(0, kept)
    grids = []
    if training.image_grid:
        grid = dict(rows=layout.grid_rows(gan.condition, 10), cols=len(preview[0]) if preview else 10, preview=preview)
        grids.append(cb.SampleGrid(os.path.join(out, "samples"), save_interval, config.seed, **grid))
        if gan.ema is not None:
            grids.append(cb.SampleGrid(os.path.join(out, "samples_ema"), save_interval, config.seed, averaged=True,
                                       **grid))
        standard[:0] = grids
        standard.append(ProgressAnimation(out, per_epoch / d_steps))
    if start_step < total:
        check_disk_space(config, gan, start_step, total, history, grids, kept)
    if config.tensorboard is not None:
        standard.append(TensorBoardLogger(config.tensorboard, os.path.join(out, "samples")))
    report_settings = {**settings, "total_steps": total, "steps_per_epoch": per_epoch}
    standard.append(RunReport(out, report_settings, evaluation, sections=training.callbacks))
    return PhaseOutputs(extra + standard, total, per_epoch)
