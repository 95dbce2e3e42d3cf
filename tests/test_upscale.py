"""Upscaling your own image: tiles that reassemble to the whole, the receptive margin, `gan-keras upscale`."""

import keras
import numpy as np
import pytest
from PIL import Image

from gan_keras.models.srgan import build_srresnet
from gan_keras.sampling import artifact, tiles, upscaler
from tests.conftest import call_command


def srresnet(blocks=1, channels=3, seed=0):
    keras.utils.set_random_seed(seed)
    return build_srresnet(channels=channels, filters=8, blocks=blocks)


def as_function(model):
    """`generate` for `tiles`: the model in inference mode, numpy in and out."""
    return lambda batch: keras.ops.convert_to_numpy(model(batch, training=False))


def true_radius(blocks):
    """The SRResNet's receptive radius in low-resolution pixels, counted layer by layer.

    Output pixel 4b + 3 (the last of low-resolution block b) reads high-resolution pixels up to 4b + 7
    (conv 9x9), which come from 2x pixels up to 2b + 3; the 3x3 conv at 2x reads 2b + 4, from low-resolution
    pixel b + 2; then the 3x3 conv before the first sub-pixel step (+1), the 3x3 conv after the blocks (+1),
    2 per residual block and the first 9x9 conv (+4): b + 8 + 2 * blocks (the same to the other side).
    """
    return 8 + 2 * blocks


@pytest.fixture(scope="module")
def model():
    return srresnet()


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(0).uniform(-1, 1, (37, 29, 3)).astype(np.float32)


@pytest.mark.parametrize("tile", [5, 8, 13, 16, 29, 64])
def test_tiles_reassemble_to_the_untiled_output(model, image, tile):
    generate = as_function(model)
    whole = generate(image[None])[0]
    tiled = tiles.upscale_tiled(generate, image, 4, tile=tile, progress=False)
    assert tiled.shape == (148, 116, 3) and tiled.dtype == np.float32
    assert np.abs(tiled - whole).max() < 1e-4


@pytest.mark.parametrize("blocks", [1, 2])
def test_the_measured_margin_covers_the_true_radius_and_no_less_would_do(image, blocks):
    generate = as_function(srresnet(blocks))
    radius = true_radius(blocks)
    assert tiles.receptive_margin(generate, 3, 4) == radius + 1  # the radius, plus 1 for safety
    whole = generate(image[None])[0]
    exact = tiles.upscale_tiled(generate, image, 4, tile=8, margin=radius, progress=False)
    short = tiles.upscale_tiled(generate, image, 4, tile=8, margin=radius - 1, progress=False)
    assert np.abs(exact - whole).max() < 1e-4 < np.abs(short - whole).max()


def test_an_image_that_fits_runs_in_one_piece_without_probing(model, image):
    calls = []

    def generate(batch):
        calls.append(batch.shape)
        return as_function(model)(batch)

    pixels = tiles.upscale_tiled(generate, image, 4, dtype=np.uint8)
    assert calls == [(1, 37, 29, 3)] and pixels.dtype == np.uint8
    np.testing.assert_array_equal(pixels, np.clip(np.rint((as_function(model)(image[None])[0] + 1) * 127.5), 0, 255))


def test_tile_sizes_and_the_memory_bound():
    assert tiles.tile_spans(10, 4) == [(0, 3), (3, 7), (7, 10)]
    assert tiles.tile_spans(8, 4) == [(0, 4), (4, 8)] and tiles.tile_spans(3, 5) == [(0, 3)]
    assert tiles.default_tile(4, 17) == 133  # the CPU SRResNet's margin at scale 4
    side = 133 + 2 * 17
    assert tiles.tile_bytes(side, side, 4) <= tiles.TILE_MEMORY_BOUND < tiles.tile_bytes(side + 1, side + 1, 4)
    with pytest.raises(ValueError, match="no tile"):
        tiles.default_tile(4, 84)


def box_filter(batch, radius=3):
    """A local "upscaler" of known radius: the mean of each (2 radius + 1)^2 window, each pixel repeated 4x4."""
    size = 2 * radius + 1
    padded = np.pad(batch, ((0, 0), (radius, radius), (radius, radius), (0, 0)))
    height, width = batch.shape[1:3]
    mean = sum(padded[:, y:y + height, x:x + width] for y in range(size) for x in range(size)) / size**2
    return mean.repeat(4, axis=1).repeat(4, axis=2)


def test_the_margin_is_exact_and_ignores_rounding_noise_spread_over_the_image():
    assert tiles.receptive_margin(box_filter, 3, 4) == 4
    rng = np.random.default_rng(0)

    def noisy(batch):  # what an FFT convolution on a GPU does: rounding noise everywhere
        out = box_filter(batch)
        return out + rng.normal(0, 1e-7, out.shape)

    assert tiles.receptive_margin(noisy, 3, 4) == 4


