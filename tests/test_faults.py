"""Fault injection: what is on disk after NaNs, a second run, SIGKILL, damaged histories, a full disk, bad input."""

import errno
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from gan_keras.training import callbacks as cb
from gan_keras.training import checkpoint
from gan_keras.runs.config import RunConfig
from gan_keras.core.errors import NonFiniteError, UserError
from gan_keras.runs.run import run_training
from gan_keras.core.fileio import TEMP_PREFIX
from gan_keras.recipes.build.mlp import build_mlp_gan
from gan_keras.recipes import MLPConfig
from gan_keras.runs.folder import RunFolder, RunFolderError
from gan_keras.data.sources import ArraySource
from gan_keras.training.loop import Callback
from tests.conftest import assert_one_line_error, call_command, run

LATENT = 4


class PoisonedSource(ArraySource):
    """Real batches, except batch `bad_index`, which is all NaN (a corrupt input batch)."""

    def __init__(self, images, bad_index, **kwargs):
        super().__init__(images, **kwargs)
        self.bad_index = bad_index

    def batch(self, index):
        images, labels = super().batch(index)
        return (np.full_like(images, np.nan) if index == self.bad_index else images), labels


def mlp_run(output_dir, steps, source=None, callbacks=(), **overrides):
    settings = dict(output_dir=str(output_dir), batch_size=4, steps=steps, save_interval=100,
                    checkpoint_interval=2, seed=1, progress=False)
    settings.update(overrides)
    config = RunConfig(**settings)
    images = np.random.default_rng(0).uniform(0, 1, (24, 28, 28, 1)).astype("float32")
    source = source or ArraySource(images, batch_size=config.batch_size, seed=config.seed)
    return run_training(config, lambda: build_mlp_gan(LATENT, jit_compile=False), source, model="mlp_gan",
                        model_config=MLPConfig(latent_dim=LATENT), callbacks=list(callbacks), image_grid=False)


def steps_in(output_dir):
    return [int(row["step"]) for row in cb.read_history(os.path.join(output_dir, "history.csv"))]


# --- non-finite values ---------------------------------------------------------------------


def test_nan_at_a_chosen_step_stops_before_anything_of_it_is_written_and_resume_works(tmp_path):
    images = np.random.default_rng(0).uniform(0, 1, (24, 28, 28, 1)).astype("float32")
    poisoned = PoisonedSource(images, bad_index=4, batch_size=4, seed=1)  # step 5 trains on NaN images
    # Step 5's loss is NaN where the CPU's min/max propagate NaN through the loss's clipping; where they return
    # the bound (seen with TensorFlow 2.21 on AVX-512), the loss stays finite and the weights check before the
    # epoch's checkpoint (step 6) stops the run, step 5's finite row kept in the history (a resume drops it).
    # Either way no checkpoint, generator or non-finite value after step 4 is written.
    with pytest.raises(NonFiniteError, match=r"step (5: non-finite discriminator loss|6: non-finite weights) "
                                             r".*checkpoint.npz, step 4"):
        mlp_run(tmp_path, steps=8, source=poisoned)
    assert checkpoint.read_checkpoint_header(str(tmp_path / "checkpoint.npz"))["step"] == 4
    assert steps_in(tmp_path) in ([1, 2, 3, 4], [1, 2, 3, 4, 5])
    assert not (tmp_path / "generator.keras").exists()  # the final model is never the NaN one
    history = cb.read_history(tmp_path / "history.csv")
    assert all(np.isfinite(float(row[k])) for row in history for k in ("d_loss_real", "g_loss"))
    mlp_run(tmp_path, steps=8, resume=True)  # clean data: the run continues from step 4
    assert steps_in(tmp_path) == list(range(1, 9))
    assert checkpoint.read_checkpoint_header(str(tmp_path / "checkpoint.npz"))["step"] == 8


