"""Fault probe of a run folder: --overwrite keeps the user's files, a disk guard, a clean end after a refusal."""

import os
import re
import shutil
import types

import pytest

from gan_keras.core import checks, fileio
from gan_keras.core.errors import EXIT_DATA_OR_IO, EXIT_USAGE, UserError
from gan_keras.runs.config import RunConfig
from gan_keras.runs.folder import LOCK_FILE, MANIFEST_FILE, RunFolder
from gan_keras.runs import run as run_module
from gan_keras.runs.phases import Phase, Training
from tests.conftest import call_command


def run_phases(config, phases, train):
    """`gan_keras.runs.run.run_phases` with `train` standing in for its `train_in_folder`; returns the status."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run_module, "train_in_folder", train)
        return run_module.run_phases(config, phases).status


def train_mlp(data_dir, output_dir, *flags):
    """`gan-keras train mlp` on the tiny data, in this process (Keras already loaded); returns its exit status."""
    return call_command("train", "mlp", "--data-dir", data_dir, "--batch-size", 4, "--output-dir", output_dir,
                        "--no-progress", *flags)


def files_under(folder):
    """Every file under `folder`, relative to it, sorted (folders left out)."""
    return sorted(os.path.relpath(os.path.join(where, name), folder)
                  for where, _, names in os.walk(folder) for name in names)


def one_error_line(err):
    lines = [line for line in err.splitlines() if "error" in line]
    assert len(lines) == 1, err
    return lines[0]


# --- case 4: --overwrite removes the previous run's files, and only those ----------------------------


def test_overwrite_removes_the_run_s_files_and_keeps_the_user_s_in_its_folders(tmp_path, tiny_fashion_dir, capsys):
    out = tmp_path / "run"
    assert train_mlp(tiny_fashion_dir, out, "--steps", 4, "--keep-generators", 2, "--ema", 0.9) == 0
    first = set(files_under(out))
    assert {"samples/step_0000004.png", "samples_ema/last.png", "generators/step_0000002.keras",
            "generators/ema_step_0000004.keras", "generators/step_0000004_metrics.json"} <= first
    mine = {"samples/my_note.txt": "note", "generators/mine.txt": "kept", "notes.md": "top",
            "mine/data.txt": "mine", "samples_ema/step_2.png": "not a run's name"}
    for relative, text in mine.items():
        (out / relative).parent.mkdir(exist_ok=True)
        (out / relative).write_text(text)
    capsys.readouterr()

    assert train_mlp(tiny_fashion_dir, out, "--steps", 3, "--overwrite") == 0  # no --keep-generators, no --ema

    assert "--overwrite: removed the previous run's checkpoint.npz" in capsys.readouterr().out
    for relative, text in mine.items():
        assert (out / relative).read_text() == text
    second = set(files_under(out)) - set(mine)
    assert not [name for name in second if name.startswith(("generators/", "samples_ema/"))]  # the old ones went
    assert sorted(name for name in second if name.startswith("samples/")) == [
        "samples/last.png", *(f"samples/step_{step:07d}.png" for step in range(4))]
    assert "samples/step_0000004.png" not in second and "ema_generator.keras" not in second
    listed = (out / MANIFEST_FILE).read_text().splitlines()[1:]
    assert sorted(listed) == sorted(second - {LOCK_FILE, MANIFEST_FILE})  # the list names this run's files


def test_overwrite_of_a_folder_without_user_files_leaves_no_empty_run_folders(tmp_path, tiny_fashion_dir):
    out = tmp_path / "run"
    assert train_mlp(tiny_fashion_dir, out, "--steps", 2, "--keep-generators", 1) == 0
    assert train_mlp(tiny_fashion_dir, out, "--steps", 2, "--overwrite") == 0
    assert not (out / "generators").exists()  # emptied and removed: this run keeps none


def test_overwrite_follows_no_link_out_of_the_run_s_folder(tmp_path):
    out, elsewhere = tmp_path / "run", tmp_path / "elsewhere"
    (out / "srresnet").mkdir(parents=True)
    elsewhere.mkdir()
    (elsewhere / "step_0000001.png").write_text("a user's picture")
    (out / "samples").symlink_to(elsewhere)
    (out / "srresnet" / "samples").symlink_to(elsewhere)
    (out / MANIFEST_FILE).write_text("samples/step_0000001.png\n../elsewhere/step_0000001.png\n")
    with RunFolder(out) as folder:
        assert folder.run_files(parts=["srresnet"]) == []
        folder.check_fresh_start(overwrite=True, parts=["srresnet"])
    assert (elsewhere / "step_0000001.png").read_text() == "a user's picture"
    assert (out / "samples").is_symlink()


def write_files(folder, *relatives):
    for relative in relatives:
        path = os.path.join(folder, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fileio.write_text(path, relative)


def fake_phases(tmp_path, names, top_files=()):
    """Phases like a multi-phase recipe's: one writes `top_files` in the run's folder, then one run per name."""
    def top(config):
        write_files(config.output_dir, *top_files)

    return [Phase("top", top, marker=None)] + [
        Phase(name, lambda config, name=name: Training(build=None, source=None, model=name), folder=name)
        for name in names]


def fake_train(folder, config, training):
    """Writes what a phase's run writes (through `fileio`, as every writer of the package), in its folder."""
    write_files(folder.path, "checkpoint.npz", "history.csv", "samples/step_0000000.png", "samples/last.png",
                "test_outputs/dog.png", "generator.keras", "generator.json")
    return types.SimpleNamespace(interrupted=False, step=1)