def test_scale_is_measured_and_a_global_generator_is_refused():
    def global_mean(batch):  # every output pixel depends on every input pixel
        return np.full((1, batch.shape[1] * 4, batch.shape[2] * 4, 3), batch.mean(), np.float32)

    assert tiles.output_scale(global_mean, 3) == 4
    with pytest.raises(ValueError, match="not local"):
        tiles.receptive_margin(global_mean, 3, 4)
    with pytest.raises(ValueError, match="not an upscaler"):
        tiles.output_scale(lambda batch: batch[:, :8], 3)


# `gan-keras upscale`

def save_upscaler(path, channels=3):
    info = artifact.GeneratorInfo(latent_dim=0, image_shape=(0, 0, channels), condition_shape=(0, 0, channels),
                                  model="srgan")
    artifact.save_generator(str(path), srresnet(channels=channels), info)
    return path


@pytest.fixture(scope="module")
def generator_file(tmp_path_factory):
    return save_upscaler(tmp_path_factory.mktemp("upscaler") / "g.keras")


def palette(transparent):
    image = Image.new("P", (7, 5))
    image.putpalette([0, 0, 0, 255, 0, 0, 10, 200, 30])
    image.putdata(list(np.arange(35) % 3))
    return image, {"transparency": 0} if transparent else {}


def inputs(rng):
    """Input images by name: `(PIL image, save options, mode written)`."""
    rgba = rng.integers(0, 256, (6, 9, 4), dtype=np.uint8)
    return {
        "rgb.png": (Image.fromarray(rgba[..., :3], "RGB"), {}, "RGB"),
        "photo.jpg": (Image.fromarray(rgba[..., :3], "RGB"), {}, "RGB"),
        "grey.png": (Image.fromarray(rgba[..., 0], "L"), {}, "L"),
        "rgba.png": (Image.fromarray(rgba, "RGBA"), {}, "RGBA"),
        "la.png": (Image.fromarray(rgba[..., [0, 3]], "LA"), {}, "LA"),
        "palette.png": (*palette(False), "RGB"),
        "palette_transparent.png": (*palette(True), "RGBA"),
        "grey16.png": (Image.fromarray(rng.integers(0, 65536, (6, 9), dtype=np.uint16)), {}, "L"),
    }


@pytest.mark.parametrize("name", list(inputs(np.random.default_rng(0))))
def test_upscale_every_mode_four_times_keeping_alpha_and_grey(tmp_path, generator_file, capsys, name):
    image, options, mode = inputs(np.random.default_rng(0))[name]
    image.save(tmp_path / name, **options)
    assert call_command("upscale", "--generator", generator_file, "--input", tmp_path / name,
                        "--out", tmp_path / "out.png") == 0
    with Image.open(tmp_path / "out.png") as out:
        assert out.mode == mode and out.size == (image.size[0] * 4, image.size[1] * 4)
        if "A" in mode:  # the alpha channel, enlarged with Pillow's bicubic filter
            alpha = Image.open(tmp_path / name).convert("RGBA" if mode == "RGBA" else "LA").getchannel("A")
            expected = alpha.resize(out.size, Image.Resampling.BICUBIC)
            np.testing.assert_array_equal(np.asarray(out.getchannel("A")), np.asarray(expected))
    printed = capsys.readouterr().out
    assert f"({image.size[1] * 4}x{image.size[0] * 4})" in printed
    assert ("16 bits per channel" in printed) == (name == "grey16.png")


def test_upscale_in_tiles_gives_the_pixels_of_one_piece(tmp_path, generator_file, capsys):
    pixels = np.random.default_rng(1).integers(0, 256, (23, 18, 4), dtype=np.uint8)
    Image.fromarray(pixels, "RGBA").save(tmp_path / "in.png")
    for tile, out in ((None, "whole.png"), (5, "tiled.png")):
        assert call_command("upscale", "--generator", generator_file, "--input", tmp_path / "in.png",
                            "--out", tmp_path / out, *(["--tile", tile] if tile else [])) == 0
    whole, tiled = (np.asarray(Image.open(tmp_path / out)).astype(int) for out in ("whole.png", "tiled.png"))
    assert whole.shape == (92, 72, 4) and np.abs(whole - tiled).max() <= 1  # float rounding at .5 at most
    assert "in 20 tiles of up to 5 pixels (margin 11)" in capsys.readouterr().out


