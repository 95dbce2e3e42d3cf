import math

import keras
import numpy as np
import pytest

from gan_keras.data import resize
from gan_keras.evaluation import image_quality
from gan_keras.models.srgan import (
    CPU_CONFIG, PAPER_CONFIG, SubPixelUpsampling, build_sr_discriminator, build_srresnet)


def count(weights):
    return int(sum(np.prod(w.shape) for w in weights))


def numpy(x):
    return keras.ops.convert_to_numpy(x)


# --- models ---------------------------------------------------------------------------------------------------

def test_sub_pixel_upsampling_moves_each_group_of_channels_into_a_block():
    x = np.arange(1 * 1 * 2 * 4, dtype="float32").reshape(1, 1, 2, 4)  # two pixels of 4 channels
    y = numpy(SubPixelUpsampling(2)(x))
    assert y.shape == (1, 2, 4, 1)
    np.testing.assert_array_equal(y[0, :, :, 0], [[0, 1, 4, 5], [2, 3, 6, 7]])


def test_sub_pixel_upsampling_saves_and_loads_in_a_keras_file(tmp_path):
    inputs = keras.Input(shape=(None, None, 8))
    model = keras.Model(inputs, SubPixelUpsampling(2, name="shuffle")(keras.layers.Conv2D(8, 1)(inputs)))
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 8)).astype("float32")
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert isinstance(loaded.get_layer("shuffle"), SubPixelUpsampling)
    assert loaded.get_layer("shuffle").factor == 2
    np.testing.assert_allclose(numpy(loaded(x)), numpy(model(x)), rtol=1e-6)
    assert numpy(loaded(x)).shape == (2, 6, 10, 2)


