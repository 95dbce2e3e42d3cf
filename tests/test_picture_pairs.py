"""pix2pix on your own picture pairs: DIR/A and DIR/B by file name, side-by-side AB images, the runs on them."""

import numpy as np
import pytest
from PIL import Image

from gan_keras.core.errors import UserError
from gan_keras.data.paired_folder import load_paired_folder
from gan_keras.models.pix2pix import build_unet_generator, unet_depth
from tests.conftest import call_command, run
from tests.test_image_folder import picture, private_cache, snapshot  # noqa: F401 (the fixture)


def test_a_and_b_pair_by_name_up_to_the_extension_and_name_every_file_left_out(tmp_path, capsys):
    root = tmp_path / "pairs"
    for i in range(3):
        picture(root / "A" / f"{i}.png", 16, 16, seed=i)
        picture(root / "B" / f"{i}.jpg", 20, 20, seed=10 + i)
    picture(root / "A" / "lonely.png", 16, 16)
    (root / "B" / "2b.png").write_bytes(b"")
    picture(root / "A" / "broken.png", 16, 16)
    (root / "B" / "broken.png").write_bytes(b"not a picture")
    before = snapshot(root)
    pairs = load_paired_folder(str(root), 16)
    assert pairs.layout == "A/B" and pairs.names == ["0.png", "1.png", "2.png"]
    assert pairs.inputs.shape == pairs.targets.shape == (3, 16, 16, 3)
    reasons = dict(pairs.skipped)
    assert reasons["A/lonely.png"] == "no picture of that name in B"
    assert reasons["A/broken.png"] == "its partner in B was skipped"
    assert reasons["B/broken.png"].startswith("unreadable") and reasons["B/2b.png"] == "empty file"
    out = capsys.readouterr().out
    assert "3 pairs (A/B) of 16x16" in out and "A/lonely.png: no picture of that name in B" in out
    swapped = load_paired_folder(str(root), 16, direction="BtoA")
    assert np.array_equal(swapped.inputs, pairs.targets) and np.array_equal(swapped.targets, pairs.inputs)
    assert snapshot(root) == before  # only read


def test_ab_images_are_split_into_their_left_and_right_halves(tmp_path):
    root = tmp_path / "facades"
    left = np.zeros((16, 16, 3), np.uint8)
    right = np.full((16, 16, 3), 255, np.uint8)
    root.mkdir()
    Image.fromarray(np.concatenate([left, right], axis=1)).save(root / "1.png")
    Image.fromarray(np.concatenate([right, left], axis=1)).save(root / "2.png")
    Image.fromarray(np.zeros((8, 40, 3), np.uint8)).save(root / "thin.png")
    pairs = load_paired_folder(str(root), 16)
    assert pairs.layout == "AB" and pairs.inputs.shape == (2, 16, 16, 3)
    assert pairs.inputs[0].max() == 0 and pairs.targets[0].min() == 255
    assert pairs.inputs[1].min() == 255 and pairs.targets[1].max() == 0
    assert dict(pairs.skipped)["thin.png"].startswith("too small: 40x8 < 32x16")


def test_a_folder_without_a_single_pair_is_one_line(tmp_path):
    for side in ("A", "B"):
        picture(tmp_path / "p" / side / f"{side}.png", 16, 16)
    with pytest.raises(UserError, match="no pair in .*A/ and B/ need pictures of the same name"):
        load_paired_folder(str(tmp_path / "p"), 16)


@pytest.mark.parametrize("size, depth", [(16, 3), (28, 3), (32, 3), (64, 4), (128, 5)])
def test_the_u_net_gets_one_block_per_doubling_and_maps_grey_to_colour(size, depth):
    assert unet_depth(size) == depth
    if size <= 64:
        model = build_unet_generator((size, size, 1), filters=4, output_channels=3)
        assert model.output_shape == (None, size, size, 3)
        assert sum(layer.name.startswith("down") and layer.name.endswith("_conv") for layer in model.layers) \
            == depth - 1


def test_pix2pix_trains_on_ab_pictures_scores_them_and_samples_in_a_fresh_process(tmp_path, capsys):
    root = tmp_path / "ab"
    for i in range(12):
        picture(root / f"{i:02d}.jpg", 16, 32, seed=i)
    out = tmp_path / "run"
    assert call_command("train", "pix2pix", "--dataset", "folder", "--data-dir", root, "--image-size", 16,
                        "--batch-size", 4, "--filters", 4, "--steps", 2, "--output-dir", out, "--no-progress") == 0
    report = (out / "report.md").read_text()
    assert "12 pairs (AB) of 16x16" in report and "## Held-out test: 1 pair\n" in report
    assert "the inputs themselves" in report and "random-conv" in (out / "test_metrics.json").read_text()
    picture(tmp_path / "photo.png", 40, 48, seed=5)
    result = run(["translate", "--generator", str(out / "generator.keras"), "--input", str(tmp_path / "photo.png"),
                  "--out", str(tmp_path / "out.png")])
    assert result.returncode == 0, result.stderr
    assert "centre square shrunk to 16x16" in result.stdout
    assert np.asarray(Image.open(tmp_path / "out.png")).shape[:2] == (16, 16)
    capsys.readouterr()
    assert call_command("train", "pix2pix", "--direction", "BtoA", "--output-dir", tmp_path / "x", "--steps", 1) == 2
    assert "--direction needs --dataset folder" in capsys.readouterr().err
