"""The Python API (`gan_keras.train`, `load_generator`, `upscale`, `evaluate`): the commands' flags as arguments."""

import json
import subprocess
import sys

import numpy as np
import pytest

import gan_keras
from gan_keras.api import settings
from gan_keras.cli.commands import train as train_command
from gan_keras.recipes import RECIPES

# Run in a fresh interpreter: the whole contract, from `import gan_keras` on, as a notebook's first cells.
FRESH = r"""
import json, sys
import numpy as np
import gan_keras
out = sys.argv[1]
run = gan_keras.train("cgan", steps=3, batch_size=8, no_eval=True, output_dir=out, no_progress=True)
generator = gan_keras.load_generator(out + "/generator.keras")
labelled = generator.sample(4, label=7, seed=1)
again = run.generator.sample(4, label=7, seed=1)
big = gan_keras.upscale(np.full((20, 24, 3), 128, np.uint8))
try:
    generator.sample(2, label=10)
    refused = None
except gan_keras.GanKerasError as error:
    refused = str(error)
print(json.dumps({"status": run.status, "output_dir": run.output_dir, "history": run.history,
                  "shape": list(labelled.shape), "low": float(labelled.min()), "high": float(labelled.max()),
                  "same": bool(np.array_equal(labelled, again)), "big": [list(big.shape), str(big.dtype)],
                  "refused": refused}))
"""


def test_the_contract_works_in_a_fresh_process(tmp_path):
    out = str(tmp_path / "run")
    result = subprocess.run([sys.executable, "-c", FRESH, out], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"] == 0 and seen["output_dir"] == out
    assert [row["step"] for row in seen["history"]] == [1, 2, 3]
    assert all(isinstance(row["g_loss"], float) for row in seen["history"])
    with open(f"{out}/history.csv") as f:
        assert f.readline().strip().split(",") == list(seen["history"][0])  # the file's columns, in order
    assert seen["shape"] == [4, 28, 28, 1] and -1.0 <= seen["low"] <= seen["high"] <= 1.0
    assert seen["same"]  # the same seed draws the same samples
    assert seen["big"] == [[80, 96, 3], "uint8"]
    assert seen["refused"] == "class labels must be in 0..9, got 10"


@pytest.mark.parametrize("given, line", [
    ({"batch_size": 0}, "--batch-size must be a positive integer, got 0"),
    ({"latent_dim": "many"}, "argument --latent-dim: expected an integer, got 'many'"),
    ({"no_such": 1}, "train dcgan has no setting 'no_such'"),
    ({"no_eval": True, "eval_n": 100}, "--no-eval excludes --eval-n"),
    ({"overwrite": "yes"}, "overwrite is a switch: True or False, got 'yes'"),
    ({"coordinator": "127.0.0.1:1234"}, "coordinator: a job of several processes starts from the command line"),
    ({"dataset": "folder"}, "--dataset folder needs --data-dir DIR"),
])
def test_a_bad_setting_raises_one_value_error_with_the_command_s_line(tmp_path, given, line):
    with pytest.raises(gan_keras.GanKerasError) as raised:
        gan_keras.train("dcgan", output_dir=str(tmp_path / "run"), **given)
    assert isinstance(raised.value, ValueError)
    assert str(raised.value).startswith(line)
    assert not (tmp_path / "run").exists()


def test_an_unknown_gan_and_a_missing_generator_are_refused(tmp_path):
    with pytest.raises(gan_keras.GanKerasError, match="unknown GAN 'wgan': one of dcgan, cgan"):
        gan_keras.train("wgan")
    with pytest.raises(gan_keras.GanKerasError, match="no generator file at"):
        gan_keras.evaluate(str(tmp_path / "none.keras"))
    with pytest.raises(gan_keras.GanKerasError, match="upscale takes uint8 pixels"):
        gan_keras.upscale(np.zeros((8, 8, 3), np.float32))


def test_settings_become_the_command_s_words_and_its_defaults():
    recipe = RECIPES["cgan"]

    def parsed(**given):
        args = settings.parse("train cgan", lambda parser: train_command.add_arguments(parser, recipe), given)
        return train_command.configs_from_args(args, recipe)

    model, _, config = parsed()
    default_model, _, default_config = parsed(batch_size=None, augment=None)  # None: the default
    assert (model, config) == (default_model, default_config)
    model, _, config = parsed(batch_size=16, augment=False, no_progress=True)
    assert (config.batch_size, model.augment, config.progress) == (16, False, False)
    assert parsed(no_augment=True)[0].augment is False and parsed(augment=True)[0].augment is True
    assert parsed(progress=False)[2].progress is False  # a switch --no-NAME also as NAME=False
