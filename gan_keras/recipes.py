"""The package's GANs as data: each one's settings, defaults, data and builder.

A `Recipe` says what differs between the GANs, and nothing about how they
train: its model config (the builder's settings, stored in checkpoints), its
run defaults (folder, batch, length), how to load its training data and how
to build its compiled `GAN`. `gan_keras.commands.train` turns any recipe into
a command, and `gan_keras.experiment.run_training` trains them all the same
way.
"""

import dataclasses
from typing import Callable

import numpy as np

from gan_keras.config import Config, ConfigError, class_label, finite_number, latent_size, positive, positive_number, setting
from gan_keras.data import DATASET_FOLDERS

DATASET_SHORT_NAMES = {"fashion_mnist": "fashion", "mnist": "mnist"}
DATASETS = tuple(sorted(DATASET_FOLDERS))


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


@dataclasses.dataclass(frozen=True)
class TrainingData:
    """What a recipe's data loader returns.

    Attributes:
        images: `(n, ...)` float32 training samples in the GAN's pixel range.
        labels: `(n,)` int32 labels for a conditional GAN, else None.
        dataset: Name of the dataset (only Fashion-MNIST can be evaluated).
        eval_classes: Classes the evaluation compares with (None: all).
        batch_size: The recipe's default batch for this data, if it depends on it.
        description: e.g. "6,000 training images of class 1".
        preview: For an image-to-image GAN, fixed held-out `(inputs, targets)`
            pairs for the sample grids.
        test: For an image-to-image GAN, the held-out `(inputs, targets,
            labels)` it is scored on at the end.
    """

    images: np.ndarray
    labels: np.ndarray | None = None
    dataset: str = "fashion_mnist"
    eval_classes: tuple | None = None
    batch_size: int | None = None
    description: str = "training images"
    preview: tuple | None = None
    test: tuple | None = None


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
        evaluable: Whether the evaluation flags apply (image GANs).
        evaluate: Whether it evaluates by default (once per epoch).
        options: A config class of further settings that are not part of the
            model (not stored in checkpoints), or None.
        memory: `(model_config, batch_size) -> bytes`, a rough upper estimate
            of what training needs (checked before anything is allocated).
        finish: `(model_config, run_config, data) -> callbacks` that score the
            generator at the end of the run (held-out test metrics), or None.
        train: `(run_config, model_config, options, data) -> exit status` for a GAN
            that trains otherwise than once on loaded data (the Gaussian
            study); None for the standard run.
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
    evaluate: bool = False
    options: type | None = None
    memory: Callable = lambda config, batch_size: 0
    finish: Callable | None = None
    train: Callable | None = None


def _memory_estimate(weights_per_latent, other_weights, floats_per_sample):
    """`(config, batch) -> bytes`: weights, gradients and two Adam moments in float32 (16 bytes each),
    plus a batch's activations kept for the backward pass of both models."""
    return lambda config, batch: (16 * (getattr(config, "latent_dim", 0) * weights_per_latent + other_weights)
                                  + 4 * 4 * batch * floats_per_sample)


def _load_fashion(config, data_dir):
    from gan_keras.data import load_fashion_mnist, scale_images

    (x_train, _), _ = load_fashion_mnist(data_dir)
    return TrainingData(scale_images(x_train))


def _build_dcgan(config, run, total_steps):
    from gan_keras.models.dcgan import build_dcgan

    return build_dcgan(config.latent_dim, jit_compile=run.jit_compile, discriminator_norm=config.discriminator_norm)


def _load_labelled(config, data_dir):
    from gan_keras.data import load_dataset, scale_images

    (x_train, y_train), _ = load_dataset(config.dataset, data_dir)
    return TrainingData(scale_images(x_train), y_train.astype(np.int32), dataset=config.dataset)


def _build_cgan(config, run, total_steps):
    from gan_keras.models.cgan import build_cgan

    return build_cgan(config.latent_dim, jit_compile=run.jit_compile)


