"""The conditional GAN as a recipe: a class label in, an image of that class out.

On Fashion-MNIST or MNIST it is PyTorch-GAN's MLP cGAN at 28x28; on a folder
of your pictures with one subfolder per class (`--dataset folder --data-dir
DIR`: DIR/cats/..., DIR/dogs/...) it is the DCGAN's convolutional stages
conditioned on the label (`gan_keras.models.cgan.build_conv_cgan_generator`),
at `--image-size` 16..128, and the generator keeps the class names.
"""

import dataclasses

import numpy as np

from gan_keras.core.config import Config, latent_size, setting
from gan_keras.data.datasets import load_dataset, scale_images
from gan_keras.core.errors import UserError
from gan_keras.recipes.base import (DATASET_SHORT_NAMES, DATASETS, EMA_DECAY, Augmented, FolderImages, Recipe,
                                    TrainingData, load_folder_data, memory_estimate, part,
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
    resolved = dataclasses.replace(resolve_folder(config, data), augment=augmented(config))
    if config.dataset == "folder":  # the class names travel in the model config (and so in the checkpoint)
        resolved = dataclasses.replace(resolved, class_names=tuple(data.folder.class_names))
    return resolved


def augmented(config):
    """DiffAugment by default for a folder (docs/folders.md: without it the classes collapsed), else off."""
    return config.augmented(config.dataset == "folder")


RECIPES = {
    "cgan": Recipe(
        name="cgan", summary="the conditional GAN (a class label in, an image of that class out)", config=CGANConfig,
        output_dir=lambda config: f"outputs/{DATASET_SHORT_NAMES.get(config.dataset, config.dataset)}_cgan",
        output_dir_help="outputs/<fashion, mnist or folder>_cgan",
        batch_size=64, epochs=10, build=part("cgan", "build"), load=_load_labelled, evaluate=True, ema=EMA_DECAY,
        memory=memory_estimate(256, 1_500_000, 10_000), resolve=_resolve, finish=part("folder", "evaluation"),
    ),
}
