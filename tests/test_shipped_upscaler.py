"""The upscaler that ships with the package: it loads, it beats bicubic on a held-out photo, tiles change nothing."""

import os
import re

import numpy as np
import pytest
from PIL import Image

from gan_keras.data import photos, resize
from gan_keras.evaluation import image_quality
from gan_keras.sampling import upscaler
from tests.conftest import run


@pytest.fixture(scope="module")
def shipped():
    return upscaler.load_upscaler()


@pytest.fixture(scope="module")
def chelsea():
    names, test = photos.test_photos(4)
    original = test[names.index("chelsea")]
    return original, resize.pil_bicubic_downscale(original, 4)


def _unit(pixels):
    return pixels.astype(np.float32) / 127.5 - 1


def test_the_shipped_upscaler_is_small_and_described():
    path = upscaler.shipped_upscaler_path()
    assert os.path.getsize(path) < 10_000_000
    assert os.path.isfile(path[:-len(".keras")] + ".json")
    with open(os.path.join(upscaler.ASSETS_DIR, "upscaler_x4.md")) as f:
        notes = f.read()
    assert "gan-keras train srgan --dataset photos" in notes
    # It names the training set it was made from: the manifest of this package.
    assert re.search(r"manifest SHA-256: `([0-9a-f]{64})`", notes).group(1) == photos.manifest_digest()


def test_it_upscales_any_size_4x(shipped):
    assert shipped.info.image_conditioned and not any(shipped.info.condition_shape[:2])
    result = upscaler.upscale_image(shipped, np.zeros((5, 7, 3), np.float32), progress=False)
    assert result.pixels.shape == (20, 28, 3) and result.pixels.dtype == np.uint8


def test_it_beats_bicubic_on_a_held_out_photo(shipped, chelsea):
    original, low = chelsea
    ours = upscaler.upscale_image(shipped, _unit(low), progress=False).pixels
    bicubic = resize.pil_bicubic_upscale(low, 4)
    gain = image_quality.psnr(_unit(original), _unit(ours), border=4) - image_quality.psnr(
        _unit(original), _unit(bicubic), border=4)
    assert gain > 0.3  # measured: see upscaler_x4.md


def test_tiles_reassemble_to_the_untiled_output(shipped, chelsea):
    _, low = chelsea
    whole = upscaler.upscale_image(shipped, _unit(low), progress=False)
    tiled = upscaler.upscale_image(shipped, _unit(low), tile=31, progress=False)
    assert whole.tiles == 1 and tiled.tiles > 4 and tiled.margin > 0
    # Float rounding may move a value across a uint8 rounding boundary, never further.
    assert np.abs(whole.pixels.astype(int) - tiled.pixels.astype(int)).max() <= 1


def test_upscale_without_a_generator_in_a_fresh_process(tmp_path, chelsea):
    _, low = chelsea
    Image.fromarray(low).save(tmp_path / "small.png")
    result = run(["upscale", "--input", tmp_path / "small.png", "--out", tmp_path / "big.png"])
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "big.png") as big:
        assert big.size == (low.shape[1] * 4, low.shape[0] * 4) and big.mode == "RGB"


def test_the_shipped_srgan_is_sharper_than_the_srresnet(shipped, chelsea):
    original, low = chelsea
    gan = upscaler.load_upscaler(upscaler.shipped_upscaler_path("srgan"))
    sharpness = {name: image_quality.sharpness(_unit(original), _unit(upscaler.upscale_image(
        model, _unit(low), progress=False).pixels), border=4) for name, model in (("srresnet", shipped), ("srgan", gan))}
    assert sharpness["srgan"] > sharpness["srresnet"] + 0.05  # measured 0.77 against 0.64


def test_model_and_generator_exclude_each_other(tmp_path):
    result = run(["upscale", "--model", "srgan", "--generator", tmp_path / "g.keras", "--input", tmp_path / "x.png",
                  "--out", tmp_path / "y.png"])
    assert result.returncode == 2 and "--model" in result.stderr and len(result.stderr.strip().splitlines()) == 1
