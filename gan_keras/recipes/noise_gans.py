"""The book's noise-to-image GANs as recipes: DCGAN (8.4), conditional GAN, MLP GAN, 1-D Gaussian GAN."""

import dataclasses

import numpy as np

from gan_keras.core.config import (
    Config, ConfigError, class_label, finite_number, latent_size, positive, positive_number, setting,
)
from gan_keras.data.datasets import DATASET_FOLDERS
from gan_keras.recipes.dcgan import build_dcgan
from gan_keras.recipes.cgan import build_cgan
from gan_keras.recipes.mlp import build_mlp_gan
from gan_keras.recipes.gaussian import build_gaussian_gan
from gan_keras.recipes.base import Recipe, TrainingData, memory_estimate

DATASET_SHORT_NAMES = {"fashion_mnist": "fashion", "mnist": "mnist"}
DATASETS = tuple(sorted(DATASET_FOLDERS))
# The default --ema of the GANs that keep an averaged generator (README, "Averaged generator").
EMA_DECAY = 0.999


@dataclasses.dataclass(frozen=True)
class DCGANConfig(Config):
    """The book's DCGAN (section 8.4)."""

    latent_dim: int = setting(100, "size of the noise vector", check=latent_size)
    discriminator_norm: str = setting(
        "batch", "D's BatchNormalization in the generator step: batch statistics (the book's Keras 2 behaviour) or "
                 "moving statistics (Keras 3's frozen layers); see README", choices=("batch", "moving"))


@dataclasses.dataclass(frozen=True)
class CGANConfig(Config):
    """The conditional GAN: one class label in, an image of that class out."""

    dataset: str = setting("fashion_mnist", "training images (mnist only where its files are present)",
                           choices=DATASETS)
    latent_dim: int = setting(100, "size of the noise vector", check=latent_size)
    matching_aware: bool = setting(True, "the discriminator also learns that real images with another class's "
                                         "label are fake, so the label matters (--no-matching-aware: the seed's "
                                         "discriminator; see README)")


@dataclasses.dataclass(frozen=True)
class MLPConfig(Config):
    """The lecture's "police vs. faker" MLP GAN on one class."""

    dataset: str = setting("fashion_mnist", "training images (mnist only where its files are present)",
                           choices=DATASETS)
    label: int = setting(1, "the class to learn (1: trouser in Fashion-MNIST)", check=class_label)
    schedule: str = setting("alternating", "alternating: one D step then one G step per step; one-side: 30 steps "
                                           "of D alone, then 10 of G alone", choices=("alternating", "one-side"))
    latent_dim: int = setting(4, "size of the noise vector", check=latent_size)


# LoopConfig fields of each MLP schedule.
MLP_SCHEDULES = {"alternating": {}, "one-side": {"d_only_steps": 30, "g_only_steps": 10}}
MLP_BATCH_SIZE = 64  # of the alternating schedule; one-side takes the whole class


@dataclasses.dataclass(frozen=True)
class GaussianConfig(Config):
    """The 1-D Gaussian GAN ("GANs in 50 lines")."""

    target_mean: float = setting(4.0, "mean of the target", check=finite_number)
    target_std: float = setting(1.25, "standard deviation of the target, > 0", check=positive_number)
    latent_dim: int = setting(4, "size of the uniform noise vector", check=latent_size)
    batch_statistics: bool = setting(True, "judge samples with their batch's mean and std (not single samples "
                                           "only, the write-up's discriminator)")
    d_steps: int = setting(1, "discriminator updates (a real and a fake batch each) per step", check=positive)
    g_steps: int = setting(1, "generator updates per step", check=positive)

    # The models compute in float32 (largest value 3.4e38): samples out to 8 standard deviations must fit.
    MAX_MAGNITUDE = 1e30

    def validate(self):
        if abs(self.target_mean) + 8 * self.target_std > self.MAX_MAGNITUDE:
            raise ConfigError("target_std" if self.target_std > abs(self.target_mean) else "target_mean",
                              f"is too large: |mean| + 8 std must stay below {self.MAX_MAGNITUDE:g} "
                              f"(the models compute in float32)")


@dataclasses.dataclass(frozen=True)
class StudyConfig(Config):
    """How many seeds of the Gaussian GAN to train, and what to measure (not stored in checkpoints)."""

    runs: int = setting(1, "seeds to train (seed, seed+1, ...); with more than one, each run gets "
                           "--output-dir/run_NN", check=positive)
    json: str | None = setting(None, "write the table of runs as JSON: a list of {run, seed, mean, std, ks, "
                                     "converged}", kind=str, metavar="OUT")
    trajectory_interval: int = setting(100, "steps between mean/std measurements", check=positive)


GAUSSIAN_STEPS_PER_EPOCH = 500  # an "epoch" of the endless Gaussian stream


