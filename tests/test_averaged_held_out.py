"""The averaged generator (`--ema`) of every image GAN: its flags, its held-out row, a phased run resumed."""

import json

import numpy as np
import pytest

from tests.conftest import call_command, tiny_run_args


def parse_train(*argv):
    from gan_keras.cli import build_parser
    from gan_keras.cli.commands.train import configs_from_args
    from gan_keras.recipes import RECIPES

    args = build_parser().parse_args(["train", *argv])
    return configs_from_args(args, RECIPES[argv[0]])[2]


@pytest.mark.parametrize("name", ["stackgan", "pix2pix", "srgan"])
def test_image_gans_scored_at_the_end_take_ema_and_keep_generators(name):
    config = parse_train(name, "--ema", "0.99", "--keep-generators", "5")
    assert config.ema == 0.99 and config.keep_generators == "5"


def test_the_gaussian_gan_draws_no_images_and_refuses_ema(capsys):
    from gan_keras.recipes import RECIPES

    assert not RECIPES["gaussian"].images and all(r.images for k, r in RECIPES.items() if k != "gaussian")
    for flag in ("--ema", "--keep-generators"):
        with pytest.raises(SystemExit) as stopped:
            parse_train("gaussian", flag, "2")
        assert stopped.value.code == 2 and f"unrecognized arguments: {flag}" in capsys.readouterr().err


def rows_of(path):
    return {row.pop("name"): row for row in json.loads(path.read_text())["rows"]}


def test_translation_scores_the_averaged_generator_beside_the_generator(tmp_path, tiny_fashion_dir):
    out = tmp_path / "pix2pix"
    assert call_command(*tiny_run_args("pix2pix", out, tiny_fashion_dir, "--ema", "0.9")) == 0
    rows = rows_of(out / "test_metrics.json")
    assert list(rows)[-2:] == ["pix2pix (step 2)", "pix2pix, averaged generator (step 2)"]
    assert rows["pix2pix (step 2)"] != rows["pix2pix, averaged generator (step 2)"]  # two generators, two scores
    arrays = np.load(out / "test_outputs.npz")
    assert arrays["ema_outputs"].shape == arrays["outputs"].shape and arrays["ema_outputs"].dtype == np.uint8
    assert "pix2pix, averaged generator (step 2)" in (out / "report.md").read_text()


def test_averaged_stackgan_scores_both_stages_on_the_raw_stage1(tiny_runs):
    # The session's tiny StackGAN run keeps the averaged generator (StackGAN's default --ema 0.999); its
    # Ctrl-C and exact --resume are tests/test_stackgan.py's.
    from gan_keras.sampling import model_file

    root, _ = tiny_runs
    full = root / "stackgan"
    stage1 = "Stage-I, enlarged (bicubic), averaged generator (step 2)"
    stage2 = "Stage-II, averaged generator (step 2)"
    assert stage1 in rows_of(full / "stage1" / "test_metrics.json")
    assert list(rows_of(full / "stage2" / "test_metrics.json"))[-2:] == ["Stage-II (step 2)", stage2]
    assert {stage1, stage2} <= set(rows_of(full / "test_metrics.json"))  # the combined report of both stages
    assert stage2 in (full / "report.md").read_text()
    # Stage-II froze Stage-I's raw generator, not its average (which scored worse at Stage-I: README, StackGAN).
    stage2_model = model_file.load_model(str(full / "stage2" / "generator.keras")).get_layer("stage2_generator")
    frozen = stage2_model.get_layer("stage1_generator")
    for name, same in (("generator.keras", True), ("ema_generator.keras", False)):
        stage1_model = model_file.load_model(str(full / "stage1" / name)).get_layer("stage1_generator")
        equal = all(np.array_equal(a, b) for a, b in zip(frozen.get_weights(), stage1_model.get_weights()))
        assert equal == same, name