def _load_one_class(config, data_dir):
    from gan_keras.data import load_dataset, select_classes

    (x_train, y_train), _ = load_dataset(config.dataset, data_dir)
    x_class, _ = select_classes(x_train, y_train, [config.label])
    images = x_class[..., np.newaxis].astype(np.float32) / np.float32(255.0)  # the faker's range, [0, 1]
    batch = len(x_class) if config.schedule == "one-side" else MLP_BATCH_SIZE
    return TrainingData(images, dataset=config.dataset, eval_classes=(config.label,), batch_size=batch,
                        description=f"training images of class {config.label}")


def _build_mlp(config, run, total_steps):
    from gan_keras.models.mlp import build_mlp_gan

    return build_mlp_gan(config.latent_dim, jit_compile=run.jit_compile)


def _build_gaussian(config, run, total_steps):
    from gan_keras.models.gaussian import build_gaussian_gan

    return build_gaussian_gan(config.target_mean, config.target_std, latent_dim=config.latent_dim,
                              batch_statistics=config.batch_statistics, decay_steps=total_steps,
                              d_steps=config.d_steps, g_steps=config.g_steps, jit_compile=run.jit_compile)


def class_list(text):
    """Check of a comma-separated list of class labels, e.g. "5,7,8,9"."""
    try:
        labels = [int(part) for part in text.split(",")]
    except (AttributeError, ValueError):
        return f"must be class labels 0..9 separated by commas, got {text!r}"
    if not labels or not all(0 <= label <= 9 for label in labels) or len(set(labels)) != len(labels):
        return f"must be distinct class labels 0..9 separated by commas, got {text!r}"
    return None


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
    from gan_keras.data import load_fashion_mnist, scale_images, select_classes
    from gan_keras.edges import edge_maps, to_generator_input

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(data_dir)
    x_train, _ = select_classes(x_train, y_train, config.class_labels)
    x_test, y_test = select_classes(x_test, y_test, config.class_labels)
    train_inputs = to_generator_input(edge_maps(x_train))
    test_inputs, test_targets = to_generator_input(edge_maps(x_test)), scale_images(x_test)
    shown = np.linspace(0, len(x_test) - 1, PREVIEW_PAIRS).astype(int)
    return TrainingData(scale_images(x_train), train_inputs, eval_classes=config.class_labels,
                        description=f"training images of classes {config.classes}",
                        preview=(test_inputs[shown], test_targets[shown]),
                        test=(test_inputs, test_targets, y_test.astype(np.int32)))


def _build_pix2pix(config, run, total_steps):
    from gan_keras.combined import build_combined, default_optimizer
    from gan_keras.gan import GAN
    from gan_keras.models.pix2pix import build_patch_discriminator, build_unet_generator

    generator = build_unet_generator(filters=config.filters)
    discriminator = build_patch_discriminator(filters=config.filters)
    combined = build_combined(
        generator, discriminator, d_optimizer=default_optimizer(), g_optimizer=default_optimizer(),
        jit_compile=run.jit_compile, discriminator_norm=config.discriminator_norm, discriminator_sees_input=True,
        reconstruction_loss="mae", adversarial_weight=0.0 if config.loss == "l1" else 1.0,
        reconstruction_weight=0.0 if config.loss == "gan" else config.l1_weight)
    return GAN(generator, discriminator, combined, latent_dim=0, image_conditioned=True,
               discriminator_sees_input=True, reconstruction=True)


def _finish_translation(config, run, data):
    from gan_keras.evaluation.evaluator import Evaluator
    from gan_keras.evaluation.translation import TranslationEvaluation, fashion_translation_metrics

    inputs, targets, labels = data.test
    evaluator = []  # built at the end of the run, once

    def measure(images, reference, labels=None):
        if not evaluator:
            evaluator.append(Evaluator("test", n=len(images), classes=data.eval_classes, seed=run.seed,
                                       data_dir=run.data_dir, kid_subsets=20))
        return fashion_translation_metrics(images, reference, labels, evaluator=evaluator[0])

    return [TranslationEvaluation(run.output_dir, inputs, targets, measure, labels=labels,
                                  baselines=[("edge maps (the inputs)", inputs)],
                                  title=f"Held-out test: {len(inputs):,} test images of classes {config.classes}")]


