"""Fault probe of user inputs: each case ends in one line and the right exit status, and loses nothing.

Cases: a damaged `text_encoder.keras` on resume; the Gaussian GAN's history with a cut-off last row; a
`generator.json` that lies about its model; caption characters outside the vocabulary's alphabet and
huge captions; `gan-keras compare`'s default output folder; `--devices` beyond the machine, and the
compiled engine's answer to SIGTERM within seconds (calls sized by time, the same maths).
"""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from gan_keras.core.errors import UserError
from gan_keras.data import captions
from gan_keras.training import callbacks as cb
from gan_keras.training import checkpoint
from gan_keras.training.loop import Callback, CallSizes
from tests.conftest import assert_one_line_error, call_command, run, tiny_run_args, write_tiny_fashion

def _stackgan_args(out, data_dir, *extra):
    return tiny_run_args("stackgan", out, data_dir, *extra)


@pytest.fixture(scope="module")
def stackgan_run(tiny_runs):
    """The session's finished tiny StackGAN run (both stages, 2 steps each): `(run folder, data folder)`.

    Shared: tests copy what they change.
    """
    root, data = tiny_runs
    return root / "stackgan", data


def _error_line(capsys):
    lines = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(lines) == 1, lines
    return lines[0]


# --- 2. a damaged text_encoder.keras -------------------------------------------------------------


def test_a_damaged_text_encoder_is_one_line_naming_it_and_nothing_is_touched(stackgan_run, tmp_path, capsys):
    original, data = stackgan_run
    out = tmp_path / "run"
    shutil.copytree(original, out)
    (out / "text_encoder.keras").write_bytes(np.random.default_rng(0).bytes(500))  # garbage over the file
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    capsys.readouterr()
    assert call_command(*_stackgan_args(out, data, "--resume")) == 1
    line = _error_line(capsys)
    assert "text_encoder.keras" in line and "damaged" in line and "not a zip file" in line
    assert "not found" not in line.lower()  # Keras' own word for a file that is there
    assert "--overwrite" in line and "stage1, stage2" in line  # what to do, and why not retrain it
    after = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and p.name != ".lock"}
    assert after == {p: b for p, b in before.items() if p.name != ".lock"}


def test_keras_files_that_do_not_load_are_named_as_damaged(tmp_path):
    from gan_keras.sampling import model_file

    (tmp_path / "zip.keras").write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip archive: no model in it
    with pytest.raises(UserError, match=r"the text encoder .*zip.keras is damaged \(Keras cannot load it"):
        model_file.load_model(str(tmp_path / "zip.keras"), "text encoder")
    with pytest.raises(UserError, match="no text encoder file at .*gone.keras; start afresh"):
        model_file.load_model(str(tmp_path / "gone.keras"), "text encoder", "start afresh")


# --- 3. the Gaussian GAN's history with a cut-off last row ---------------------------------------


def _gaussian_args(out, *extra):
    return ["train", "gaussian", "--output-dir", out, "--steps", 40, "--trajectory-interval", 10, "--batch-size", 64,
            "--no-progress", *extra]


def test_a_cut_off_last_row_of_the_gaussian_history_is_dropped_on_resume(tmp_path, monkeypatch, capsys):
    from gan_keras.data.sources import GaussianSource

    whole, parts = tmp_path / "whole", tmp_path / "parts"
    assert call_command(*_gaussian_args(whole)) == 0
    original = GaussianSource.batch

    def batch(self, index):  # Ctrl-C during step 31: the checkpoint holds step 31
        if index == 30:
            os.kill(os.getpid(), signal.SIGINT)
        return original(self, index)

    monkeypatch.setattr(GaussianSource, "batch", batch)
    assert call_command(*_gaussian_args(parts)) == 130
    monkeypatch.setattr(GaussianSource, "batch", original)
    with open(parts / "history.csv", "a") as f:
        f.write("32,1,0.46")  # what a crash in the middle of writing step 32's row leaves
    capsys.readouterr()
    assert call_command(*_gaussian_args(parts, "--resume")) == 0
    assert "dropped 1 row(s) after step 31, the checkpoint's, 1 of them cut off" in capsys.readouterr().out
    rows = {name: cb.read_history(folder / "history.csv") for name, folder in (("whole", whole), ("parts", parts))}
    assert [int(r["step"]) for r in rows["parts"]] == list(range(1, 41))
    assert [int(r["step"]) for r in rows["parts"] if r["mean"] != "nan"] == [1, 10, 20, 30, 40]
    for a, b in zip(rows["whole"], rows["parts"]):  # the resumed run repeats the uninterrupted one
        for column in ("d_loss_real", "g_loss", "mean", "std"):
            assert float(a[column]) == pytest.approx(float(b[column]), rel=1e-4, abs=1e-6, nan_ok=True), column


