"""Folders of your own pictures: what is read and how, what is skipped and why, the cache, the runs on them."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from gan_keras.core.errors import UserError
from gan_keras.data import image_folder
from gan_keras.data.image_folder import load_image_folder, prepare_image
from tests.conftest import call_command, run


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Every test's caches in its own folder (`$GAN_KERAS_CACHE`), never the user's."""
    monkeypatch.setenv("GAN_KERAS_CACHE", str(tmp_path / "cache"))


def picture(path, height, width, mode="RGB", seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, channels), dtype=np.uint8)
    Image.fromarray(pixels[..., 0] if mode == "L" else pixels, mode).save(path)
    return pixels


def snapshot(folder):
    """Every file under `folder` with its size and modification time."""
    return sorted((os.path.relpath(os.path.join(where, name), folder), os.stat(os.path.join(where, name)).st_size,
                   os.stat(os.path.join(where, name)).st_mtime_ns)
                  for where, _, names in os.walk(folder) for name in names)


def test_the_centre_square_is_shrunk_by_area_and_transparency_becomes_white(tmp_path):
    pixels = np.arange(4 * 8 * 3, dtype=np.uint8).reshape(4, 8, 3)
    Image.fromarray(pixels, "RGB").save(tmp_path / "wide.png")
    got, grey = prepare_image(str(tmp_path / "wide.png"), 2)
    square = pixels[:, 2:6].astype(np.float64)  # the centred 4x4 of the 4x8 image
    want = square.reshape(2, 2, 2, 2, 3).mean(axis=(1, 3))  # each output pixel: the mean of its 2x2 area
    assert not grey and got.shape == (2, 2, 3)
    assert np.abs(got.astype(int) - want).max() <= 1
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (255, 0, 0, 255)  # opaque red; the rest fully transparent black
    Image.fromarray(rgba, "RGBA").save(tmp_path / "logo.png")
    got, _ = prepare_image(str(tmp_path / "logo.png"), 2)
    np.testing.assert_array_equal(got[0, 0], [255, 0, 0])
    np.testing.assert_array_equal(got[1, 1], [255, 255, 255])