@dataclasses.dataclass(frozen=True)
class SRGANConfig(Config):
    """SRGAN, 4x super-resolution: an MSE-trained SRResNet, then the GAN started from it."""

    dataset: str = setting("fashion_mnist", "fashion_mnist (7x7 block means -> 28x28) or photos (crops of the "
                                            "photographs bundled with scikit-image, bicubic 4x smaller)",
                           choices=("fashion_mnist", "photos"))
    size: str = setting("cpu", "cpu: SRResNet of 4 blocks x 32 filters, discriminator (32, 64, 128), 48-pixel "
                               "photo crops; paper: 16 x 64, (64, 128, 256, 512) + Dense 1024, 96-pixel crops",
                        choices=("cpu", "paper"))
    adversarial_weight: float = setting(1e-3, "weight of the adversarial loss against the content loss (the "
                                              "paper's 1e-3)", check=positive_number)
    crops: int = setting(4000, "random training crops of the photographs (photos only)", check=positive)
    content: str = setting("auto", "content loss: vgg (VGG19 features, the paper's; needs ImageNet weights from "
                                   "--vgg-weights or keras' cache), mse (pixels), or auto (vgg when the weights "
                                   "are there, else mse; the report says which)", choices=("auto", "vgg", "mse"))
    vgg_weights: str | None = setting(None, "VGG19 'notop' ImageNet weights file (default: keras' cache, "
                                            "~/.keras/models); nothing is downloaded", kind=str, metavar="PATH")


SR_SCALE = 4
SR_PREVIEW = {"fashion_mnist": 10, "photos": 4}


def _sr_sizes(config):
    from gan_keras.models.srgan import CPU_CONFIG, PAPER_CONFIG

    sizes = PAPER_CONFIG if config.size == "paper" else CPU_CONFIG
    return sizes, 96 if config.size == "paper" else 48


def _load_superres(config, data_dir):
    from gan_keras import photos, superres
    from gan_keras.data import load_fashion_mnist, scale_images

    if config.dataset == "fashion_mnist":
        (x_train, _), (x_test, y_test) = load_fashion_mnist(data_dir)
        hr, hr_test = scale_images(x_train), scale_images(x_test)
        lr, lr_test = superres.downscale_mean(hr, SR_SCALE), superres.downscale_mean(hr_test, SR_SCALE)
        shown = np.linspace(0, len(hr_test) - 1, SR_PREVIEW["fashion_mnist"]).astype(int)
        return TrainingData(hr, lr, preview=(lr_test[shown], hr_test[shown]),
                            test=(lr_test, hr_test, y_test.astype(np.int32)))
    _, crop = _sr_sizes(config)
    hr = photos.random_crops(photos.load_photos("train"), config.crops, crop, np.random.default_rng(0))
    test = photos.load_photos("test")
    preview_hr = photos.random_crops(test, SR_PREVIEW["photos"], crop, np.random.default_rng(1))
    return TrainingData(hr, superres.bicubic_downscale(hr, SR_SCALE), dataset="photos",
                        description=f"training crops of {crop}x{crop} pixels",
                        preview=(superres.bicubic_downscale(preview_hr, SR_SCALE), preview_hr),
                        test=([superres.bicubic_downscale(p[None], SR_SCALE)[0] for p in test], test,
                              photos.TEST_PHOTOS))


