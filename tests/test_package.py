"""The installed package: the `gan-keras` command, configs as data, the generator artifact, atomic files."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from gan_keras.core.noise import balanced_labels
from gan_keras.sampling import artifact
from gan_keras.cli import flags
from gan_keras.core import fileio
from gan_keras.core.config import ConfigError
from gan_keras.runs.config import RunConfig
from gan_keras.core.errors import UserError
from gan_keras.recipes import RECIPES, DCGANConfig, MLPConfig
from tests.conftest import ROOT, assert_one_line_error, call_command, run


def test_import_works_from_another_folder(tmp_path):
    code = "import gan_keras; print(gan_keras.build_generator(8).output_shape)"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=""), timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("(None, 28, 28, 1)")


def test_gan_keras_help_lists_every_command_and_gan():
    result = run(["--help"])
    assert result.returncode == 0, result.stderr
    for name in ("train", "sample", "evaluate", "sanity-table", "train-classifier", "benchmark"):
        assert name in result.stdout
    result = run(["train", "--help"])
    assert all(key in result.stdout for key in RECIPES)


@pytest.mark.parametrize("key", list(RECIPES))
def test_each_train_command_shows_its_flags_and_defaults(key):
    result = run(["train", key, "--help"])
    assert result.returncode == 0, result.stderr
    recipe = RECIPES[key]
    default = recipe.steps if recipe.steps else recipe.epochs
    assert f"(default {default})" in result.stdout
    assert "--resume" in result.stdout and "--seed" in result.stdout and "--deterministic" in result.stdout
    assert ("--eval-interval" in result.stdout) == recipe.evaluable
    assert ("--ema" in result.stdout) == ("--keep-generators" in result.stdout) == recipe.images
    assert ("--data-dir" in result.stdout) == (recipe.load is not None)


def test_no_script_edits_sys_path_and_each_is_thin():
    for folder in ("scripts", "benchmarks"):
        for name in os.listdir(os.path.join(ROOT, folder)):
            if name.endswith(".py"):
                text = open(os.path.join(ROOT, folder, name)).read()
                assert "sys.path" not in text, name
                assert len(text.splitlines()) <= 15, name


def test_configs_check_every_field_and_name_the_flag():
    with pytest.raises(ConfigError, match="--batch-size must be a positive integer, got 0"):
        RunConfig(batch_size=0)
    with pytest.raises(ConfigError, match="--seed must be an integer in 0..4294967295, got -1"):
        RunConfig(seed=-1)
    with pytest.raises(ConfigError, match="--seed"):
        RunConfig(seed=2**32)
    with pytest.raises(ConfigError, match="--discriminator-norm must be one of batch, moving"):
        DCGANConfig(discriminator_norm="frozen")
    with pytest.raises(ConfigError, match="--latent-dim must be at most"):
        DCGANConfig(latent_dim=10**9)
    with pytest.raises(ConfigError, match="--label must be a class label"):
        MLPConfig(label=10)
    with pytest.raises(ConfigError, match="--no-eval excludes --eval-interval"):
        RunConfig(evaluate=False, eval_interval=5)
    assert DCGANConfig().to_json() == {"image_size": None, "channels": "auto", "augment": None, "latent_dim": 100,
                                       "discriminator_norm": "batch", "dataset": "fashion_mnist",
                                       "architecture": "book"}
    assert DCGANConfig(latent_dim=64).differences({"latent_dim": 100, "discriminator_norm": "batch"}) == [
        ("latent_dim", 100, 64)]
    assert RunConfig(steps=7).total_steps(100) == 7 and RunConfig(epochs=3).total_steps(100) == 300


@pytest.mark.parametrize("args, words", [
    (["train", "dcgan", "--seed", "-1"], ["--seed", "0..4294967295"]),
    (["train", "cgan", "--seed", str(2**32)], ["--seed"]),
    (["train", "mlp", "--label", "12"], ["--label", "0..9"]),
    (["train", "dcgan", "--latent-dim", "100000000"], ["--latent-dim", "at most"]),
    (["train", "gaussian", "--target-std", "inf"], ["--target-std", "positive"]),
    (["train", "cgan", "--eval-n", "5", "--output-dir", "o"], ["--eval-n", "10..10000"]),
    (["sample", "--generator", "g.keras", "--out", "x.jpg"], ["--out", ".npz"]),
    (["sample", "--generator", "g.keras", "--out", "x.png", "--seed", "-3"], ["--seed"]),
    (["sample", "--generator", "g.keras", "--out", "x.npz", "--n", "100000000"], ["--n", "at most"]),
])
def test_bad_values_exit_2_with_one_line(tmp_path, args, words):
    assert_one_line_error(run(args, cwd=tmp_path), 2, *words)


def test_generator_artifact_round_trip_and_npz_samples(tmp_path):
    from gan_keras.recipes.build.cgan import build_cgan

    gan = build_cgan(8, jit_compile=False)
    path = str(tmp_path / "g.keras")
    artifact.save_gan_generator(path, gan)
    loaded = artifact.load_generator(path)
    assert loaded.info == artifact.info_of(gan)
    assert loaded.info.num_classes == 10 and loaded.info.image_shape == (28, 28, 1)
    assert call_command("sample", "--generator", path, "--out", tmp_path / "s.npz", "--n", 25) == 0
    arrays = np.load(tmp_path / "s.npz")
    assert arrays["images"].dtype == np.uint8 and arrays["images"].shape == (25, 28, 28, 1)
    assert set(np.bincount(arrays["labels"])) == {2, 3}  # balanced, in blocks (one grid row per class)
    assert list(arrays["labels"]) == sorted(arrays["labels"])
    images, labels = loaded.sample(25, np.random.default_rng(0), label=7)
    assert images.min() >= -1 and images.max() <= 1 and set(labels) == {7}


@pytest.mark.parametrize("edit, words", [
    ({"noise": "cauchy"}, "noise must be one of normal, uniform"),
    ({"pixel_range": [1, 1]}, "pixel_range must be two finite numbers"),
    ({"pixel_range": "wide"}, "pixel_range"),
    ({"num_classes": "ten"}, "num_classes must be a positive integer"),
    ({"latent_dim": 8.5}, "latent_dim"),
    ({"colour": "red"}, "unknown field(s) colour"),
])
def test_hand_edited_generator_info_is_refused_in_one_line(tmp_path, edit, words):
    from gan_keras.recipes.build.mlp import build_mlp_gan

    path = str(tmp_path / "g.keras")
    artifact.save_gan_generator(path, build_mlp_gan(4, jit_compile=False))
    sidecar = tmp_path / "g.json"
    sidecar.write_text(json.dumps({**json.loads(sidecar.read_text()), **edit}))
    with pytest.raises(UserError, match="g.json") as error:
        artifact.load_generator(path)
    assert words in str(error.value)


def test_one_dimensional_generator_samples_to_npz_not_png(tmp_path):
    from gan_keras.recipes.build.gaussian import build_gaussian_gan

    path = str(tmp_path / "g.keras")
    artifact.save_gan_generator(path, build_gaussian_gan(4.0, 1.25, jit_compile=False))
    assert call_command("sample", "--generator", path, "--out", tmp_path / "s.png") == 2
    assert not (tmp_path / "s.png").exists()
    assert call_command("sample", "--generator", path, "--out", tmp_path / "s.npz", "--n", 50) == 0
    assert np.load(tmp_path / "s.npz")["samples"].shape == (50, 1)


def test_balanced_labels():
    np.testing.assert_array_equal(balanced_labels(6, 3), [0, 1, 2, 0, 1, 2])
    np.testing.assert_array_equal(balanced_labels(6, 3, "blocks"), [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(balanced_labels(4, [5, 9]), [5, 9, 5, 9])


def test_atomic_write_keeps_the_old_file_on_failure_and_leaves_no_temp(tmp_path):
    path = tmp_path / "f.txt"
    fileio.write_text(str(path), "old")
    with pytest.raises(RuntimeError):
        with fileio.atomic_write(str(path)) as f:
            f.write("half")
            raise RuntimeError("crash")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_atomic_write_replaces_a_planted_link_instead_of_following_it(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "report.md").symlink_to(outside)
    fileio.write_text(str(run_dir / "report.md"), "new")
    assert outside.read_text() == "precious"
    assert not (run_dir / "report.md").is_symlink() and (run_dir / "report.md").read_text() == "new"


def test_flags_are_generated_from_the_config_fields():
    parser = flags.ArgumentParser()
    flags.add_config_flags(parser, DCGANConfig, defaults={"latent_dim": 64})
    args = parser.parse_args(["--discriminator-norm", "moving"])
    assert flags.config_from_args(DCGANConfig, args) == DCGANConfig(latent_dim=64, discriminator_norm="moving")