def test_trajectory_points_take_the_intact_rows_up_to_the_step_only(tmp_path):
    from gan_keras.recipes.build.gaussian_study import trajectory_points

    path = tmp_path / "history.csv"
    path.write_text("step,epoch,g_loss,mean,std\n1,1,0.7,4.0,0.2\n2,1,0.7,nan,nan\n10,1,0.6,3.9,0.3\n"
                    "11,1,0.6,3.8,0.4\n12,1,0.6,3")  # 11: after the checkpoint's step; 12: cut off
    assert trajectory_points(str(path), 10) == [(1, 4.0, 0.2), (10, 3.9, 0.3)]
    assert trajectory_points(str(path), 12) == [(1, 4.0, 0.2), (10, 3.9, 0.3), (11, 3.8, 0.4)]
    path.write_text("step,epoch,g_loss,mean,std\n1,1,0.7,4.0,0.2\nx,1,0.7,4.1,0.2,9\n")  # garbage: skipped
    assert trajectory_points(str(path), 5) == [(1, 4.0, 0.2)]
    assert trajectory_points(str(tmp_path / "missing.csv"), 5) == []


# --- 6. a generator.json that lies about its model -----------------------------------------------


def test_an_info_that_lies_about_the_image_shape_is_refused_by_sample_and_evaluate(stackgan_run, tmp_path, capsys):
    original, data = stackgan_run
    generator = tmp_path / "generator.keras"
    shutil.copy(original / "stage2" / "generator.keras", generator)
    info = json.loads((original / "stage2" / "generator.json").read_text())
    (tmp_path / "generator.json").write_text(json.dumps(dict(info, image_shape=[32, 32, 3])))
    capsys.readouterr()
    assert call_command("sample", "--generator", generator, "--caption", "a dark bag", "--out",
                        tmp_path / "x.npz") == 1
    line = _error_line(capsys)
    assert "generator.json does not describe" in line and "image_shape [32, 32, 3], the model makes [28, 28, 1]" in line
    assert not (tmp_path / "x.npz").exists()
    assert call_command("evaluate", "--generator", generator, "--data-dir", data, "--n", 20) == 1
    assert "image_shape [32, 32, 3], the model makes [28, 28, 1]" in _error_line(capsys)
    # The file as its run wrote it still samples.
    (tmp_path / "generator.json").write_text(json.dumps(info))
    assert call_command("sample", "--generator", generator, "--caption", "a dark bag", "--n", 3, "--out",
                        tmp_path / "x.npz") == 0
    assert np.load(tmp_path / "x.npz")["images"].shape == (3, 28, 28, 1)


def test_info_problems_name_every_field_the_model_contradicts():
    import keras

    from gan_keras.sampling.artifact import GeneratorInfo
    from gan_keras.sampling.info_check import info_problems

    noise = keras.Input((4,))
    model = keras.Model(noise, keras.layers.Reshape((28, 28, 1))(keras.layers.Dense(784, activation="tanh")(noise)))
    assert info_problems(GeneratorInfo(latent_dim=4), model) == []
    assert info_problems(GeneratorInfo(latent_dim=5, num_classes=10, image_shape=(14, 14, 1)), model) == [
        "latent_dim 5, the model's noise has 4", "conditional or captioned True, the model takes 1 input(s)",
        "image_shape [14, 14, 1], the model makes [28, 28, 1]"]
    image = keras.Input((None, None, 1))
    translator = keras.Model(image, keras.layers.Conv2D(1, 3, padding="same")(image))
    assert info_problems(GeneratorInfo(latent_dim=0, condition_shape=(0, 0, 1), image_shape=(0, 0, 1)),
                         translator) == []
    assert info_problems(GeneratorInfo(latent_dim=0, condition_shape=(28, 28, 1), image_shape=(0, 0, 1)),
                         translator) == ["condition_shape [28, 28, 1], the model takes [0, 0, 1]"]


