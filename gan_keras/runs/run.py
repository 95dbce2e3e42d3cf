"""Training runs from frozen configs: output folder, resume, standard callbacks.

`train_recipe` trains any GAN of `gan_keras.recipes` from its model config
and a `RunConfig` (what `gan-keras train ...` calls): the recipe's phases,
or the standard single phase, through `gan_keras.runs.phases.run_phases`.
`run_training` is the step below it, for a GAN built by hand and any data
source; `train_in_folder` is the standard run of one phase.
"""

import contextlib
import dataclasses
import os
import time

import keras

from gan_keras.core.errors import NonFiniteError, UserError
from gan_keras.data.sources import ArraySource
from gan_keras.runs.animation import ProgressAnimation
from gan_keras.runs.config import RunConfig
from gan_keras.runs.disk import check_disk_space
from gan_keras.runs.folder import CHECKPOINT_FILE
from gan_keras.runs.phases import Phase, Training, phase_config, run_phases
from gan_keras.runs.report import FolderSection, RunReport
from gan_keras.training import callbacks as cb
from gan_keras.training import checkpoint
from gan_keras.training.devices import data_parallel_scope, describe_device, make_deterministic
from gan_keras.training.ema import GeneratorAverage
from gan_keras.training import loop as training_loop
from gan_keras.training.loop import LoopConfig, train
from gan_keras.training.tensorboard import TensorBoardLogger

EMA_GENERATOR_FILE = "ema_generator.keras"


def checkpoint_settings(config, model="gan", model_config=None):
    """The settings a checkpoint records and a resumed run must match, field by field.

    Args:
        config: The `RunConfig` (its `RESUME_FIELDS`: seed, batch size).
        model: Short name of the GAN.
        model_config: Its model config (every field but its lengths, see
            `Config.resume_json`), or None.

    Returns:
        A flat JSON-ready dict, e.g. `{"model": "dcgan", "seed": 0,
        "batch_size": 32, "latent_dim": 100, "discriminator_norm": "batch"}`.
    """
    settings = {"model": model, **{name: getattr(config, name) for name in RunConfig.RESUME_FIELDS}}
    if config.ema:  # the average's ramp matters only where there is an average
        settings["ema_warmup"] = config.ema_warmup
    if model_config is not None:
        settings.update(model_config.resume_json())
    return settings


def run_training(config, build_gan, source, *, model="gan", model_config=None, loop=None, callbacks=(),
                 image_grid=True, evaluation=None, preview=None):
    """Trains a GAN with the standard outputs under `config.output_dir`: a run of one phase.

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

    The run holds the folder's lock (`gan_keras.runs.folder`) from start to end
    (`gan_keras.runs.phases.run_phases`, the path of every run). A fresh run
    refuses a folder holding an earlier run's files unless `overwrite` (which
    removes them first, and only them: `gan_keras.runs.folder`).

    Raises:
        UserError: (exit status 2) if the output folder holds a run and
            neither `resume` nor `overwrite` is set, or if the files the run
            would write exceed the free space of its disk.
        RunFolderError: if another run holds the folder.
        CheckpointError: if the checkpoint to resume from does not fit or
            holds non-finite values.
        NonFiniteError: (exit status 1) if a loss or weight becomes
            non-finite; nothing of that step is saved.
    """
    training = Training(build_gan, source, model=model, model_config=model_config, loop=loop, callbacks=callbacks,
                        image_grid=image_grid, evaluation=evaluation, preview=preview)
    runs = []

    def train_and_keep(folder, run_config, phase_training):
        runs.append(train_in_folder(folder, run_config, phase_training))
        return runs[-1]

    run_phases(config, [Phase(model, lambda run_config: training)], train_and_keep)
    return runs[0]


