"""The conditional GAN as a recipe: a class label in, an image of that class out."""

import dataclasses

import numpy as np

from gan_keras.core.conditions import ClassLabels
from gan_keras.core.config import Config, latent_size, setting
from gan_keras.data.datasets import load_dataset, scale_images
from gan_keras.recipes.base import DATASET_SHORT_NAMES, DATASETS, EMA_DECAY, Recipe, TrainingData, memory_estimate


@dataclasses.dataclass(frozen=True)
class CGANConfig(Config):
    """The conditional GAN: one class label in, an image of that class out."""

    dataset: str = setting("fashion_mnist", "training images (mnist only where its files are present)",
                           choices=DATASETS)
    latent_dim: int = setting(100, "size of the noise vector", check=latent_size)
    matching_aware: bool = setting(True, "the discriminator also learns that real images with another class's "
                                         "label are fake, so the label matters (--no-matching-aware: the seed's "
                                         "discriminator; see README)")


def build_cgan(latent_dim=100, num_classes=10, jit_compile="auto", matching_aware=False):
    """Builds and compiles the conditional GAN of 28x28x1 images as a `gan_keras.core.gan.GAN`.

    Both models use the default Adam(2e-4, beta_1=0.5) optimizer, each its
    own instance, as in the original. The noise is standard normal.

    Args:
        latent_dim: Size of the noise vector.
        num_classes: Number of classes.
        jit_compile: Whether the train steps use XLA ("auto": Keras decides).
        matching_aware: Whether the discriminator also learns that real
            images paired with another class's label are fake (the
            matching-aware discriminator of Reed et al. 2016, which StackGAN
            uses): the models stay the same, the discriminator's loss
            becomes real + (fake + mismatched) / 2. Without it the
            discriminator can judge the images alone and leave the label to
            chance.

    Returns:
        A conditional `GAN` (`num_classes` set) with a compiled discriminator
        and combined model; the combined model takes `[noise, labels]`.
    """
    # Keras loads when a run builds its GAN, not while flags are parsed.
    from gan_keras.core.combined import build_combined
    from gan_keras.core.gan import GAN
    from gan_keras.models.cgan import build_cgan_discriminator, build_cgan_generator

    generator = build_cgan_generator(latent_dim, num_classes)
    discriminator = build_cgan_discriminator(num_classes=num_classes)
    condition = ClassLabels(num_classes, matching_aware=matching_aware)
    combined = build_combined(generator, discriminator, jit_compile=jit_compile, condition=condition)
    return GAN(generator, discriminator, combined, latent_dim=latent_dim, noise="normal", condition=condition)


def _load_labelled(config, data_dir):
    (x_train, y_train), _ = load_dataset(config.dataset, data_dir)
    return TrainingData(scale_images(x_train), y_train.astype(np.int32), dataset=config.dataset)


def _build_cgan(config, run, total_steps):
    return build_cgan(config.latent_dim, jit_compile=run.jit_compile, matching_aware=config.matching_aware)


RECIPES = {
    "cgan": Recipe(
        name="cgan", summary="the conditional GAN (a class label in, an image of that class out)", config=CGANConfig,
        output_dir=lambda config: f"outputs/{DATASET_SHORT_NAMES[config.dataset]}_cgan",
        output_dir_help="outputs/<fashion or mnist>_cgan",
        batch_size=64, epochs=10, build=_build_cgan, load=_load_labelled, evaluate=True, ema=EMA_DECAY,
        memory=memory_estimate(256, 1_500_000, 10_000),
    ),
}
