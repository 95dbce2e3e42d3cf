"""SRGAN as a recipe (8.3): 4x super-resolution, an SRResNet first and the GAN started from it."""

import dataclasses
import os

import numpy as np

from gan_keras.core.conditions import InputImage
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.core.pixels import from_uint8, to_uint8
from gan_keras.core.config import (
    Config, positive, positive_number, positive_number_or_none, positive_or_none, setting)
from gan_keras.data import photos
from gan_keras.data.datasets import load_fashion_mnist, scale_images
from gan_keras.recipes.base import Recipe, TrainingData, memory_estimate
from gan_keras.runs.phases import Phase, Training
from gan_keras.sampling import model_file


@dataclasses.dataclass(frozen=True)
class SRGANConfig(Config):
    """SRGAN, 4x super-resolution: an MSE-trained SRResNet, then the GAN started from it."""

    dataset: str = setting("fashion_mnist", "fashion_mnist (7x7 block means -> 28x28), photos (the credited "
                                            "photographs of Debian's wallpaper packages, `make photos`) or folder "
                                            "(your own photographs: --data-dir DIR); photos are shrunk 4x by PIL's "
                                            "bicubic", choices=("fashion_mnist", "photos", "folder"))
    size: str = setting("auto", "auto (cpu for fashion_mnist, photo for photographs); cpu: SRResNet of 4 blocks x "
                                "32 filters, discriminator (32, 64, 128), 48-pixel crops; photo: 8 blocks x 64 "
                                "filters without BatchNormalization over a bicubic upscale, 96-pixel crops; paper: "
                                "16 x 64, (64, 128, 256, 512) + Dense 1024, 96-pixel crops",
                        choices=("auto", "cpu", "photo", "paper"))
    adversarial_weight: float = setting(1e-3, "weight of the adversarial loss against the content loss (the "
                                              "paper's 1e-3)", check=positive_number)
    crops: int = setting(16000, "random aligned crop pairs cut from the photographs, each flipped and turned at "
                                "random (photos and folder)", check=positive)
    test_dir: str | None = setting(None, "held-out photographs for --dataset folder (default: the test photos "
                                         "bundled with scikit-image and matplotlib)", kind=str, metavar="DIR")
    learning_rate: float = setting(1e-4, "Adam's learning rate (the paper's 1e-4; of both phases unless --gan-learning-rate)",
                                   check=positive_number)
    gan_learning_rate: float | None = setting(None, "Adam's learning rate of the SRGAN phase (default: "
                                                    "--learning-rate)", check=positive_number_or_none, kind=float,
                                              metavar="RATE")
    gan_steps: int | None = setting(None, "steps of the SRGAN phase (default: --steps, the SRResNet's); a length, "
                                          "like --steps: it may change on --resume",
                                    check=positive_or_none, kind=int, metavar="N", length=True)
    content: str = setting("auto", "content loss: vgg (VGG19 features, the paper's; needs ImageNet weights from "
                                   "--vgg-weights or keras' cache), mse (pixels), or auto (vgg when the weights "
                                   "are there, else mse; the report says which)", choices=("auto", "vgg", "mse"))
    vgg_weights: str | None = setting(None, "VGG19 'notop' ImageNet weights file (default: keras' cache, "
                                            "~/.keras/models); nothing is downloaded", kind=str, metavar="PATH")


SR_SCALE = 4
SR_PREVIEW = {"fashion_mnist": 10, "photos": 4}
TEST_MIN_SIZE = 4 * SR_SCALE  # a held-out photo must keep pixels after PSNR's border is cropped at both sides


def sr_size(config):
    """The size `config` names: "auto" resolves to "cpu" for Fashion-MNIST, "photo" for photographs."""
    if config.size != "auto":
        return config.size
    return "cpu" if config.dataset == "fashion_mnist" else "photo"


def _sr_sizes(config):
    # Keras and scikit-image load when a run starts, not while flags are parsed.
    from gan_keras.models.srgan import CPU_CONFIG, PAPER_CONFIG, PHOTO_CONFIG

    size = sr_size(config)
    sizes = {"cpu": CPU_CONFIG, "photo": PHOTO_CONFIG, "paper": PAPER_CONFIG}[size]
    return sizes, 48 if size == "cpu" else 96