# --- 7. caption characters outside a-z, unknown words, huge captions -----------------------------


@pytest.mark.parametrize("text, words", [
    ("a dark bag ☃ 鞋", ["outside a-z, hyphen, space, comma and period: '☃', '鞋'"]),
    ("ünknown bag", ["outside a-z", ": 'ü'"]),
    ("a dark bag!", [": '!'"]),
    ("a pair of -trousers, wide", ["unknown word(s) '-trousers'"]),  # named whole
    ("a purple sneaker", ["unknown word(s) 'purple'", "known words: a, an"]),
])
def test_captions_with_characters_or_words_outside_the_vocabulary_are_refused_naming_them(text, words):
    with pytest.raises(UserError) as error:
        captions.encode([text], captions.vocabulary())
    assert error.value.exit_code == 2
    assert all(w in str(error.value) for w in words), str(error.value)


@pytest.mark.parametrize("text, words", [
    ("a " * 6000, ["(6,000 words, 12,000 characters) has 6,000 words; at most 16"]),
    ("x" * 22000, ["unknown word(s) 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (22,000 characters)"]),
    ("鞋" * 5000, ["outside a-z", "'鞋'"]),
    ("".join(chr(0x4E00 + i) for i in range(3000)), ["and 2990 more"]),
])
def test_huge_captions_give_short_messages(text, words):
    with pytest.raises(UserError) as error:
        captions.encode([text], captions.vocabulary())
    message = str(error.value)
    assert len(message) < 400 and all(w in message for w in words), message
    assert "..." in message or "more" in message


def test_case_and_separators_keep_the_words_of_a_caption():
    words = captions.vocabulary()
    assert captions.tokenize("A T-shirt,  LIGHT.\tand wide") == ["a", "t-shirt", "light", "and", "wide"]
    np.testing.assert_array_equal(captions.encode(["A Dark BAG."], words), captions.encode(["a dark bag"], words))


def test_sample_refuses_a_caption_with_other_characters_in_one_line(stackgan_run, tmp_path):
    original, _ = stackgan_run
    result = run(["sample", "--generator", original / "stage2" / "generator.keras", "--caption", "a dark bag ☃ 鞋",
                  "--out", tmp_path / "x.png"])
    assert_one_line_error(result, 2, "'☃', '鞋'", "outside a-z")
    assert not (tmp_path / "x.png").exists()


# --- 9. gan-keras compare writes beside the first run, not into the current folder ---------------


