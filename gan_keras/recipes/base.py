"""What every GAN recipe is made of: the `Recipe`, its `TrainingData`, and `part`, its link to its build part."""

import dataclasses
import importlib
from typing import Callable

import numpy as np

from gan_keras.core.config import ConfigError, setting
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.data.datasets import DATASET_FOLDERS
from gan_keras.data.image_folder import IMAGE_SIZES, load_image_folder

DATASET_SHORT_NAMES = {"fashion_mnist": "fashion", "mnist": "mnist"}
DATASETS = tuple(sorted(DATASET_FOLDERS))
# The default --ema of the GANs that keep an averaged generator (README, "Averaged generator").
EMA_DECAY = 0.999
FOLDER_SIZE = 64  # --image-size of a folder by default (the DCGAN paper's)
SIZES_TEXT = ", ".join(map(str, IMAGE_SIZES))


def image_size_value(value):
    if value is not None and value not in IMAGE_SIZES:
        return f"must be one of {SIZES_TEXT}, got {value!r}"
    return None


@dataclasses.dataclass(frozen=True)
class FolderImages:
    """The settings of a folder of your pictures, for the GANs that train on one (`--dataset folder`).

    A config class with these fields also has a `dataset` field; its
    `validate` calls `check_folder_settings`.
    """

    image_size: int | None = setting(None, f"side of a folder's square images: {SIZES_TEXT} (default "
                                           f"{FOLDER_SIZE}; Fashion-MNIST is 28)", check=image_size_value, kind=int,
                                     metavar="N")
    channels: str = setting("auto", "a folder's channels: auto (1 if every picture is grey, else 3), 1 or 3",
                            choices=("auto", "1", "3"))

    def validate(self):
        if self.dataset != "folder" and self.image_size not in (None, 28):
            raise ConfigError("image_size", "needs --dataset folder (Fashion-MNIST and MNIST are 28x28)")
        if self.dataset != "folder" and self.channels != "auto":
            raise ConfigError("channels", "needs --dataset folder (Fashion-MNIST and MNIST are grey)")

    @property
    def folder_channels(self):
        """`channels` as the folder readers take it: "auto", 1 or 3."""
        return self.channels if self.channels == "auto" else int(self.channels)

    @property
    def image_shape(self):
        """`(size, size, channels)` of the images (exact after `resolve_folder`; before, "auto" counts 3)."""
        if self.dataset != "folder":
            return (28, 28, 1)
        size = self.image_size or FOLDER_SIZE
        return (size, size, 3 if self.channels == "auto" else int(self.channels))


@dataclasses.dataclass(frozen=True)
class Augmented:
    """The DiffAugment setting of the GANs that draw from noise (`gan_keras.models.augment`)."""

    augment: bool | None = setting(
        None, "show the discriminator every image, real and fake, through DiffAugment's random colour, translation "
              "and cutout (default: on for the conditional GAN on a folder, where it kept the discriminator from "
              "winning and each class from collapsing to one picture; off otherwise); see docs/folders.md",
        kind=bool)

    def augmented(self, default):
        """`augment` as the run uses it: as given, else `default`."""
        return default if self.augment is None else self.augment


def load_folder_data(config, data_dir, classes=False):
    """A folder of the user's pictures as `TrainingData` (uint8 images, memory-mapped; labels with `classes`).

    Raises:
        UserError: (exit status 2) without `--data-dir`; (exit status 1) as
            `gan_keras.data.image_folder.load_image_folder`.
    """
    require_data_dir(data_dir, "the folder of your pictures")
    folder = load_image_folder(data_dir, config.image_shape[0], config.folder_channels, classes=classes)
    return TrainingData(folder.images, folder.labels, dataset="folder", folder=folder,
                        description=f"pictures in {data_dir}")


def require_data_dir(data_dir, what):
    """Raises UserError (exit status 2) for a folder run without `--data-dir`, saying what DIR should be."""
    if data_dir is None:
        raise UserError(f"--dataset folder needs --data-dir DIR, {what}", EXIT_USAGE)


def resolve_folder(config, data):
    """`config` with a folder's image size and channels filled in (what `load_folder_data` read)."""
    if config.dataset != "folder":
        return config
    _, size, _, channels = data.images.shape
    return dataclasses.replace(config, image_size=size, channels=str(channels))


@dataclasses.dataclass(frozen=True)
class TrainingData:
    """What a recipe's data loader returns.

    Attributes:
        images: `(n, ...)` float32 training samples in the GAN's pixel range.
        labels: `(n,)` int32 labels for a conditional GAN, the `(n, h, w, c)`
            input images of an image-to-image GAN, else None.
        dataset: Name of the dataset (only Fashion-MNIST can be evaluated).
        eval_classes: Classes the evaluation compares with (None: all).
        batch_size: The recipe's default batch for this data, if it depends on
            it (see `Recipe.with_batch_size`), else None.
        description: e.g. "6,000 training images of class 1".
        preview: For an image-to-image GAN, fixed held-out `(inputs, targets)`
            pairs for the sample grids.
        test: What the recipe scores the generator on at the end: for an
            image-to-image GAN the held-out `(inputs, targets, labels)`; for
            StackGAN the captioned training and test sets and the attribute
            terciles.
        folder: For a folder of the user's pictures, its
            `gan_keras.data.image_folder.ImageFolder` (files, skipped files,
            digest, class names), else None.
    """

    images: np.ndarray
    labels: np.ndarray | None = None
    dataset: str = "fashion_mnist"
    eval_classes: tuple | None = None
    batch_size: int | None = None
    description: str = "training images"
    preview: tuple | None = None
    test: tuple | None = None
    folder: object = None


