"""Atomic training checkpoints: both models, both optimizers, the step.

A checkpoint is one `.npz` file holding every variable of the generator, the
discriminator (including dropout seed states and BatchNormalization
statistics) and both optimizers, plus a JSON header with the step, the run's
settings and the architecture (variable shapes). It is written to a temporary
file in the same directory and renamed over the old one, so a crash while
writing leaves the previous checkpoint intact.
"""

import json
import os
import tempfile
import zipfile

import keras
import numpy as np

from gan_keras.errors import UserError

FORMAT_VERSION = 1


class CheckpointError(UserError):
    """A checkpoint is missing, corrupt, or belongs to another model or run."""


def save_checkpoint(path, gan, step, settings):
    """Writes the training state of `gan` after `step` steps to `path`, atomically.

    Args:
        path: Destination `.npz` file.
        gan: A `gan_keras.gan.GAN` with compiled models.
        step: Steps completed.
        settings: JSON-serialisable dict of the settings a resumed run must
            share (e.g. seed, batch size); checked by `load_checkpoint`.
    """
    _build_optimizers(gan)
    groups = _variable_groups(gan)
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
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".checkpoint-", suffix=".npz.tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
            saved = header["settings"].get(name)
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
            for group, variables in groups.items():
                for i, variable in enumerate(variables):
                    variable.assign(data[f"{group}/{i:04d}"])
            if "global_rng_state" in data.files:
                _set_global_rng_state(data["global_rng_state"])
        except (KeyError, ValueError, OSError, zipfile.BadZipFile) as error:
            raise CheckpointError(f"checkpoint {path} is corrupt ({error})") from None
    return header["step"]


def _global_rng_state():
    """The backend's global random state, where layers draw from it.

    Keras' PyTorch backend runs a Dropout layer built without a seed on
    torch's global generator; TensorFlow and JAX draw from the layers' seed
    variables, which are saved with the models.
    """
    if keras.config.backend() == "torch":
        import torch

        return torch.get_rng_state().numpy()
    return None


def _set_global_rng_state(state):
    if keras.config.backend() == "torch":
        import torch

        torch.set_rng_state(torch.from_numpy(np.asarray(state, dtype=np.uint8)))


def _variable_groups(gan):
    return {
        "generator": gan.generator.variables,
        "discriminator": gan.discriminator.variables,
        "d_optimizer": gan.discriminator.optimizer.variables,
        "g_optimizer": gan.combined.optimizer.variables,
    }


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


def _header(path, data):
    try:
        header = json.loads(bytes(data["header"]).decode())
        if header.get("format") != FORMAT_VERSION:
            raise ValueError(f"unknown format {header.get('format')!r}")
        return header
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, UnicodeDecodeError) as error:
        raise CheckpointError(f"checkpoint {path} is corrupt or not a checkpoint ({error})") from None