def _history_only_run(folder, fds):
    folder.mkdir(parents=True)
    with open(folder / "history.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "epoch", "d_loss_real", "g_loss", "fd"])
        writer.writerows([step, 1, 0.5, 0.7, fd] for step, fd in enumerate(fds, start=1))


def test_compare_writes_beside_the_first_run_by_default(tmp_path, monkeypatch, capsys):
    from gan_keras.runs.folder import RUN_FILES

    _history_only_run(tmp_path / "runs" / "a", [90.0, 80.0])
    _history_only_run(tmp_path / "runs" / "b", [95.0, 70.0])
    work = tmp_path / "work"  # the user's current folder (a working tree)
    work.mkdir()
    monkeypatch.chdir(work)
    assert call_command("compare", tmp_path / "runs" / "a", tmp_path / "runs" / "b") == 0
    assert os.listdir(work) == []
    assert (tmp_path / "runs" / "a" / "comparison.md").read_text().startswith("# Run comparison")
    assert (tmp_path / "runs" / "a" / "comparison.png").stat().st_size > 0
    assert not {"comparison.md", "comparison.png"} & set(RUN_FILES)  # no run writes (or --overwrite removes) them
    assert call_command("compare", tmp_path / "runs" / "a", "--out", "here") == 0  # --out still decides
    assert sorted(os.listdir(work)) == ["here.md", "here.png"]
    with pytest.raises(SystemExit):
        call_command("compare", "--help")
    assert "first RUN_DIR" in " ".join(capsys.readouterr().out.split())


# --- 10. --devices beyond the machine; SIGTERM answered within seconds ---------------------------


def test_more_devices_than_there_are_is_refused_before_anything_is_written(tmp_path):
    from gan_keras.training.devices import check_devices, device_limit

    limit, _ = device_limit()
    check_devices(limit)  # as many as there are: accepted
    with pytest.raises(UserError, match=f"--devices {limit + 1}: this machine has {limit} ") as error:
        check_devices(limit + 1)
    assert error.value.exit_code == 2
    data = write_tiny_fashion(tmp_path / "fashion")
    asked = limit + 1
    result = run(["train", "dcgan"], "--data-dir", data, "--output-dir", tmp_path / "run", "--engine", "compiled",
                 "--devices", asked, "--batch-size", asked, "--steps", 2, "--no-eval", "--no-progress")
    assert_one_line_error(result, 2, f"--devices {asked}", f"--devices {limit} or fewer")
    assert not (tmp_path / "run").exists()


def test_call_sizes_follow_the_pace_of_the_last_call_in_powers_of_two():
    sizes = CallSizes(32)
    assert sizes.next == 1  # the first call compiles: one step
    seen = []
    for steps, seconds in ((1, 5.0), (1, 0.01), (32, 0.64), (32, 3.2), (16, 9.0), (1, 0.0)):
        sizes.record(steps, seconds)
        seen.append(sizes.next)
    # 2 s: 0.4 steps -> 1; 200 -> 32; 100 -> 32; 20 -> 16; 3.6 -> 2; no time measured -> 32
    assert seen == [1, 32, 32, 16, 2, 32]
    assert CallSizes(1).next == 1
    fixed = CallSizes(32, seconds=None)  # --deterministic: measured time never decides
    fixed.record(1, 100.0)
    assert fixed.next == 32


def test_calls_cut_by_time_compute_every_step_exactly_as_calls_of_k(tmp_path):
    import keras

    from gan_keras.data.sources import ArraySource
    from gan_keras.recipes.build.mlp import build_mlp_gan
    from gan_keras.training.loop import LoopConfig, train

    images = np.random.default_rng(0).uniform(0, 1, (32, 28, 28, 1)).astype("float32")
    histories = []
    for seconds in (None, 1e-9, 1e9):  # calls of 4; every call one step; one step, then calls of 4
        keras.utils.set_random_seed(0)
        gan = build_mlp_gan(4, jit_compile=False)
        rows = []

        class Rows(Callback):
            def on_step_end(self, run, logs):
                rows.append({k: v for k, v in logs.items()})

        config = LoopConfig(total_steps=7, seed=1, progress=False, engine="compiled", steps_per_call=4,
                            call_seconds=seconds)
        train(gan, ArraySource(images, batch_size=4, seed=1), config, [Rows()])
        histories.append(rows)
    assert histories[0] == histories[1] == histories[2]


def test_sigterm_ends_a_compiled_run_with_a_huge_steps_per_call_within_seconds(tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    process = subprocess.Popen(
        [sys.executable, "-m", "gan_keras", "train", "gaussian", "--output-dir", str(out), "--steps", "1000000",
         "--batch-size", "16", "--engine", "compiled", "--steps-per-call", "100000", "--checkpoint-interval",
         "1000000", "--save-interval", "1000000", "--trajectory-interval", "1000000", "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not ((out / "history.csv").exists()
                                               and len((out / "history.csv").read_text().splitlines()) > 3):
            time.sleep(0.2)
        assert process.poll() is None, process.communicate()
        time.sleep(1.0)
        asked = time.time()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)  # before: a call of 100,000 steps, more than a minute here
        took = time.time() - asked
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert took < 20, f"SIGTERM took {took:.1f} s"
    saved = checkpoint.read_checkpoint_header(str(out / "checkpoint.npz"))["step"]
    assert [int(r["step"]) for r in cb.read_history(out / "history.csv")] == list(range(1, saved + 1))


def test_more_evaluation_samples_than_test_images_of_the_classes_is_one_line(tiny_fashion_dir):
    # The tiny test split holds 2 images of class 1: a traceback from the reference images before.
    result = run(["evaluate"], "--real", "--n", 10, "--classes", 1, "--data-dir", tiny_fashion_dir)
    assert_one_line_error(result, 2, "cannot evaluate 10 samples", "classes [1]", "lower --n")
