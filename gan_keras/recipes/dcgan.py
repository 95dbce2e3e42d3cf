"""The book's DCGAN (section 8.4) as a recipe: its config, data, assembly and run defaults.

It trains on Fashion-MNIST (28x28 grey, the book's) or on a folder of your
own pictures (`--dataset folder --data-dir DIR`: every image file under DIR,
in colour or grey, at `--image-size` 16..128; see `gan_keras.data.image_folder`).
"""

import dataclasses

from gan_keras.core.config import Config, ConfigError, latent_size, setting
from gan_keras.data.datasets import load_fashion_mnist, scale_images
from gan_keras.recipes.base import (EMA_DECAY, Augmented, FolderImages, Recipe, TrainingData, part,
                                    load_folder_data, memory_estimate, resolve_folder)


@dataclasses.dataclass(frozen=True)
class DCGANConfig(FolderImages, Augmented, Config):
    """The book's DCGAN (section 8.4), on Fashion-MNIST or a folder of pictures (`FolderImages`)."""

    latent_dim: int = setting(100, "size of the noise vector", check=latent_size)
    discriminator_norm: str = setting(
        "batch", "D's BatchNormalization in the generator step: batch statistics (the book's Keras 2 behaviour) or "
                 "moving statistics (Keras 3's frozen layers); see README", choices=("batch", "moving"))
    dataset: str = setting("fashion_mnist", "fashion_mnist (the book's), or folder: your own pictures, every image "
                                            "file under --data-dir", choices=("fashion_mnist", "folder"))
    architecture: str = setting("book", "book: the book's networks (upsampling and 3x3 convolutions; strided "
                                        "convolutions), one stage per doubling; paper: the DCGAN paper's (4x4 "
                                        "transposed convolutions from 4x4x1024 at 64 pixels, BatchNorm, "
                                        "ReLU/LeakyReLU, tanh; 16, 32, 64 or 128 pixels)", choices=("book", "paper"))

    def validate(self):
        super().validate()
        size = self.image_shape[0]
        if self.architecture == "paper" and size & (size - 1):  # the powers of two of IMAGE_SIZES
            raise ConfigError("architecture", f"paper takes --image-size 16, 32, 64 or 128, not {size}")


def _load(config, data_dir):
    if config.dataset == "folder":
        return load_folder_data(config, data_dir)
    (x_train, _), _ = load_fashion_mnist(data_dir)
    return TrainingData(scale_images(x_train))


def _resolve(config, data):
    return dataclasses.replace(resolve_folder(config, data), augment=config.augmented(False))


def _memory(config, batch):
    size, _, channels = config.image_shape
    scale = size * size * channels / 784  # activations and weights grow with the image, roughly
    return memory_estimate(7 * 7 * 128, 1_250_000 * scale, 150_000 * scale)(config, batch)


RECIPES = {
    "dcgan": Recipe(
        name="dcgan", summary="the book's DCGAN on Fashion-MNIST (sections 8.1 and 8.4) or a folder of your pictures",
        config=DCGANConfig, output_dir=lambda config: "outputs/fashion_dcgan" if config.dataset == "fashion_mnist"
        else "outputs/folder_dcgan", output_dir_help="outputs/fashion_dcgan (a folder: outputs/folder_dcgan)",
        batch_size=32, epochs=10, build=part("dcgan", "build"), load=_load, evaluate=True, ema=EMA_DECAY,
        memory=_memory, resolve=_resolve, finish=part("folder", "evaluation"),
    ),
}
