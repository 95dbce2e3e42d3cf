"""One training run from a frozen config: output folder, resume, callbacks.

Every training script parses its flags into a `RunConfig`, builds its GAN and
its data source, and calls `run_training`.
"""

import dataclasses
import os
import time

import keras

from gan_keras import callbacks as cb
from gan_keras import checkpoint
from gan_keras.errors import UserError
from gan_keras.report import RunReport
from gan_keras.devices import describe_device, make_deterministic
from gan_keras.training import LoopConfig, train

CHECKPOINT_FILE = "checkpoint.npz"


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """Settings shared by every training script.

    Attributes:
        output_dir: Folder of all outputs of the run.
        batch_size: Samples per batch.
        epochs: Total epochs (used when `steps` is None).
        steps: Total steps, overriding `epochs`.
        save_interval: Steps between sample grids; None = once per epoch.
        checkpoint_interval: Steps between checkpoints; None = once per epoch.
        seed: Seed of weights, noise and batch order.
        resume: Continue from the checkpoint in `output_dir`, if any.
        overwrite: Start afresh even if `output_dir` holds a run.
        progress: Show a progress bar.
        model: Short name of the model, stored in checkpoints.
        model_settings: Further settings (e.g. latent size) a resumed run
            must share, as a tuple of `(name, value)` pairs.
        tensorboard: Folder for TensorBoard summaries, or None.
        deterministic: One thread per op and deterministic kernels, so that
            two runs with the same seed write identical histories.
    """

    output_dir: str
    batch_size: int
    epochs: int = 1
    steps: int | None = None
    save_interval: int | None = None
    checkpoint_interval: int | None = None
    seed: int = 0
    resume: bool = False
    overwrite: bool = False
    progress: bool = True
    model: str = "gan"
    model_settings: tuple = ()
    tensorboard: str | None = None
    deterministic: bool = False

    def total_steps(self, batches_per_epoch):
        """Steps of the whole run."""
        return self.steps if self.steps is not None else self.epochs * batches_per_epoch

    def checkpoint_settings(self):
        """The settings a checkpoint records and a resumed run must match."""
        return {"model": self.model, "seed": self.seed, "batch_size": self.batch_size, **dict(self.model_settings)}


def run_training(config, build_gan, source, loop=None, callbacks=(), image_grid=True):
    """Trains a GAN with the standard outputs under `config.output_dir`.

    Outputs: `samples/step_NNNNNNN.png` (if `image_grid`), `history.csv`,
    `losses.png`, `checkpoint.npz`, `generator.keras` (+ `.json` sidecar),
    `report.md`.

    Args:
        config: `RunConfig`.
        build_gan: Callable returning a fresh, compiled `GAN` (called after
            the global seed is set, so the initial weights follow the seed).
        source: The real-data source (see `gan_keras.sources`).
        loop: Optional `LoopConfig` fields as a dict (e.g. `d_steps`); the
            total steps, seed and progress come from `config`.
        callbacks: Extra callbacks, run before the standard ones (so they
            can add columns to the step's logs, e.g. evaluation metrics).
        image_grid: Whether to save sample grids.

    Returns:
        The finished `TrainingRun`.

    Raises:
        UserError: if the output folder holds a run and neither `resume` nor
            `overwrite` is set.
        CheckpointError: if the checkpoint to resume from does not fit.
    """
    out = config.output_dir
    checkpoint_path = os.path.join(out, CHECKPOINT_FILE)
    if os.path.exists(checkpoint_path) and not (config.resume or config.overwrite):
        raise UserError(
            f"{out} already holds a run ({CHECKPOINT_FILE}); pass --resume to continue it, "
            f"--overwrite to start afresh, or choose another --output-dir",
            exit_code=2,
        )
    if config.deterministic:
        make_deterministic()
    print(f"Backend: {keras.config.backend()}, device: {describe_device()}")
    keras.utils.set_random_seed(config.seed)
    gan = build_gan()
    settings = config.checkpoint_settings()
    start_step = 0
    if config.resume and os.path.exists(checkpoint_path):
        start_step = checkpoint.load_checkpoint(checkpoint_path, gan, settings)
        print(f"Resuming from step {start_step} ({checkpoint_path})")
    elif config.resume:
        print(f"No checkpoint in {out}: starting afresh")
    per_epoch = source.batches_per_epoch
    total = config.total_steps(per_epoch)
    if start_step >= total:
        print(f"The run is already at step {start_step} of {total}: nothing to train")
    save_interval = config.save_interval or per_epoch
    loop_config = LoopConfig(total_steps=total, seed=config.seed, progress=config.progress, **(loop or {}))
    standard = [
        cb.History(os.path.join(out, "history.csv"), os.path.join(out, "losses.png"), save_interval,
                   extra_fields=[f for c in callbacks for f in getattr(c, "fields", ())]),
        cb.Checkpointer(checkpoint_path, config.checkpoint_interval or per_epoch, settings),
        cb.ModelSaver(os.path.join(out, "generator.keras")),
    ]
    if image_grid:
        standard.insert(0, cb.SampleGrid(os.path.join(out, "samples"), save_interval, config.seed,
                                         rows=gan.num_classes or 10))
    if config.tensorboard:
        from gan_keras.tensorboard import TensorBoardLogger

        standard.append(TensorBoardLogger(config.tensorboard, os.path.join(out, "samples")))
    evaluation = next((c for c in callbacks if hasattr(c, "evaluator")), None)
    report_settings = {**settings, "total_steps": total, "steps_per_epoch": per_epoch}
    standard.append(RunReport(out, report_settings, evaluation))
    if start_step < total:
        print(f"Training {config.model}: steps {start_step + 1}..{total}, batch {config.batch_size}, "
              f"{per_epoch} steps per epoch; outputs in {out}")
    started = time.perf_counter()
    run = train(gan, source, loop_config, list(callbacks) + standard, start_step=start_step)
    seconds = time.perf_counter() - started
    done = run.step - start_step
    if done:
        real = done * config.batch_size * loop_config.d_steps
        print(f"{done} steps in {seconds:.1f} s, graph building included ({real / seconds:.1f} real samples/s)")
    if run.interrupted:
        print(f"Interrupted at step {run.step}: checkpoint saved; continue with --resume")
    return run
