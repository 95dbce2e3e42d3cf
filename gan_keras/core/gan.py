"""What the trainer needs to know about one GAN, and nothing more: its models, noise and condition."""

import dataclasses

import keras
import numpy as np

from gan_keras.core.conditions import Unconditional
from gan_keras.core.noise import sample_noise
from gan_keras.core.pixels import to_tanh_range


@dataclasses.dataclass(frozen=True)
class GAN:
    """A generator, its discriminator, their combined model, its noise and its condition.

    Attributes:
        generator: Model mapping its inputs (`condition.generator_inputs`) to images.
        discriminator: Model compiled with BCE and accuracy, mapping images
            (and conditions, `condition.discriminator_inputs`) to `(n, 1)`
            probabilities of being real (or a PatchGAN's `(n, h, w, 1)`).
        combined: Compiled `FrozenDiscriminatorGAN` training the generator.
        latent_dim: Size of one noise vector (0 when the generator takes none).
        condition: What both models are conditioned on: one of
            `gan_keras.core.conditions` (default `Unconditional()`).
        noise: "normal" (standard normal) or "uniform" (on [-1, 1]).
        pixel_range: `(low, high)` of the generator's images: (-1, 1) for
            tanh outputs, (0, 1) for sigmoid outputs.
        name: Short name of the GAN, saved with its generator.
        previous_stage: For a stacked GAN, the frozen generator of the stage
            before (it takes the first part of this GAN's noise and the same
            condition); its images are shown beside this GAN's.
        ema: The `gan_keras.training.ema.GeneratorAverage` of the generator's
            weights (`--ema`), or None.
    """

    generator: object
    discriminator: object
    combined: object
    latent_dim: int
    condition: object = Unconditional()
    noise: str = "normal"
    pixel_range: tuple = (-1.0, 1.0)
    name: str = "gan"
    previous_stage: object = None
    ema: object = None

    def sample_noise(self, rng, n):
        """Draws `(n, latent_dim)` float32 noise from `rng` (a numpy Generator)."""
        return sample_noise(rng, n, self.latent_dim, self.noise)

    def fake_inputs(self, rng, n, condition=None):
        """What one fake batch is made from: `(noise, condition)`.

        Args:
            rng: numpy Generator (noise first, then the condition, so that
                every GAN draws in the same order).
            n: Batch size.
            condition: The real batch's condition (labels, input images,
                caption vectors), if the data has one.

        Returns:
            Noise `(n, latent_dim)` (None when the generator takes none) and
            the fakes' condition (`condition.fake_condition`).
        """
        noise = self.sample_noise(rng, n) if self.condition.draws_noise else None
        return noise, self.condition.fake_condition(rng, n, condition)

    def generator_inputs(self, noise, condition=None):
        """The generator's input for `noise` and `condition` (see `conditions`)."""
        return self.condition.generator_inputs(noise, condition)

    def discriminator_inputs(self, images, condition=None):
        """The discriminator's input for `images` and `condition` (see `conditions`)."""
        return self.condition.discriminator_inputs(images, condition)

    def generate(self, noise, condition=None, batch_size=None):
        """Runs the generator in inference mode; returns a numpy array of images.

        Args:
            noise: `(n, latent_dim)` noise (None when the generator takes none).
            condition: The conditions (labels, input images or caption vectors), or None.
            batch_size: Samples per forward pass (None: all at once).
        """
        return _batched(lambda z, c: _predict(self.generator, self.generator_inputs(z, c)), noise, condition,
                        batch_size)

    def generate_previous_stage(self, noise, condition, batch_size=None):
        """The images of `previous_stage` for this GAN's noise (its first part) and conditions."""
        size = int(self.previous_stage.inputs[0].shape[-1])
        return _batched(lambda z, c: _predict(self.previous_stage, self.generator_inputs(z[:, :size], c)),
                        noise, condition, batch_size)

    def to_tanh_range(self, images):
        """Maps images from `pixel_range` to [-1, 1] (for plots and metrics)."""
        return to_tanh_range(images, self.pixel_range)

    def non_finite(self):
        """Which of the models (and the averaged generator) hold NaN or infinite weights (`non_finite_variables`)."""
        groups = {"generator": self.generator.variables, "discriminator": self.discriminator.variables}
        if self.ema is not None:
            groups["averaged generator"] = self.ema.variables
        return non_finite_variables(groups)


def non_finite_variables(groups):
    """The first non-finite variable of each group, as `(group, index, path)`; empty when all are finite.

    Args:
        groups: dict of group name (e.g. "generator") -> list of Keras variables.
    """
    found = []
    for group, variables in groups.items():
        for i, variable in enumerate(variables):
            value = keras.ops.convert_to_numpy(variable)
            if np.issubdtype(value.dtype, np.floating) and not np.isfinite(value).all():
                found.append((group, i, getattr(variable, "path", str(i))))
                break
    return found


def _predict(model, inputs):
    """`model.predict_on_batch(inputs)` as a numpy array of one row per input row.

    Under a `tf.distribute.MirroredStrategy` (`--devices` on TensorFlow)
    Keras runs the whole batch on every replica and concatenates their
    outputs; the first replica's rows are kept.
    """
    rows = len(inputs[0] if isinstance(inputs, (list, tuple)) else inputs)
    return np.asarray(model.predict_on_batch(inputs))[:rows]


def _batched(predict, noise, labels, batch_size):
    """`predict(noise, labels)` on all rows at once (`batch_size` None) or `batch_size` rows at a time."""
    if batch_size is None:
        return predict(noise, labels)
    n = len(noise if noise is not None else labels)
    return np.concatenate([predict(None if noise is None else noise[i:i + batch_size],
                                   None if labels is None else labels[i:i + batch_size])
                           for i in range(0, n, batch_size)])
