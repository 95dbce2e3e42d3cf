"""SRGAN's build part: its data (Fashion-MNIST or photographs), the SRResNet and the GAN, their phases and scores."""

import dataclasses
import os

import numpy as np

from gan_keras.core.combined import build_combined, default_optimizer
from gan_keras.core.conditions import InputImage
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.core.gan import GAN
from gan_keras.core.pixels import from_uint8, to_uint8
from gan_keras.data import photo_folder, photos, resize
from gan_keras.data.datasets import load_fashion_mnist, scale_images
from gan_keras.data.sources import ArraySource
from gan_keras.evaluation import image_quality
from gan_keras.evaluation.translation import fashion_measure
from gan_keras.models.srgan import (CPU_CONFIG, PAPER_CONFIG, PHOTO_CONFIG, build_sr_discriminator, build_srresnet,
                                    find_vgg_weights, vgg_content_loss)
from gan_keras.recipes.base import TrainingData
from gan_keras.recipes.srgan import SR_PHASES, SR_PREVIEW, SR_SCALE, TEST_MIN_SIZE, sr_size
from gan_keras.runs.phases import Phase, Training
from gan_keras.runs.scoring import TranslationEvaluation
from gan_keras.sampling import model_file


def _sr_sizes(config):
    size = sr_size(config)
    sizes = {"cpu": CPU_CONFIG, "photo": PHOTO_CONFIG, "paper": PAPER_CONFIG}[size]
    return sizes, 48 if size == "cpu" else 96


def load(config, data_dir):
    if config.dataset == "folder" and data_dir is None:  # before anything loads
        raise UserError("--dataset folder needs --data-dir DIR, a folder of your photographs (JPEG or PNG)",
                        EXIT_USAGE)
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


def build(config, run, total_steps, adversarial=True, data=None, start_from=None):
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


def phases(model_config, run, data, options=None):
    """SRResNet (content loss alone) in DIR/srresnet, then SRGAN started from it in DIR/srgan."""
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
            return Training(lambda: build(model_config, run_config, None, adversarial, data, start_from),
                            source, model=name, model_config=model_config, loop={"adversarial": adversarial},
                            callbacks=_finish_superres(model_config, run_config, data), preview=data.preview)

        return Phase(name, start, folder=name, report=True, steps=model_config.gan_steps if adversarial else None)

    return [phase(name) for name in SR_PHASES]