@pytest.mark.parametrize("recipe, first, second, top_files", [
    ("srgan", ["srresnet", "srgan"], ["srresnet", "srgan"], ["report.md", "test_metrics.json"]),
    ("stackgan", ["stage1", "stage2"], ["stage1", "stage2"], ["text_encoder.keras", "captions.json", "report.md"]),
    ("gaussian study", ["run_01", "run_02", "run_03"], ["run_01", "run_02"], ["study.png"]),
])
def test_overwrite_of_a_run_in_phases_removes_its_files_in_every_phase_folder(tmp_path, recipe, first, second,
                                                                             top_files):
    config = RunConfig(output_dir=str(tmp_path / "run"), batch_size=4, steps=1)
    assert run_phases(config, fake_phases(tmp_path, first, top_files), fake_train) == 0
    out = tmp_path / "run"
    mine = [f"{first[0]}/samples/my_note.txt", f"{first[-1]}/test_outputs/mine.png", "notes.txt"]
    write_files(out, *mine)
    with pytest.raises(UserError, match="already holds a run"):
        run_phases(config, fake_phases(tmp_path, second, top_files), fake_train)

    assert run_phases(RunConfig(**{**config.to_json(), "overwrite": True}),
                      fake_phases(tmp_path, second, top_files), fake_train) == 0

    run_files = ["checkpoint.npz", "generator.json", "generator.keras", "history.csv", "samples/last.png",
                 "samples/step_0000000.png", "test_outputs/dog.png"]
    expected = sorted([*mine, *top_files, *(f"{phase}/{name}" for phase in second for name in run_files),
                       LOCK_FILE, MANIFEST_FILE])
    assert files_under(out) == expected  # also of a phase the new run has not (run_03): the user's file alone
    assert all(names or folders for _, folders, names in os.walk(out))  # the folders left empty went


def test_overwrite_of_a_gaussian_study_with_fewer_runs(tmp_path):
    out = tmp_path / "study"
    flags = ("--steps", 5, "--batch-size", 16, "--output-dir", out, "--no-progress")
    assert call_command("train", "gaussian", "--runs", 3, *flags) == 0
    (out / "run_02" / "mine.txt").write_text("mine")
    assert call_command("train", "gaussian", "--runs", 2, "--overwrite", *flags) == 0
    assert sorted(os.listdir(out)) == [LOCK_FILE, MANIFEST_FILE, "run_01", "run_02", "study.png"]  # run_03 went
    assert (out / "run_02" / "mine.txt").read_text() == "mine"
    assert "checkpoint.npz" in os.listdir(out / "run_02")


