"""Kinds of condition as types: what a GAN's generator and discriminator are conditioned on.

Every `GAN` holds one condition, and everything that depends on the kind of
GAN asks it, never the GAN's kind:

| condition        | GANs                    | generator input        | discriminator input          |
| ---------------- | ----------------------- | ---------------------- | ---------------------------- |
| `Unconditional`  | DCGAN, MLP, Gaussian    | noise                  | images                       |
| `ClassLabels`    | cGAN                    | `[noise, labels]`      | `[images, labels]`           |
| `InputImage`     | pix2pix, SRGAN          | the input image        | images, or `[images, input]` |
| `Caption`        | StackGAN                | `[noise, caption vec]` | `[images, caption vec]`      |

What a condition answers (the same methods on every kind):

* training (`gan_keras.training.plan`): `fake_condition` (what a fake batch
  is conditioned on), `generator_inputs`, `discriminator_inputs`,
  `generator_targets`, `judged_inputs` (the combined model's discriminator
  input), `mismatched` (wrong conditions for the matching-aware
  discriminator), the flags `draws_noise`, `from_data`, `reconstruction`,
  `matching_aware` and the extra history columns `log_fields`;
* evaluation: `evaluation_conditions` (the conditions of samples drawn
  from noise).

How each kind is drawn in grids and saved (grid inputs and layout, the
generator's info fields, the model a user loads) is `gan_keras.sampling.layout`'s.

Every kind subclasses the abstract `Condition`, and no kind another. A
condition is a frozen dataclass of plain values (and, for captions, the
frozen text encoder), so it can be compared and printed.
"""

import abc
import dataclasses

import numpy as np

from gan_keras.core.noise import balanced_labels


class Condition(abc.ABC):
    """What every kind of condition answers; each kind below is a frozen dataclass subclassing it.

    A kind supplies the models' inputs (`fake_condition`, `generator_inputs`,
    `discriminator_inputs`); the rest has defaults that a kind overrides
    where it differs.
    """

    draws_noise = True  # whether fakes are drawn from noise (else they translate the real batch's condition)
    from_data = False  # whether each real sample comes with its condition (the source yields it)
    reconstruction = False  # whether the generator also learns a reconstruction loss against the real images
    matching_aware = False  # whether the discriminator also learns that mismatched real pairs are fake

    @abc.abstractmethod
    def fake_condition(self, rng, n, condition):
        """What a fake batch of `n` is conditioned on, drawn from `rng` after its noise (None: nothing).

        Args:
            rng: numpy Generator of the step.
            n: Batch size.
            condition: The real batch's condition (None for unconditional data).
        """

    @abc.abstractmethod
    def generator_inputs(self, noise, condition):
        """The generator's input for noise `(n, latent_dim)` (None without noise) and a condition."""

    @abc.abstractmethod
    def discriminator_inputs(self, images, condition):
        """The discriminator's input for `images` `(n, h, w, c)` and their condition."""

    def generator_targets(self, valid, images):
        """The combined model's targets: the "real" labels `valid`."""
        return valid

    def judged_inputs(self, images, generator_inputs):
        """What the discriminator judges in the combined model: the generated `images`, then the generator's
        inputs after the noise (class labels, caption vectors), in the same order."""
        conditions = list(generator_inputs[1:]) if isinstance(generator_inputs, (list, tuple)) else []
        return [images, *conditions] if conditions else images

    def mismatched(self, condition):
        """Wrong conditions for a real batch; only a matching-aware condition has them.

        Raises:
            TypeError: always here.
        """
        raise TypeError(f"{type(self).__name__} has no mismatched conditions")

    @property
    def log_fields(self):
        """History columns beyond the book's (`g_content`, `d_loss_wrong`)."""
        return (("g_content",) if self.reconstruction else ()) + (("d_loss_wrong",) if self.matching_aware else ())

    def evaluation_conditions(self, n):
        """The conditions of `n` evaluation samples drawn from noise: None here."""
        return None



