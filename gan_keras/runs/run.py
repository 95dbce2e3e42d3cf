"""One run, from its configs to the loop: the spine every GAN's training follows.

    train_recipe(recipe, model_config, config)    `gan-keras train`, `gan_keras.train`
      prepare(config, recipe, model_config)       the one place: determinism, checks, data, what the data
                                                  decides, the batch size (the folder and memory:
                                                  checked before Keras loads, cli/commands/train.py)
      run_phases(config, phases)                  one lock, the phases in order, one exit status
        train_in_folder(folder, config, training) one phase: build, resume, outputs, then
          gan_keras.training.loop.train           the loop; its engine runs each step's `train_on_batch`

`run_training` is the same path for a GAN built by hand and any data source;
`follow_recipe` is a follower's part of a job of several processes.
"""

import dataclasses
import os
import time

import keras

from gan_keras.core.config import ConfigError
from gan_keras.core.errors import EXIT_INTERRUPTED, EXIT_USAGE, NonFiniteError, UserError
from gan_keras.data import image_folder
from gan_keras.data.sources import ArraySource
from gan_keras.runs.scoring import EvaluationCallback
from gan_keras.runs.folder import CHECKPOINT_FILE, RunFolder
from gan_keras.runs.outputs import phase_outputs
from gan_keras.runs.phases import Phase, Training, phase_config, refuse_held_run
from gan_keras.runs.report import FolderSection, combine_phase_reports
from gan_keras.runs.resume import phase_settings, run_precision, start_step
from gan_keras.training import checkpoint, processes
from gan_keras.training import loop as training_loop
from gan_keras.training.devices import (check_devices, data_parallel_scope, describe_device, dtype_policy,
                                        make_deterministic)
from gan_keras.training.ema import GeneratorAverage
from gan_keras.training.engines import make_engine
from gan_keras.training.loop import LoopConfig, train


@dataclasses.dataclass(frozen=True)
class Prepared:
    """What `prepare` settles before anything is built: the data and the configs it decides."""

    data: object
    model_config: object
    config: object


@dataclasses.dataclass(frozen=True)
class Outcome:
    """How a run ended.

    Attributes:
        status: 0, or `EXIT_INTERRUPTED` (130) if a phase was interrupted.
        runs: The `TrainingRun` of each phase trained, in order.
        folders: The folder of each phase trained, in order.
    """

    status: int
    runs: tuple = ()
    folders: tuple = ()


def train_recipe(recipe, model_config, config, options=None):
    """Trains one GAN of `gan_keras.recipes`: its phases, or the standard single phase.

    Args:
        recipe: A `Recipe`.
        model_config: An instance of `recipe.config`.
        config: `RunConfig`; a `batch_size` of None takes the recipe's
            default for the data (`Recipe.with_batch_size`).
        options: An instance of `recipe.options` (e.g. the Gaussian study's;
            default: its defaults).

    Returns:
        An `Outcome`.

    Raises:
        UserError: as `prepare`, `run_phases` and the recipe's phases.
    """
    prepared = prepare(config, recipe, model_config)
    data, model_config, config = prepared.data, prepared.model_config, prepared.config
    if recipe.phases is not None:
        options = options if options is not None or recipe.options is None else recipe.options()
        phases = recipe.phases(model_config, config, data, options)
    else:
        phases = standard_phases(recipe, model_config, data)
    return run_phases(config, phases)


def prepare(config, recipe=None, model_config=None):
    """The one place a run is settled before anything is built: determinism, checks, data, batch size.

    In order: `--deterministic` (before any operation runs), `--devices`,
    the precision (`--precision auto` resolved, printed as the run's first
    line and recorded in its checkpoints and report), the recipe's data (decoded with a progress bar that obeys
    `--no-progress`), the settings the data decides (a folder's size and
    channels), the batch size (a default may depend on the data; a value
    the user gave is kept) and the evaluation asked for. (The output folder
    and the memory the sizes need are checked before Keras loads:
    `gan_keras.cli.commands.train.train`.)

    Args:
        config: The run's `RunConfig`.
        recipe: A `Recipe`, or None for a GAN built by hand (`run_training`).
        model_config: An instance of `recipe.config`.

    Returns:
        `Prepared`: the loaded `TrainingData` (None for synthetic data or
        without a recipe), the model config and the `RunConfig` filled in.

    Raises:
        UserError: (exit status 2) for more devices than there are, a
            batch larger than the data or an evaluation the data cannot
            have; (exit status 1) as the recipe's loader.
    """
    if config.deterministic:
        make_deterministic()
    if config.devices > 1:
        check_devices(config.devices)
    precision, reason = run_precision(config)
    print(f"Precision: {precision} ({reason})")
    config = dataclasses.replace(config, precision=precision)
    if recipe is None:
        return Prepared(None, model_config, config)
    data = None
    if recipe.load is not None:
        with image_folder.progress_bars(config.progress):  # a folder's first decoding obeys --no-progress
            data = recipe.load(model_config, config.data_dir)
    if recipe.resolve is not None:  # what the data decides (a folder's size and channels), before anything is built
        model_config = recipe.resolve(model_config, data)
    config = recipe.with_batch_size(config, data)
    if data is not None:
        if config.batch_size > len(data.images):
            raise UserError(f"--batch-size {config.batch_size} is larger than the {len(data.images)} "
                            f"{data.description}", EXIT_USAGE)
        config.check_evaluation(data.dataset, data.eval_classes)
    return Prepared(data, model_config, config)