def test_a_killed_run_s_files_are_listed_and_a_cut_off_line_is_dropped(tmp_path):
    out = tmp_path / "run"

    def crashing(folder, config, training):
        write_files(folder.path, "history.csv", "samples/step_0000000.png")
        raise RuntimeError("killed")  # the list was written before each file appeared

    config = RunConfig(output_dir=str(out), batch_size=4, steps=1)
    with pytest.raises(RuntimeError):
        run_phases(config, fake_phases(tmp_path, ["a"]), crashing)
    with open(out / MANIFEST_FILE, "a") as f:
        f.write("a/samples/step_00")  # a line cut off by a crash: its file was never written
    (out / "a" / "samples" / "step_00").write_text("a user's file of that name")
    with RunFolder(out) as folder:
        assert folder.previous_owner_crashed
        assert folder.run_files(parts=["a"]) == ["a/history.csv", "a/samples/step_0000000.png"]
        folder.check_fresh_start(overwrite=True, parts=["a"])
    assert files_under(out) == [LOCK_FILE, "a/samples/step_00"]


# --- case 5: a disk guard before the run starts ------------------------------------------------------


def fake_free_space(monkeypatch, free):
    total = 10 * free + 1
    monkeypatch.setattr(checks.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(total, total - free, free))


def test_check_disk_refuses_above_the_free_space_and_warns_above_half_of_it(tmp_path, monkeypatch, capsys):
    fake_free_space(monkeypatch, 1000)
    assert checks.check_disk(500, tmp_path, "the run would write 500 B", "lower --steps") is None
    warning = checks.check_disk(501, tmp_path, "the run would write 501 B", "lower --steps")
    assert warning == ("warning: the run would write 501 B, more than half of the 1000 B free there (lower --steps "
                       "if need be)")
    assert capsys.readouterr().err == warning + "\n"
    with pytest.raises(UserError, match=r"would write 1001 B, but only 1000 B are free there: lower --steps") as error:
        checks.check_disk(1001, tmp_path, "the run would write 1001 B", "lower --steps")
    assert error.value.exit_code == EXIT_USAGE
    assert checks.format_bytes(151 * 2**20) == "151.0 MiB"


def test_kept_generators_that_would_fill_the_disk_are_refused_before_the_run_starts(tmp_path, tiny_fashion_dir,
                                                                                   monkeypatch, capsys):
    fake_free_space(monkeypatch, 2_000_000)
    out = tmp_path / "run"
    status = train_mlp(tiny_fashion_dir, out, "--steps", 100, "--keep-generators", 1, "--ema", 0.9,
                       "--save-interval", 50)
    assert status == EXIT_USAGE
    line = one_error_line(capsys.readouterr().err)
    assert re.search(r"the run would write about \d+\.\d MiB to .*run \(kept generators \d+\.\d MiB: 100 x "
                     r"\d+\.\d KiB, --keep-generators 1; .*sample grids .*: 3 x", line), line
    for words in ("but only 1.9 MiB are free there", "--keep-generators", "--save-interval", "--steps",
                  "--output-dir"):
        assert words in line
    assert not out.exists()  # nothing written: the folder the refused run made went again


def test_a_run_that_would_take_most_of_the_free_space_warns_in_one_line_and_goes_on(tmp_path, tiny_fashion_dir,
                                                                                    monkeypatch, capsys):
    fake_free_space(monkeypatch, 1)
    assert train_mlp(tiny_fashion_dir, tmp_path / "probe", "--steps", 6, "--keep-generators", 1) == EXIT_USAGE
    value, unit = re.search(r"about (\d+\.\d) (KiB|MiB)", capsys.readouterr().err).groups()
    needed = float(value) * {"KiB": 2**10, "MiB": 2**20}[unit]
    fake_free_space(monkeypatch, int(1.5 * needed))
    out = tmp_path / "run"
    assert train_mlp(tiny_fashion_dir, out, "--steps", 6, "--keep-generators", 1) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "more than half of the" in warnings[0] and "--keep-generators" in warnings[0]
    assert "error" not in err
    assert len([name for name in os.listdir(out / "generators") if name.endswith(".keras")]) == 6


def test_the_estimate_is_near_what_a_run_writes(tmp_path, tiny_fashion_dir, monkeypatch, capsys):
    fake_free_space(monkeypatch, 1)
    assert train_mlp(tiny_fashion_dir, tmp_path / "probe", "--steps", 8, "--keep-generators", 1) == EXIT_USAGE
    value, unit = re.search(r"about (\d+\.\d) (KiB|MiB)", capsys.readouterr().err).groups()
    needed = float(value) * {"KiB": 2**10, "MiB": 2**20}[unit]
    monkeypatch.undo()
    out = tmp_path / "run"
    assert train_mlp(tiny_fashion_dir, out, "--steps", 8, "--keep-generators", 1) == 0
    written = sum(os.path.getsize(out / name) for name in files_under(out))
    assert 0.8 * written < needed < 1.25 * written, (needed, written)


