"""The book's DCGAN (section 8.4) as a recipe: its config, data, assembly and run defaults.

It trains on Fashion-MNIST (28x28 grey, the book's) or on a folder of your
own pictures (`--dataset folder --data-dir DIR`: every image file under DIR,
in colour or grey, at `--image-size` 16..128; see `gan_keras.data.image_folder`).
"""

import dataclasses

from gan_keras.core.config import Config, ConfigError, latent_size, setting
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.data.datasets import load_fashion_mnist, scale_images
from gan_keras.data.image_folder import IMAGE_SIZES
from gan_keras.recipes.base import EMA_DECAY, Recipe, TrainingData, memory_estimate

FOLDER_SIZE = 64  # --image-size of a folder by default (the DCGAN paper's)
SIZES_TEXT = ", ".join(map(str, IMAGE_SIZES))


def image_size_value(value):
    if value is not None and value not in IMAGE_SIZES:
        return f"must be one of {SIZES_TEXT}, got {value!r}"
    return None


@dataclasses.dataclass(frozen=True)
class DCGANConfig(Config):
    """The book's DCGAN (section 8.4)."""

    latent_dim: int = setting(100, "size of the noise vector", check=latent_size)
    discriminator_norm: str = setting(
        "batch", "D's BatchNormalization in the generator step: batch statistics (the book's Keras 2 behaviour) or "
                 "moving statistics (Keras 3's frozen layers); see README", choices=("batch", "moving"))
    dataset: str = setting("fashion_mnist", "fashion_mnist (the book's), or folder: your own pictures, every image "
                                            "file under --data-dir", choices=("fashion_mnist", "folder"))
    image_size: int | None = setting(None, f"side of a folder's square images: {SIZES_TEXT} (default "
                                           f"{FOLDER_SIZE}; Fashion-MNIST is 28)", check=image_size_value, kind=int,
                                     metavar="N")
    channels: str = setting("auto", "a folder's channels: auto (1 if every picture is grey, else 3), 1 or 3",
                            choices=("auto", "1", "3"))

    def validate(self):
        if self.dataset == "fashion_mnist" and self.image_size not in (None, 28):
            raise ConfigError("image_size", "needs --dataset folder (Fashion-MNIST is 28x28)")
        if self.dataset == "fashion_mnist" and self.channels != "auto":
            raise ConfigError("channels", "needs --dataset folder (Fashion-MNIST is grey)")

    @property
    def image_shape(self):
        """`(size, size, channels)` of the images (exact after `resolve_folder`; before, "auto" counts 3)."""
        if self.dataset == "fashion_mnist":
            return (28, 28, 1)
        size = self.image_size or FOLDER_SIZE
        return (size, size, 3 if self.channels == "auto" else int(self.channels))  # "auto": at most 3


def build_dcgan(latent_dim=100, img_shape=(28, 28, 1), jit_compile="auto", discriminator_norm="batch"):
    """Builds and compiles the book's DCGAN as a `gan_keras.core.gan.GAN`.

    Args:
        latent_dim: Size of the standard-normal noise vector.
        img_shape: `(size, size, channels)` of the images: the book's
            `(28, 28, 1)`, or any size `gan_keras.models.dcgan.stages` takes.
        jit_compile: Whether the train steps use XLA ("auto": Keras decides).
        discriminator_norm: How D's BatchNormalization normalises in the
            generator step: "batch" (the book's) or "moving" (Keras 3's).

    Returns:
        A `GAN` with compiled discriminator and combined model.
    """
    # Keras loads when a run builds its GAN, not while flags are parsed.
    from gan_keras.core.combined import build_combined
    from gan_keras.core.gan import GAN
    from gan_keras.models.dcgan import build_discriminator, build_generator

    generator = build_generator(latent_dim, channels=img_shape[-1], image_size=img_shape[0])
    discriminator = build_discriminator(img_shape)
    combined = build_combined(generator, discriminator, jit_compile=jit_compile, discriminator_norm=discriminator_norm)
    return GAN(generator, discriminator, combined, latent_dim=latent_dim, noise="normal")


def load_folder_data(config, data_dir, classes=False):
    """A folder of the user's pictures as `TrainingData` (uint8 images, memory-mapped; labels with `classes`).

    Raises:
        UserError: (exit status 2) without `--data-dir`; (exit status 1) as
            `gan_keras.data.image_folder.load_image_folder`.
    """
    # The folder reader loads Pillow and writes the cache: only for a folder run.
    from gan_keras.data.image_folder import load_image_folder

    if data_dir is None:
        raise UserError("--dataset folder needs --data-dir DIR, the folder of your pictures", EXIT_USAGE)
    channels = config.channels if config.channels == "auto" else int(config.channels)
    folder = load_image_folder(data_dir, config.image_size or FOLDER_SIZE, channels, classes=classes)
    return TrainingData(folder.images, folder.labels, dataset="folder", folder=folder,
                        description=f"pictures in {data_dir}")


def resolve_folder(config, data):
    """`config` with a folder's image size and channels filled in (what `load_folder_data` read)."""
    if config.dataset != "folder":
        return config
    _, size, _, channels = data.images.shape
    return dataclasses.replace(config, image_size=size, channels=str(channels))


def _load(config, data_dir):
    if config.dataset == "folder":
        return load_folder_data(config, data_dir)
    (x_train, _), _ = load_fashion_mnist(data_dir)
    return TrainingData(scale_images(x_train))


def _build_dcgan(config, run, total_steps):
    return build_dcgan(config.latent_dim, config.image_shape, jit_compile=run.jit_compile,
                       discriminator_norm=config.discriminator_norm)


def _memory(config, batch):
    size, _, channels = config.image_shape
    scale = size * size * channels / 784  # activations and weights grow with the image, roughly
    return memory_estimate(7 * 7 * 128, 1_250_000 * scale, 150_000 * scale)(config, batch)


RECIPES = {
    "dcgan": Recipe(
        name="dcgan", summary="the book's DCGAN on Fashion-MNIST (sections 8.1 and 8.4) or a folder of your pictures",
        config=DCGANConfig, output_dir=lambda config: "outputs/fashion_dcgan" if config.dataset == "fashion_mnist"
        else "outputs/folder_dcgan", output_dir_help="outputs/fashion_dcgan (a folder: outputs/folder_dcgan)",
        batch_size=32, epochs=10, build=_build_dcgan, load=_load, evaluate=True, ema=EMA_DECAY,
        memory=_memory, resolve=resolve_folder,
    ),
}