def train_in_folder(folder, config, training):
    """Trains one phase's `Training` in its folder (held by the run's lock) with the standard callbacks.

    The standard run of every GAN, called by `run_phases` for each phase:
    resumes from the folder's checkpoint (with `resume`; without one, refuses
    or clears an earlier run's files as `run_phases` does up front for a
    fresh run), seeds, builds, checks
    that the files it will write fit on the disk (`gan_keras.runs.disk`),
    and trains with history, grids, checkpoints, generators and report.

    Args:
        folder: The phase's `RunFolder` (locked, or a part of a locked one).
        config: The phase's `RunConfig` (`output_dir` is `folder`'s path).
        training: The phase's `Training`.

    Returns:
        The finished (or interrupted) `TrainingRun`.

    Raises:
        RunFolderError: (exit status 2) for a fresh start in a folder holding
            run files, without `overwrite`.
        UserError: (exit status 2) if the files the run would write exceed
            the free space of its disk.
        CheckpointError: if the checkpoint to resume from does not fit.
        NonFiniteError: (exit status 1) if a loss or weight becomes non-finite.
    """
    out, model = config.output_dir, training.model
    checkpoint_path = os.path.join(out, CHECKPOINT_FILE)
    has_checkpoint = os.path.exists(checkpoint_path)
    resuming = config.resume and has_checkpoint
    if config.resume and not resuming:  # a fresh run's folders were checked once, by run_phases
        folder.restart_unfinished()
    print(f"Backend: {keras.config.backend()}, device: {describe_device()}")
    gan = _build(config, training)
    settings = checkpoint_settings(config, model, training.model_config)
    if training.data_digest is not None:  # a folder of the user's pictures: resumed only on the same files
        settings["data"] = training.data_digest
    start_step = 0
    if resuming:
        saved = checkpoint.read_checkpoint_header(checkpoint_path)["settings"].get("data")
        if training.data_digest is not None and saved is not None and saved != training.data_digest:
            raise UserError(f"the pictures in {config.data_dir} changed since {checkpoint_path} was written (files "
                            f"added, removed or edited): resume with the folder as it was, or start afresh with "
                            f"--overwrite or another --output-dir")
        start_step = checkpoint.load_checkpoint(checkpoint_path, gan, settings)
        print(f"Resuming from step {start_step} ({checkpoint_path})")
    elif config.resume:
        print(f"No checkpoint in {out}: starting afresh")
    source, preview, evaluation = training.source, training.preview, training.evaluation
    per_epoch = source.batches_per_epoch
    total = config.total_steps(per_epoch)
    if start_step >= total:
        print(f"The run is already at step {start_step} of {total}: nothing to train")
    every = config.default_interval(per_epoch, total)
    save_interval = every if config.save_interval is None else config.save_interval
    loop_config = _loop_config(config, training)
    extra = list(training.callbacks) + ([evaluation] if evaluation is not None else [])
    if gan.ema is not None:  # first: every later callback of the step sees the updated average
        extra.insert(0, cb.AverageUpdater())
    history = cb.History(os.path.join(out, "history.csv"), os.path.join(out, "losses.png"), save_interval,
                         extra_fields=list(gan.condition.log_fields) + [f for c in extra for f in c.fields])
    averaged_path = os.path.join(out, EMA_GENERATOR_FILE) if gan.ema is not None else None
    checkpoint_interval = every if config.checkpoint_interval is None else config.checkpoint_interval
    standard = [
        history,
        cb.Checkpointer(checkpoint_path, checkpoint_interval, settings, history),
        cb.ModelSaver(os.path.join(out, "generator.keras"), averaged_path),
    ]
    keep = config.keep_interval(per_epoch)
    kept = None
    if keep is not None:
        metrics = [f for c in extra for f in c.fields]
        kept = cb.KeptGenerators(os.path.join(out, "generators"), keep, metrics)
        standard.insert(0, kept)
    grids = []
    if training.image_grid:
        grid = dict(rows=gan.condition.grid_rows(10), cols=len(preview[0]) if preview else 10, preview=preview)
        grids.append(cb.SampleGrid(os.path.join(out, "samples"), save_interval, config.seed, **grid))
        if gan.ema is not None:
            grids.append(cb.SampleGrid(os.path.join(out, "samples_ema"), save_interval, config.seed, averaged=True,
                                       **grid))
        standard[:0] = grids
        standard.append(ProgressAnimation(out, per_epoch / loop_config.d_steps))
    if start_step < total:
        check_disk_space(config, gan, start_step, total, history, grids, kept)
    if config.tensorboard is not None:
        standard.append(TensorBoardLogger(config.tensorboard, os.path.join(out, "samples")))
    report_settings = {**settings, "total_steps": total, "steps_per_epoch": per_epoch}
    standard.append(RunReport(out, report_settings, evaluation, sections=training.callbacks))
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


def _build(config, training, averaged=True):
    """The phase's GAN, built from the seed (with its averaged generator when `config.ema` and `averaged`)."""
    if config.deterministic:
        make_deterministic()
    keras.utils.set_random_seed(config.seed)
    with dtype_policy(config.precision), data_parallel_scope(config.devices):
        gan = dataclasses.replace(training.build(), name=training.model)
        if config.ema and averaged:
            gan = dataclasses.replace(gan, ema=GeneratorAverage(gan.generator, config.ema, config.seed,
                                                                warmup=config.ema_warmup))
    return gan


def _loop_config(config, training):
    """The phase's `LoopConfig`."""
    # --deterministic: compiled calls of --steps-per-call steps, never sized by measured time (see CallSizes).
    timing = {"call_seconds": None if config.deterministic else training_loop.CALL_SECONDS}
    return LoopConfig(total_steps=config.total_steps(training.source.batches_per_epoch), seed=config.seed,
                      progress=config.progress, engine=config.engine, steps_per_call=config.steps_per_call,
                      devices=config.devices, **timing, **(training.loop or {}))


