"""What the trainer needs to know about one GAN, and nothing more."""

import dataclasses

import numpy as np

from gan_keras.sampling import artifact


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
        name: Short name of the GAN, saved with its generator.
        image_conditioned: Whether the generator translates an input image
            (pix2pix, SRGAN) instead of drawing from noise; the data source
            then yields `(target images, input images)` pairs.
        discriminator_sees_input: For an image-conditioned GAN, whether the
            discriminator judges `[image, input image]` pairs (pix2pix).
        reconstruction: For an image-conditioned GAN, whether the combined
            model also outputs the images for a reconstruction loss against
            the targets (then `combined` takes `[valid, targets]`).
        captioned: Whether the condition is a vector per sample that comes
            with the data (a caption's text vector, StackGAN): the fakes are
            drawn from noise and the real batch's conditions, and both models
            take `[noise or image, condition]`.
        matching_aware: Whether the discriminator also learns that real
            images with a wrong condition (another sample's, `mismatched`)
            are fake (StackGAN's matching-aware discriminator).
        previous_stage: For a stacked GAN, the frozen generator of the stage
            before (it takes the first part of this GAN's noise and the same
            condition); its images are shown beside this GAN's.
        text_encoder: For a captioned GAN, the frozen model mapping token
            ids to condition vectors; the saved generator includes it.
        vocabulary: For a captioned GAN, the words of its token ids (id i+1).
        ema: The `gan_keras.training.ema.GeneratorAverage` of the generator's weights
            (`--ema`), or None.
    """

    generator: object
    discriminator: object
    combined: object
    latent_dim: int
    noise: str = "normal"
    num_classes: int | None = None
    pixel_range: tuple = (-1.0, 1.0)
    name: str = "gan"
    image_conditioned: bool = False
    discriminator_sees_input: bool = False
    reconstruction: bool = False
    captioned: bool = False
    matching_aware: bool = False
    previous_stage: object = None
    text_encoder: object = None
    vocabulary: tuple | None = None
    ema: object = None

    @property
    def conditional(self):
        return self.num_classes is not None

    def sample_noise(self, rng, n):
        """Draws `(n, latent_dim)` float32 noise from `rng` (a numpy Generator)."""
        return artifact.sample_noise(rng, n, self.latent_dim, self.noise)

    def sample_labels(self, rng, n):
        """Draws `(n, 1)` int32 class labels, or None for an unconditional GAN."""
        if not self.conditional:
            return None
        return rng.integers(0, self.num_classes, size=(n, 1), dtype=np.int32)

    @property
    def data_conditioned(self):
        """Whether each real sample comes with its condition (input image or caption vector)."""
        return self.image_conditioned or self.captioned

    def fake_inputs(self, rng, n, condition=None):
        """What one fake batch is made from: `(noise, condition)`.

        Args:
            rng: numpy Generator (noise first, then labels, so that every GAN
                draws in the same order).
            n: Batch size.
            condition: The real batch's condition (labels or input images).

        Returns:
            Noise `(n, latent_dim)` and freshly drawn labels for a noise GAN
            (labels None if unconditional); `(None, condition)` for an
            image-conditioned GAN, which translates the real batch's inputs;
            noise and the real batch's conditions for a captioned GAN.
        """
        if self.image_conditioned:
            return None, condition
        if self.captioned:
            return self.sample_noise(rng, n), condition
        return self.sample_noise(rng, n), self.sample_labels(rng, n)

    def mismatched(self, condition):
        """Wrong conditions for a real batch (matching-aware discriminator).

        Class labels: another class for every sample, `label + 1 + (the
        previous sample's label mod (classes - 1))` modulo the classes, so
        never the sample's own. Other conditions (caption vectors): the
        previous sample's.
        """
        if self.conditional:
            labels = np.asarray(condition, np.int32).reshape(-1)
            shift = 1 + np.roll(labels, 1) % (self.num_classes - 1)
            return (labels + shift) % self.num_classes
        return np.roll(condition, 1, axis=0)

    def generator_inputs(self, noise, labels=None):
        """The generator's input: noise, `[noise, labels]` if conditional, the input images if image-conditioned."""
        if self.image_conditioned:
            return labels
        if self.captioned:
            return [noise, np.asarray(labels, np.float32)]
        return [noise, _as_label_column(labels)] if self.conditional else noise

    def discriminator_inputs(self, images, labels=None):
        """The discriminator's input: images, or `[images, labels or input images]` if it is conditional."""
        if self.image_conditioned:
            return [images, labels] if self.discriminator_sees_input else images
        if self.captioned:
            return [images, np.asarray(labels, np.float32)]
        return [images, _as_label_column(labels)] if self.conditional else images

    def generator_targets(self, valid, images):
        """The combined model's targets: "real" labels, and the real images with a reconstruction loss."""
        return [valid, images] if self.reconstruction else valid

    @property
    def log_fields(self):
        """History columns beyond the book's: the reconstruction loss, the loss on mismatched pairs."""
        return (("g_content",) if self.reconstruction else ()) + (("d_loss_wrong",) if self.matching_aware else ())

    def generate(self, noise, labels=None, batch_size=None):
        """Runs the generator in inference mode; returns a numpy array of images.

        Args:
            noise: `(n, latent_dim)` noise (None for an image-conditioned GAN).
            labels: The conditions (labels, input images or caption vectors), or None.
            batch_size: Samples per forward pass (None: all at once).
        """
        return _batched(lambda z, c: _predict(self.generator, self.generator_inputs(z, c)), noise, labels, batch_size)

    def generate_previous_stage(self, noise, labels, batch_size=None):
        """The images of `previous_stage` for this GAN's noise (its first part) and conditions."""
        size = int(self.previous_stage.inputs[0].shape[-1])
        return _batched(lambda z, c: _predict(self.previous_stage, [z[:, :size], np.asarray(c, np.float32)]),
                        noise, labels, batch_size)

    def to_tanh_range(self, images):
        """Maps images from `pixel_range` to [-1, 1] (for plots and metrics)."""
        return artifact.to_tanh_range(images, self.pixel_range)

    def generator_info(self):
        """The `GeneratorInfo` saved beside this GAN's generator."""
        shape = tuple(int(d) if d is not None else 0 for d in self.generator.outputs[0].shape[1:])
        condition = None
        if self.image_conditioned:
            condition = tuple(int(d) if d is not None else 0 for d in self.generator.inputs[0].shape[1:])
        return artifact.GeneratorInfo(
            latent_dim=self.latent_dim, noise=self.noise, num_classes=self.num_classes,
            pixel_range=tuple(self.pixel_range), image_shape=shape, condition_shape=condition,
            vocabulary=self.vocabulary if self.captioned else None, model=self.name,
        )

    def non_finite(self):
        """Which of the models (and the averaged generator) hold NaN or infinite weights (`non_finite_variables`)."""
        groups = {"generator": self.generator.variables, "discriminator": self.discriminator.variables}
        if self.ema is not None:
            groups["averaged generator"] = self.ema.variables
        return non_finite_variables(groups)

    def save_generator(self, path):
        """Saves the generator and its info (see `gan_keras.sampling.artifact.save_generator`).

        A captioned GAN's saved generator takes `[noise, token ids]`: its
        text encoder runs inside it, so the file draws from captions alone.
        """
        model = self.generator
        if self.captioned:
            import keras

            noise = keras.Input(tuple(model.inputs[0].shape[1:]), name="noise")
            ids = keras.Input(tuple(self.text_encoder.inputs[0].shape[1:]), dtype="int32", name="token_ids")
            model = keras.Model([noise, ids], model([noise, self.text_encoder(ids)]), name=f"{model.name}_captions")
        artifact.save_generator(path, model, self.generator_info())


def non_finite_variables(groups):
    """The first non-finite variable of each group, as `(group, index, path)`; empty when all are finite.

    Args:
        groups: dict of group name (e.g. "generator") -> list of Keras variables.
    """
    import keras

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


def _as_label_column(labels):
    return np.asarray(labels, dtype=np.int32).reshape(-1, 1)
