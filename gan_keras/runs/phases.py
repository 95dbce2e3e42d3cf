"""A run as phases: what each part of a run trains, and the one function that runs them.

Most GANs train in one phase, in the run's folder. SRGAN trains an SRResNet
(`DIR/srresnet`) and then the GAN started from it (`DIR/srgan`); StackGAN
trains its text encoder (in `DIR`), then Stage-I (`DIR/stage1`) and Stage-II
(`DIR/stage2`); the Gaussian study trains one run per seed (`DIR/run_NN`)
and then writes its table. A recipe says WHAT its phases are (`Phase`,
`Training`); `gan_keras.runs.run.run_phases` says HOW every run goes:

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

from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.runs.folder import CHECKPOINT_FILE


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
