"""One training run from frozen configs: output folder, resume, standard callbacks.

`train_recipe` trains any GAN of `gan_keras.recipes` from its model config
and a `RunConfig` (what `gan-keras train ...` calls); `run_training` is the
step below it, for a GAN built by hand and any data source.
"""

import contextlib
import dataclasses
import os
import time

import keras

from gan_keras.training import callbacks as cb
from gan_keras.training import checkpoint
from gan_keras.runs.animation import ProgressAnimation
from gan_keras.core.config import RunConfig
from gan_keras.training.devices import data_parallel_scope, describe_device, make_deterministic
from gan_keras.training.ema import GeneratorAverage
from gan_keras.core.errors import EXIT_USAGE, NonFiniteError, UserError
from gan_keras.runs.report import RunReport
from gan_keras.runs.folder import RunFolder
from gan_keras.training.loop import LoopConfig, train

CHECKPOINT_FILE = "checkpoint.npz"
EMA_GENERATOR_FILE = "ema_generator.keras"


def checkpoint_settings(config, model="gan", model_config=None):
    """The settings a checkpoint records and a resumed run must match, field by field.

    Args:
        config: The `RunConfig` (its `RESUME_FIELDS`: seed, batch size).
        model: Short name of the GAN.
        model_config: Its model config (every field), or None.

    Returns:
        A flat JSON-ready dict, e.g. `{"model": "dcgan", "seed": 0,
        "batch_size": 32, "latent_dim": 100, "discriminator_norm": "batch"}`.
    """
    settings = {"model": model, **{name: getattr(config, name) for name in RunConfig.RESUME_FIELDS}}
    if model_config is not None:
        settings.update(model_config.to_json())
    return settings


def run_training(config, build_gan, source, *, model="gan", model_config=None, loop=None, callbacks=(),
                 image_grid=True, evaluation=None, preview=None):
    """Trains a GAN with the standard outputs under `config.output_dir`.

    Outputs: `samples/step_NNNNNNN.png` (if `image_grid`), `history.csv`,
    `losses.png`, `checkpoint.npz`, `generator.keras` (+ `.json` info),
    `report.md`, and with `evaluation` the metrics in the history and
    `best_generator.keras`. With `config.ema` also `ema_generator.keras`
    and `samples_ema/` (see `gan_keras.training.ema`); with `config.keep_generators`
    `generators/` (see `callbacks.KeptGenerators`).

    Args:
        config: `RunConfig`.
        build_gan: Callable returning a fresh, compiled `GAN` (called after
            the global seed is set, so the initial weights follow the seed).
        source: The real-data source (see `gan_keras.data.sources`).
        model: Short name of the GAN, stored in checkpoints and generator infos.
        model_config: The GAN's model config, stored in checkpoints (a
            resumed run must match it field by field).
        loop: Optional `LoopConfig` fields as a dict (e.g. `d_steps`); the
            total steps, seed and progress come from `config`.
        callbacks: Extra callbacks, run before the standard ones (so they
            can add columns to the step's logs).
        image_grid: Whether to save sample grids.
        evaluation: An `EvaluationCallback` to run (see `evaluation_callback`), or None.
        preview: For an image-conditioned GAN, the fixed `(inputs, targets)`
            pairs of its sample grids.

    Returns:
        The finished `TrainingRun`.

    The run holds the folder's lock (`gan_keras.runs.folder`) from start to end.
    A fresh run refuses a folder holding an earlier run's files unless
    `overwrite` (which removes them first).

    Raises:
        UserError: (exit status 2) if the output folder holds a run and
            neither `resume` nor `overwrite` is set.
        RunFolderError: if another run holds the folder.
        CheckpointError: if the checkpoint to resume from does not fit or
            holds non-finite values.
        NonFiniteError: (exit status 1) if a loss or weight becomes
            non-finite; nothing of that step is saved.
    """
    out = config.output_dir
    if config.tensorboard and os.path.exists(config.tensorboard) and not os.path.isdir(config.tensorboard):
        raise UserError(f"--tensorboard {config.tensorboard} exists and is not a directory", EXIT_USAGE)
    with RunFolder(out) as folder:
        return _run_locked(folder, config, build_gan, source, model, model_config, loop, callbacks, image_grid,
                           evaluation, preview)


