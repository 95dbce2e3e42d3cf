"""The photographs of super-resolution: the training manifest, the held-out photos, the degradation, the crops."""

import hashlib
import json
import os

import numpy as np
import pytest

from gan_keras.core.errors import UserError
from gan_keras.data import photos, resize

PACKAGES = {"mate-backgrounds", "lomiri-wallpapers-16.04", "plasma-workspace-wallpapers"}


# --- the manifest ---------------------------------------------------------------------------------------------

def test_the_manifest_credits_every_photo_with_package_licence_author_and_size():
    entries = photos.load_manifest()
    assert len(entries) == 34
    assert len({e["file"] for e in entries}) == len(entries)
    assert {e["package"] for e in entries} == PACKAGES
    for e in entries:
        assert e["licence"] in {"GPL-2+", "CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0"}, e
        assert e["author"].strip() and len(e["sha256"]) == 64
        assert e["width"] * e["height"] >= 1_000_000  # photographs of at least a megapixel
    assert sum(e["width"] * e["height"] for e in entries) > 150_000_000


def test_the_manifest_digest_names_the_file_exactly():
    with open(photos.MANIFEST_FILE, "rb") as f:
        assert photos.manifest_digest() == hashlib.sha256(f.read()).hexdigest()


def test_the_installed_files_are_the_manifests():
    # `make test` installs the packages (`make photos`), so the files are there.
    from PIL import Image

    for e in photos.load_manifest():
        with open(e["file"], "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == e["sha256"], e["file"]
        with Image.open(e["file"]) as image:
            assert image.size == (e["width"], e["height"])


def test_training_photos_are_modcropped_rgb_uint8():
    train = photos.training_photos(4)
    entries = photos.load_manifest()
    assert len(train) == len(entries)
    for photo, e in zip(train, entries):
        assert photo.dtype == np.uint8 and photo.ndim == 3 and photo.shape[-1] == 3
        assert photo.shape[:2] == (e["height"] - e["height"] % 4, e["width"] - e["width"] % 4)


def test_missing_packages_are_named_in_one_line(tmp_path, monkeypatch):
    entries = photos.load_manifest()[:2]
    entries[1] = {**entries[1], "file": str(tmp_path / "gone.jpg"), "package": "some-wallpapers"}
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"photos": entries}))
    monkeypatch.setattr(photos, "MANIFEST_FILE", str(manifest))
    with pytest.raises(UserError, match="some-wallpapers") as error:
        photos.training_photos()
    assert "\n" not in str(error.value) and "make photos" in str(error.value) and error.value.exit_code == 1


def test_held_out_photos_never_appear_in_training():
    names, test = photos.test_photos(4)
    assert names == photos.TEST_PHOTOS and len(test) == 7
    assert [p.shape[:2] for p in test][:2] == [(512, 512), (300, 448)]
    assert all(p.shape[0] % 4 == 0 and p.shape[1] % 4 == 0 and p.dtype == np.uint8 for p in test)
    sources = {os.path.basename(e["file"]) for e in photos.load_manifest()}
    assert not sources & {"grace_hopper.jpg", "chelsea.png", "astronaut.png"}
    train_sizes = {(e["height"], e["width"]) for e in photos.load_manifest()}
    assert all(p.shape[:2] not in train_sizes for p in test)  # none is a training photo (none has their size)


# --- the degradation: PIL's antialiased bicubic --------------------------------------------------------------

def _keys(d, a=-0.5):
    d = abs(d)
    return (a + 2) * d**3 - (a + 3) * d**2 + 1 if d <= 1 else (a * d**3 - 5 * a * d**2 + 8 * a * d - 4 * a if d < 2
                                                                 else 0.0)


