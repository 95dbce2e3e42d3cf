"""The lecture's "police vs. faker" MLP GAN as a recipe: one class, two schedules, its optimizers."""

import dataclasses

import numpy as np

from gan_keras.core.config import Config, class_label, latent_size, setting
from gan_keras.data.datasets import load_dataset, select_classes
from gan_keras.recipes.base import part, DATASET_SHORT_NAMES, DATASETS, Recipe, TrainingData, memory_estimate


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


# The notebook's learning rates (Adam, beta_1 0.5).


def _load_one_class(config, data_dir):
    (x_train, y_train), _ = load_dataset(config.dataset, data_dir)
    x_class, _ = select_classes(x_train, y_train, [config.label])
    images = x_class[..., np.newaxis].astype(np.float32) / np.float32(255.0)  # the faker's range, [0, 1]
    batch = len(x_class) if config.schedule == "one-side" else MLP_BATCH_SIZE
    return TrainingData(images, dataset=config.dataset, eval_classes=(config.label,), batch_size=batch,
                        description=f"training images of class {config.label}")


RECIPES = {
    "mlp": Recipe(
        name="mlp_gan", summary='the lecture\'s "police vs. faker" MLP GAN on the images of one class',
        config=MLPConfig,
        output_dir=lambda config: f"outputs/{DATASET_SHORT_NAMES[config.dataset]}_mlp_{config.schedule}",
        output_dir_help="outputs/<fashion or mnist>_mlp_<schedule>",
        batch_size=MLP_BATCH_SIZE, batch_size_help=f"{MLP_BATCH_SIZE}, or the whole class with --schedule one-side",
        epochs=40, build=part("mlp", "build"), load=_load_one_class, loop=lambda config: MLP_SCHEDULES[config.schedule],
        memory=memory_estimate(64, 60_000, 2_000),
    ),
}