def _run_locked(folder, config, build_gan, source, model, model_config, loop, callbacks, image_grid, evaluation,
                preview):
    out = config.output_dir
    checkpoint_path = os.path.join(out, CHECKPOINT_FILE)
    has_checkpoint = os.path.exists(checkpoint_path)
    if has_checkpoint and not (config.resume or config.overwrite):
        raise UserError(
            f"{out} already holds a run ({CHECKPOINT_FILE}); pass --resume to continue it, "
            f"--overwrite to start afresh, or choose another --output-dir",
            exit_code=EXIT_USAGE,
        )
    if folder.previous_owner_crashed:
        print(f"Note: the previous run in {out} ended without finishing cleanly (killed or crashed)")
    resuming = config.resume and has_checkpoint
    if not resuming:
        folder.check_fresh_start(config.overwrite)
    if config.deterministic:
        make_deterministic()
    print(f"Backend: {keras.config.backend()}, device: {describe_device()}")
    keras.utils.set_random_seed(config.seed)
    with dtype_policy(config.precision), data_parallel_scope(config.devices):
        gan = dataclasses.replace(build_gan(), name=model)
        if config.ema:
            gan = dataclasses.replace(gan, ema=GeneratorAverage(gan.generator, config.ema, config.seed))
    settings = checkpoint_settings(config, model, model_config)
    start_step = 0
    if resuming:
        start_step = checkpoint.load_checkpoint(checkpoint_path, gan, settings)
        print(f"Resuming from step {start_step} ({checkpoint_path})")
    elif config.resume:
        print(f"No checkpoint in {out}: starting afresh")
    per_epoch = source.batches_per_epoch
    total = config.total_steps(per_epoch)
    if start_step >= total:
        print(f"The run is already at step {start_step} of {total}: nothing to train")
    save_interval = config.save_interval or per_epoch
    loop_config = LoopConfig(total_steps=total, seed=config.seed, progress=config.progress, engine=config.engine,
                             steps_per_call=config.steps_per_call, devices=config.devices, **(loop or {}))
    extra = list(callbacks) + ([evaluation] if evaluation is not None else [])
    if gan.ema is not None:  # first: every later callback of the step sees the updated average
        extra.insert(0, cb.AverageUpdater())
    history = cb.History(os.path.join(out, "history.csv"), os.path.join(out, "losses.png"), save_interval,
                         extra_fields=list(gan.log_fields) + [f for c in extra for f in c.fields])
    averaged_path = os.path.join(out, EMA_GENERATOR_FILE) if gan.ema is not None else None
    standard = [
        history,
        cb.Checkpointer(checkpoint_path, config.checkpoint_interval or per_epoch, settings, history),
        cb.ModelSaver(os.path.join(out, "generator.keras"), averaged_path),
    ]
    keep = config.keep_interval(per_epoch)
    if keep is not None:
        metrics = [f for c in extra for f in c.fields]
        standard.insert(0, cb.KeptGenerators(os.path.join(out, "generators"), keep, metrics))
    if image_grid:
        grid = dict(rows=gan.num_classes or 10, cols=len(preview[0]) if preview else 10, preview=preview)
        standard.insert(0, cb.SampleGrid(os.path.join(out, "samples"), save_interval, config.seed, **grid))
        if gan.ema is not None:
            standard.insert(1, cb.SampleGrid(os.path.join(out, "samples_ema"), save_interval, config.seed,
                                             averaged=True, **grid))
        standard.append(ProgressAnimation(out, per_epoch / loop_config.d_steps))
    if config.tensorboard:
        from gan_keras.training.tensorboard import TensorBoardLogger

        standard.append(TensorBoardLogger(config.tensorboard, os.path.join(out, "samples")))
    report_settings = {**settings, "total_steps": total, "steps_per_epoch": per_epoch}
    standard.append(RunReport(out, report_settings, evaluation, sections=callbacks))
    if start_step < total:
        print(f"Training {model}: steps {start_step + 1}..{total}, batch {config.batch_size}, "
              f"{per_epoch} steps per epoch; outputs in {out}")
    started = time.perf_counter()
    try:
        run = train(gan, source, loop_config, extra + standard, start_step=start_step)
    except NonFiniteError as error:
        if os.path.exists(checkpoint_path):
            saved = checkpoint.read_checkpoint_header(checkpoint_path)["step"]
            kept = f"the last checkpoint ({CHECKPOINT_FILE}, step {saved}) and the history up to it are intact"
        else:
            kept = "no checkpoint was written yet"
        raise NonFiniteError(f"{error}; {kept}. The same seed repeats the same steps: change a setting "
                             f"(e.g. --seed or the model's sizes) before --resume or --overwrite") from None
    seconds = time.perf_counter() - started
    done = run.step - start_step
    if done:
        real = done * config.batch_size * loop_config.d_steps
        print(f"{done} steps in {seconds:.1f} s, graph building included ({real / seconds:.1f} real samples/s)")
    if run.interrupted:
        print(f"Interrupted at step {run.step}: checkpoint saved; continue with --resume")
    return run