def _reference_downscale_row(row, factor):
    """Antialiased bicubic shrinking of one row as PIL documents it: the kernel widened by the factor,
    taps inside the row only, weights normalised, rounded to uint8."""
    out = []
    for i in range(len(row) // factor):
        centre = (i + 0.5) * factor
        taps = [j for j in range(len(row)) if abs(j + 0.5 - centre) < 2 * factor]
        weights = np.array([_keys((j + 0.5 - centre) / factor) for j in taps])
        out.append(np.clip(np.rint(np.dot(weights / weights.sum(), row[taps])), 0, 255))
    return np.array(out)


def test_downscaling_is_pils_antialiased_bicubic_to_the_exact_value():
    ramp = np.tile((np.arange(32) * 8 + 2).astype(np.uint8), (8, 1))[..., None]  # a horizontal ramp, 8 x 32 grey
    low = resize.pil_bicubic_downscale(ramp, 4)
    assert low.shape == (2, 8, 1) and low.dtype == np.uint8
    expected = _reference_downscale_row(ramp[0, :, 0].astype(np.float64), 4)
    np.testing.assert_array_equal(low[0, :, 0], expected)
    np.testing.assert_array_equal(low[1, :, 0], expected)
    # Where all 16 taps lie inside the row, a linear ramp keeps its value at the block's centre (the
    # kernel is symmetric): block 3 is centred between pixels 13 and 14, 8 * 13.5 + 2 = 110.
    assert low[0, 3, 0] == 110
    # Near the edge the taps are cut off and renormalised: block 0 is pulled towards the inside.
    assert low[0, 0, 0] > 8 * 1.5 + 2


def test_downscaling_keeps_a_constant_and_shrinks_rgb():
    flat = np.full((8, 12, 3), 77, np.uint8)
    np.testing.assert_array_equal(resize.pil_bicubic_downscale(flat, 4), np.full((2, 3, 3), 77, np.uint8))
    np.testing.assert_array_equal(resize.pil_bicubic_upscale(flat[:2, :3], 4), np.full((8, 12, 3), 77, np.uint8))


@pytest.mark.parametrize("call", [
    lambda: resize.pil_bicubic_downscale(np.zeros((8, 10, 3), np.uint8), 4),  # 10 not divisible by 4
    lambda: resize.pil_bicubic_downscale(np.zeros((8, 8, 3), np.float32), 4),  # not uint8
    lambda: resize.pil_bicubic_upscale(np.zeros((8, 8, 2), np.uint8), 4),  # two channels
    lambda: resize.pil_bicubic_upscale(np.zeros((8, 8, 3), np.uint8), 0),
])
def test_pil_resizing_rejects_bad_arguments(call):
    with pytest.raises(ValueError):
        call()


# --- aligned crops --------------------------------------------------------------------------------------------

def _block_pair(h, w, seed):
    low = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    return np.kron(low, np.ones((4, 4, 1), np.uint8)), low


def test_crops_stay_aligned_through_flips_and_turns():
    high, low = _block_pair(20, 30, 0)
    big, small = photos.paired_crops([high], [low], 64, 6, 4, np.random.default_rng(1))
    assert big.shape == (64, 24, 24, 3) and small.shape == (64, 6, 6, 3) and big.dtype == np.uint8
    for b, s in zip(big, small):
        np.testing.assert_array_equal(b, np.kron(s, np.ones((4, 4, 1), np.uint8)))
    again = photos.paired_crops([high], [low], 64, 6, 4, np.random.default_rng(1))
    np.testing.assert_array_equal(again[0], big)
    assert not np.array_equal(photos.paired_crops([high], [low], 64, 6, 4, np.random.default_rng(2))[0], big)


def test_crops_use_every_flip_and_turn():
    low = np.arange(36, dtype=np.uint8).reshape(6, 6, 1).repeat(3, axis=-1)
    high = np.kron(low, np.ones((4, 4, 1), np.uint8))
    _, small = photos.paired_crops([high], [low], 200, 6, 4, np.random.default_rng(0))  # the whole image each time
    views = {small_view.tobytes() for small_view in small}
    assert len(views) == 8  # 4 turns x 2 flips of a photo with no symmetry


def test_crops_pick_photos_by_area():
    large, small = _block_pair(40, 40, 1), _block_pair(10, 10, 2)
    big, _ = photos.paired_crops([large[0], small[0]], [large[1], small[1]], 2000, 4, 4, np.random.default_rng(0))
    small_values = {v.tobytes() for v in small[1].reshape(-1, 3)}
    from_small = sum(all(v.tobytes() in small_values for v in c[::4, ::4].reshape(-1, 3)) for c in big)
    assert 2000 * 0.04 < from_small < 2000 * 0.10  # 100 / 1700 of the area: ~5.9%


@pytest.mark.parametrize("high, low, size", [
    ([np.zeros((8, 8, 3), np.uint8)], [], 2),
    ([np.zeros((8, 8, 3), np.uint8)], [np.zeros((3, 2, 3), np.uint8)], 2),
    ([np.zeros((8, 8, 3), np.uint8)], [np.zeros((2, 2, 3), np.uint8)], 3),
])
def test_crops_reject_mismatched_or_small_photos(high, low, size):
    with pytest.raises(ValueError):
        photos.paired_crops(high, low, 2, size, 4, np.random.default_rng(0))