def _build_srgan(config, run, total_steps, adversarial=True, data=None, start_from=None):
    import keras

    from gan_keras.combined import build_combined, default_optimizer
    from gan_keras.gan import GAN
    from gan_keras.models.srgan import build_sr_discriminator, build_srresnet

    sizes, crop = _sr_sizes(config)
    channels = 1 if config.dataset == "fashion_mnist" else 3
    hr_shape = (28, 28, 1) if config.dataset == "fashion_mnist" else (crop, crop, 3)
    generator = build_srresnet(channels=channels, scale=SR_SCALE, **{k: v for k, v in sizes["generator"].items()
                                                                      if k != "scale"})
    if start_from is not None:
        generator.set_weights(keras.models.load_model(start_from, compile=False).get_weights())
    discriminator = build_sr_discriminator(hr_shape, **sizes["discriminator"])
    content = "mse"
    if config.content == "vgg":
        from gan_keras.models.srgan import vgg_content_loss

        # VGG54 on photographs as in the paper; 28x28 images keep no 1x1 block-5 map, so VGG22 there.
        layer = "block2_conv2" if config.dataset == "fashion_mnist" else "block5_conv4"
        content = vgg_content_loss(config.vgg_weights, layer=layer, channels=channels)
    # The paper: Adam(1e-4, beta_1 0.9) for SRResNet and SRGAN alike.
    combined = build_combined(
        generator, discriminator, d_optimizer=default_optimizer(1e-4, 0.9), g_optimizer=default_optimizer(1e-4, 0.9),
        jit_compile=run.jit_compile, reconstruction_loss=content,
        adversarial_weight=config.adversarial_weight if adversarial else 0.0, reconstruction_weight=1.0)
    return GAN(generator, discriminator, combined, latent_dim=0, image_conditioned=True, reconstruction=True)


def _finish_superres(config, run, data):
    from gan_keras import superres
    from gan_keras.evaluation.translation import TranslationEvaluation, fashion_translation_metrics

    inputs, targets, labels = data.test
    if config.dataset == "fashion_mnist":
        evaluator = []

        def measure(images, reference, labels=None):
            if not evaluator:
                from gan_keras.evaluation.evaluator import Evaluator

                evaluator.append(Evaluator("test", n=len(images), seed=run.seed, data_dir=run.data_dir,
                                           kid_subsets=20))
            return fashion_translation_metrics(images, reference, labels, evaluator=evaluator[0])

        bicubic = superres.bicubic_upscale(inputs, SR_SCALE)
        return [TranslationEvaluation(run.output_dir, inputs, targets, measure, labels=labels,
                                      baselines=[("bicubic", bicubic)],
                                      title="Held-out test: the 10,000 Fashion-MNIST test images, 7x7 -> 28x28")]

    def measure_photos(images, reference, labels=None):
        return {"psnr": float(np.mean([superres.psnr(r, i, border=SR_SCALE) for r, i in zip(reference, images)])),
                "ssim": float(np.mean([superres.ssim(r, i, border=SR_SCALE) for r, i in zip(reference, images)])),
                "n": len(images)}

    bicubic = [superres.bicubic_upscale(p[None], SR_SCALE)[0] for p in inputs]
    return [TranslationEvaluation(run.output_dir, inputs, targets, measure_photos, labels=labels,
                                  baselines=[("bicubic", bicubic)],
                                  title=f"Held-out test photos ({', '.join(labels)}): PSNR/SSIM on the Y channel, "
                                        f"{SR_SCALE}-pixel border cropped")]


SR_PHASES = ("srresnet", "srgan")


def _train_superres(config, model_config, options=None, data=None):
    """Both phases: SRResNet (content loss alone) in DIR/srresnet, then SRGAN from it in DIR/srgan."""
    import os

    from gan_keras.evaluation.translation import combine_phase_reports
    from gan_keras.experiment import run_training
    from gan_keras.models.srgan import find_vgg_weights
    from gan_keras.sources import ArraySource

    weights = find_vgg_weights(model_config.vgg_weights, required=model_config.content == "vgg")
    content = "vgg" if weights is not None and model_config.content != "mse" else "mse"
    print(f"Content loss: {'VGG19 features of ' + weights if content == 'vgg' else 'pixel MSE'}")
    # The resolved loss is what the checkpoints and reports record.
    model_config = dataclasses.replace(model_config, content=content, vgg_weights=weights if content == "vgg" else None)
    data = data or _load_superres(model_config, config.data_dir)
    for phase in SR_PHASES:
        run_config = dataclasses.replace(config, output_dir=os.path.join(config.output_dir, phase))
        adversarial = phase == "srgan"
        start_from = None
        if adversarial:
            start_from = os.path.join(config.output_dir, "srresnet", "generator.keras")
        source = ArraySource(data.images, data.labels, batch_size=config.batch_size, seed=config.seed)
        run = run_training(
            run_config, lambda: _build_srgan(model_config, run_config, None, adversarial, data, start_from),
            source, model=phase, model_config=model_config, loop={"adversarial": adversarial},
            callbacks=_finish_superres(model_config, run_config, data), preview=data.preview)
        if run.interrupted:
            return 130
    combine_phase_reports(config.output_dir, SR_PHASES)
    return 0