class PoisonWeights(Callback):
    """Sets one generator weight to NaN at the end of `step` (after the step's check)."""

    def __init__(self, step):
        self.step = step

    def on_step_end(self, run, logs):
        if run.step == self.step:
            kernel = run.gan.generator.trainable_variables[0]
            value = np.array(kernel.numpy())
            value[0, 0] = np.nan
            kernel.assign(value)


def test_nan_weights_are_never_checkpointed(tmp_path):
    with pytest.raises(NonFiniteError, match="step 4: non-finite"):
        mlp_run(tmp_path, steps=6, callbacks=[PoisonWeights(3)])
    assert checkpoint.read_checkpoint_header(str(tmp_path / "checkpoint.npz"))["step"] == 2
    assert not [name for name in os.listdir(tmp_path) if TEMP_PREFIX in name]


def test_weights_alone_non_finite_are_caught_before_a_saving_step():
    from gan_keras.training.loop import non_finite_problem

    gan = build_mlp_gan(LATENT, jit_compile=False)
    finite = dict(d_loss_real=0.5, d_loss_fake=0.5, g_loss=0.7)
    assert non_finite_problem(gan, finite) == ""
    PoisonWeights(1).on_step_end(type("Run", (), {"step": 1, "gan": gan})(), {})
    assert "non-finite weights in the generator" in non_finite_problem(gan, finite)
    assert non_finite_problem(gan, finite, weights=False) == ""
    assert non_finite_problem(gan, dict(finite, g_loss=float("nan")), trained_g=False, weights=False) == ""


def test_a_checkpoint_holding_nan_is_refused_in_one_line(tmp_path):
    mlp_run(tmp_path, steps=2)
    path = tmp_path / "checkpoint.npz"
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    arrays["generator/0000"] = np.full_like(arrays["generator/0000"], np.nan)
    np.savez(path, **arrays)
    with pytest.raises(checkpoint.CheckpointError, match="NaN or infinite values .*generator/0000"):
        mlp_run(tmp_path, steps=4, resume=True)
    assert steps_in(tmp_path) == [1, 2]


def test_gaussian_targets_beyond_float32_are_refused_before_training(tmp_path):
    result = run(["train", "gaussian"], "--target-std", "1e38", "--steps", 30, "--output-dir", tmp_path / "g")
    assert_one_line_error(result, 2, "--target-std", "float32")
    assert not (tmp_path / "g").exists()


# --- one run per folder --------------------------------------------------------------------


def test_a_second_run_on_a_locked_folder_is_refused_and_writes_nothing(tmp_path, tiny_fashion_dir):
    with RunFolder(tmp_path / "run"):
        status = call_command("train", "dcgan", "--data-dir", tiny_fashion_dir, "--steps", 1, "--batch-size", 4,
                              "--output-dir", tmp_path / "run", "--no-eval", "--no-progress")
        assert status == 1
        assert sorted(os.listdir(tmp_path / "run")) == [".lock"]
    with pytest.raises(RunFolderError, match="in use by another run"):
        with RunFolder(tmp_path / "x"):
            RunFolder(tmp_path / "x").lock()