def test_a_flat_folder_reads_every_picture_and_names_each_bad_file(tmp_path, capsys):
    data = tmp_path / "pictures"
    picture(data / "a.png", 20, 30)
    picture(data / "sub" / "b.JPG", 40, 16, seed=1)
    picture(data / "grey.png", 16, 16, "L", seed=2)
    picture(data / "logo.png", 18, 18, "RGBA", seed=3)
    picture(data / "tiny.png", 8, 30, seed=4)
    (data / "empty.png").write_bytes(b"")
    (data / "notes.png").write_text("not a picture")
    png = (tmp_path / "pictures" / "a.png").read_bytes()
    (data / "cut.png").write_bytes(png[:len(png) // 2])
    (data / "readme.txt").write_text("another extension: not looked at")
    os.mkfifo(data / "pipe.png")
    before = snapshot(data)
    folder = load_image_folder(str(data), 16)
    assert folder.images.shape == (4, 16, 16, 3) and folder.images.dtype == np.uint8
    assert folder.names == ["a.png", "grey.png", "logo.png", "sub/b.JPG"]
    reasons = dict(folder.skipped)
    assert reasons["empty.png"] == "empty file"
    assert reasons["notes.png"] == "unreadable: not an image file"
    assert reasons["cut.png"].startswith("unreadable: ")
    assert reasons["tiny.png"] == "too small: 30x8 < 16"
    assert reasons["pipe.png"] == "not a regular file (named pipe)"
    assert len(reasons) == 5
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (f"{data}: 4 images of 16x16x3; skipped 5 (1 empty file, 1 not a regular file, 1 too small, "
                      f"2 unreadable)")
    assert "  empty.png: empty file" in out
    np.testing.assert_array_equal(folder.images[1][..., 0], folder.images[1][..., 2])  # grey stays grey in RGB
    assert snapshot(data) == before  # the user's folder is only read


def test_channels_auto_is_grey_when_every_picture_is_grey(tmp_path):
    picture(tmp_path / "g" / "a.png", 16, 16, "L")
    picture(tmp_path / "g" / "b.png", 20, 16, "L", seed=1)
    assert load_image_folder(str(tmp_path / "g"), 16).images.shape == (2, 16, 16, 1)
    assert load_image_folder(str(tmp_path / "g"), 16, channels=3).images.shape == (2, 16, 16, 3)
    picture(tmp_path / "c" / "a.png", 16, 16)
    assert load_image_folder(str(tmp_path / "c"), 16, channels=1).images.shape == (1, 16, 16, 1)


def test_class_folders_give_labels_in_name_order(tmp_path, capsys):
    for name, count in (("dogs", 2), ("cats", 3)):
        for i in range(count):
            picture(tmp_path / "d" / name / f"{i}.png", 16, 16, seed=i)
    picture(tmp_path / "d" / "loose.png", 16, 16)
    folder = load_image_folder(str(tmp_path / "d"), 16, classes=True)
    assert folder.class_names == ("cats", "dogs")
    assert folder.labels.tolist() == [0, 0, 0, 1, 1]
    assert ("loose.png", "not in a class folder") in folder.skipped
    assert "in 2 classes" in capsys.readouterr().out
    picture(tmp_path / "d" / "empty_class" / "tiny.png", 4, 4)
    with pytest.raises(UserError, match="class folder .*empty_class holds no usable image"):
        load_image_folder(str(tmp_path / "d"), 16, classes=True)


@pytest.mark.parametrize("make, words", [
    (lambda p: p / "missing", "no folder of images at"),
    (lambda p: (p / "f.png").write_bytes(b"x") and p / "f.png", "is a file, not a folder"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "no usable image in"),
])
def test_a_missing_file_or_empty_folder_is_one_line(tmp_path, make, words):
    with pytest.raises(UserError, match=words) as caught:
        load_image_folder(str(make(tmp_path)), 16)
    assert caught.value.exit_code == 1


def test_the_cache_is_reused_and_rebuilt_when_a_file_changes(tmp_path, monkeypatch):
    picture(tmp_path / "p" / "a.png", 16, 16)
    first = load_image_folder(str(tmp_path / "p"), 16)
    assert first.cache.startswith(str(tmp_path / "cache"))
    monkeypatch.setattr(image_folder, "prepare_image", lambda *a: pytest.fail("decoded again"))
    again = load_image_folder(str(tmp_path / "p"), 16)
    assert again.digest == first.digest
    np.testing.assert_array_equal(np.asarray(again.images), np.asarray(first.images))
    monkeypatch.undo()
    monkeypatch.setenv("GAN_KERAS_CACHE", str(tmp_path / "cache"))
    picture(tmp_path / "p" / "a.png", 16, 16, seed=9)  # same name, new pixels and time
    os.utime(tmp_path / "p" / "a.png", ns=(1, 1))
    changed = load_image_folder(str(tmp_path / "p"), 16)
    assert changed.digest != first.digest and changed.cache == first.cache
    assert not np.array_equal(np.asarray(changed.images), np.asarray(first.images))


def test_sizes_outside_the_list_are_refused():
    with pytest.raises(UserError, match="--image-size must be one of 16, 20") as caught:
        load_image_folder(".", 30)
    assert caught.value.exit_code == 2


# --- runs on folders ----------------------------------------------------------------------------------------


def colour_folder(root, n=12):
    for i in range(n):
        picture(root / f"{i:02d}.png", 18 + i, 16 + i, seed=i)
    return root


def test_a_dcgan_trains_on_a_folder_samples_in_a_fresh_process_and_refuses_a_changed_folder(tmp_path, capsys):
    data, out = colour_folder(tmp_path / "pictures"), tmp_path / "run"
    flags = ["train", "dcgan", "--dataset", "folder", "--data-dir", data, "--image-size", 16, "--batch-size", 4,
             "--latent-dim", 8, "--output-dir", out, "--no-progress", "--save-interval", 2]
    assert call_command(*flags, "--steps", 2) == 0
    report = (out / "report.md").read_text()
    assert "## Training pictures" in report and "12 images of 16x16x3" in report
    result = run(["sample", "--generator", str(out / "generator.keras"), "--n", "4", "--out", str(tmp_path / "s.npz")])
    assert result.returncode == 0, result.stderr
    assert np.load(tmp_path / "s.npz")["images"].shape == (4, 16, 16, 3)
    capsys.readouterr()
    picture(data / "new.png", 16, 16, seed=99)
    assert call_command(*flags, "--steps", 4, "--resume") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"the pictures in {data} changed since" in err[0]
    os.unlink(data / "new.png")
    assert call_command(*flags, "--steps", 4, "--resume") == 0  # the folder as it was: resumed
    assert "Resuming from step 2" in capsys.readouterr().out


@pytest.mark.parametrize("argv, words", [
    (["--dataset", "folder"], "--dataset folder needs --data-dir"),
    (["--image-size", "32"], "--image-size needs --dataset folder"),
    (["--dataset", "folder", "--image-size", "30"], "--image-size must be one of"),
])
def test_folder_flags_are_checked_in_one_line(tmp_path, argv, words, capsys):
    assert call_command("train", "dcgan", *argv, "--output-dir", tmp_path / "run", "--steps", 1) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0]
    assert not (tmp_path / "run").exists()


def test_a_cgan_trains_on_class_folders_and_samples_a_class_by_name_in_a_fresh_process(tmp_path, capsys):
    for k, name in enumerate(("circles", "squares", "stripes")):
        for i in range(4):
            picture(tmp_path / "classes" / name / f"{i}.png", 16, 16, seed=10 * k + i)
    out = tmp_path / "run"
    assert call_command("train", "cgan", "--dataset", "folder", "--data-dir", tmp_path / "classes", "--image-size", 16,
                        "--batch-size", 4, "--latent-dim", 8, "--steps", 2, "--output-dir", out,
                        "--no-progress") == 0
    report = (out / "report.md").read_text()
    assert "class acc." in report and "| 2 stripes |" in report and (out / "nearest.png").exists()
    info = (out / "generator.json").read_text()
    assert '"class_names": ["circles", "squares", "stripes"]' in info and '"num_classes": 3' in info
    result = run(["sample", "--generator", str(out / "generator.keras"), "--label", "stripes", "--n", "3",
                  "--out", str(tmp_path / "s.npz")])
    assert result.returncode == 0, result.stderr
    samples = np.load(tmp_path / "s.npz")
    assert samples["images"].shape == (3, 16, 16, 3) and samples["labels"].tolist() == [2, 2, 2]
    capsys.readouterr()
    assert call_command("sample", "--generator", out / "generator.keras", "--label", "dogs", "--out",
                        tmp_path / "x.png") == 1
    err = capsys.readouterr().err
    assert "--label 'dogs' is not a class of this generator: 0 circles, 1 squares, 2 stripes" in err
    assert call_command("sample", "--generator", out / "generator.keras", "--n", 7, "--out", tmp_path / "g.png") == 0
    assert "9 samples" in capsys.readouterr().out and (tmp_path / "g.png").exists()  # rows: circles, squares, stripes
    assert call_command("evaluate", "--generator", out / "generator.keras", "--folder", tmp_path / "classes",
                        "--n", 10, "--json", tmp_path / "e.json", "--nearest", tmp_path / "nearest.png") == 0
    scores = json.loads((tmp_path / "e.json").read_text())
    assert scores["features"].startswith("random-conv") and len(scores["rows"]) == 2
    assert 0 <= scores["rows"][1]["class_accuracy"] <= 1 and len(scores["memorisation"]["sample_distances"]) == 6
    assert Image.open(tmp_path / "nearest.png").size == (6 * (32 + 2) - 2,) * 2  # 6 samples, each + 5 nearest
    assert call_command("train", "cgan", "--dataset", "folder", "--data-dir", tmp_path / "classes" / "circles",
                        "--image-size", 16, "--output-dir", tmp_path / "one", "--steps", 1) == 1
    assert "has no class folders" in capsys.readouterr().err


def test_the_emoji_folder_has_one_class_folder_per_group_of_rgba_pictures(tmp_path, capsys):
    from gan_keras.data import emoji

    everything = emoji.read_emoji_list()
    assert len(everything) == 3655 and len({e.group for e in everything}) == 9
    assert "Component" not in {e.group for e in everything}
    counts = emoji.write_emoji_folder(str(tmp_path / "emoji"), limit=2)
    assert sorted(counts) == ["activities", "animals_nature", "flags", "food_drink", "objects", "people_body",
                              "smileys_emotion", "symbols", "travel_places"]
    assert set(counts.values()) == {2}
    first = Image.open(tmp_path / "emoji" / "smileys_emotion" / "0000_grinning_face.png")
    assert first.mode == "RGBA" and first.size == (136, 128)
    pixels = np.asarray(first)
    assert pixels[0, 0, 3] == 0 and pixels[64, 68, 3] == 255  # transparent corner, opaque face
    folder = load_image_folder(str(tmp_path / "emoji"), 32, classes=True)
    assert folder.images.shape == (18, 32, 32, 3) and len(folder.class_names) == 9


class CountingRows(np.ndarray):
    """An array that records the rows read from it (as the memory-mapped cache would be read)."""

    def __getitem__(self, key):
        if isinstance(key, np.ndarray) and key.dtype.kind in "iu" and self.ndim == 4:
            self.read.update(int(k) for k in key)
        return np.asarray(self).__getitem__(key)


def test_two_processes_read_disjoint_rows_of_each_batch_and_together_the_whole_batch():
    from gan_keras.data.sources import ArraySource

    images = np.arange(40 * 2 * 2 * 3, dtype=np.uint8).reshape(40, 2, 2, 3).view(CountingRows)
    images.read = set()
    source = ArraySource(images, batch_size=8, seed=3)
    whole, _ = ArraySource(np.asarray(images), batch_size=8, seed=3).batch(5)
    read = []
    for positions in (slice(0, 4), slice(4, 8)):  # process 0's devices, process 1's
        images.read = set()
        own, _ = source.own_rows(positions).batch(5)
        other = slice(4, 8) if positions.start == 0 else slice(0, 4)
        assert np.array_equal(own[positions], whole[positions]) and np.all(own[other] == -1)  # blank, never read
        read.append(images.read)
    assert read[0] and read[1] and not read[0] & read[1]
    assert read[0] | read[1] == set(source.rows(5).tolist())


def test_a_run_of_many_short_epochs_saves_at_most_50_grids_and_checkpoints_by_default():
    from gan_keras.runs.config import RunConfig

    config = RunConfig(output_dir="x", steps=3000)
    assert config.default_interval(7, 3000) == 60  # a folder of 450 pictures at batch 64: every 60 steps
    assert config.default_interval(1875, 18750) == 1875  # Fashion-MNIST, 10 epochs: once per epoch, as always
