"""The `gan-keras` command: one subcommand per job.

    gan-keras train dcgan --epochs 10
    gan-keras train cgan|mlp|gaussian|pix2pix|srgan|stackgan ...
    gan-keras sample --generator outputs/fashion_dcgan/generator.keras --out grid.png
    gan-keras evaluate --generator outputs/fashion_dcgan/best_generator.keras
    gan-keras upscale --input photo.jpg --out big.png    # or --generator outputs/srgan_photos/srgan/generator.keras
    gan-keras animate outputs/fashion_dcgan
    gan-keras compare outputs/fashion_dcgan outputs/fashion_dcgan_b64 --out comparison
    KERAS_BACKEND=jax gan-keras launch -n 2 -- train dcgan --engine compiled   # one run, two processes
    gan-keras translate | sanity-table | train-classifier | benchmark

Each subcommand is a module of `gan_keras.cli.commands` with
`add_arguments(parser)` and `run(args) -> exit status`; the scripts in
`scripts/` call the same modules. Flags are checked before Keras is imported,
so a typo fails at once with one line and exit status 2.

Modules:
    flags: command-line plumbing: flags made from configs, one-line errors, exit statuses.
    commands/: one module per subcommand.
    views/: what `compare` and `benchmark` compute and show (comparison, timing).

The top layer: may import every other layer of gan_keras.
"""

import dataclasses
import importlib
import sys
from typing import Callable

from gan_keras.cli import flags
from gan_keras.cli.commands import train as train_gan
from gan_keras.core.errors import EXIT_INTERRUPTED
from gan_keras.recipes import RECIPES


@dataclasses.dataclass(frozen=True)
class Command:
    """One subcommand: its name, one line of help, its flags and what it does."""

    name: str
    help: str
    add_arguments: Callable
    run: Callable
    description: str = ""


def _module_command(name, module, help):
    def add_arguments(parser):
        importlib.import_module(f"gan_keras.cli.commands.{module}").add_arguments(parser)

    def run(args):
        return importlib.import_module(f"gan_keras.cli.commands.{module}").run(args)

    return Command(name, help, add_arguments, run)


def train_command(key):
    """The `Command` that trains the recipe `key` (dcgan, cgan, mlp, gaussian)."""
    recipe = RECIPES[key]
    return Command(key, recipe.summary, lambda parser: train_gan.add_arguments(parser, recipe),
                   lambda args: train_gan.run(args, recipe), description=f"Trains {recipe.summary}.")


COMMANDS = {
    "sample": _module_command("sample", "sample", "draw samples from a saved generator (PNG grid or .npz arrays)"),
    "evaluate": _module_command("evaluate", "evaluate", "score a saved generator (or real data) against the "
                                "Fashion-MNIST test split: FD, KID, score, precision/recall"),
    "sanity-table": _module_command("sanity-table", "sanity_table", "the metrics of real, damaged and collapsed "
                                    "Fashion-MNIST images"),
    "train-classifier": _module_command("train-classifier", "train_classifier", "train the frozen Fashion-MNIST "
                                        "classifier that the evaluation looks through"),
    "upscale": _module_command("upscale", "upscale", "upscale your own image 4x (the shipped upscaler or a trained "
                               "SRGAN generator; any size, in tiles)"),
    "translate": _module_command("translate", "translate", "run a trained pix2pix (or any image-to-image) "
                                 "generator on your own image"),
    "emoji": _module_command("emoji", "emoji", "write a folder of 3,655 colour emoji in 9 class folders to train "
                             "on (Google's Noto colour emoji, offline)"),
    "animate": _module_command("animate", "animate", "the sample grids of a run as an animation (progress.gif, "
                               "and .mp4 where ffmpeg is installed)"),
    "compare": _module_command("compare", "compare", "compare runs: their FD/KID/score curves and final metrics "
                               "with their settings side by side (Markdown and PNG)"),
    "benchmark": _module_command("benchmark", "benchmark", "time the DCGAN train step: the book's loop, the "
                                 "package's default, XLA"),
    "launch": _module_command("launch", "launch", "one training run in N processes on this machine (JAX): "
                              "launch -n N -- train GAN ..."),
}


def build_parser(prog="gan-keras"):
    """The `gan-keras` parser with every subcommand."""
    parser = flags.ArgumentParser(prog=prog, description="The GANs of Deep Learning for Vision Systems, chapter 8, "
                                                       "on Keras 3.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                     parser_class=flags.ArgumentParser)
    train = commands.add_parser("train", help="train a GAN: " + ", ".join(RECIPES),
                                description="Trains one of the package's GANs.")
    gans = train.add_subparsers(dest="gan", metavar="GAN", required=True, parser_class=flags.ArgumentParser)
    for key in RECIPES:
        command = train_command(key)
        sub = gans.add_parser(key, help=command.help, description=command.description)
        command.add_arguments(sub)
        sub.set_defaults(_run=command.run)
    for command in COMMANDS.values():
        sub = commands.add_parser(command.name, help=command.help, description=command.help[0].upper()
                                  + command.help[1:] + ".")
        command.add_arguments(sub)
        sub.set_defaults(_run=command.run)
    return parser


def main(argv=None):
    """Entry point of `gan-keras` and `python -m gan_keras`; exits with the command's status."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:  # Ctrl-C while the flags are read: one line, as during the command
        print("interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(flags.run_guarded(lambda: args._run(args), prog=parser.prog))


def run_script(command, description, argv=None):
    """Entry point of a script in `scripts/`: the `Command`'s flags under the script's own name.

    Args:
        command: A `Command` (e.g. `train_command("dcgan")` or `COMMANDS["sample"]`).
        description: The script's first docstring line, for `--help`.
        argv: Arguments (default `sys.argv[1:]`).

    Returns:
        Never; exits with the command's status.
    """
    parser = flags.ArgumentParser(description=description)
    command.add_arguments(parser)
    args = parser.parse_args(argv)
    sys.exit(flags.run_guarded(lambda: command.run(args)))
