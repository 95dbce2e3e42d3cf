"""The Python API: what the `gan-keras` commands do, as functions a notebook calls.

    import gan_keras
    run = gan_keras.train("dcgan", steps=20, batch_size=16, no_eval=True, output_dir="outputs/nb")
    run.history[-1]["g_loss"]                        # one dict per logged step (history.csv)
    images = run.generator.sample(16)                # float32 (16, 28, 28, 1) in [-1, 1]
    g = gan_keras.load_generator("outputs/nb/generator.keras")
    big = gan_keras.upscale(pixels)                  # uint8 (h, w, 3) -> uint8 (4h, 4w, 3)
    scores = gan_keras.evaluate("outputs/nb/generator.keras", n=2000)

Keyword arguments are the command's flags with underscores (`--batch-size`
is `batch_size`, `--no-eval` is `no_eval=True`, `--augment/--no-augment` is
`augment=True/False`): they go through the command's own parser, so the
defaults and checks are the command's. A refused setting or file raises
`GanKerasError` (a `ValueError`) with the line the command would print; the
interpreter never exits.

Modules:
    settings: keyword arguments -> the command's words, parsed by its parser; `GanKerasError`.
    generator: `SavedGenerator`, a saved generator that samples, translates or upscales.

The top layer beside `cli`: may import every other layer of gan_keras.
"""

import csv
import dataclasses
import json
import os

from gan_keras.api.generator import SavedGenerator, load_generator, upscale
from gan_keras.api.settings import GanKerasError, parse, user_errors
from gan_keras.cli.commands import evaluate as evaluate_command
from gan_keras.cli.commands import train as train_command
from gan_keras.core import fileio
from gan_keras.recipes import RECIPES

__all__ = ["GanKerasError", "Run", "SavedGenerator", "evaluate", "load_generator", "train", "upscale"]

_JOB_FLAGS = ("coordinator", "coordinator_bind", "num_processes", "process_id")


@dataclasses.dataclass(frozen=True)
class Run:
    """A finished (or interrupted) training run.

    Attributes:
        status: 0, or 130 if it was interrupted (Ctrl-C); `resume=True` continues it.
        output_dir: The run's folder.
        folder: The folder of its last trained part (`output_dir`, or e.g.
            `output_dir/srgan` for SRGAN's second phase): where `history` and
            `generator` come from.
    """

    status: int
    output_dir: str
    folder: str

    @property
    def history(self):
        """One dict per logged step (`history.csv`): numbers as int or float, e.g. `{"step": 1, "d_loss": 0.69}`."""
        path = os.path.join(self.folder, "history.csv")
        if not os.path.isfile(path):
            return []
        return [{key: _number(value) for key, value in row.items()} for row in _read_history(path)]

    @property
    def generator(self):
        """The run's saved generator (`generator.keras` of its last part), as `load_generator` returns it."""
        return load_generator(os.path.join(self.folder, "generator.keras"))


def train(name, **settings):
    """Trains one of the package's GANs, as `gan-keras train NAME --flags` does.

    Args:
        name: "dcgan", "cgan", "mlp", "gaussian", "pix2pix", "srgan" or "stackgan".
        **settings: The command's flags with underscores, e.g. `steps=20,
            batch_size=16, no_eval=True, output_dir="outputs/nb"`; a flag
            left out takes the command's default.

    Returns:
        A `Run`.

    Raises:
        GanKerasError: for an unknown GAN or setting, a value the command
            refuses, missing data, a folder that holds another run, ...
            (the command's one line).
    """
    with user_errors():
        if name not in RECIPES:
            raise GanKerasError(f"unknown GAN {name!r}: one of {', '.join(RECIPES)}", 2)
        job = sorted(key for key in settings if key in _JOB_FLAGS and settings[key] is not None)
        if job:
            raise GanKerasError(f"{job[0]}: a job of several processes starts from the command line "
                                f"(gan-keras launch -n N -- train {name} ...)", 2)
        recipe = RECIPES[name]
        args = parse(f"train {name}", lambda parser: train_command.add_arguments(parser, recipe), settings)
        model, options, config = train_command.configs_from_args(args, recipe)
        outcome = train_command.train(recipe, model, options, config)
    return Run(outcome.status, config.output_dir, outcome.folders[-1] if outcome.folders else config.output_dir)


def evaluate(generator, **settings):
    """Scores a saved generator, as `gan-keras evaluate --generator PATH --flags` does, and prints its table.

    Args:
        generator: A `generator.keras` path (or a `SavedGenerator` loaded from one).
        **settings: The command's flags with underscores, e.g. `n=2000`, `classes="5,7"`, `folder="DIR"`.

    Returns:
        The numbers `--json` writes, e.g. `{"features": "classifier", "n": 2000, "metrics": {"fd": ...},
        "floor": {...}}`.

    Raises:
        GanKerasError: as the command refuses (the command's one line).
    """
    path = generator.path if isinstance(generator, SavedGenerator) else generator
    with user_errors():
        args = parse("evaluate", evaluate_command.add_arguments, {"generator": path, **settings})
        report = evaluate_command.scores(args)
        if args.json is not None:
            fileio.write_text(args.json, json.dumps(report, indent=1))
    return json.loads(json.dumps(report))  # plain floats and lists, as the command's --json file has them


def _read_history(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _number(text):
    for kind in (int, float):
        try:
            return kind(text)
        except (TypeError, ValueError):
            pass
    return text