def _train_gaussian(config, model_config, study, data=None):
    from gan_keras.gaussian_study import run_study

    return run_study(config, model_config, study)


RECIPES = {
    "dcgan": Recipe(
        name="dcgan", summary="the book's DCGAN on Fashion-MNIST (sections 8.1 and 8.4)", config=DCGANConfig,
        output_dir=lambda config: "outputs/fashion_dcgan", output_dir_help="outputs/fashion_dcgan",
        batch_size=32, epochs=10, build=_build_dcgan, load=_load_fashion, evaluate=True,
        memory=_memory_estimate(7 * 7 * 128, 1_250_000, 150_000),
    ),
    "cgan": Recipe(
        name="cgan", summary="the conditional GAN (a class label in, an image of that class out)", config=CGANConfig,
        output_dir=lambda config: f"outputs/{DATASET_SHORT_NAMES[config.dataset]}_cgan",
        output_dir_help="outputs/<fashion or mnist>_cgan",
        batch_size=64, epochs=20, build=_build_cgan, load=_load_labelled,
        memory=_memory_estimate(256, 1_500_000, 10_000),
    ),
    "mlp": Recipe(
        name="mlp_gan", summary='the lecture\'s "police vs. faker" MLP GAN on the images of one class',
        config=MLPConfig,
        output_dir=lambda config: f"outputs/{DATASET_SHORT_NAMES[config.dataset]}_mlp_{config.schedule}",
        output_dir_help="outputs/<fashion or mnist>_mlp_<schedule>",
        batch_size=MLP_BATCH_SIZE, batch_size_help=f"{MLP_BATCH_SIZE}, or the whole class with --schedule one-side",
        epochs=40, build=_build_mlp, load=_load_one_class, loop=lambda config: MLP_SCHEDULES[config.schedule],
        memory=_memory_estimate(64, 60_000, 2_000),
    ),
    "pix2pix": Recipe(
        name="pix2pix", summary="pix2pix: edge maps of Fashion-MNIST shoes and bags back to images (8.3)",
        config=Pix2PixConfig, output_dir=lambda config: f"outputs/pix2pix_{config.loss.replace('+', '_')}",
        output_dir_help="outputs/pix2pix_<loss>", batch_size=32, epochs=3, build=_build_pix2pix,
        load=_load_edges2fashion, loop=lambda config: {"adversarial": config.loss != "l1"},
        memory=_memory_estimate(0, 2_000_000, 60_000), finish=_finish_translation,
    ),
    "srgan": Recipe(
        name="srgan", summary="SRGAN: 4x super-resolution of Fashion-MNIST or photographs, after an SRResNet (8.3)",
        config=SRGANConfig, output_dir=lambda config: f"outputs/srgan_{config.dataset}",
        output_dir_help="outputs/srgan_<dataset>", batch_size=16, epochs=1, steps=1000,
        build=lambda config, run, total: _build_srgan(config, run, total), load=_load_superres,
        memory=_memory_estimate(0, 6_000_000, 200_000), evaluable=False,
        train=_train_superres,
    ),
    "gaussian": Recipe(
        name="gaussian", summary="the 1-D Gaussian GAN, once or as a stability study over seeds",
        config=GaussianConfig, output_dir=lambda config: "outputs/gaussian", output_dir_help="outputs/gaussian",
        batch_size=512, epochs=3, build=_build_gaussian, evaluable=False, options=StudyConfig, train=_train_gaussian,
        loop=lambda config: dict(d_steps=config.d_steps, g_steps=config.g_steps),
        memory=_memory_estimate(50, 6_000, 500),
    ),
}