def test_an_image_over_the_memory_bound_is_cut_into_tiles_of_the_bound(generator_file, monkeypatch):
    monkeypatch.setattr(tiles, "TILE_MEMORY_BOUND", 2**26)  # 64 MiB: tiles of 41 - 2 * 11 = 19 pixels
    image = np.random.default_rng(2).uniform(-1, 1, (60, 50, 3)).astype(np.float32)
    generator = upscaler.load_upscaler(str(generator_file))
    tiled = upscaler.upscale_image(generator, image, progress=False)
    assert (tiled.scale, tiled.margin, tiled.tile, tiled.tiles) == (4, 11, 19, 4 * 3)
    whole = upscaler.upscale_image(generator, image, tile=60)
    assert whole.tiles == 1 and whole.margin == 0
    assert np.abs(tiled.pixels.astype(int) - whole.pixels).max() <= 1


def test_a_fixed_size_generator_does_not_upscale(tmp_path, capsys):
    from gan_keras.models.pix2pix import build_unet_generator

    info = artifact.GeneratorInfo(latent_dim=0, image_shape=(28, 28, 1), condition_shape=(28, 28, 1), model="pix2pix")
    artifact.save_generator(str(tmp_path / "p2p.keras"), build_unet_generator(filters=8), info)
    Image.fromarray(np.zeros((28, 28), np.uint8), "L").save(tmp_path / "in.png")
    assert call_command("upscale", "--generator", tmp_path / "p2p.keras", "--input", tmp_path / "in.png",
                        "--out", tmp_path / "out.png") == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and "translates images of one size (a pix2pix generator)" in errors[0]
    assert f"use `gan-keras translate --generator {tmp_path / 'p2p.keras'}`" in errors[0]


def test_grey_generator_makes_colour_input_grey(tmp_path):
    save_upscaler(tmp_path / "grey.keras", channels=1)
    Image.fromarray(np.zeros((4, 5, 3), np.uint8), "RGB").save(tmp_path / "in.png")
    assert call_command("upscale", "--generator", tmp_path / "grey.keras", "--input", tmp_path / "in.png",
                        "--out", tmp_path / "out.png") == 0
    assert Image.open(tmp_path / "out.png").mode == "L"


def test_without_generator_the_shipped_upscaler_is_used(tmp_path, monkeypatch, capsys):
    save_upscaler(tmp_path / upscaler.SHIPPED["srresnet"])
    monkeypatch.setattr(upscaler, "ASSETS_DIR", str(tmp_path))
    assert upscaler.shipped_upscaler_path() == str(tmp_path / "upscaler_x4.keras")
    Image.fromarray(np.zeros((3, 4, 3), np.uint8), "RGB").save(tmp_path / "in.png")
    assert call_command("upscale", "--input", tmp_path / "in.png", "--out", tmp_path / "out.png") == 0
    assert Image.open(tmp_path / "out.png").size == (16, 12)


def test_a_missing_shipped_upscaler_is_one_line_exit_1(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(upscaler, "ASSETS_DIR", str(tmp_path / "nothing"))
    Image.fromarray(np.zeros((3, 4, 3), np.uint8), "RGB").save(tmp_path / "in.png")
    assert call_command("upscale", "--input", tmp_path / "in.png", "--out", tmp_path / "out.png") == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and "upscaler_x4.keras is missing" in errors[0] and "--generator" in errors[0]
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("content, words", [(b"not an image", ["in.png", "not an image file"]),
                                            (b"\x89PNG\r\n\x1a\n\x00\x00", ["in.png"])])
def test_an_unreadable_input_is_one_line_exit_1(tmp_path, generator_file, capsys, content, words):
    (tmp_path / "in.png").write_bytes(content)
    assert call_command("upscale", "--generator", generator_file, "--input", tmp_path / "in.png",
                        "--out", tmp_path / "out.png") == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and all(word in errors[0] for word in words)


@pytest.mark.parametrize("size, ok", [((1, 1), False), ((1, 5), False), ((2, 2), True), ((3, 7), True)])
def test_an_image_below_the_upscaler_s_smallest_input_is_one_line_exit_1(tmp_path, capsys, size, ok):
    info = artifact.GeneratorInfo(latent_dim=0, image_shape=(0, 0, 3), condition_shape=(0, 0, 3), model="srresnet")
    artifact.save_generator(str(tmp_path / "photo.keras"), build_srresnet(filters=4, blocks=1, batch_norm=False, upsampling="subpixel", residual=True),
                            info)
    Image.fromarray(np.zeros((*size, 3), np.uint8), "RGB").save(tmp_path / "in.png")
    status = call_command("upscale", "--generator", tmp_path / "photo.keras", "--input", tmp_path / "in.png",
                          "--out", tmp_path / "out.png")
    errors = capsys.readouterr().err.strip().splitlines()
    if ok:
        assert status == 0 and Image.open(tmp_path / "out.png").size == (size[1] * 4, size[0] * 4)
    else:
        assert status == 1 and len(errors) == 1
        assert f"{tmp_path / 'in.png'} is {size[1]}x{size[0]} pixels; the upscaler takes images of at least 2x2" in (
            errors[0])
        assert not (tmp_path / "out.png").exists()