def test_a_saved_srresnet_loads_back_without_custom_objects(tmp_path):
    generator = build_srresnet(channels=1, filters=8, blocks=1)
    low_res = np.random.default_rng(0).uniform(-1, 1, (1, 7, 7, 1)).astype("float32")
    generator.save(tmp_path / "generator.keras")
    loaded = keras.models.load_model(tmp_path / "generator.keras")
    assert loaded.name == "srresnet_generator"
    np.testing.assert_allclose(numpy(loaded(low_res)), numpy(generator(low_res)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("channels, weights, trainable", [(3, 174_179, 173_603), (1, 163_809, 163_233)])
def test_srresnet_cpu_configuration_has_the_documented_size(channels, weights, trainable):
    generator = build_srresnet(channels, **CPU_CONFIG["generator"])
    assert generator.name == "srresnet_generator"
    assert count(generator.weights) == weights
    assert count(generator.trainable_weights) == trainable
    types = [type(layer).__name__ for layer in generator.layers]
    assert types.count("SubPixelUpsampling") == 2  # log2(4)
    assert types.count("Add") == 4 + 1  # the residual blocks and the long skip
    assert all(layer.shared_axes == [1, 2] for layer in generator.layers if isinstance(layer, keras.layers.PReLU))


def test_srresnet_defaults_are_the_cpu_configuration():
    assert CPU_CONFIG["generator"] == {"filters": 32, "blocks": 4, "scale": 4}
    assert PAPER_CONFIG["generator"] == {"filters": 64, "blocks": 16, "scale": 4}
    assert PAPER_CONFIG["discriminator"] == {"filters": (64, 128, 256, 512), "dense": 1024}
    assert count(build_srresnet().weights) == 174_179


@pytest.mark.parametrize("shape", [(1, 24, 24, 3), (1, 7, 7, 1), (2, 5, 9, 3)])
def test_srresnet_upscales_any_size_four_times_into_tanh_range(shape):
    generator = build_srresnet(channels=shape[-1])
    low_res = np.random.default_rng(0).uniform(-1, 1, shape).astype("float32")
    high_res = numpy(generator(low_res, training=False))
    assert high_res.shape == (shape[0], 4 * shape[1], 4 * shape[2], shape[3])
    assert high_res.min() >= -1 and high_res.max() <= 1


def test_srresnet_scale_two_has_one_upsampling_block():
    generator = build_srresnet(channels=1, filters=8, blocks=1, scale=2)
    assert numpy(generator(np.zeros((1, 7, 7, 1), "float32"))).shape == (1, 14, 14, 1)


@pytest.mark.parametrize("kwargs", [
    {"scale": 3}, {"scale": 6}, {"scale": 1}, {"scale": 0}, {"filters": 0}, {"blocks": -1}, {"channels": 2.5},
    {"blocks": True},
])
def test_srresnet_rejects_bad_sizes(kwargs):
    with pytest.raises(ValueError):
        build_srresnet(**kwargs)


@pytest.mark.parametrize("hr_shape", [(28, 28, 1), (96, 96, 3), (48, 48, 3)])
def test_discriminator_scores_high_resolution_images(hr_shape):
    discriminator = build_sr_discriminator(hr_shape)
    assert discriminator.name == "srgan_discriminator"
    images = np.random.default_rng(0).uniform(-1, 1, (3, *hr_shape)).astype("float32")
    scores = numpy(discriminator(images, training=False))
    assert scores.shape == (3, 1)
    assert ((scores >= 0) & (scores <= 1)).all()


def test_discriminator_follows_the_papers_stride_pattern():
    discriminator = build_sr_discriminator((96, 96, 3), filters=(64, 128, 256, 512), dense=1024)
    convs = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [(c.filters, c.strides[0]) for c in convs] == [
        (64, 1), (64, 2), (128, 1), (128, 2), (256, 1), (256, 2), (512, 1), (512, 2)]
    norms = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(norms) == 7  # every conv but the first
    dense = [layer.units for layer in discriminator.layers if isinstance(layer, keras.layers.Dense)]
    assert dense == [1024, 1]
    assert discriminator.get_layer(index=-4).output.shape == (None, 6 * 6 * 512)  # Flatten


def test_discriminator_cpu_size():
    assert count(build_sr_discriminator((28, 28, 1)).weights) == 812_897
    assert count(build_sr_discriminator((28, 28, 1)).trainable_weights) == 812_065


@pytest.mark.parametrize("kwargs", [
    {"hr_shape": (28, 28)}, {"hr_shape": (0, 28, 1)}, {"filters": ()}, {"filters": (32, 0)}, {"dense": 0}])
def test_discriminator_rejects_bad_sizes(kwargs):
    with pytest.raises(ValueError):
        build_sr_discriminator(**kwargs)


# --- superres ---------------------------------------------------------------------------------------------------

def test_downscale_mean_averages_each_block():
    ramp = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(resize.downscale_mean(ramp, 2)[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_array_equal(resize.downscale_mean(ramp, 4), [[[[7.5]]]])
    assert resize.downscale_mean(ramp, 1).dtype == np.float32


def test_downscale_mean_takes_fashion_mnist_to_seven_pixels():
    images = np.random.default_rng(0).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    small = resize.downscale_mean(images, 4)
    assert small.shape == (3, 7, 7, 1)
    np.testing.assert_allclose(small[1, 2, 5, 0], images[1, 8:12, 20:24, 0].mean(), rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda: resize.downscale_mean(np.zeros((1, 6, 8, 1)), 4),
    lambda: resize.downscale_mean(np.zeros((6, 8, 1)), 2),
    lambda: resize.downscale_mean(np.zeros((1, 8, 8, 1)), 0),
    lambda: resize.bicubic_downscale(np.zeros((1, 8, 6, 1)), 4),
    lambda: resize.bicubic_upscale(np.zeros((1, 8, 8, 1)), 1.5),
    lambda: resize.bicubic_resize(np.zeros((1, 8, 8, 1)), (0, 4)),
])
def test_resizing_rejects_bad_arguments(call):
    with pytest.raises(ValueError):
        call()


def test_bicubic_keeps_constant_images_and_float32():
    images = np.full((2, 8, 12, 3), 0.25, dtype="float32")
    up = resize.bicubic_upscale(images, 4)
    down = resize.bicubic_downscale(images, 4)
    assert up.shape == (2, 32, 48, 3) and up.dtype == np.float32
    assert down.shape == (2, 2, 3, 3) and down.dtype == np.float32
    np.testing.assert_allclose(up, 0.25, atol=1e-6)
    np.testing.assert_allclose(down, 0.25, atol=1e-6)
    assert resize.bicubic_resize(images, (5, 7)).shape == (2, 5, 7, 3)


def test_bicubic_upscale_stays_in_range_and_beats_nothing_on_smooth_images():
    y, x = np.mgrid[0:32, 0:32] / 31.0
    smooth = np.sin(3 * x + 2 * y)[np.newaxis, :, :, np.newaxis].astype("float32")
    hard = np.where(np.arange(16) % 2, 1.0, -1.0)[np.newaxis, :, np.newaxis, np.newaxis] * np.ones((1, 16, 16, 1))
    assert resize.bicubic_upscale(hard, 4).min() >= -1 and resize.bicubic_upscale(hard, 4).max() <= 1
    low = resize.bicubic_downscale(smooth, 4)
    restored = resize.bicubic_upscale(low, 4)
    blocky = np.repeat(np.repeat(low, 4, axis=1), 4, axis=2)
    assert image_quality.psnr(smooth, restored, border=4) > image_quality.psnr(smooth, blocky, border=4)


def test_rgb_to_y_of_pure_colours():
    pixels = np.array([[1.0, -1.0, -1.0], [1.0, 1.0, 1.0], [-1.0, -1.0, -1.0], [-1.0, 1.0, -1.0]])
    np.testing.assert_allclose(
        image_quality.rgb_to_y(pixels)[:, 0], [(16 + 65.481) / 255, 235 / 255, 16 / 255, (16 + 128.553) / 255])
    np.testing.assert_allclose(image_quality.rgb_to_y(np.array([[-1.0], [0.0], [1.0]]))[:, 0], [0.0, 0.5, 1.0])
    assert image_quality.rgb_to_y(np.zeros((2, 4, 5, 3))).shape == (2, 4, 5, 1)
    with pytest.raises(ValueError):
        image_quality.rgb_to_y(np.zeros((4, 2)))


def test_psnr_of_constant_grey_images_differing_by_a_tenth_is_20_db():
    reference = np.zeros((12, 12, 1))  # 0.5 on [0, 1]
    estimate = np.full((12, 12, 1), 0.2)  # 0.6 on [0, 1]
    assert image_quality.psnr(reference, estimate) == pytest.approx(20.0, abs=1e-9)


def test_psnr_of_colour_images_is_measured_on_luma():
    reference = np.zeros((12, 12, 3))
    estimate = np.full((12, 12, 3), 0.2)  # every channel +0.1 on [0, 1]: Y moves by 0.1 * 219 / 255
    expected = 20 * math.log10(255 / (0.1 * 219))
    assert image_quality.psnr(reference, estimate) == pytest.approx(expected, abs=1e-9)
    assert image_quality.psnr(reference[np.newaxis].repeat(3, 0), estimate[np.newaxis].repeat(3, 0)) == pytest.approx(
        expected, abs=1e-9)


def test_psnr_averages_over_images_and_crops_the_border():
    reference = np.zeros((2, 12, 12, 1))
    estimate = reference.copy()
    estimate[0] = 0.2  # 20 dB
    estimate[1] = 0.02  # 0.01 on [0, 1]: 40 dB
    assert image_quality.psnr(reference, estimate) == pytest.approx(30.0, abs=1e-9)
    # An error confined to a 2-pixel frame disappears with border=2 ...
    framed = np.zeros((12, 12, 1))
    framed[:2], framed[-2:], framed[:, :2], framed[:, -2:] = 1, 1, 1, 1
    assert image_quality.psnr(np.zeros((12, 12, 1)), framed, border=2) == np.inf
    # ... and with border=1 the MSE is the frame's share of the 10x10 interior: 36/100 pixels, each off by 0.5.
    assert image_quality.psnr(np.zeros((12, 12, 1)), framed, border=1) == pytest.approx(
        10 * math.log10(1 / (36 / 100 * 0.25)), abs=1e-9)


def test_ssim_of_an_image_with_itself_is_one_and_of_constants_is_the_luminance_term():
    image = np.random.default_rng(0).uniform(-1, 1, (2, 16, 16, 3))
    assert image_quality.ssim(image, image) == pytest.approx(1.0, abs=1e-12)
    reference = np.zeros((16, 16, 1))  # 0.5 on [0, 1]
    estimate = np.full((16, 16, 1), 0.2)  # 0.6 on [0, 1]
    c1 = 0.01 ** 2
    assert image_quality.ssim(reference, estimate) == pytest.approx((2 * 0.5 * 0.6 + c1) / (0.5 ** 2 + 0.6 ** 2 + c1))


def test_ssim_crops_the_border():
    noisy = np.zeros((15, 15, 1))
    noisy[0, :] = 1  # damage only the first row
    assert image_quality.ssim(np.zeros((15, 15, 1)), noisy, border=2) == pytest.approx(1.0)
    assert image_quality.ssim(np.zeros((15, 15, 1)), noisy) < 1.0
    with pytest.raises(ValueError, match="11x11"):
        image_quality.ssim(np.zeros((15, 15, 1)), noisy, border=3)


@pytest.mark.parametrize("call", [
    lambda: image_quality.psnr(np.zeros((8, 8, 3)), np.zeros((8, 8, 1))),
    lambda: image_quality.psnr(np.zeros((8, 8, 2)), np.zeros((8, 8, 2))),
    lambda: image_quality.psnr(np.zeros((8, 8, 1)), np.zeros((8, 8, 1)), border=4),
    lambda: image_quality.psnr(np.zeros((8, 8, 1)), np.zeros((8, 8, 1)), border=-1),
])
def test_metrics_reject_bad_arguments(call):
    with pytest.raises(ValueError):
        call()


# --- the photo configuration: residual over bicubic ----------------------------------------------------------

def test_bicubic_phases_are_keys_kernel_rows_that_sum_to_one():
    from gan_keras.models.upsampling import bicubic_phases

    phases = bicubic_phases(4)
    np.testing.assert_allclose(phases.sum(axis=1), 1.0, atol=1e-12)
    # Output pixel 4k + 1 lies 1/8 of an input pixel left of pixel k: taps at distances 15/8, 7/8, 1/8, 9/8, 17/8.
    keys = [-0.5 * d**3 + 2.5 * d**2 - 4 * d + 2 if d > 1 else 1.5 * d**3 - 2.5 * d**2 + 1 for d in (15 / 8, 7 / 8,
                                                                                                     1 / 8, 9 / 8)]
    np.testing.assert_allclose(phases[1], keys + [0.0], atol=1e-12)
    np.testing.assert_allclose(phases[2], phases[1][::-1], atol=1e-12)  # mirror images


def test_an_untrained_photo_generator_is_bicubic_upscaling():
    from gan_keras.models.srgan import PHOTO_CONFIG
    from gan_keras.models.upsampling import BicubicResidual

    generator = build_srresnet(**PHOTO_CONFIG["generator"])
    assert count(generator.trainable_weights) == count(generator.weights) == 671_664  # no BatchNormalization
    rng = np.random.default_rng(0)
    smooth = resize.bicubic_resize(rng.uniform(-0.5, 0.5, (1, 6, 7, 3)), (12, 14))  # no clipping anywhere
    out = numpy(generator(smooth))
    assert out.shape == (1, 48, 56, 3)
    np.testing.assert_allclose(out, numpy(BicubicResidual(4)([smooth, np.zeros((1, 48, 56, 3), "float32")])),
                               atol=1e-6)
    # Against PIL's bicubic on uint8 (which rounds between its two passes): within one level inside the image.
    low = np.rint((smooth[0] + 1) * 127.5).astype(np.uint8)
    pil = resize.pil_bicubic_upscale(low, 4).astype(np.float32) / 127.5 - 1
    ours = numpy(generator(low[None].astype(np.float32) / 127.5 - 1))[0]
    assert np.abs(ours - pil)[8:-8, 8:-8].max() <= 1.5 / 127.5


def test_the_bicubic_residual_keeps_a_constant_and_clips():
    from gan_keras.models.upsampling import BicubicResidual

    flat = np.full((1, 3, 5, 1), 0.25, "float32")
    np.testing.assert_allclose(numpy(BicubicResidual(4)([flat, np.zeros((1, 12, 20, 1), "float32")])), 0.25,
                               atol=1e-6)
    np.testing.assert_array_equal(numpy(BicubicResidual(4)([flat, np.ones((1, 12, 20, 1), "float32")])), 1.0)


def test_the_photo_generator_saves_and_loads(tmp_path):
    from gan_keras.models.srgan import PHOTO_CONFIG

    generator = build_srresnet(**PHOTO_CONFIG["generator"])
    generator.layers[-2].set_weights([w + 0.01 for w in generator.layers[-2].get_weights()])  # not zero any more
    x = np.random.default_rng(1).uniform(-1, 1, (1, 9, 11, 3)).astype("float32")
    generator.save(tmp_path / "g.keras")
    np.testing.assert_allclose(numpy(keras.models.load_model(tmp_path / "g.keras")(x)), numpy(generator(x)),
                               atol=1e-6)