@dataclasses.dataclass(frozen=True)
class Unconditional(Condition):
    """No condition: the generator draws from noise alone (DCGAN, MLP, Gaussian GAN)."""

    def fake_condition(self, rng, n, condition):
        """Nothing: a fake batch is noise alone."""
        return None

    def generator_inputs(self, noise, condition):
        """The noise."""
        return noise

    def discriminator_inputs(self, images, condition):
        """The images."""
        return images


@dataclasses.dataclass(frozen=True)
class ClassLabels(Condition):
    """One class label per sample (the cGAN): `(n, 1)` int32 labels in 0..num_classes-1.

    Attributes:
        num_classes: Number of classes.
        matching_aware: The discriminator also learns that real images with
            another class's label are fake.
        class_names: The classes' names in label order (a folder's class
            folders), kept in the generator's file; None for numbered classes.
    """

    num_classes: int = 10
    matching_aware: bool = False
    class_names: tuple | None = None

    def fake_condition(self, rng, n, condition):
        """Freshly drawn labels `(n, 1)` (drawn after the batch's noise)."""
        return rng.integers(0, self.num_classes, size=(n, 1), dtype=np.int32)

    def generator_inputs(self, noise, condition):
        return [noise, _label_column(condition)]

    def discriminator_inputs(self, images, condition):
        return [images, _label_column(condition)]

    def mismatched(self, condition):
        """Another class for every sample: `label + 1 + (previous label mod (classes - 1))`, modulo the classes."""
        labels = np.asarray(condition, np.int32).reshape(-1)
        shift = 1 + np.roll(labels, 1) % (self.num_classes - 1)
        return (labels + shift) % self.num_classes

    def evaluation_conditions(self, n):
        """Balanced labels, every class equally often (interleaved)."""
        return balanced_labels(n, self.num_classes)



@dataclasses.dataclass(frozen=True)
class InputImage(Condition):
    """An input image per sample (pix2pix, SRGAN): the generator translates it, no noise.

    Attributes:
        discriminator_sees_input: The discriminator judges `[image, input
            image]` pairs (pix2pix) rather than images alone (SRGAN).
        reconstruction: The combined model also outputs the images, for a
            reconstruction loss against the real targets (pix2pix's L1, SRGAN's content loss).
    """

    discriminator_sees_input: bool = False
    reconstruction: bool = True
    draws_noise = False
    from_data = True

    def fake_condition(self, rng, n, condition):
        """The real batch's input images: the fakes translate them."""
        return condition

    def generator_inputs(self, noise, condition):
        return condition

    def discriminator_inputs(self, images, condition):
        return [images, condition] if self.discriminator_sees_input else images

    def generator_targets(self, valid, images):
        return [valid, images] if self.reconstruction else valid

    def judged_inputs(self, images, generator_inputs):
        """The generated images, with the input image after them if the discriminator sees it."""
        return [images, generator_inputs] if self.discriminator_sees_input else images

    def evaluation_conditions(self, n):
        raise TypeError("an image-to-image GAN is evaluated on its held-out pairs, not on samples from noise")



@dataclasses.dataclass(frozen=True)
class Caption(Condition):
    """A caption's text vector per sample, coming with the data (StackGAN); matching-aware.

    Attributes:
        text_encoder: The frozen Keras model mapping token ids to caption
            vectors; the saved generator includes it.
        vocabulary: The words of its token ids (id i+1).
    """

    text_encoder: object = None
    vocabulary: tuple = ()
    from_data = True
    matching_aware = True

    def fake_condition(self, rng, n, condition):
        """The real batch's caption vectors: fakes are drawn for the same captions."""
        return condition

    def generator_inputs(self, noise, condition):
        return [noise, np.asarray(condition, np.float32)]

    def discriminator_inputs(self, images, condition):
        return [images, np.asarray(condition, np.float32)]

    def mismatched(self, condition):
        """The previous sample's caption vector."""
        return np.roll(condition, 1, axis=0)

    def evaluation_conditions(self, n):
        raise TypeError("a captioned GAN is evaluated on its test captions (gan_keras.evaluation.captioned)")


def _label_column(labels):
    return np.asarray(labels, dtype=np.int32).reshape(-1, 1)

