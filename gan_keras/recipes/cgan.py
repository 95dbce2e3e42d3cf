"""The conditional GAN as a recipe: a class label in, an image of that class out.

On Fashion-MNIST or MNIST it is PyTorch-GAN's MLP cGAN at 28x28; on a folder
of your pictures with one subfolder per class (`--dataset folder --data-dir
DIR`: DIR/cats/..., DIR/dogs/...) it is the DCGAN's convolutional stages
conditioned on the label (`gan_keras.models.cgan.build_conv_cgan_generator`),
at `--image-size` 16..128, and the generator keeps the class names.
"""

import dataclasses

import numpy as np

from gan_keras.core.conditions import ClassLabels
from gan_keras.core.config import Config, latent_size, setting
from gan_keras.data.datasets import load_dataset, scale_images
from gan_keras.core.errors import UserError
from gan_keras.recipes.base import (DATASET_SHORT_NAMES, DATASETS, EMA_DECAY, Augmented, FolderImages, Recipe,
                                    TrainingData, folder_evaluation, load_folder_data, memory_estimate,
                                    resolve_folder)


@dataclasses.dataclass(frozen=True)
class CGANConfig(FolderImages, Augmented, Config):
    """The conditional GAN: one class label in, an image of that class out."""

    dataset: str = setting("fashion_mnist", "training images (mnist only where its files are present; folder: your "
                                            "pictures, one subfolder of --data-dir per class)",
                           choices=(*DATASETS, "folder"))
    latent_dim: int = setting(100, "size of the noise vector", check=latent_size)
    matching_aware: bool = setting(True, "The discriminator does not also learn that real images with "
                                         "another class's label are fake (the seed's discriminator; see README)")
    class_names: tuple | None = setting(None, "a folder's class names, in label order (filled in from its "
                                              "subfolders)", flag=False)


def build_cgan(latent_dim=100, num_classes=10, jit_compile="auto", matching_aware=False, img_shape=None,
               class_names=None, augment=False):
    """Builds and compiles the conditional GAN as a `gan_keras.core.gan.GAN`: MLPs at 28x28x1, else convolutions.

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
        img_shape: `(size, size, channels)` of a folder's pictures: the
            convolutional models (`build_conv_cgan_generator`); None for the
            MLPs of 28x28x1 images.
        class_names: The classes' names, kept in the generator's file; or None.
        augment: Whether the discriminator sees every image through DiffAugment.

    Returns:
        A conditional `GAN` (`num_classes` set) with a compiled discriminator
        and combined model; the combined model takes `[noise, labels]`.
    """
    # Keras loads when a run builds its GAN, not while flags are parsed.
    from gan_keras.core.combined import build_combined
    from gan_keras.core.gan import GAN
    from gan_keras.models import cgan

    if img_shape is None:
        generator = cgan.build_cgan_generator(latent_dim, num_classes)
        discriminator = cgan.build_cgan_discriminator(num_classes=num_classes, augment=augment)
    else:
        generator = cgan.build_conv_cgan_generator(latent_dim, num_classes, img_shape)
        discriminator = cgan.build_conv_cgan_discriminator(img_shape, num_classes, augment=augment)
    condition = ClassLabels(num_classes, matching_aware=matching_aware,
                            class_names=None if class_names is None else tuple(class_names))
    combined = build_combined(generator, discriminator, jit_compile=jit_compile, condition=condition)
    return GAN(generator, discriminator, combined, latent_dim=latent_dim, noise="normal", condition=condition)


def _load_labelled(config, data_dir):
    if config.dataset == "folder":
        data = load_folder_data(config, data_dir, classes=True)
        if len(data.folder.class_names) < 2:
            raise UserError(f"a conditional GAN needs at least 2 classes: {data_dir} holds one class folder "
                            f"({data.folder.class_names[0]}); train `dcgan` on it instead")
        return data
    (x_train, y_train), _ = load_dataset(config.dataset, data_dir)
    return TrainingData(scale_images(x_train), y_train.astype(np.int32), dataset=config.dataset)


def _resolve(config, data):
    resolved = dataclasses.replace(resolve_folder(config, data), augment=_augmented(config))
    if config.dataset == "folder":  # the class names travel in the model config (and so in the checkpoint)
        resolved = dataclasses.replace(resolved, class_names=tuple(data.folder.class_names))
    return resolved


def _augmented(config):
    """DiffAugment by default for a folder (docs/folders.md: without it the classes collapsed), else off."""
    return config.augmented(config.dataset == "folder")


def _build_cgan(config, run, total_steps):
    if config.dataset != "folder":
        return build_cgan(config.latent_dim, jit_compile=run.jit_compile, matching_aware=config.matching_aware,
                          augment=_augmented(config))
    names = config.class_names
    return build_cgan(config.latent_dim, len(names), jit_compile=run.jit_compile,
                      matching_aware=config.matching_aware, img_shape=config.image_shape, class_names=names,
                      augment=_augmented(config))


RECIPES = {
    "cgan": Recipe(
        name="cgan", summary="the conditional GAN (a class label in, an image of that class out)", config=CGANConfig,
        output_dir=lambda config: f"outputs/{DATASET_SHORT_NAMES.get(config.dataset, config.dataset)}_cgan",
        output_dir_help="outputs/<fashion, mnist or folder>_cgan",
        batch_size=64, epochs=10, build=_build_cgan, load=_load_labelled, evaluate=True, ema=EMA_DECAY,
        memory=memory_estimate(256, 1_500_000, 10_000), resolve=_resolve, finish=folder_evaluation,
    ),
}