@contextlib.contextmanager
def dtype_policy(name):
    """Builds models under Keras' dtype policy `name` ("float32", "mixed_bfloat16", "mixed_float16").

    Under a mixed policy the layers keep float32 weights and compute in
    (b)float16; a model compiled under "mixed_float16" gets a
    `LossScaleOptimizer`. The global policy is restored on exit.
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def evaluation_callback(config, batches_per_epoch, dataset="fashion_mnist", classes=None):
    """The `EvaluationCallback` a `RunConfig` asks for, or None.

    Args:
        config: `RunConfig`; evaluates every `eval_interval` steps (default:
            once per epoch) on `eval_n` samples (default 2,000, at most the
            test images of `classes`).
        batches_per_epoch: Steps of one epoch.
        dataset: The training dataset; only Fashion-MNIST can be evaluated.
        classes: The classes a run learns, if not all.

    Raises:
        UserError: as `RunConfig.check_evaluation`.
    """
    config.check_evaluation(dataset, classes)
    if not config.evaluate:
        return None
    from gan_keras.evaluation import EvaluationCallback

    n = config.eval_samples(classes)
    return EvaluationCallback(config.eval_interval or batches_per_epoch, n=n, output_dir=config.output_dir,
                              classes=None if classes is None else list(classes), seed=config.seed,
                              data_dir=config.data_dir, averaged=bool(config.ema))


def train_recipe(recipe, model_config, config, data=None, options=None):
    """Trains one GAN of `gan_keras.recipes` the standard way.

    Args:
        recipe: A `Recipe`.
        model_config: An instance of `recipe.config`.
        config: `RunConfig`.
        data: The recipe's `TrainingData` (loaded here when None and the
            recipe has a loader).
        options: An instance of `recipe.options` (e.g. the Gaussian study's).

    Returns:
        The exit status: 0, or 130 if training was interrupted.
    """
    if config.deterministic:  # before any operation (StackGAN trains its text encoder first)
        make_deterministic()
    if recipe.train is not None:
        if options is None and recipe.options is not None:
            options = recipe.options()
        return recipe.train(config, model_config, options, data)
    from gan_keras.data.sources import ArraySource

    if data is None:
        data = recipe.load(model_config, config.data_dir)
    source = ArraySource(data.images, data.labels, batch_size=config.batch_size, seed=config.seed)
    evaluation = evaluation_callback(config, source.batches_per_epoch, data.dataset, data.eval_classes)
    finish = recipe.finish(model_config, config, data) if recipe.finish is not None else []
    run = run_training(config, lambda: recipe.build(model_config, config, None), source, model=recipe.name,
                       model_config=model_config, loop=recipe.loop(model_config), evaluation=evaluation,
                       callbacks=finish, preview=data.preview)
    return 130 if run.interrupted else 0