def _load_superres(config, data_dir):
    if config.dataset == "folder" and data_dir is None:  # before anything loads
        raise UserError("--dataset folder needs --data-dir DIR, a folder of your photographs (JPEG or PNG)",
                        EXIT_USAGE)
    # Keras and scikit-image load when a run starts, not while flags are parsed.
    from gan_keras.data import resize

    if config.dataset == "fashion_mnist":
        (x_train, _), (x_test, y_test) = load_fashion_mnist(data_dir)
        hr, hr_test = scale_images(x_train), scale_images(x_test)
        lr, lr_test = resize.downscale_mean(hr, SR_SCALE), resize.downscale_mean(hr_test, SR_SCALE)
        shown = np.linspace(0, len(hr_test) - 1, SR_PREVIEW["fashion_mnist"]).astype(int)
        return TrainingData(hr, lr, preview=(lr_test[shown], hr_test[shown]),
                            test=(lr_test, hr_test, y_test.astype(np.int32)))
    _, crop = _sr_sizes(config)
    train, names, test = _photographs(config, data_dir, crop)
    train_low = [resize.pil_bicubic_downscale(p, SR_SCALE) for p in train]
    hr, lr = photos.paired_crops(train, train_low, config.crops, crop // SR_SCALE, SR_SCALE,
                                 np.random.default_rng(0))
    test_low = [resize.pil_bicubic_downscale(p, SR_SCALE) for p in test]
    preview_hr, preview_lr = photos.paired_crops(test, test_low, SR_PREVIEW["photos"], crop // SR_SCALE, SR_SCALE,
                                                 np.random.default_rng(1))
    return TrainingData(from_uint8(hr), from_uint8(lr), dataset=config.dataset,
                        description=f"training crops of {crop}x{crop} pixels",
                        preview=(from_uint8(preview_lr), from_uint8(preview_hr)),
                        test=([from_uint8(p) for p in test_low], [from_uint8(p) for p in test], names))


def _photographs(config, data_dir, crop):
    """`(training photos, test names, test photos)`, uint8 `(h, w, 3)`, sides multiples of the scale."""
    # Pillow loads when a run starts, not while flags are parsed.
    from gan_keras.data import photo_folder

    if config.dataset == "photos":
        train = photos.training_photos(SR_SCALE)
    else:
        train = [photos.modcrop(p, SR_SCALE) for p in photo_folder.load_folder(data_dir, crop).photos]
    if config.test_dir is None:
        names, test = photos.test_photos(SR_SCALE)
    else:
        held_out = photo_folder.load_folder(config.test_dir, TEST_MIN_SIZE, role="test")
        names = tuple(os.path.splitext(name)[0].replace(os.sep, "_") for name in held_out.names)
        test = [photos.modcrop(p, SR_SCALE) for p in held_out.photos]
    return train, names, test


def _build_srgan(config, run, total_steps, adversarial=True, data=None, start_from=None):
    # Keras and scikit-image load when a run starts, not while flags are parsed.
    from gan_keras.core.combined import build_combined, default_optimizer
    from gan_keras.core.gan import GAN
    from gan_keras.models.srgan import build_sr_discriminator, build_srresnet

    sizes, crop = _sr_sizes(config)
    channels = 1 if config.dataset == "fashion_mnist" else 3
    hr_shape = (28, 28, 1) if config.dataset == "fashion_mnist" else (crop, crop, 3)
    generator = build_srresnet(channels=channels, **sizes["generator"])
    if start_from is not None:  # a resumed SRResNet phase saved it again from its checkpoint first
        start = model_file.load_model(start_from, "SRResNet generator",
                                      "restore it from a copy, or start afresh with --overwrite")
        generator.set_weights(start.get_weights())
    discriminator = build_sr_discriminator(hr_shape, **sizes["discriminator"])
    content = "mse"
    if config.content == "vgg":
        # Keras and scikit-image load when a run starts, not while flags are parsed.
        from gan_keras.models.srgan import vgg_content_loss

        # VGG54 on photographs as in the paper; 28x28 images keep no 1x1 block-5 map, so VGG22 there.
        layer = "block2_conv2" if config.dataset == "fashion_mnist" else "block5_conv4"
        content = vgg_content_loss(config.vgg_weights, layer=layer, channels=channels)
    condition = InputImage(reconstruction=True)  # D judges images alone; the content loss against the targets
    # The paper: Adam(1e-4, beta_1 0.9) for SRResNet and SRGAN alike (`--learning-rate`, `--gan-learning-rate`).
    rate = config.gan_learning_rate if adversarial and config.gan_learning_rate is not None else config.learning_rate
    combined = build_combined(
        generator, discriminator, d_optimizer=default_optimizer(rate, 0.9), g_optimizer=default_optimizer(rate, 0.9),
        jit_compile=run.jit_compile, condition=condition, reconstruction_loss=content,
        adversarial_weight=config.adversarial_weight if adversarial else 0.0, reconstruction_weight=1.0)
    return GAN(generator, discriminator, combined, latent_dim=0, condition=condition)


