"""Atomic training checkpoints: both models, both optimizers, the step.

A checkpoint is one `.npz` file holding every variable of the generator, the
discriminator (including dropout seed states and BatchNormalization
statistics), both optimizers and the averaged generator (`--ema`), plus a JSON header with the step, the run's
settings and the architecture (variable shapes). It is written to a temporary
file in the same directory and renamed over the old one, so a crash while
writing leaves the previous checkpoint intact.
"""

import json
import os
import zipfile

import keras
import numpy as np

from gan_keras.core import fileio
from gan_keras.core.errors import NonFiniteError, UserError
from gan_keras.core.gan import non_finite_variables

FORMAT_VERSION = 1
# Settings added after the first checkpoints were written, and the value those runs had.
# What older checkpoints lack: the value they were written with.
MISSING_SETTINGS = {"ema": 0.0, "matching_aware": False, "ema_warmup": 0, "dataset": "fashion_mnist",
                    "image_size": None, "channels": "auto", "direction": "AtoB", "test_dir": None,
                    "architecture": "book", "augment": False, "precision": "float32"}


class CheckpointError(UserError):
    """A checkpoint is missing, corrupt, or belongs to another model or run."""


def save_checkpoint(path, gan, step, settings):
    """Writes the training state of `gan` after `step` steps to `path`, atomically.

    Args:
        path: Destination `.npz` file.
        gan: A `gan_keras.core.gan.GAN` with compiled models.
        step: Steps completed.
        settings: JSON-serialisable dict of the settings a resumed run must
            share (e.g. seed, batch size); checked by `load_checkpoint`.
    """
    _build_optimizers(gan)
    groups = _variable_groups(gan)
    bad = non_finite_variables(groups)
    if bad:
        raise NonFiniteError(f"not saving {path}: non-finite values in {_where(bad)}")
    arrays = {}
    for group, variables in groups.items():
        for i, variable in enumerate(variables):
            arrays[f"{group}/{i:04d}"] = keras.ops.convert_to_numpy(variable)
    header = {
        "format": FORMAT_VERSION,
        "step": int(step),
        "settings": settings,
        "architecture": _architecture(groups),
    }
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    rng_state = _global_rng_state()
    if rng_state is not None:
        arrays["global_rng_state"] = rng_state
    with fileio.atomic_write(path, "wb") as f:
        np.savez(f, **arrays)


def read_checkpoint_header(path):
    """Returns the JSON header (step, settings, architecture) of a checkpoint.

    Raises:
        CheckpointError: if the file is missing or unreadable.
    """
    with _open(path) as data:
        return _header(path, data)


def load_checkpoint(path, gan, settings):
    """Restores the state saved by `save_checkpoint` into `gan`.

    Args:
        path: Checkpoint file.
        gan: A `GAN` built and compiled exactly as the one saved.
        settings: The current run's settings; they must equal the saved ones.

    Returns:
        The step the checkpoint was written at.

    Raises:
        CheckpointError: if the file is missing or corrupt, was written for
            another architecture, or with other settings.
    """
    _build_optimizers(gan)
    groups = _variable_groups(gan)
    with _open(path) as data:
        header = _header(path, data)
        for name in settings:
            saved = header["settings"].get(name, MISSING_SETTINGS.get(name))
            if saved != settings[name]:
                raise CheckpointError(
                    f"checkpoint {path} was written with {name}={saved!r}, not {settings[name]!r}: "
                    f"resume with the same value or use another --output-dir"
                )
        expected = _architecture(groups)
        if header["architecture"] != expected:
            raise CheckpointError(
                f"checkpoint {path} was written for a different architecture "
                f"({_describe(header['architecture'])}; this model: {_describe(expected)})"
            )
        try:
            values = {f"{group}/{i:04d}": data[f"{group}/{i:04d}"]
                      for group, variables in groups.items() for i in range(len(variables))}
            rng_state = data["global_rng_state"] if "global_rng_state" in data.files else None
        except (KeyError, ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
            raise CheckpointError(f"checkpoint {path} is corrupt ({error})") from None
    bad = [key for key, value in values.items()
           if np.issubdtype(value.dtype, np.floating) and not np.isfinite(value).all()]
    if bad:
        raise CheckpointError(f"checkpoint {path} holds NaN or infinite values ({', '.join(bad[:3])}): it cannot "
                              f"be resumed; start afresh with --overwrite or restore an earlier copy")
    try:
        for group, variables in groups.items():
            for i, variable in enumerate(variables):
                variable.assign(values[f"{group}/{i:04d}"])
    except ValueError as error:
        raise CheckpointError(f"checkpoint {path} is corrupt ({error})") from None
    if rng_state is not None:
        _set_global_rng_state(rng_state)
    return header["step"]


def _global_rng_state():
    """The backend's global random state, where layers draw from it.

    Keras' PyTorch backend runs a Dropout layer built without a seed on
    torch's global generator; TensorFlow and JAX draw from the layers' seed
    variables, which are saved with the models.
    """
    if keras.config.backend() == "torch":
        # Only the running Keras backend's library is imported.
        import torch

        return torch.get_rng_state().numpy()
    return None


def _set_global_rng_state(state):
    if keras.config.backend() == "torch":
        # Only the running Keras backend's library is imported.
        import torch

        torch.set_rng_state(torch.from_numpy(np.asarray(state, dtype=np.uint8)))


def _variable_groups(gan):
    groups = {
        "generator": gan.generator.variables,
        "discriminator": gan.discriminator.variables,
        "d_optimizer": gan.discriminator.optimizer.variables,
        "g_optimizer": gan.combined.optimizer.variables,
    }
    if gan.ema is not None:
        groups["ema_generator"] = gan.ema.variables
    return groups


def _build_optimizers(gan):
    for model in (gan.discriminator, gan.combined):
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)


def _architecture(groups):
    return {group: [list(v.shape) for v in variables] for group, variables in groups.items()}


def _describe(architecture):
    counts = {group: int(sum(np.prod(shape) for shape in shapes)) for group, shapes in architecture.items()}
    return ", ".join(f"{group} {count:,} values" for group, count in counts.items() if "optimizer" not in group)


class _open:
    def __init__(self, path):
        self.path = path

    def __enter__(self):
        if not os.path.isfile(self.path):
            raise CheckpointError(f"no checkpoint at {self.path}")
        try:
            self.data = np.load(self.path, allow_pickle=False)
        except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
            raise CheckpointError(f"checkpoint {self.path} is corrupt or not a checkpoint ({error})") from None
        return self.data

    def __exit__(self, *exc):
        self.data.close()
        return False


def _where(bad):
    return ", ".join(f"{group} variable {name}" for group, _, name in bad)


def _header(path, data):
    try:
        header = json.loads(bytes(data["header"]).decode())
        if not isinstance(header, dict) or header.get("format") != FORMAT_VERSION:
            raise ValueError(f"unknown format {header.get('format') if isinstance(header, dict) else header!r}")
        step = header.get("step")
        if not isinstance(step, int) or isinstance(step, bool) or step < 0:
            raise ValueError(f"step {step!r} is not a whole number >= 0")
        if not isinstance(header.get("settings"), dict):
            raise ValueError("settings are not a JSON object")
        architecture = header.get("architecture")
        if not isinstance(architecture, dict) or not all(
                isinstance(shapes, list) and all(isinstance(shape, list) for shape in shapes)
                for shapes in architecture.values()):
            raise ValueError("architecture is not a JSON object of shape lists")
        return header
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, UnicodeDecodeError) as error:
        raise CheckpointError(f"checkpoint {path} is corrupt or not a checkpoint ({error})") from None