def run_phases(config, phases):
    """Runs a run's phases in order, in its folder, under one lock (see `gan_keras.runs.phases`).

    Args:
        config: The run's `RunConfig` (its `output_dir` holds every phase;
            its `batch_size` must be filled in).
        phases: The `Phase`s, in order.

    Returns:
        An `Outcome`; its status is `EXIT_INTERRUPTED` (130) if a phase was
        interrupted (the later phases do not start), else 0.

    Raises:
        ConfigError: (exit status 2) if `config.batch_size` is None.
        UserError: (exit status 2) if `--tensorboard` names a file, or a
            phase's folder holds a run and neither `resume` nor `overwrite`
            is set (checked for every phase before any trains).
        RunFolderError: if another run holds the folder, or (exit status 2,
            without `resume` or `overwrite`) a phase's folder holds files of
            an earlier run but no checkpoint.
        Whatever a phase raises (e.g. `NonFiniteError`). The lock is released
            as cleanly ended after a `UserError` (a refusal, a one-line stop)
            or Ctrl-C, and marked as not finished cleanly after any other
            exception.
    """
    if config.batch_size is None:
        raise ConfigError("batch_size", "must be set before a run starts (None: the GAN's default for its data, "
                                        "see Recipe.with_batch_size)")
    if config.tensorboard is not None and os.path.exists(config.tensorboard) and not os.path.isdir(
            config.tensorboard):
        raise UserError(f"--tensorboard {config.tensorboard} exists and is not a directory", EXIT_USAGE)
    runs, folders = [], []
    with RunFolder(config.output_dir) as folder:
        refuse_held_run(config, phases)
        if folder.previous_owner_crashed:
            print(f"Note: the previous run in {config.output_dir} ended without finishing cleanly (killed or "
                  f"crashed)")
        if not config.resume:
            folder.check_fresh_start(config.overwrite, parts=[p.folder for p in phases if p.folder is not None])
        for phase in phases:
            run_config = phase_config(config, phase)
            training = phase.start(run_config)
            if training is None:  # the phase did its work itself (a text encoder, a study's table)
                continue
            run = train_in_folder(folder if phase.folder is None else folder.part(phase.folder), run_config,
                                  training)
            runs.append(run)
            folders.append(run_config.output_dir)
            if training.after_run is not None:
                training.after_run(run)
            if run.interrupted:
                return Outcome(EXIT_INTERRUPTED, tuple(runs), tuple(folders))
        reported = [phase.folder for phase in phases if phase.report]
        if reported:
            combine_phase_reports(config.output_dir, reported)
    return Outcome(0, tuple(runs), tuple(folders))


def train_in_folder(folder, config, training):
    """Trains one phase's `Training` in its folder (held by the run's lock): build, resume, outputs, loop.

    Args:
        folder: The phase's `RunFolder` (locked, or a part of a locked one).
        config: The phase's `RunConfig` (`output_dir` is `folder`'s path).
        training: The phase's `Training`.

    Returns:
        The finished (or interrupted) `TrainingRun`.

    Raises:
        UserError: (exit status 2) if the files the run would write exceed
            the free space of its disk; (exit status 1) if a folder of
            pictures changed since the checkpoint.
        CheckpointError: if the checkpoint to resume from does not fit.
        NonFiniteError: (exit status 1) if a loss or weight becomes non-finite.
    """
    out = config.output_dir
    print(f"Backend: {keras.config.backend()}, device: {describe_device()}")
    gan = _build(config, training)
    settings = phase_settings(config, training)
    first = start_step(folder, config, gan, settings)
    loop_config = _loop_config(config, training)
    outputs = phase_outputs(config, training, gan, first, settings, loop_config.d_steps)
    if first >= outputs.total:
        print(f"The run is already at step {first} of {outputs.total}: nothing to train")
    else:
        print(f"Training {training.model}: steps {first + 1}..{outputs.total}, batch {config.batch_size}, "
              f"{outputs.per_epoch} steps per epoch; outputs in {out}")
    started = time.perf_counter()
    try:
        run = train(gan, training.source, loop_config, outputs.callbacks, start_step=first)
    except NonFiniteError as error:
        raise NonFiniteError(f"{error}; {_what_is_kept(out)}. The same seed repeats the same steps: change a "
                             f"setting (e.g. --seed or the model's sizes) before --resume or --overwrite") from None
    seconds, done = time.perf_counter() - started, run.step - first
    if done:
        real = done * config.batch_size * loop_config.d_steps
        print(f"{done} steps in {seconds:.1f} s, graph building included ({real / seconds:.1f} real samples/s)")
    if run.interrupted:
        print(f"Interrupted at step {run.step}: checkpoint saved; continue with --resume")
    return run