def _finish_superres(config, run, data):
    # Keras and scikit-image load when a run starts, not while flags are parsed.
    from gan_keras.data import resize
    from gan_keras.evaluation import image_quality
    from gan_keras.evaluation.translation import fashion_measure
    from gan_keras.runs.scoring import TranslationEvaluation

    inputs, targets, labels = data.test
    if config.dataset == "fashion_mnist":
        measure = fashion_measure(seed=run.seed, data_dir=run.data_dir)
        bicubic = resize.bicubic_upscale(inputs, SR_SCALE)
        return [TranslationEvaluation(run.output_dir, inputs, targets, measure, labels=labels,
                                      baselines=[("bicubic", bicubic)],
                                      title="Held-out test: the 10,000 Fashion-MNIST test images, 7x7 -> 28x28")]

    def measure_photos(images, reference, labels=None):
        pairs = list(zip(reference, images))
        return {name: float(np.mean([measure(r, i, border=SR_SCALE) for r, i in pairs]))
                for name, measure in (("psnr", image_quality.psnr), ("ssim", image_quality.ssim),
                                      ("sharpness", image_quality.sharpness))} | {"n": len(images)}

    bicubic = [from_uint8(resize.pil_bicubic_upscale(to_uint8(p), SR_SCALE)) for p in inputs]
    return [TranslationEvaluation(run.output_dir, inputs, targets, measure_photos, labels=labels,
                                  baselines=[("bicubic (PIL)", bicubic)],
                                  title=f"Held-out test photos ({', '.join(labels)}): PSNR/SSIM on the Y channel, "
                                        f"{SR_SCALE}-pixel border cropped; sharpness: mean gradient magnitude over "
                                        f"the original's")]


SR_PHASES = ("srresnet", "srgan")


def _superres_phases(model_config, run, data, options=None):
    """SRResNet (content loss alone) in DIR/srresnet, then SRGAN started from it in DIR/srgan."""
    # Keras loads (with the models) only when a run starts, not while flags are parsed.
    from gan_keras.data.sources import ArraySource
    from gan_keras.models.srgan import find_vgg_weights

    weights = find_vgg_weights(model_config.vgg_weights, required=model_config.content == "vgg")
    content = "vgg" if weights is not None and model_config.content != "mse" else "mse"
    print(f"Content loss: {'VGG19 features of ' + weights if content == 'vgg' else 'pixel MSE'}")
    # The resolved loss is what the checkpoints and reports record.
    model_config = dataclasses.replace(model_config, content=content, vgg_weights=weights if content == "vgg" else None)

    def phase(name):
        adversarial = name == "srgan"
        start_from = os.path.join(run.output_dir, "srresnet", "generator.keras") if adversarial else None

        def start(run_config):
            source = ArraySource(data.images, data.labels, batch_size=run_config.batch_size, seed=run_config.seed)
            return Training(lambda: _build_srgan(model_config, run_config, None, adversarial, data, start_from),
                            source, model=name, model_config=model_config, loop={"adversarial": adversarial},
                            callbacks=_finish_superres(model_config, run_config, data), preview=data.preview)

        return Phase(name, start, folder=name, report=True, steps=model_config.gan_steps if adversarial else None)

    return [phase(name) for name in SR_PHASES]


RECIPES = {
    "srgan": Recipe(
        name="srgan", summary="SRGAN: 4x super-resolution of Fashion-MNIST or photographs, after an SRResNet (8.3)",
        config=SRGANConfig, output_dir=lambda config: f"outputs/srgan_{config.dataset}",
        output_dir_help="outputs/srgan_<dataset>", batch_size=16, epochs=1, steps=1000,
        build=lambda config, run, total: _build_srgan(config, run, total), load=_load_superres,
        memory=memory_estimate(0, 6_000_000, 200_000), evaluable=False,
        phases=_superres_phases,
    ),
}
