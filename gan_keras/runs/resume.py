"""Where a run starts: the settings its checkpoint records, its precision, and the step a `--resume` continues from."""

import glob
import os

import keras

from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.runs.config import RunConfig
from gan_keras.runs.folder import CHECKPOINT_FILE
from gan_keras.training import checkpoint
from gan_keras.training.devices import choose_precision, cpu_flags, describe_device


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


def phase_settings(config, training):
    """`checkpoint_settings` of a phase's `Training`, with the digest of a folder of pictures it trains on."""
    settings = checkpoint_settings(config, training.model, training.model_config)
    if training.data_digest is not None:  # a folder of the user's pictures: resumed only on the same files
        settings["data"] = training.data_digest
    return settings


def start_step(folder, config, gan, settings):
    """The step a phase starts from: its checkpoint's (loaded into `gan`) with `--resume`, else 0.

    With `--resume` and no checkpoint in the folder, the files of a run
    killed before its first checkpoint are removed first
    (`RunFolder.restart_unfinished`).

    Args:
        folder: The phase's locked `RunFolder`.
        config: The phase's `RunConfig`.
        gan: The freshly built `GAN`, whose weights and optimizer states a resume replaces.
        settings: `phase_settings` of the phase (a checkpoint of other settings is refused).

    Returns:
        The number of steps already trained.

    Raises:
        UserError: (exit status 1) if the folder of pictures changed since the checkpoint.
        CheckpointError: if the checkpoint does not fit `gan` or `settings`.
    """
    path = os.path.join(config.output_dir, CHECKPOINT_FILE)
    if not config.resume:
        return 0
    if not os.path.exists(path):
        folder.restart_unfinished()
        print(f"No checkpoint in {config.output_dir}: starting afresh")
        return 0
    saved = checkpoint.read_checkpoint_header(path)["settings"].get("data")
    if "data" in settings and saved is not None and saved != settings["data"]:
        raise UserError(f"the pictures in {config.data_dir} changed since {path} was written (files added, removed "
                        f"or edited): resume with the folder as it was, or start afresh with --overwrite or "
                        f"another --output-dir")
    step = checkpoint.load_checkpoint(path, gan, settings)
    print(f"Resuming from step {step} ({path})")
    return step


def run_precision(config):
    """`(policy, reason)` of `--precision` (`choose_precision`); on `--resume`, the checkpoint's policy.

    Raises:
        UserError: (exit status 2) for a `--resume` with another precision
            than its checkpoint's: its steps would not repeat those of the run.
    """
    saved, path = _checkpoint_precision(config) if config.resume else (None, None)
    if saved is None:
        return choose_precision(config.precision, keras.config.backend(), describe_device(), cpu_flags())
    if config.precision == "auto":
        return saved, f"auto on --resume: that of {path}, so that the run continues as it started"
    if config.precision != saved:
        raise UserError(f"--precision {config.precision}: {path} was trained in {saved}; resume with --precision "
                        f"{saved} (or auto, which resumes in the checkpoint's), or start afresh with --overwrite or "
                        f"another --output-dir", EXIT_USAGE)
    return saved, "as asked"


def _checkpoint_precision(config):
    """`(precision, path)` of the run's first checkpoint (its folder's, else a phase's), or `(None, None)`."""
    paths = [os.path.join(config.output_dir, CHECKPOINT_FILE)]
    paths += sorted(glob.glob(os.path.join(glob.escape(config.output_dir), "*", CHECKPOINT_FILE)))
    for path in paths:
        if os.path.isfile(path):
            settings = checkpoint.read_checkpoint_header(path)["settings"]
            return settings.get("precision", checkpoint.MISSING_SETTINGS["precision"]), path
    return None, None
