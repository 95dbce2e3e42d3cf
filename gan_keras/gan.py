"""What the trainer needs to know about one GAN, and nothing more."""

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class GAN:
    """A generator, its discriminator, their combined model and its noise.

    Attributes:
        generator: Model mapping noise (and, if conditional, labels) to images.
        discriminator: Model compiled with BCE and accuracy, mapping images
            (and labels) to `(n, 1)` probabilities of being real.
        combined: Compiled `FrozenDiscriminatorGAN` training the generator.
        latent_dim: Size of one noise vector.
        noise: "normal" (standard normal) or "uniform" (on [-1, 1]).
        num_classes: Number of classes of a conditional GAN; None otherwise.
        pixel_range: `(low, high)` of the generator's images: (-1, 1) for
            tanh outputs, (0, 1) for sigmoid outputs.
    """

    generator: object
    discriminator: object
    combined: object
    latent_dim: int
    noise: str = "normal"
    num_classes: int | None = None
    pixel_range: tuple = (-1.0, 1.0)

    @property
    def conditional(self):
        return self.num_classes is not None

    def sample_noise(self, rng, n):
        """Draws `(n, latent_dim)` float32 noise from `rng` (a numpy Generator)."""
        if self.noise == "normal":
            return rng.standard_normal((n, self.latent_dim), dtype=np.float32)
        if self.noise == "uniform":
            return rng.uniform(-1.0, 1.0, (n, self.latent_dim)).astype(np.float32)
        raise ValueError(f"unknown noise distribution {self.noise!r}")

    def sample_labels(self, rng, n):
        """Draws `(n, 1)` int32 class labels, or None for an unconditional GAN."""
        if not self.conditional:
            return None
        return rng.integers(0, self.num_classes, size=(n, 1), dtype=np.int32)

    def generator_inputs(self, noise, labels=None):
        """The generator's input: noise, or `[noise, labels]` if conditional."""
        return [noise, _as_label_column(labels)] if self.conditional else noise

    def discriminator_inputs(self, images, labels=None):
        """The discriminator's input: images, or `[images, labels]` if conditional."""
        return [images, _as_label_column(labels)] if self.conditional else images

    def generate(self, noise, labels=None):
        """Runs the generator in inference mode; returns a numpy array of images."""
        return np.asarray(self.generator.predict_on_batch(self.generator_inputs(noise, labels)))

    def to_tanh_range(self, images):
        """Maps images from `pixel_range` to [-1, 1] (for plots and metrics)."""
        from gan_keras.sampling import to_tanh_range

        return to_tanh_range(images, self.pixel_range)


def _as_label_column(labels):
    return np.asarray(labels, dtype=np.int32).reshape(-1, 1)
