"""Every positive setting of every GAN refuses zero and negative values: exit status 2, one line naming the flag.

A value the user typed is never replaced by a default (`--batch-size 0` once
trained at 32). The flags fail before Keras or any data loads, so these are
fast; the command runs in this process, the scripts and one flag per GAN in a
fresh one, as a user runs them.
"""

import dataclasses
import os
import re

import pytest

from gan_keras.cli import flags
from gan_keras.cli.commands import train as train_command
from gan_keras.core import config as config_checks
from gan_keras.recipes import RECIPES
from gan_keras.runs.config import RunConfig
from tests.conftest import ROOT, assert_one_line_error, call_command, run

# The checks of settings that must be > 0 (None, where allowed, means "the default").
POSITIVE_CHECKS = (config_checks.positive, config_checks.positive_or_none, config_checks.latent_size,
                   config_checks.positive_number, config_checks.step_interval)


def positive_flags(key):
    """The flags of `gan-keras train KEY` whose settings must be positive, e.g. ["--latent-dim", "--batch-size"]."""
    recipe = RECIPES[key]
    fields = {}
    for config_class in (recipe.config, recipe.options, RunConfig):
        if config_class is not None:
            fields.update({field.name: field for field in dataclasses.fields(config_class)})
    parser = flags.ArgumentParser()
    train_command.add_arguments(parser, recipe)
    found = []
    for action in parser._actions:
        field = fields.get(action.dest)
        if field is not None and action.option_strings and field.metadata.get("check") in POSITIVE_CHECKS:
            found.append(action.option_strings[0])
    return found


CASES = [(key, flag, value) for key in RECIPES for flag in positive_flags(key) for value in ("0", "-3")]
SCRIPTS = {re.search(r'train_command\("(\w+)"\)', open(os.path.join(ROOT, "scripts", name)).read()).group(1):
           os.path.join(ROOT, "scripts", name)
           for name in sorted(os.listdir(os.path.join(ROOT, "scripts")))
           if name.startswith("train_") and "train_command(" in open(os.path.join(ROOT, "scripts", name)).read()}


def test_the_positive_flags_are_found_for_every_gan():
    shared = {"--batch-size", "--epochs", "--steps", "--save-interval", "--checkpoint-interval", "--steps-per-call",
              "--devices"}
    for key in RECIPES:
        assert shared <= set(positive_flags(key)), key
    assert {"--eval-interval", "--eval-n", "--keep-generators", "--latent-dim"} <= set(positive_flags("dcgan"))
    assert {"--runs", "--trajectory-interval", "--d-steps", "--g-steps", "--target-std"} <= set(
        positive_flags("gaussian"))
    assert {"--filters", "--l1-weight"} <= set(positive_flags("pix2pix"))
    assert {"--crops", "--adversarial-weight"} <= set(positive_flags("srgan"))
    assert {"--latent-dim", "--text-dim", "--condition-dim"} <= set(positive_flags("stackgan"))
    assert set(SCRIPTS) == set(RECIPES)


@pytest.mark.parametrize("key, flag, value", CASES)
def test_zero_and_negative_values_exit_2_with_one_line_naming_the_flag(tmp_path, monkeypatch, capsys, key, flag,
                                                                        value):
    monkeypatch.chdir(tmp_path)  # nothing may be written elsewhere, should a value pass
    try:
        status = call_command("train", key, "--output-dir", tmp_path / "out", f"{flag}={value}")
    except SystemExit as exit_info:  # argparse's own errors
        status = exit_info.code
    lines = capsys.readouterr().err.strip().splitlines()
    assert status == 2, lines
    assert len(lines) == 1 and flag in lines[0] and value in lines[0], lines
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("key", list(RECIPES))
def test_batch_size_0_is_refused_by_the_command_and_the_script(tmp_path, key):
    for command in (["train", key], SCRIPTS[key]):
        result = run(command, "--batch-size", 0, "--output-dir", tmp_path / "out", cwd=tmp_path)
        assert_one_line_error(result, 2, "--batch-size", "got 0")
    assert_one_line_error(run(SCRIPTS[key], "--epochs", -1, cwd=tmp_path), 2, "--epochs", "got -1")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("flag", ["--output-dir", "--tensorboard"])
def test_an_empty_path_is_refused_not_read_as_the_default(tmp_path, capsys, flag):
    assert call_command("train", "gaussian", flag, "") == 2
    assert f"{flag} must be a path, got ''" in capsys.readouterr().err