@dataclasses.dataclass(frozen=True)
class Recipe:
    """One GAN of the package, as data.

    Attributes:
        name: Subcommand and checkpoint name, e.g. "dcgan".
        summary: One line for `--help`.
        config: Its model config class (stored in checkpoints; a resumed run
            must match it field by field).
        output_dir: Default run folder for a model config.
        output_dir_help: How the default folder is chosen, for `--help`.
        batch_size: Default batch size.
        batch_size_help: How the default batch is chosen, if not fixed.
        epochs: Default epochs.
        steps: Default length in steps instead of epochs (then `--epochs` must
            be given to train by epochs), or None.
        build: `(model_config, run_config, total_steps) -> GAN` (imports Keras).
        load: `(model_config, data_dir) -> TrainingData`; None for a GAN whose
            data is synthetic.
        loop: `model_config -> dict` of `LoopConfig` fields (e.g. a schedule).
        evaluable: Whether the evaluation flags apply (the image GANs scored
            during training; the image-to-image and text-to-image GANs are
            scored at the end instead, by `finish` or their phases).
        images: Whether it draws images: the flags of an averaged generator
            (`--ema`) and of kept generators (`--keep-generators`) apply.
            False for the 1-D Gaussian GAN.
        evaluate: Whether it evaluates by default (once per epoch).
        ema: Its default `--ema` decay (0: no averaged generator).
        options: A config class of further settings that are not part of the
            model (not stored in checkpoints), or None.
        memory: `(model_config, batch_size) -> bytes`, a rough upper estimate
            of what training needs (checked before anything is allocated).
        finish: `(model_config, run_config, data) -> callbacks` that score the
            generator at the end of the run (held-out test metrics), or None.
        resolve: `(model_config, data) -> model_config` with the settings the
            data decides filled in (a folder's image size and channels when
            left to "auto"), or None; a value the user gave is kept.
        phases: `(model_config, run_config, data, options) -> [Phase]` for a
            GAN whose run has several parts (SRResNet then SRGAN; text
            encoder, Stage-I, Stage-II; one run per seed of the Gaussian
            study), see `gan_keras.runs.phases`; None for the standard run
            of one phase on the loaded data.
    """

    name: str
    summary: str
    config: type
    output_dir: Callable
    output_dir_help: str
    batch_size: int
    epochs: int
    build: Callable
    steps: int | None = None
    load: Callable | None = None
    loop: Callable = lambda config: {}
    batch_size_help: str | None = None
    evaluable: bool = True
    images: bool = True
    evaluate: bool = False
    ema: float = 0.0
    options: type | None = None
    memory: Callable = lambda config, batch_size: 0
    finish: Callable | None = None
    resolve: Callable | None = None
    phases: Callable | None = None

    def with_batch_size(self, run_config, data=None):
        """`run_config` with its batch size filled in, if it was left open (None).

        The default is the data's own (`TrainingData.batch_size`, e.g. the
        MLP's whole class), else `batch_size`. A batch size the user gave is
        kept as it is.

        Args:
            run_config: A `RunConfig`.
            data: The loaded `TrainingData`, or None.

        Returns:
            `run_config`, or a copy with `batch_size` set.
        """
        if run_config.batch_size is not None:
            return run_config
        given = data.batch_size if data is not None else None
        return dataclasses.replace(run_config, batch_size=self.batch_size if given is None else given)


def part(recipe, name):
    """A function of a recipe's build part (`gan_keras.recipes.build.RECIPE`), imported when first called.

    The build parts import Keras and the models at their top; a recipe's
    config part names their functions through `part`, so that the flags of
    every GAN are made and checked before Keras loads.

    Args:
        recipe: The build part's module name, e.g. "dcgan".
        name: The function's name in it, e.g. "build".

    Returns:
        A function that calls it with the same arguments.
    """
    def call(*args, **kwargs):
        module = importlib.import_module(f"gan_keras.recipes.build.{recipe}")
        return getattr(module, name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = f"{recipe}.{name}"
    return call


def memory_estimate(weights_per_latent, other_weights, floats_per_sample):
    """`(config, batch) -> bytes`: weights, gradients and two Adam moments in float32 (16 bytes each),
    plus a batch's activations kept for the backward pass of both models."""
    return lambda config, batch: (16 * (getattr(config, "latent_dim", 0) * weights_per_latent + other_weights)
                                  + 4 * 4 * batch * floats_per_sample)


def class_list(text):
    """Check of a comma-separated list of class labels, e.g. "5,7,8,9"."""
    try:
        labels = [int(part) for part in text.split(",")]
    except (AttributeError, ValueError):
        return f"must be class labels 0..9 separated by commas, got {text!r}"
    if not labels or not all(0 <= label <= 9 for label in labels) or len(set(labels)) != len(labels):
        return f"must be distinct class labels 0..9 separated by commas, got {text!r}"
    return None
