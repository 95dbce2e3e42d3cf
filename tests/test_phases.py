"""A run as phases (`gan_keras.runs.phases`, `run_phases`): one lock, one held-run check, one exit status.

The phases here train nothing: `run_phases` runs a fake in place of `train_in_folder` that
records what it was asked to train and returns a run that was, or was not,
interrupted.
"""

import dataclasses
import os
import subprocess
import sys
import types

import pytest

from gan_keras.core.config import ConfigError
from gan_keras.core.errors import EXIT_INTERRUPTED, EXIT_USAGE, UserError
from gan_keras.core.fileio import TEMP_PREFIX
from gan_keras.runs.config import RunConfig
from gan_keras.runs.folder import LOCK_FILE, RunFolder, RunFolderError
from gan_keras.runs import run as run_module
from gan_keras.runs.phases import Phase, Training, phase_config


def run_phases(config, phases, train):
    """`gan_keras.runs.run.run_phases` with `train` standing in for its `train_in_folder`; returns the status."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run_module, "train_in_folder", train)
        return run_module.run_phases(config, phases).status


class FakeRuns:
    """A run function for `run_phases`: records each call, checks the lock, and interrupts where told."""

    def __init__(self, run_dir, interrupt=()):
        self.run_dir = str(run_dir)
        self.interrupt = set(interrupt)
        self.calls = []

    def __call__(self, folder, config, training):
        with pytest.raises(RunFolderError, match="in use by another run"):  # the run holds its folder's lock
            RunFolder(self.run_dir).lock()
        self.calls.append((folder.path, config.output_dir, config.seed, training.model))
        return types.SimpleNamespace(interrupted=training.model in self.interrupt, step=3)


def gan_phase(name, folder=None, seed=None, after_run=None, **extra):
    """A phase whose `Training` is named after the phase (the fake ignores everything else)."""
    return Phase(name, lambda config: Training(build=None, source=None, model=name, after_run=after_run),
                 folder=folder, seed=seed, **extra)


def config_in(tmp_path, **settings):
    return RunConfig(output_dir=str(tmp_path / "run"), batch_size=4, steps=3, **settings)


def test_phases_run_in_order_in_their_folders_with_their_seeds_under_one_lock(tmp_path):
    config = config_in(tmp_path, seed=7)
    runs = FakeRuns(config.output_dir)
    made = []
    phases = [Phase("encoder", lambda c: made.append(c.output_dir)), gan_phase("a", folder="a"),
              gan_phase("b", folder="b", seed=9)]
    assert run_phases(config, phases, runs) == 0
    run_dir = config.output_dir
    assert made == [run_dir]  # a phase that does its own work is not trained
    assert runs.calls == [(os.path.join(run_dir, "a"), os.path.join(run_dir, "a"), 7, "a"),
                          (os.path.join(run_dir, "b"), os.path.join(run_dir, "b"), 9, "b")]
    # One lock, on the run's folder, released cleanly; the phases' folders take none of their own.
    assert os.path.exists(os.path.join(run_dir, LOCK_FILE))
    assert not any(os.path.exists(os.path.join(run_dir, part, LOCK_FILE)) for part in ("a", "b"))
    assert open(os.path.join(run_dir, LOCK_FILE)).read().strip().endswith("released")
    with RunFolder(run_dir) as folder:
        assert not folder.previous_owner_crashed


def test_a_phase_folder_is_cleared_of_a_killed_write_s_temporary_files(tmp_path, capsys):
    config = config_in(tmp_path)
    samples = os.path.join(config.output_dir, "a", "samples")
    os.makedirs(samples)
    open(os.path.join(samples, TEMP_PREFIX + "grid.png"), "w").close()
    assert run_phases(config, [gan_phase("a", folder="a")], FakeRuns(config.output_dir)) == 0
    assert os.listdir(samples) == []
    assert f"Removed 1 temporary file(s) left by an interrupted write in {os.path.join(config.output_dir, 'a')}" in (
        capsys.readouterr().out)
    with pytest.raises(RuntimeError, match="not locked"):
        RunFolder(config.output_dir).part("a")


def test_a_single_phase_runs_in_the_run_folder_itself(tmp_path):
    config = config_in(tmp_path)
    runs = FakeRuns(config.output_dir)
    assert run_phases(config, [gan_phase("dcgan")], runs) == 0
    assert runs.calls == [(config.output_dir, config.output_dir, 0, "dcgan")]
    assert phase_config(config, gan_phase("dcgan")) is config


@pytest.mark.parametrize("held", [None, "b"])
def test_a_folder_holding_a_run_is_refused_before_any_phase_starts(tmp_path, held):
    config = config_in(tmp_path)
    held_dir = config.output_dir if held is None else os.path.join(config.output_dir, held)
    os.makedirs(held_dir)
    open(os.path.join(held_dir, "marker.bin"), "w").close()
    started = []
    phases = [Phase("first", lambda c: started.append(c)), gan_phase("a", folder="a"),
              gan_phase("b", folder="b"), Phase("last", lambda c: None, marker="marker.bin")]
    if held:
        phases[2] = gan_phase("b", folder="b", marker="marker.bin")
    runs = FakeRuns(config.output_dir)
    with pytest.raises(UserError, match="already holds a run") as error:
        run_phases(config, phases, runs)
    assert error.value.exit_code == EXIT_USAGE
    assert str(error.value).startswith(f"{held_dir} already holds a run (marker.bin); pass --resume")
    assert started == [] and runs.calls == [] and not os.path.exists(os.path.join(config.output_dir, "a"))
    # --resume and --overwrite let the run start.
    for flag in ("resume", "overwrite"):
        assert run_phases(config_in(tmp_path, **{flag: True}), phases, FakeRuns(config.output_dir)) == 0


def test_a_run_held_by_another_process_is_refused(tmp_path):
    config = config_in(tmp_path)
    with RunFolder(config.output_dir):
        with pytest.raises(RunFolderError, match="in use by another run"):
            run_phases(config, [gan_phase("a")], FakeRuns(config.output_dir))


def test_an_interrupted_phase_ends_the_run_with_the_interrupted_status(tmp_path):
    config = config_in(tmp_path)
    runs = FakeRuns(config.output_dir, interrupt={"b"})
    seen, reported = [], []
    phases = [gan_phase("a", folder="a"), gan_phase("b", folder="b", after_run=seen.append),
              gan_phase("c", folder="c"), Phase("table", lambda c: reported.append(c), marker=None)]
    status = run_phases(config, phases, runs)
    assert status == EXIT_INTERRUPTED == 130
    assert [call[3] for call in runs.calls] == ["a", "b"]  # c and the table never start
    assert len(seen) == 1 and seen[0].interrupted  # the phase hears of its run, interrupted or not
    assert reported == []
    assert not os.path.exists(os.path.join(config.output_dir, "c"))
    with RunFolder(config.output_dir) as folder:  # the lock was released cleanly: an interrupt saves and ends
        assert not folder.previous_owner_crashed


def test_a_failing_phase_releases_the_lock_marked_as_not_finished(tmp_path):
    config = config_in(tmp_path)

    def failing(folder, run_config, training):
        raise RuntimeError("the phase failed")  # unexpected: a one-line `UserError` is a clean end

    with pytest.raises(RuntimeError, match="the phase failed"):
        run_phases(config, [gan_phase("a", folder="a")], failing)
    with RunFolder(config.output_dir) as folder:
        assert folder.previous_owner_crashed


def test_a_run_needs_its_batch_size_and_a_report_phase_its_folder(tmp_path):
    with pytest.raises(ConfigError, match="--batch-size must be set"):
        run_phases(dataclasses.replace(config_in(tmp_path), batch_size=None), [gan_phase("a")],
                   FakeRuns(tmp_path))
    with pytest.raises(ValueError, match="its own folder"):
        gan_phase("a", report=True)


def test_phases_and_the_recipes_that_declare_them_import_no_keras():
    code = ("import sys, gan_keras.runs.phases, gan_keras.runs.config, gan_keras.recipes, "
            "gan_keras.cli.commands.train, gan_keras.api; print('keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_every_multi_phase_recipe_declares_phases_and_none_trains_itself():
    from gan_keras.recipes import RECIPES

    assert {key for key, recipe in RECIPES.items() if recipe.phases is not None} == {"srgan", "stackgan", "gaussian"}
    assert not any(hasattr(recipe, "train") for recipe in RECIPES.values())
