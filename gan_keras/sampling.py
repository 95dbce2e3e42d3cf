"""Loading saved generators and drawing samples from them."""

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
            draws balanced labels (`i % num_classes`).
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
        labels = np.full(n, label) if label is not None else np.arange(n) % num_classes
        labels = labels.astype(np.int32)
    outputs = []
    for start in range(0, n, batch_size):
        batch = z[start:start + batch_size]
        inputs = batch if labels is None else [batch, labels[start:start + batch_size, None]]
        outputs.append(np.asarray(generator.predict_on_batch(inputs)))
    return np.concatenate(outputs), labels
