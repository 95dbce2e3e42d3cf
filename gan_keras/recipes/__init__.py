"""The package's GANs as data: each one's settings, defaults, data and builder.

A `Recipe` says what differs between the GANs, and nothing about how they
train: its model config (the builder's settings, stored in checkpoints), its
run defaults (folder, batch, length), how to load its training data and how
to build its compiled `GAN`. `gan_keras.cli.commands.train` turns any recipe into
a command, and `gan_keras.runs.run.run_training` trains them all the same
way.
"""

from gan_keras.recipes.base import Recipe, TrainingData, class_list  # noqa: F401
from gan_keras.recipes.noise_gans import (  # noqa: F401
    DATASET_SHORT_NAMES, DATASETS, GAUSSIAN_STEPS_PER_EPOCH, MLP_BATCH_SIZE, MLP_SCHEDULES, CGANConfig, DCGANConfig,
    GaussianConfig, MLPConfig, StudyConfig,
)
from gan_keras.recipes.pix2pix import Pix2PixConfig  # noqa: F401
from gan_keras.recipes.srgan import SRGANConfig  # noqa: F401
from gan_keras.recipes.stackgan import StackGANConfig  # noqa: F401
from gan_keras.recipes import noise_gans, pix2pix, srgan, stackgan

# In the order of `gan-keras train --help`.
RECIPES = {**{k: noise_gans.RECIPES[k] for k in ("dcgan", "cgan", "mlp")}, **pix2pix.RECIPES, **srgan.RECIPES,
           **stackgan.RECIPES, "gaussian": noise_gans.RECIPES["gaussian"]}
