"""pix2pix as a recipe (8.3): "edges2fashion" (edge maps of Fashion-MNIST shoes and bags back to images), or pairs
of your own pictures (`--dataset folder --data-dir DIR`: DIR/A and DIR/B by file name, or side-by-side AB images,
`gan_keras.data.paired_folder`)."""

import dataclasses

import numpy as np

from gan_keras.core.conditions import InputImage
from gan_keras.core.config import Config, positive, positive_number, setting
from gan_keras.data.datasets import load_fashion_mnist, scale_images, select_classes
from gan_keras.data.paired_folder import DIRECTIONS
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.core.pixels import from_uint8
from gan_keras.recipes.base import (FolderImages, Recipe, TrainingData, class_list, memory_estimate, require_data_dir,
                                    resolve_folder)

TEST_SHARE, TEST_MAX = 10, 500  # without --test-dir: 1 pair in 10, at most 500, is held out


@dataclasses.dataclass(frozen=True)
class Pix2PixConfig(FolderImages, Config):
    """pix2pix: edges2fashion, or pairs of your own pictures (`FolderImages`)."""

    dataset: str = setting("fashion_mnist", "fashion_mnist (edges2fashion) or folder: pairs of your pictures in "
                                            "--data-dir (DIR/A and DIR/B by file name, or side-by-side AB images)",
                           choices=("fashion_mnist", "folder"))
    direction: str = setting("AtoB", "with --dataset folder: translate A into B, or B into A", choices=DIRECTIONS)
    test_dir: str | None = setting(None, "held-out pairs for --dataset folder, in the same layout (default: 1 pair "
                                         "in 10 of --data-dir, at most 500)", kind=str, metavar="DIR")

    classes: str = setting("5,7,8,9", "Fashion-MNIST classes to translate (5 sandal, 7 sneaker, 8 bag, 9 ankle boot)",
                           check=class_list)
    loss: str = setting("gan+l1", "generator loss: the paper's adversarial + lambda * L1, L1 alone (no "
                                  "discriminator), or adversarial alone (the paper's ablation)",
                        choices=("gan+l1", "l1", "gan"))
    l1_weight: float = setting(100.0, "lambda, the weight of the L1 loss (the paper's 100)", check=positive_number)
    filters: int = setting(32, "filters of the first U-Net and PatchGAN layers (the paper: 64)", check=positive)
    discriminator_norm: str = setting(
        "batch", "D's BatchNormalization in the generator step (as for the DCGAN)", choices=("batch", "moving"))

    def validate(self):
        super().validate()
        if self.dataset == "folder" and self.classes != "5,7,8,9":
            raise UserError("--classes needs --dataset fashion_mnist (a folder's pairs have no classes)", EXIT_USAGE)
        if self.dataset != "folder":
            for name, value, default in (("direction", self.direction, "AtoB"), ("test_dir", self.test_dir, None)):
                if value != default:
                    raise UserError(f"--{name.replace('_', '-')} needs --dataset folder", EXIT_USAGE)

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


def _load_pairs(config, data_dir):
    """A folder of picture pairs: training pairs, and held-out pairs (--test-dir, else 1 in 10 held out)."""
    # Pillow loads and the cache is written only for a folder run.
    from gan_keras.data.paired_folder import load_paired_folder

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


def _load(config, data_dir):
    return _load_pairs(config, data_dir) if config.dataset == "folder" else _load_edges2fashion(config, data_dir)


def _build_pix2pix(config, run, total_steps):
    # Keras and scikit-image load when a run starts, not while flags are parsed.
    from gan_keras.core.combined import build_combined, default_optimizer
    from gan_keras.core.gan import GAN
    from gan_keras.models.pix2pix import build_patch_discriminator, build_unet_generator

    generator = build_unet_generator(config.image_shape, filters=config.filters)
    discriminator = build_patch_discriminator(config.image_shape, filters=config.filters)
    condition = InputImage(discriminator_sees_input=True, reconstruction=True)  # a conditional PatchGAN and L1
    combined = build_combined(
        generator, discriminator, d_optimizer=default_optimizer(), g_optimizer=default_optimizer(),
        jit_compile=run.jit_compile, discriminator_norm=config.discriminator_norm, condition=condition,
        reconstruction_loss="mae", adversarial_weight=0.0 if config.loss == "l1" else 1.0,
        reconstruction_weight=0.0 if config.loss == "gan" else config.l1_weight)
    return GAN(generator, discriminator, combined, latent_dim=0, condition=condition)


def _finish_translation(config, run, data):
    # Keras and scikit-image load when a run starts, not while flags are parsed.
    from gan_keras.evaluation.translation import fashion_measure, picture_measure
    from gan_keras.runs.scoring import TranslationEvaluation

    inputs, targets, labels = data.test
    if config.dataset == "folder":
        return [TranslationEvaluation(run.output_dir, inputs, targets, picture_measure(run.seed),
                                      baselines=[("the inputs themselves", inputs)],
                                      title=f"Held-out test: {len(inputs):,} pair{'s' if len(inputs) > 1 else ''}")]
    measure = fashion_measure(data.eval_classes, run.seed, run.data_dir)
    return [TranslationEvaluation(run.output_dir, inputs, targets, measure, labels=labels,
                                  baselines=[("edge maps (the inputs)", inputs)],
                                  title=f"Held-out test: {len(inputs):,} test images of classes {config.classes}")]


def _pixels(config):
    size, _, channels = config.image_shape
    return size * size * channels


def _output_dir(config):
    loss = config.loss.replace('+', '_')
    return f"outputs/pix2pix_{loss}" if config.dataset == "fashion_mnist" else f"outputs/folder_pix2pix_{loss}"


RECIPES = {
    "pix2pix": Recipe(
        name="pix2pix",
        summary="pix2pix: edge maps of Fashion-MNIST shoes and bags back to images, or your picture pairs (8.3)",
        config=Pix2PixConfig, output_dir=_output_dir,
        output_dir_help="outputs/pix2pix_<loss> (a folder: outputs/folder_pix2pix_<loss>)", batch_size=32, epochs=3,
        build=_build_pix2pix, load=_load, resolve=resolve_folder,
        loop=lambda config: {"adversarial": config.loss != "l1"},
        memory=lambda config, batch: memory_estimate(0, 2_000_000, 60_000 * _pixels(config) / 784)(config, batch),
        finish=_finish_translation,
        evaluable=False,  # scored at the end on the whole held-out test set instead (test_metrics.json)
    ),
}