def _load_fashion(config, data_dir):
    from gan_keras.data.datasets import load_fashion_mnist, scale_images

    (x_train, _), _ = load_fashion_mnist(data_dir)
    return TrainingData(scale_images(x_train))


def _build_dcgan(config, run, total_steps):
    return build_dcgan(config.latent_dim, jit_compile=run.jit_compile, discriminator_norm=config.discriminator_norm)


def _load_labelled(config, data_dir):
    from gan_keras.data.datasets import load_dataset, scale_images

    (x_train, y_train), _ = load_dataset(config.dataset, data_dir)
    return TrainingData(scale_images(x_train), y_train.astype(np.int32), dataset=config.dataset)


def _build_cgan(config, run, total_steps):
    return build_cgan(config.latent_dim, jit_compile=run.jit_compile, matching_aware=config.matching_aware)


def _load_one_class(config, data_dir):
    from gan_keras.data.datasets import load_dataset, select_classes

    (x_train, y_train), _ = load_dataset(config.dataset, data_dir)
    x_class, _ = select_classes(x_train, y_train, [config.label])
    images = x_class[..., np.newaxis].astype(np.float32) / np.float32(255.0)  # the faker's range, [0, 1]
    batch = len(x_class) if config.schedule == "one-side" else MLP_BATCH_SIZE
    return TrainingData(images, dataset=config.dataset, eval_classes=(config.label,), batch_size=batch,
                        description=f"training images of class {config.label}")


def _build_mlp(config, run, total_steps):
    return build_mlp_gan(config.latent_dim, jit_compile=run.jit_compile)


def _build_gaussian(config, run, total_steps):
    return build_gaussian_gan(config.target_mean, config.target_std, latent_dim=config.latent_dim,
                              batch_statistics=config.batch_statistics, decay_steps=total_steps,
                              d_steps=config.d_steps, g_steps=config.g_steps, jit_compile=run.jit_compile)


def _gaussian_phases(model_config, run, data, study):
    """The Gaussian GAN's run: `study.runs` seeds, then their table (`gaussian_study.study_phases`)."""
    # Imported here, not above: the study's callbacks import Keras, and recipes are imported while flags are parsed.
    from gan_keras.recipes.gaussian_study import study_phases

    return study_phases(run, model_config, study, _build_gaussian, _gaussian_loop(model_config),
                        GAUSSIAN_STEPS_PER_EPOCH, name="gaussian")


def _gaussian_loop(config):
    """The `LoopConfig` fields of a `GaussianConfig`: its D and G updates per step."""
    return dict(d_steps=config.d_steps, g_steps=config.g_steps)


RECIPES = {
    "dcgan": Recipe(
        name="dcgan", summary="the book's DCGAN on Fashion-MNIST (sections 8.1 and 8.4)", config=DCGANConfig,
        output_dir=lambda config: "outputs/fashion_dcgan", output_dir_help="outputs/fashion_dcgan",
        batch_size=32, epochs=10, build=_build_dcgan, load=_load_fashion, evaluate=True, ema=EMA_DECAY,
        memory=memory_estimate(7 * 7 * 128, 1_250_000, 150_000),
    ),
    "cgan": Recipe(
        name="cgan", summary="the conditional GAN (a class label in, an image of that class out)", config=CGANConfig,
        output_dir=lambda config: f"outputs/{DATASET_SHORT_NAMES[config.dataset]}_cgan",
        output_dir_help="outputs/<fashion or mnist>_cgan",
        batch_size=64, epochs=10, build=_build_cgan, load=_load_labelled, evaluate=True, ema=EMA_DECAY,
        memory=memory_estimate(256, 1_500_000, 10_000),
    ),
    "mlp": Recipe(
        name="mlp_gan", summary='the lecture\'s "police vs. faker" MLP GAN on the images of one class',
        config=MLPConfig,
        output_dir=lambda config: f"outputs/{DATASET_SHORT_NAMES[config.dataset]}_mlp_{config.schedule}",
        output_dir_help="outputs/<fashion or mnist>_mlp_<schedule>",
        batch_size=MLP_BATCH_SIZE, batch_size_help=f"{MLP_BATCH_SIZE}, or the whole class with --schedule one-side",
        epochs=40, build=_build_mlp, load=_load_one_class, loop=lambda config: MLP_SCHEDULES[config.schedule],
        memory=memory_estimate(64, 60_000, 2_000),
    ),
    "gaussian": Recipe(
        name="gaussian", summary="the 1-D Gaussian GAN, once or as a stability study over seeds",
        config=GaussianConfig, output_dir=lambda config: "outputs/gaussian", output_dir_help="outputs/gaussian",
        batch_size=512, epochs=3, build=_build_gaussian, evaluable=False, options=StudyConfig,
        phases=_gaussian_phases, loop=_gaussian_loop,
        memory=memory_estimate(50, 6_000, 500),
    ),
}
