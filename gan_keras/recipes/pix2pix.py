"""pix2pix "edges2fashion" as a recipe (8.3): edge maps of Fashion-MNIST shoes and bags back to images."""

import dataclasses

import numpy as np

from gan_keras.core.conditions import InputImage
from gan_keras.core.config import Config, positive, positive_number, setting
from gan_keras.data.datasets import load_fashion_mnist, scale_images, select_classes
from gan_keras.recipes.base import Recipe, TrainingData, class_list, memory_estimate


@dataclasses.dataclass(frozen=True)
class Pix2PixConfig(Config):
    """pix2pix "edges2fashion": edge maps of Fashion-MNIST shoes and bags translated back to images."""

    classes: str = setting("5,7,8,9", "Fashion-MNIST classes to translate (5 sandal, 7 sneaker, 8 bag, 9 ankle boot)",
                           check=class_list)
    loss: str = setting("gan+l1", "generator loss: the paper's adversarial + lambda * L1, L1 alone (no "
                                  "discriminator), or adversarial alone (the paper's ablation)",
                        choices=("gan+l1", "l1", "gan"))
    l1_weight: float = setting(100.0, "lambda, the weight of the L1 loss (the paper's 100)", check=positive_number)
    filters: int = setting(32, "filters of the first U-Net and PatchGAN layers (the paper: 64)", check=positive)
    discriminator_norm: str = setting(
        "batch", "D's BatchNormalization in the generator step (as for the DCGAN)", choices=("batch", "moving"))

    @property
    def class_labels(self):
        return tuple(int(part) for part in self.classes.split(","))


PREVIEW_PAIRS = 10


def _load_edges2fashion(config, data_dir):
    # Keras and scikit-image load when a run starts, not while flags are parsed.
    from gan_keras.data.edges import cached_edge_maps, to_generator_input

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(data_dir)
    x_train, _ = select_classes(x_train, y_train, config.class_labels)
    x_test, y_test = select_classes(x_test, y_test, config.class_labels)
    train_inputs = to_generator_input(cached_edge_maps(x_train))  # about 15 s the first time
    test_inputs, test_targets = to_generator_input(cached_edge_maps(x_test)), scale_images(x_test)
    shown = np.linspace(0, len(x_test) - 1, PREVIEW_PAIRS).astype(int)
    return TrainingData(scale_images(x_train), train_inputs, eval_classes=config.class_labels,
                        description=f"training images of classes {config.classes}",
                        preview=(test_inputs[shown], test_targets[shown]),
                        test=(test_inputs, test_targets, y_test.astype(np.int32)))


def _build_pix2pix(config, run, total_steps):
    # Keras and scikit-image load when a run starts, not while flags are parsed.
    from gan_keras.core.combined import build_combined, default_optimizer
    from gan_keras.core.gan import GAN
    from gan_keras.models.pix2pix import build_patch_discriminator, build_unet_generator

    generator = build_unet_generator(filters=config.filters)
    discriminator = build_patch_discriminator(filters=config.filters)
    condition = InputImage(discriminator_sees_input=True, reconstruction=True)  # a conditional PatchGAN and L1
    combined = build_combined(
        generator, discriminator, d_optimizer=default_optimizer(), g_optimizer=default_optimizer(),
        jit_compile=run.jit_compile, discriminator_norm=config.discriminator_norm, condition=condition,
        reconstruction_loss="mae", adversarial_weight=0.0 if config.loss == "l1" else 1.0,
        reconstruction_weight=0.0 if config.loss == "gan" else config.l1_weight)
    return GAN(generator, discriminator, combined, latent_dim=0, condition=condition)


def _finish_translation(config, run, data):
    # Keras and scikit-image load when a run starts, not while flags are parsed.
    from gan_keras.evaluation.translation import TranslationEvaluation, fashion_measure

    inputs, targets, labels = data.test
    measure = fashion_measure(data.eval_classes, run.seed, run.data_dir)
    return [TranslationEvaluation(run.output_dir, inputs, targets, measure, labels=labels,
                                  baselines=[("edge maps (the inputs)", inputs)],
                                  title=f"Held-out test: {len(inputs):,} test images of classes {config.classes}")]


RECIPES = {
    "pix2pix": Recipe(
        name="pix2pix", summary="pix2pix: edge maps of Fashion-MNIST shoes and bags back to images (8.3)",
        config=Pix2PixConfig, output_dir=lambda config: f"outputs/pix2pix_{config.loss.replace('+', '_')}",
        output_dir_help="outputs/pix2pix_<loss>", batch_size=32, epochs=3, build=_build_pix2pix,
        load=_load_edges2fashion, loop=lambda config: {"adversarial": config.loss != "l1"},
        memory=memory_estimate(0, 2_000_000, 60_000), finish=_finish_translation,
        evaluable=False,  # scored at the end on the whole held-out test set instead (test_metrics.json)
    ),
}