def _what_is_kept(out):
    path = os.path.join(out, CHECKPOINT_FILE)
    if not os.path.exists(path):
        return "no checkpoint was written yet"
    saved = checkpoint.read_checkpoint_header(path)["step"]
    return f"the last checkpoint ({CHECKPOINT_FILE}, step {saved}) and the history up to it are intact"


def _build(config, training, averaged=True):
    """The phase's GAN, built from the seed (with its averaged generator when `config.ema` and `averaged`)."""
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


def run_training(config, build_gan, source, *, model="gan", model_config=None, loop=None, callbacks=(),
                 image_grid=True, evaluation=None, preview=None):
    """Trains a GAN built by hand, with the standard outputs under `config.output_dir`: a run of one phase.

    Outputs: `samples/step_NNNNNNN.png` (if `image_grid`), `history.csv`,
    `losses.png`, `checkpoint.npz`, `generator.keras` (+ `.json` info),
    `report.md`, and with `evaluation` the metrics in the history and
    `best_generator.keras`. With `config.ema` also `ema_generator.keras`
    and `samples_ema/` (see `gan_keras.training.ema`); with `config.keep_generators`
    `generators/` (see `callbacks.KeptGenerators`).

    Args:
        config: `RunConfig` (its `batch_size` set).
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

    Raises:
        As `run_phases` and `train_in_folder`.
    """
    config = prepare(config).config
    training = Training(build_gan, source, model=model, model_config=model_config, loop=loop, callbacks=callbacks,
                        image_grid=image_grid, evaluation=evaluation, preview=preview)
    return run_phases(config, [Phase(model, lambda run_config: training)]).runs[0]


def follow_recipe(recipe, model_config, config):
    """A follower's part of a job of several processes (`gan_keras.training.processes`): no file written.

    Builds the same GAN as the leader (process 0), receives the leader's
    state when the leader's engine starts, and runs the leader's engine calls
    until it stops.

    Args:
        recipe: A `Recipe` of one phase.
        model_config: An instance of `recipe.config`.
        config: The `RunConfig` (the leader's folder is not touched).

    Returns:
        The leader's exit status.

    Raises:
        PeerLost: (exit status 1) if another process stops answering.
    """
    prepared = prepare(dataclasses.replace(config, evaluate=False), recipe, model_config)
    config = prepared.config
    (phase,) = standard_phases(recipe, prepared.model_config, prepared.data)
    training = phase.start(phase_config(config, phase))
    gan = _build(config, training, averaged=False)  # the averaged generator is the leader's alone
    kind, status, _ = processes.receive()
    if kind == processes.STOP:
        return status
    return make_engine(gan, training.source, _loop_config(config, training)).follow()


def evaluation_callback(config, batches_per_epoch, dataset="fashion_mnist", classes=None):
    """The `EvaluationCallback` a `RunConfig` asks for, or None.

    Args:
        config: `RunConfig` (checked by `prepare`); evaluates every
            `eval_interval` steps (default: once per epoch) on `eval_n`
            samples (default 2,000, at most the test images of `classes`).
        batches_per_epoch: Steps of one epoch.
        dataset: The training dataset; only Fashion-MNIST is evaluated during training.
        classes: The classes a run learns, if not all.
    """
    if not config.evaluate or dataset == "folder":  # a folder run is scored at its end (`recipe.finish`)
        return None
    n = config.eval_samples(classes)
    interval = batches_per_epoch if config.eval_interval is None else config.eval_interval
    return EvaluationCallback(interval, n=n, output_dir=config.output_dir,
                              classes=None if classes is None else list(classes), seed=config.seed,
                              data_dir=config.data_dir, averaged=bool(config.ema))


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