def gaussian_process(output_dir, *args):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.Popen([sys.executable, "-m", "gan_keras", "train", "gaussian", "--batch-size", "16",
                             "--output-dir", str(output_dir), "--no-progress", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def wait_for_rows(path, rows, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and len(path.read_text().splitlines()) > rows:
            return
        time.sleep(0.2)
    raise AssertionError(f"{path} did not reach {rows} rows")


def test_two_processes_then_sigkill_then_resume(tmp_path):
    out = tmp_path / "run"
    first = gaussian_process(out, "--steps", 100000, "--checkpoint-interval", 1)
    try:
        wait_for_rows(out / "history.csv", 30)
        second = run(["train", "gaussian"], "--steps", 10, "--batch-size", 16, "--output-dir", out, "--resume")
        assert_one_line_error(second, 1, "in use by another run", f"pid {first.pid}")
        assert first.poll() is None  # the first run goes on
        time.sleep(np.random.default_rng().uniform(0.0, 1.5))  # SIGKILL at a random moment, checkpoints included
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    saved = checkpoint.read_checkpoint_header(str(out / "checkpoint.npz"))["step"]
    total = saved + 20
    third = run(["train", "gaussian"], "--steps", total, "--batch-size", 16, "--output-dir", out, "--resume",
                "--no-progress")
    assert third.returncode == 0, third.stderr
    assert "ended without finishing cleanly" in third.stdout
    assert steps_in(out) == list(range(1, total + 1))
    assert not [name for name in os.listdir(out) if name.startswith(TEMP_PREFIX)]


# --- history -------------------------------------------------------------------------------


def test_a_cut_off_row_after_the_checkpoint_is_dropped_with_a_notice(tmp_path, capsys):
    mlp_run(tmp_path, steps=4)
    with open(tmp_path / "history.csv", "a") as f:
        f.write("5,1,0.69")  # a row cut off by a crash or a full disk
    mlp_run(tmp_path, steps=6, resume=True)
    assert "dropped 1 row(s) after step 4, the checkpoint's, 1 of them cut off" in capsys.readouterr().out
    assert steps_in(tmp_path) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("damage, words", [
    (lambda lines: lines[:2] + [lines[2].replace(lines[2].split(",")[5], "abc")] + lines[3:], "line 3 (step 2)"),
    (lambda lines: lines[:2] + lines[3:], "step 3 where step 2 belongs"),
    (lambda lines: [], "no header row"),
])
def test_a_damaged_row_at_or_before_the_checkpoint_is_a_clear_error(tmp_path, damage, words):
    mlp_run(tmp_path, steps=4)
    path = tmp_path / "history.csv"
    damaged = "\n".join(damage(path.read_text().splitlines())) + "\n"
    path.write_text(damaged)
    with pytest.raises(UserError, match="history.csv") as error:
        mlp_run(tmp_path, steps=6, resume=True)
    assert words in str(error.value)
    assert path.read_text() == damaged  # left for the user to repair


class FakeMetric(Callback):
    fields = ("fd",)

    def on_step_end(self, run, logs):
        if run.step % 2 == 0:
            logs["fd"] = 100.0 / run.step


def test_metric_columns_of_earlier_rows_survive_a_resume_without_them(tmp_path):
    mlp_run(tmp_path, steps=4, callbacks=[FakeMetric()])
    mlp_run(tmp_path, steps=6, resume=True)
    rows = cb.read_history(tmp_path / "history.csv")
    assert [row["fd"] for row in rows] == ["nan", "50", "nan", "25", "nan", "nan"]


def test_missing_history_is_refused_on_resume(tmp_path):
    mlp_run(tmp_path, steps=2)
    os.unlink(tmp_path / "history.csv")
    with pytest.raises(UserError, match="history.csv is missing, but the checkpoint is at step 2"):
        mlp_run(tmp_path, steps=4, resume=True)


# --- folders and files -----------------------------------------------------------------------


def test_run_files_without_a_checkpoint_are_refused_and_overwrite_clears_them(tmp_path):
    mlp_run(tmp_path, steps=2, save_interval=1)
    os.unlink(tmp_path / "checkpoint.npz")
    (tmp_path / "notes.txt").write_text("mine")
    before = (tmp_path / "history.csv").read_bytes()
    with pytest.raises(RunFolderError, match=r"holds files of an earlier run \(generator.json, generator.keras"):
        mlp_run(tmp_path, steps=2)
    with pytest.raises(RunFolderError, match="no checkpoint to resume from"):
        mlp_run(tmp_path, steps=2, resume=True)
    assert (tmp_path / "history.csv").read_bytes() == before
    (tmp_path / "samples").mkdir()
    (tmp_path / "samples" / "step_0000009.png").write_bytes(b"old grid")
    mlp_run(tmp_path, steps=1, overwrite=True)
    assert steps_in(tmp_path) == [1]
    assert not (tmp_path / "samples").exists()  # the old run's grid is gone (this run saves none)
    assert (tmp_path / "notes.txt").read_text() == "mine"  # not a run file


def test_stale_temp_files_of_a_killed_write_are_removed_at_the_next_start(tmp_path, capsys):
    mlp_run(tmp_path, steps=2)
    for name in (TEMP_PREFIX + "abc.npz", ".checkpoint-xyz.npz.tmp"):
        (tmp_path / name).write_bytes(b"\0" * 1_000_000)
    mlp_run(tmp_path, steps=4, resume=True)
    assert "Removed 2 temporary file(s)" in capsys.readouterr().out
    assert not [name for name in os.listdir(tmp_path) if "tmp" in name]


def test_a_planted_symlink_is_replaced_not_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    out = tmp_path / "run"
    out.mkdir()
    (out / "report.md").symlink_to(outside)
    with pytest.raises(RunFolderError):  # a fresh run refuses a folder with a run's file in it
        mlp_run(out, steps=2)
    mlp_run(out, steps=2, overwrite=True)
    assert outside.read_text() == "precious"
    assert not (out / "report.md").is_symlink() and "Run report" in (out / "report.md").read_text()


def test_a_full_disk_stops_with_one_line_naming_the_file_and_keeps_the_last_checkpoint(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(disk)],
                             capture_output=True).returncode == 0
    try:
        if mounted:  # a real full disk
            out = disk / "run"
            first = run(["train", "gaussian"], "--steps", 40, "--batch-size", 16, "--checkpoint-interval", 10,
                        "--output-dir", out, "--no-progress")
            assert first.returncode == 0, first.stderr
            (disk / "filler").write_bytes(b"\0" * (_free_bytes(disk) - 60_000))  # room for ~half a checkpoint
            full = run(["train", "gaussian"], "--steps", 80, "--batch-size", 16, "--checkpoint-interval", 10,
                       "--output-dir", out, "--no-progress", "--resume")
            assert_one_line_error(full, 1, "cannot write", "No space left on device")
            assert checkpoint.read_checkpoint_header(str(out / "checkpoint.npz"))["step"] == 40
            assert not [name for name in os.listdir(out) if name.startswith(TEMP_PREFIX)]
            os.unlink(disk / "filler")
            again = run(["train", "gaussian"], "--steps", 80, "--batch-size", 16, "--checkpoint-interval", 10,
                        "--output-dir", out, "--no-progress", "--resume")
            assert again.returncode == 0, again.stderr
            assert steps_in(out) == list(range(1, 81))
        else:  # no permission to mount: the same failure, simulated
            _simulated_full_disk(tmp_path)
    finally:
        if mounted:
            subprocess.run(["umount", str(disk)], capture_output=True)
    _simulated_full_disk(tmp_path / "simulated")


def _free_bytes(path):
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def _simulated_full_disk(tmp_path, monkeypatch=None):
    mlp_run(tmp_path, steps=2)
    original = (tmp_path / "checkpoint.npz").read_bytes()
    real_savez = np.savez

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    np.savez = full
    try:
        with pytest.raises(UserError, match="cannot write .*checkpoint.npz: No space left on device"):
            mlp_run(tmp_path, steps=4, resume=True)
    finally:
        np.savez = real_savez
    assert (tmp_path / "checkpoint.npz").read_bytes() == original
    mlp_run(tmp_path, steps=4, resume=True)
    assert steps_in(tmp_path) == [1, 2, 3, 4]


# --- bad input: one line, the documented status, nothing written ----------------------------------


def _bad_idx(folder, good):
    """A copy of the tiny data set whose training images' header claims 2**31 x 2**31 x 28 bytes."""
    import gzip
    import shutil
    import struct

    shutil.copytree(good, folder)
    header = struct.pack(">BBBB", 0, 0, 0x08, 3) + struct.pack(">3I", 2**31, 2**31, 28)
    with gzip.open(folder / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(header + b"\0" * 100)
    return folder


BAD_INPUT = [
    (["train", "dcgan", "--seed", "-1"], 2, ["--seed"]),
    (["train", "cgan", "--seed", str(2**32)], 2, ["--seed"]),
    (["train", "mlp", "--seed", "99999999999"], 2, ["--seed"]),
    (["train", "gaussian", "--seed", "-5"], 2, ["--seed"]),
    (["train", "dcgan", "--latent-dim", "100000000"], 2, ["--latent-dim"]),
    (["train", "gaussian", "--batch-size", "1000000000"], 2, ["memory", "--batch-size"]),
    (["train", "dcgan", "--tensorboard", "{file}", "--steps", "1", "--no-eval", "--data-dir", "{data}"], 2,
     ["--tensorboard", "not a directory"]),
    (["train", "dcgan", "--eval-interval", "1", "--steps", "1", "--data-dir", "{data}"], 2,
     ["--eval-n", "test images"]),
    (["train", "dcgan", "--data-dir", "{bad_idx}"], 1, ["train-images-idx3-ubyte.gz"]),
    (["train", "dcgan", "--data-dir", "{empty}"], 1, ["holds no fashion_mnist data"]),
    (["train", "srgan", "--dataset", "folder", "--data-dir", "{empty}"], 1, ["holds no .jpg"]),
    (["train", "srgan", "--dataset", "folder", "--data-dir", "{pipes}"], 1, ["photo.png: not a regular file"]),
    (["train", "srgan", "--dataset", "folder", "--data-dir", "{root}"], 2, ["inside the data folder", "only ever read"]),
    (["train", "mlp", "--ema-warmup", "5"], 2, ["--ema-warmup"]),
    (["sample", "--generator", "g.keras", "--out", "x.png", "--seed", "-1"], 2, ["--seed"]),
    (["sample", "--generator", "g.keras", "--out", "x.npz", "--n", "100000000"], 2, ["--n"]),
    (["evaluate", "--real", "--seed", "-1"], 2, ["--seed"]),
    (["sanity-table", "--seed", str(2**40)], 2, ["--seed"]),
    (["train-classifier", "--seed", "-2", "--out", "c.weights.h5"], 2, ["--seed"]),
]


@pytest.mark.parametrize("argv, code, words", BAD_INPUT, ids=[" ".join(a[:3]) for a, _, _ in BAD_INPUT])
def test_bad_input_is_one_line_with_the_documented_status_and_writes_nothing(tmp_path, tiny_fashion_dir,
                                                                             argv, code, words):
    (tmp_path / "file").write_text("x")
    (tmp_path / "empty").mkdir()
    (tmp_path / "pipes").mkdir()
    os.mkfifo(tmp_path / "pipes" / "photo.png")
    places = {"file": tmp_path / "file", "data": tiny_fashion_dir, "bad_idx": tmp_path / "bad_idx",
              "empty": tmp_path / "empty", "pipes": tmp_path / "pipes", "root": tmp_path}
    if any("{bad_idx}" in a for a in argv):
        _bad_idx(tmp_path / "bad_idx", tiny_fashion_dir)
    argv = [a.format(**places) for a in argv]
    result = run(argv + ["--output-dir", tmp_path / "out"] if argv[0] == "train" else argv, cwd=tmp_path)
    assert_one_line_error(result, code, *words)
    assert not (tmp_path / "out").exists()  # a refused run leaves no folder behind, not even its lock


def test_an_unknown_keras_backend_is_one_line(tmp_path, tiny_fashion_dir, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "mxnet")
    result = run(["train", "mlp", "--steps", "1", "--batch-size", "4", "--data-dir", str(tiny_fashion_dir), "--output-dir", str(tmp_path / "out")])
    assert_one_line_error(result, 2, "Keras cannot load the backend 'mxnet'", "KERAS_BACKEND")
    assert not (tmp_path / "out").exists()


def test_a_hand_edited_checkpoint_field_is_refused_in_one_line(tmp_path):
    mlp_run(tmp_path, steps=2)
    path = tmp_path / "checkpoint.npz"
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    header = json.loads(bytes(arrays["header"]).decode())
    header["step"] = "two"
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(checkpoint.CheckpointError, match="step 'two' is not a whole number"):
        mlp_run(tmp_path, steps=4, resume=True)
