"""The scripts as a user runs them: exit codes, one-line errors, real outputs."""

import os

import pytest

from gan_keras.recipes import RECIPES
from tests.conftest import ROOT, assert_one_line_error, call_command, run

TRAIN = os.path.join(ROOT, "scripts", "train_fashion.py")
SAMPLE = os.path.join(ROOT, "scripts", "sample.py")


@pytest.mark.parametrize("args, words", [
    (["--epochs", "0"], ["--epochs", "positive"]),
    (["--steps", "abc"], ["--steps"]),
    (["--batch-size", "-4"], ["--batch-size"]),
    (["--save-interval", "1.5"], ["--save-interval"]),
    (["--steps", "3", "--epochs", "2"], ["not allowed"]),
    (["--resume", "--overwrite"], ["not allowed"]),
    (["--no-eval", "--eval-interval", "5"], ["--no-eval"]),
    (["--no-such-flag"], ["unrecognized"]),
])
def test_bad_flags_exit_2_with_one_line(args, words):
    assert_one_line_error(run(TRAIN, *args), 2, *words)


def test_batch_larger_than_the_data(tiny_fashion_dir, tmp_path):
    result = run(TRAIN, "--data-dir", tiny_fashion_dir, "--batch-size", 65, "--output-dir", tmp_path / "o")
    assert_one_line_error(result, 2, "64 training images")


def test_output_dir_that_is_a_file(tiny_fashion_dir, tmp_path):
    (tmp_path / "file").write_text("x")
    assert_one_line_error(run(TRAIN, "--data-dir", tiny_fashion_dir, "--output-dir", tmp_path / "file"), 1,
                          "not a directory")


def test_missing_and_corrupt_data(tmp_path, tiny_fashion_dir):
    assert_one_line_error(run(TRAIN, "--data-dir", tmp_path / "nowhere", "--output-dir", tmp_path / "o"), 1,
                          "nowhere")
    path = tiny_fashion_dir / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100])
    assert_one_line_error(run(TRAIN, "--data-dir", tiny_fashion_dir, "--output-dir", tmp_path / "o"), 1,
                          "train-images-idx3-ubyte.gz")


def test_train_then_sample_end_to_end(tiny_fashion_dir, tmp_path, capsys):
    out = tmp_path / "run"
    result = run(TRAIN, "--data-dir", tiny_fashion_dir, "--steps", 2, "--batch-size", 8, "--latent-dim", 8,
                 "--output-dir", out, "--no-progress", "--no-eval")
    assert result.returncode == 0, result.stderr
    assert "device: CPU" in result.stdout
    for name in ("history.csv", "losses.png", "checkpoint.npz", "generator.keras", "samples/step_0000002.png"):
        assert (out / name).exists(), name
    grid = tmp_path / "grid.png"
    result = run(SAMPLE, "--generator", out / "generator.keras", "--out", grid, "--n", 16, "--seed", 3)
    assert result.returncode == 0, result.stderr
    assert grid.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The refusals, in this process (the scripts' one-line errors in a fresh process: tests/test_faults*.py).
    def refused(code, argv, *words):
        capsys.readouterr()
        assert call_command(*argv) == code
        lines = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
        assert len(lines) == 1 and all(word in lines[0] for word in words), lines

    train = ("train", "dcgan", "--data-dir", tiny_fashion_dir, "--output-dir", out, "--no-progress", "--no-eval")
    refused(2, (*train, "--steps", 2), "--resume")
    refused(1, (*train, "--steps", 3, "--batch-size", 8, "--latent-dim", 16, "--resume"), "latent_dim")
    refused(1, ("sample", "--generator", tmp_path / "none.keras", "--out", grid), "none.keras")
    (tmp_path / "broken.keras").write_bytes(b"zip? no")
    refused(1, ("sample", "--generator", tmp_path / "broken.keras", "--out", grid), "broken.keras")
    refused(1, ("sample", "--generator", out / "generator.keras", "--out", grid, "--label", 3), "conditional")


def test_deterministic_runs_in_two_processes_write_the_same_history(tiny_fashion_dir, tmp_path):
    histories = []
    for name in ("a", "b"):
        result = run(TRAIN, "--data-dir", tiny_fashion_dir, "--steps", 3, "--batch-size", 8, "--latent-dim", 8,
                     "--output-dir", tmp_path / name, "--no-progress", "--no-eval", "--deterministic", "--seed", 4)
        assert result.returncode == 0, result.stderr
        histories.append((tmp_path / name / "history.csv").read_text())
    assert histories[0] == histories[1]
    assert len(histories[0].splitlines()) == 4


@pytest.mark.parametrize("command", [["train", name] for name in sorted(RECIPES)]
                         + [["launch"], ["sample"], ["evaluate"], ["upscale"], ["translate"], ["compare"],
                            ["animate"], ["emoji"]])
def test_every_command_s_help_is_shown(command):
    from gan_keras.cli import build_parser

    with pytest.raises(SystemExit) as ended:
        build_parser().parse_args([*command, "--help"])
    assert ended.value.code == 0