# --- case 8: a refusal ends cleanly -------------------------------------------------------------------


def test_after_a_refused_resume_the_next_run_does_not_report_a_crash(tmp_path, tiny_fashion_dir, capsys):
    out = tmp_path / "run"
    assert train_mlp(tiny_fashion_dir, out, "--steps", 2) == 0
    assert train_mlp(tiny_fashion_dir, out, "--steps", 4, "--resume", "--latent-dim", 8) == EXIT_DATA_OR_IO
    assert "written with latent_dim=4, not 8" in one_error_line(capsys.readouterr().err)
    assert (out / LOCK_FILE).read_text().strip().endswith("released")
    assert train_mlp(tiny_fashion_dir, out, "--steps", 4, "--resume") == 0
    captured = capsys.readouterr()
    assert "Resuming from step 2" in captured.out
    assert "ended without finishing cleanly" not in captured.out


@pytest.mark.parametrize("error, clean", [(UserError("refused"), True), (KeyboardInterrupt(), True),
                                          (RuntimeError("a bug"), False)])
def test_the_lock_records_a_clean_end_after_a_one_line_error_or_ctrl_c_only(tmp_path, error, clean):
    with pytest.raises(type(error)):
        with RunFolder(tmp_path):
            raise error
    with RunFolder(tmp_path) as folder:
        assert folder.previous_owner_crashed is not clean


# --- phases resume as runs do: a longer phase, a phase killed before its first checkpoint ------------------


def copied_srgan_run(tiny_runs, tmp_path):
    root, data = tiny_runs
    out = tmp_path / "srgan"
    shutil.copytree(root / "srgan", out)
    os.unlink(out / LOCK_FILE)
    return out, data


def train_srgan(data, out, *flags):
    from tests.conftest import tiny_run_args

    return call_command(*tiny_run_args("srgan", out, data, *flags))


def test_an_srgan_run_resumes_with_a_longer_gan_phase(tiny_runs, tmp_path, capsys):
    out, data = copied_srgan_run(tiny_runs, tmp_path)
    assert train_srgan(data, out, "--resume", "--gan-steps", 4) == 0
    captured = capsys.readouterr()
    assert "error" not in captured.err
    assert f"Resuming from step 2 ({out / 'srgan' / 'checkpoint.npz'})" in captured.out
    assert "steps 3..4" in captured.out
    assert (out / "srgan" / "history.csv").read_text().splitlines()[-1].startswith("4,")


def test_an_srgan_phase_killed_before_its_first_checkpoint_starts_afresh_on_resume(tiny_runs, tmp_path, capsys):
    out, data = copied_srgan_run(tiny_runs, tmp_path)
    phase = out / "srgan"
    for name in os.listdir(phase):  # what a kill before the first checkpoint leaves: grids and history only
        if name.startswith(("checkpoint", "generator", "ema_generator", "report", "test_")):
            os.unlink(phase / name)
    (phase / "history.csv").write_text((phase / "history.csv").read_text().splitlines()[0] + "\n")
    assert train_srgan(data, out, "--resume") == 0
    captured = capsys.readouterr()
    assert "error" not in captured.err
    assert f"--resume: {phase} has no checkpoint (its run stopped before the first one): starting it afresh" in (
        captured.out)
    assert (phase / "checkpoint.npz").exists() and (phase / "generator.keras").exists()


def test_resume_without_a_checkpoint_keeps_a_saved_generator(tmp_path, tiny_fashion_dir, capsys):
    out = tmp_path / "run"
    assert train_mlp(tiny_fashion_dir, out, "--steps", 2) == 0
    os.unlink(out / "checkpoint.npz")
    before = (out / "generator.keras").read_bytes()
    assert train_mlp(tiny_fashion_dir, out, "--steps", 2, "--resume") == EXIT_USAGE
    line = one_error_line(capsys.readouterr().err)
    assert "holds generator.keras of an earlier run but no checkpoint" in line and "--overwrite" in line
    assert (out / "generator.keras").read_bytes() == before
