"""A run as phases: what each part of a run trains, and the one function that runs them.

Most GANs train in one phase, in the run's folder. SRGAN trains an SRResNet
(`DIR/srresnet`) and then the GAN started from it (`DIR/srgan`); StackGAN
trains its text encoder (in `DIR`), then Stage-I (`DIR/stage1`) and Stage-II
(`DIR/stage2`); the Gaussian study trains one run per seed (`DIR/run_NN`)
and then writes its table. A recipe says WHAT its phases are (`Phase`,
`Training`); `run_phases` says HOW every run goes:

1. one lock on the run's folder for the whole run (`RunFolder`);
2. one check, before any phase trains, that no phase's folder already holds
   a run (unless `--resume` or `--overwrite`); with `--overwrite`, the
   earlier run's files are removed then, in every phase's folder at once
   (`RunFolder.check_fresh_start`: only the files runs wrote);
3. each phase in turn, a GAN phase trained by the package's standard run;
4. one exit status: 0, or `EXIT_INTERRUPTED` (130) as soon as a phase is
   interrupted (Ctrl-C; its checkpoint is saved and `--resume` continues);
5. one combined report of the phases' held-out metrics (`DIR/report.md`).

This module imports no Keras: recipes import it while flags are parsed.
"""

import dataclasses
import os
from typing import Callable

from gan_keras.core.config import ConfigError
from gan_keras.core.errors import EXIT_INTERRUPTED, EXIT_USAGE, UserError
from gan_keras.runs.folder import CHECKPOINT_FILE, RunFolder


@dataclasses.dataclass(frozen=True)
class Training:
    """What the package's standard run trains in one phase (the arguments of `run_training`).

    Attributes:
        build: `() -> GAN`, a fresh compiled GAN (called after the phase's
            seed is set, so that its initial weights follow the seed).
        source: The real-data source (see `gan_keras.data.sources`).
        model: Short name of the GAN, stored in checkpoints and generator infos.
        model_config: The GAN's model config, stored in checkpoints (a
            resumed run must match it field by field), or None.
        loop: `LoopConfig` fields as a dict (e.g. `d_steps`), or None.
        callbacks: Extra callbacks, run before the standard ones.
        image_grid: Whether to save sample grids.
        evaluation: An `EvaluationCallback`, or None.
        preview: For an image- or caption-conditioned GAN, the fixed inputs of
            its sample grids, or None.
        after_run: `TrainingRun -> None`, called when the phase's training
            returns (also when it was interrupted), e.g. to print a verdict;
            or None.
        data_digest: For a folder of the user's pictures, the digest of its
            files (`ImageFolder.digest`): stored in the checkpoint, and a
            resume on changed files is refused; else None.
    """

    build: Callable
    source: object
    model: str = "gan"
    model_config: object = None
    loop: dict | None = None
    callbacks: tuple | list = ()
    image_grid: bool = True
    evaluation: object = None
    preview: tuple | None = None
    after_run: Callable | None = None
    data_digest: str | None = None


@dataclasses.dataclass(frozen=True)
class Phase:
    """One part of a run.

    Attributes:
        name: What the phase is, e.g. "srresnet" or "text encoder".
        start: `phase_config -> Training` for the standard run to train, made
            when the phase starts (so it may use what earlier phases made);
            or None when the phase did its work itself (e.g. a text encoder,
            a study's table). `phase_config` is the run's `RunConfig` with the
            phase's folder and seed.
        folder: Its sub-folder of the run's folder, or None for the run's
            folder itself.
        seed: Its seed, or None for the run's.
        steps: Its length in steps, or None for the run's (`--steps`/`--epochs`).
        marker: The file whose presence in the phase's folder means that the
            folder holds a run (refused without `--resume`/`--overwrite`),
            or None for a phase that leaves no such file.
        report: Whether its held-out metrics (`test_metrics.json` in its
            folder) join the run's combined report (needs `folder`).

    Raises:
        ValueError: for `report` without `folder`.
    """

    name: str
    start: Callable
    folder: str | None = None
    seed: int | None = None
    steps: int | None = None
    marker: str | None = CHECKPOINT_FILE
    report: bool = False

    def __post_init__(self):
        if self.report and self.folder is None:
            raise ValueError(f"phase {self.name}: a phase in the combined report needs its own folder")


def phase_config(config, phase):
    """The `RunConfig` of one phase: the run's, with the phase's folder, seed and length.

    Args:
        config: The run's `RunConfig`.
        phase: A `Phase`.

    Returns:
        `config` itself for a phase in the run's folder with the run's seed.
    """
    changes = {}
    if phase.folder is not None:
        changes["output_dir"] = os.path.join(config.output_dir, phase.folder)
    if phase.seed is not None:
        changes["seed"] = phase.seed
    if phase.steps is not None:
        changes["steps"] = phase.steps
    return dataclasses.replace(config, **changes) if changes else config


def refuse_held_run(config, phases):
    """Refuses a run whose folder (or a phase's sub-folder) already holds a run, before anything trains.

    Args:
        config: The run's `RunConfig` (`resume` or `overwrite` allow it).
        phases: The run's `Phase`s.

    Raises:
        UserError: (exit status 2) naming the first folder and file found.
    """
    if config.resume or config.overwrite:
        return
    for phase in phases:
        if phase.marker is None:
            continue
        folder = phase_config(config, phase).output_dir
        if os.path.exists(os.path.join(folder, phase.marker)):
            raise UserError(f"{folder} already holds a run ({phase.marker}); pass --resume to continue it, "
                            f"--overwrite to start afresh, or choose another --output-dir", EXIT_USAGE)


def run_phases(config, phases, train):
    """Runs a run's phases in order, in its folder, under one lock.

    Args:
        config: The run's `RunConfig` (its `output_dir` holds every phase;
            its `batch_size` must be filled in).
        phases: The `Phase`s, in order.
        train: `(folder, phase_config, training) -> TrainingRun`, how a
            phase's `Training` is trained in its `RunFolder`
            (`gan_keras.runs.run.train_in_folder`; tests pass a fake).

    Returns:
        The exit status: 0, or `EXIT_INTERRUPTED` (130) if a phase was
        interrupted (the later phases do not start).

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
    with RunFolder(config.output_dir) as folder:
        refuse_held_run(config, phases)
        if folder.previous_owner_crashed:
            print(f"Note: the previous run in {config.output_dir} ended without finishing cleanly (killed or "
                  f"crashed)")
        if not config.resume:
            folder.check_fresh_start(config.overwrite, parts=[p.folder for p in phases if p.folder is not None])
        for phase in phases:
            run_config = phase_config(config, phase)
            part = folder if phase.folder is None else folder.part(phase.folder)
            training = phase.start(run_config)
            if training is None:
                continue
            run = train(part, run_config, training)
            if training.after_run is not None:
                training.after_run(run)
            if run.interrupted:
                return EXIT_INTERRUPTED
        reported = [phase.folder for phase in phases if phase.report]
        if reported:
            # Imported here, not above: the evaluation imports Keras, and recipes import this module while
            # flags are parsed.
            from gan_keras.evaluation.translation import combine_phase_reports

            combine_phase_reports(config.output_dir, reported)
    return 0
