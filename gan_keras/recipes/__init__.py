"""The package's GANs as data: each one's settings, defaults, data and builder.

A `Recipe` says what differs between the GANs, and nothing about how they
train: its model config (the builder's settings, stored in checkpoints), its
run defaults (folder, batch, length), how to load its training data and how
to build its compiled `GAN`. `gan_keras.cli.commands.train` turns any recipe into
a command, and `gan_keras.runs.run.run_training` trains them all the same
way.

Modules:
    base: `Recipe` and its `TrainingData`: what every recipe is made of.
    dcgan, cgan, mlp, gaussian: the noise-to-image GANs (DCGAN of 8.4, conditional GAN, MLP GAN, 1-D
        Gaussian GAN): each one's config, data, assembly from its `gan_keras.models` builders into a
        compiled `GAN` (optimizers, schedule) and run defaults.
    pix2pix: pix2pix "edges2fashion" (8.3): edge maps of shoes and bags back to images.
    srgan: SRGAN (8.3): 4x super-resolution, an SRResNet first and the GAN started from it.
    stackgan: StackGAN (8.3.1): captions -> 14x14 (Stage-I) -> 28x28 (Stage-II).

Each recipe has two parts. Its config part (the modules above) is
Keras-free: the commands import it while they parse flags. Its build part,
`gan_keras.recipes.build.NAME` (assembly from the models, data loaders that
need Keras or scikit-image, phases, end-of-run scores; the Gaussian GAN's
stability study in `build.gaussian_study`), imports Keras at its top; the
config part names its functions with `base.part`, so it loads when a run
first calls one. May import: `gan_keras.runs` and every layer below it.
"""

from gan_keras.recipes import cgan, dcgan, gaussian, mlp, pix2pix, srgan, stackgan
from gan_keras.recipes.base import DATASET_SHORT_NAMES, DATASETS, Recipe, TrainingData, class_list  # noqa: F401
from gan_keras.recipes.cgan import CGANConfig  # noqa: F401
from gan_keras.recipes.dcgan import DCGANConfig  # noqa: F401
from gan_keras.recipes.gaussian import GAUSSIAN_STEPS_PER_EPOCH, GaussianConfig, StudyConfig  # noqa: F401
from gan_keras.recipes.mlp import MLP_BATCH_SIZE, MLP_SCHEDULES, MLPConfig  # noqa: F401
from gan_keras.recipes.pix2pix import Pix2PixConfig  # noqa: F401
from gan_keras.recipes.srgan import SRGANConfig  # noqa: F401
from gan_keras.recipes.stackgan import StackGANConfig  # noqa: F401

# In the order of `gan-keras train --help`.
RECIPES = {**dcgan.RECIPES, **cgan.RECIPES, **mlp.RECIPES, **pix2pix.RECIPES, **srgan.RECIPES, **stackgan.RECIPES,
           **gaussian.RECIPES}
