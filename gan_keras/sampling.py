"""Loading saved generators and drawing samples from them."""

import json
import os

import keras
import numpy as np

from gan_keras.errors import UserError


def load_generator(path):
    """Loads a generator saved as `.keras` by a training script.

    Raises:
        UserError: if the file is not a loadable Keras model or not a generator.
    """
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as error:  # keras raises many types for a bad archive
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UserError(f"cannot load a Keras model from {path}: {first_line}") from None
    inputs = model.inputs
    if len(inputs) not in (1, 2) or len(inputs[0].shape) != 2:
        raise UserError(f"{path} is not a generator of this project (inputs: {[tuple(i.shape) for i in inputs]})")
    return model


def load_generator_info(path):
    """Reads the `.json` sidecar of a saved generator (noise, classes, pixel range).

    Returns defaults (normal noise, 10 classes, pixels in [-1, 1]) when there
    is no sidecar.

    Raises:
        UserError: if the sidecar exists but is not valid JSON.
    """
    info = {"noise": "normal", "num_classes": 10, "pixel_range": [-1.0, 1.0]}
    sidecar = path[: -len(".keras")] + ".json" if path.endswith(".keras") else None
    if sidecar and os.path.isfile(sidecar):
        try:
            with open(sidecar) as f:
                info.update({k: v for k, v in json.load(f).items() if v is not None})
        except (OSError, ValueError) as error:
            raise UserError(f"cannot read {sidecar}: {error}") from None
    return info


def to_tanh_range(images, pixel_range):
    """Maps images from `pixel_range` `(low, high)` to [-1, 1]."""
    low, high = pixel_range
    return (np.asarray(images, np.float32) - low) * (2.0 / (high - low)) - 1.0


def is_conditional(generator):
    """True if `generator` takes `[noise, labels]`."""
    return len(generator.inputs) == 2


def sample_images(generator, n, rng, label=None, num_classes=10, noise="normal", batch_size=500):
    """Draws `n` samples from `generator`.

    Args:
        generator: A loaded generator model.
        n: Number of samples.
        rng: numpy Generator for the noise (and labels).
        label: For a conditional generator, the class of every sample; None
            draws balanced labels in blocks (`i * num_classes // n`).
        num_classes: Classes of a conditional generator.
        noise: "normal" or "uniform" noise.
        batch_size: Samples per forward pass.

    Returns:
        `(images, labels)`: `(n, ...)` float32 outputs and `(n,)` int labels
        (None for an unconditional generator).

    Raises:
        UserError: if `label` is given for an unconditional generator or is
            out of range.
    """
    latent_dim = generator.inputs[0].shape[-1]
    conditional = is_conditional(generator)
    if label is not None and not conditional:
        raise UserError("--label needs a conditional generator")
    if label is not None and not 0 <= label < num_classes:
        raise UserError(f"--label must be in 0..{num_classes - 1}, got {label}")
    if noise == "normal":
        z = rng.standard_normal((n, latent_dim), dtype=np.float32)
    else:
        z = rng.uniform(-1.0, 1.0, (n, latent_dim)).astype(np.float32)
    labels = None
    if conditional:
        # Balanced and in blocks: with n = 100 and 10 classes, one grid row per class.
        labels = np.full(n, label) if label is not None else np.arange(n) * num_classes // n
        labels = labels.astype(np.int32)
    outputs = []
    for start in range(0, n, batch_size):
        batch = z[start:start + batch_size]
        inputs = batch if labels is None else [batch, labels[start:start + batch_size, None]]
        outputs.append(np.asarray(generator.predict_on_batch(inputs)))
    return np.concatenate(outputs), labels