def follow_recipe(recipe, model_config, config, data=None):
    """A follower's part of a job of several processes (`gan_keras.training.processes`): no file written.

    Builds the same GAN as the leader (process 0), receives the leader's
    state when the leader's engine starts, and runs the leader's engine calls
    until it stops.

    Args:
        recipe: A `Recipe` of one phase.
        model_config: An instance of `recipe.config`.
        config: The `RunConfig` (the leader's folder is not touched).
        data: The recipe's `TrainingData` (loaded here when None).

    Returns:
        The leader's exit status.

    Raises:
        PeerLost: (exit status 1) if another process stops answering.
    """
    # The engine's modules load only in a job of several processes.
    from gan_keras.training import processes
    from gan_keras.training.engines import make_engine

    if data is None and recipe.load is not None:
        data = recipe.load(model_config, config.data_dir)
    if recipe.resolve is not None:  # what the data decides (a folder's size and channels), before anything is built
        model_config = recipe.resolve(model_config, data)
    config = recipe.with_batch_size(config, data)
    (phase,) = standard_phases(recipe, model_config, data)
    training = phase.start(phase_config(config, phase))
    gan = _build(config, training, averaged=False)  # the averaged generator is the leader's alone
    kind, status, _ = processes.receive()
    if kind == processes.STOP:
        return status
    return make_engine(gan, training.source, _loop_config(config, training)).follow()


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
    if not config.evaluate or dataset == "folder":  # a folder run is scored at its end (`recipe.finish`)
        return None
    # The evaluation's modules (feature networks, scipy) load only for a run that evaluates.
    from gan_keras.evaluation import EvaluationCallback

    n = config.eval_samples(classes)
    interval = batches_per_epoch if config.eval_interval is None else config.eval_interval
    return EvaluationCallback(interval, n=n, output_dir=config.output_dir,
                              classes=None if classes is None else list(classes), seed=config.seed,
                              data_dir=config.data_dir, averaged=bool(config.ema))


def train_recipe(recipe, model_config, config, data=None, options=None):
    """Trains one GAN of `gan_keras.recipes`: its phases, or the standard single phase.

    Args:
        recipe: A `Recipe`.
        model_config: An instance of `recipe.config`.
        config: `RunConfig`; a `batch_size` of None takes the recipe's
            default for the data (`Recipe.with_batch_size`).
        data: The recipe's `TrainingData` (loaded here when None and the
            recipe has a loader).
        options: An instance of `recipe.options` (e.g. the Gaussian study's;
            default: its defaults).

    Returns:
        The exit status: 0, or `EXIT_INTERRUPTED` (130) if training was interrupted.

    Raises:
        UserError: as `run_phases` and the recipe's loader and phases.
    """
    if config.deterministic:  # before any operation (StackGAN trains its text encoder first)
        make_deterministic()
    if options is None and recipe.options is not None:
        options = recipe.options()
    if data is None and recipe.load is not None:
        data = recipe.load(model_config, config.data_dir)
    if recipe.resolve is not None:  # what the data decides (a folder's size and channels), before anything is built
        model_config = recipe.resolve(model_config, data)
    config = recipe.with_batch_size(config, data)
    if recipe.phases is not None:
        phases = recipe.phases(model_config, config, data, options)
    else:
        phases = standard_phases(recipe, model_config, data)
    return run_phases(config, phases, train_in_folder)


def standard_phases(recipe, model_config, data):
    """The run of a recipe that declares no phases: one standard run in the run's folder, on its data.

    Args:
        recipe: A `Recipe`.
        model_config: An instance of `recipe.config`.
        data: Its loaded `TrainingData`.

    Returns:
        `[Phase]`: its source, evaluation (`evaluation_callback`) and final
        callbacks (`recipe.finish`) are made when the phase starts.
    """
    def start(run_config):
        source = ArraySource(data.images, data.labels, batch_size=run_config.batch_size, seed=run_config.seed)
        evaluation = evaluation_callback(run_config, source.batches_per_epoch, data.dataset, data.eval_classes)
        finish = recipe.finish(model_config, run_config, data) if recipe.finish is not None else []
        if data is not None and data.folder is not None:
            finish = [FolderSection(data.folder), *finish]
        return Training(lambda: recipe.build(model_config, run_config, None), source, model=recipe.name,
                        model_config=model_config, loop=recipe.loop(model_config), callbacks=finish,
                        evaluation=evaluation, preview=data.preview,
                        data_digest=None if data is None or data.folder is None else data.folder.digest)

    return [Phase(recipe.name, start)]
