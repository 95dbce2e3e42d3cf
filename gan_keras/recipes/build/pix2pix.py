"""pix2pix's build part: its data (edge maps of Fashion-MNIST, or a folder of pairs), its `GAN` and its scores."""

import numpy as np

from gan_keras.core.combined import build_combined, default_optimizer
from gan_keras.core.conditions import InputImage
from gan_keras.core.errors import UserError
from gan_keras.core.gan import GAN
from gan_keras.core.pixels import from_uint8
from gan_keras.data.datasets import load_fashion_mnist, scale_images, select_classes
from gan_keras.data.edges import cached_edge_maps, to_generator_input
from gan_keras.data.paired_folder import load_paired_folder
from gan_keras.evaluation.translation import fashion_measure, picture_measure
from gan_keras.models.pix2pix import build_patch_discriminator, build_unet_generator
from gan_keras.recipes.base import TrainingData, require_data_dir
from gan_keras.recipes.pix2pix import PREVIEW_PAIRS, TEST_MAX, TEST_SHARE
from gan_keras.runs.scoring import TranslationEvaluation


def _load_edges2fashion(config, data_dir):
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


def _load_pairs(config, data_dir):
    """A folder of picture pairs: training pairs, and held-out pairs (--test-dir, else 1 in 10 held out)."""
    require_data_dir(data_dir, "the folder of your picture pairs")
    size, channels = config.image_shape[0], config.folder_channels
    pairs = load_paired_folder(data_dir, size, channels, config.direction)
    if config.test_dir is not None:
        test = load_paired_folder(config.test_dir, size, channels, config.direction)
        train_in, train_out, test_in, test_out = pairs.inputs, pairs.targets, test.inputs, test.targets
    else:
        if len(pairs.inputs) < 2:
            raise UserError(f"{data_dir} holds one pair: add more, or give held-out pairs with --test-dir")
        held = np.zeros(len(pairs.inputs), bool)
        held[np.random.default_rng(0).permutation(len(held))[:min(TEST_MAX, max(1, len(held) // TEST_SHARE))]] = True
        train_in, train_out = pairs.inputs[~held], pairs.targets[~held]
        test_in, test_out = pairs.inputs[held], pairs.targets[held]
    wanted = max(a.shape[-1] for a in (train_in, train_out, test_in, test_out))  # grey and colour: both colour
    train_in, train_out, test_in, test_out = (np.repeat(a, wanted // a.shape[-1], axis=-1) if a.shape[-1] != wanted
                                              else a for a in (train_in, train_out, test_in, test_out))
    test_in, test_out = from_uint8(np.asarray(test_in)), from_uint8(np.asarray(test_out))
    shown = np.linspace(0, len(test_in) - 1, min(PREVIEW_PAIRS, len(test_in))).astype(int)
    held_out = config.test_dir or f"1 pair in {TEST_SHARE} of {data_dir}"
    return TrainingData(train_out, train_in, dataset="folder", folder=pairs, preview=(test_in[shown], test_out[shown]),
                        test=(test_in, test_out, None),
                        description=f"picture pairs in {data_dir} ({config.direction}); held out: {held_out}")


def load(config, data_dir):
    return _load_pairs(config, data_dir) if config.dataset == "folder" else _load_edges2fashion(config, data_dir)


def build(config, run, total_steps):
    generator = build_unet_generator(config.image_shape, filters=config.filters)
    discriminator = build_patch_discriminator(config.image_shape, filters=config.filters)
    condition = InputImage(discriminator_sees_input=True, reconstruction=True)  # a conditional PatchGAN and L1
    combined = build_combined(
        generator, discriminator, d_optimizer=default_optimizer(), g_optimizer=default_optimizer(),
        jit_compile=run.jit_compile, discriminator_norm=config.discriminator_norm, condition=condition,
        reconstruction_loss="mae", adversarial_weight=0.0 if config.loss == "l1" else 1.0,
        reconstruction_weight=0.0 if config.loss == "gan" else config.l1_weight)
    return GAN(generator, discriminator, combined, latent_dim=0, condition=condition)


def finish(config, run, data):
    inputs, targets, labels = data.test
    if config.dataset == "folder":
        return [TranslationEvaluation(run.output_dir, inputs, targets, picture_measure(run.seed),
                                      baselines=[("the inputs themselves", inputs)],
                                      title=f"Held-out test: {len(inputs):,} pair{'s' if len(inputs) > 1 else ''}")]
    measure = fashion_measure(data.eval_classes, run.seed, run.data_dir)
    return [TranslationEvaluation(run.output_dir, inputs, targets, measure, labels=labels,
                                  baselines=[("edge maps (the inputs)", inputs)],
                                  title=f"Held-out test: {len(inputs):,} test images of classes {config.classes}")]
