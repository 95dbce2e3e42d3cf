"""`gan-keras train srgan --dataset folder`: your own photographs, held-out ones from --test-dir."""

import json
import os

import numpy as np
from PIL import Image

from tests.conftest import call_command


def _photo(path, height, width, seed):
    rng = np.random.default_rng(seed)
    smooth = np.kron(rng.integers(0, 256, (height // 8 + 1, width // 8 + 1, 3)), np.ones((8, 8, 1)))
    Image.fromarray(smooth[:height, :width].astype(np.uint8)).save(path)


def test_a_folder_of_photos_trains_both_phases_and_scores_the_test_folder(tmp_path, capsys):
    train, test = tmp_path / "mine", tmp_path / "held_out"
    os.makedirs(train / "trip")
    os.makedirs(test)
    _photo(train / "a.png", 120, 100, 0)
    _photo(train / "trip" / "b.JPG", 64, 130, 1)
    _photo(train / "tiny.png", 40, 40, 2)  # smaller than a 48-pixel crop: skipped
    (train / "notes.png").write_text("not an image")  # unreadable: skipped
    _photo(test / "c.png", 62, 70, 3)  # cropped to 60 x 68 (multiples of 4)
    out = tmp_path / "run"
    status = call_command("train", "srgan", "--dataset", "folder", "--data-dir", train, "--test-dir", test,
                          "--size", "cpu", "--crops", "8", "--batch-size", "4", "--steps", "2", "--gan-steps", "1",
                          "--output-dir", out, "--no-progress")
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert "2 photos" in printed and "skipped 2" in printed and "1 unreadable" in printed and "1 too small" in printed
    with open(out / "test_metrics.json") as f:
        rows = {row["name"]: row for row in json.load(f)["rows"]}
    assert set(rows) == {"bicubic (PIL)", "srresnet (step 2)", "srgan (step 1)"}
    assert all(row["n"] == 1 and np.isfinite(row["psnr"]) and row["sharpness"] > 0 for row in rows.values())
    with Image.open(out / "srgan" / "test_outputs" / "c.png") as upscaled:
        assert upscaled.size == (68, 60)
    with open(out / "srgan" / "history.csv") as f:
        assert len(f.read().strip().splitlines()) == 2  # header + the one SRGAN step (--gan-steps 1)


def test_a_folder_without_usable_photos_is_one_line(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    status = call_command("train", "srgan", "--dataset", "folder", "--data-dir", tmp_path / "empty", "--steps", "2",
                          "--output-dir", tmp_path / "run")
    err = capsys.readouterr().err.strip()
    assert status == 1 and len(err.splitlines()) == 1 and "empty" in err
    assert not (tmp_path / "run").exists()  # checked writable at the start, never made
