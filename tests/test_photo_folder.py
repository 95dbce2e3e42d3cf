"""A folder of your own photos: what is read, what is skipped and why, and the folders that are refused."""

import numpy as np
import pytest
from PIL import Image

from gan_keras.core.errors import UserError
from gan_keras.data.photo_folder import find_photos, load_folder


def photo(path, height, width, mode="RGB"):
    path.parent.mkdir(parents=True, exist_ok=True)
    channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
    pixels = np.random.default_rng(height * width).integers(0, 256, (height, width, channels), dtype=np.uint8)
    lossless = {"quality": 100, "subsampling": 0} if path.suffix.lower() in (".jpg", ".jpeg") else {}
    Image.fromarray(pixels[..., 0] if mode == "L" else pixels, mode).save(path, **lossless)
    return pixels


def test_good_photos_are_read_and_the_rest_skipped_with_reasons(tmp_path, capsys):
    grey = photo(tmp_path / "b" / "grey.PNG", 40, 50, "L")
    colour = photo(tmp_path / "a.JPEG", 64, 48)
    (tmp_path / "b" / "broken.png").write_bytes(b"not a png")
    photo(tmp_path / "tiny.jpg", 30, 20)
    (tmp_path / "notes.txt").write_text("not a photo, not looked at")
    folder = load_folder(str(tmp_path), min_size=32)
    assert folder.names == ["a.JPEG", "b/grey.PNG"]
    assert [p.shape for p in folder.photos] == [(64, 48, 3), (40, 50, 3)]
    assert all(p.dtype == np.uint8 for p in folder.photos)
    np.testing.assert_array_equal(folder.photos[1], np.repeat(grey, 3, axis=-1))
    assert np.abs(folder.photos[0].astype(int) - colour).mean() < 3  # JPEG at quality 100
    assert [name for name, _ in folder.skipped] == ["b/broken.png", "tiny.jpg"]
    assert folder.skipped[0][1] == "unreadable: not an image file"
    assert folder.skipped[1][1] == "too small: 20x30 < 32"
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{tmp_path}: 2 photos (0.0 megapixels); skipped 2 (1 unreadable, 1 too small)",
                     "  b/broken.png: unreadable: not an image file", "  tiny.jpg: too small: 20x30 < 32"]
    assert folder.megapixels == pytest.approx((64 * 48 + 40 * 50) / 1e6)


def test_at_most_ten_skipped_files_are_listed(tmp_path, capsys):
    photo(tmp_path / "good.png", 8, 8)
    for i in range(12):
        (tmp_path / f"bad{i:02d}.png").write_bytes(b"")
    folder = load_folder(str(tmp_path), min_size=8)
    assert len(folder.photos) == 1 and len(folder.skipped) == 12
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 12 and lines[-1] == "  ... and 2 more"


def test_find_photos_is_recursive_case_insensitive_and_sorted(tmp_path):
    for name in ("z.png", "A/b.JPG", "A/a.jpeg", "c.gif", "d.Png"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    assert find_photos(str(tmp_path)).files == ["A/a.jpeg", "A/b.JPG", "d.Png", "z.png"]


@pytest.mark.parametrize("make, words", [
    (lambda p: p / "missing", ["no folder of training photos", "create it"]),
    (lambda p: (p / "file.jpg").write_bytes(b"x") and p / "file.jpg", ["is a file, not a folder"]),
    (lambda p: p, ["holds no .jpg, .jpeg or .png file"]),
])
def test_missing_file_or_empty_folders_are_one_line_errors(tmp_path, make, words):
    with pytest.raises(UserError) as caught:
        load_folder(str(make(tmp_path)), min_size=16)
    assert caught.value.exit_code == 1 and "\n" not in str(caught.value)
    assert all(word in str(caught.value) for word in words)


def test_a_folder_with_no_usable_photo_says_why(tmp_path, capsys):
    photo(tmp_path / "small.png", 10, 12)
    with pytest.raises(UserError, match=r"no usable test photo in .*small.png: too small: 12x10 < 16.*16x16"):
        load_folder(str(tmp_path), min_size=16, role="test")
    assert "1 too small" in capsys.readouterr().out


def test_min_size_must_be_a_positive_integer(tmp_path):
    with pytest.raises(ValueError, match="min_size"):
        load_folder(str(tmp_path), min_size=0)
