"""Keyword arguments as a command's flags: parsed by the command's own parser, refused with its one line."""

import argparse
import contextlib

from gan_keras.cli import flags
from gan_keras.core.errors import EXIT_USAGE, UserError

__all__ = ["GanKerasError", "parse", "user_errors"]


class GanKerasError(ValueError):
    """A setting, file or folder that a `gan-keras` command would refuse.

    Its message is the command's one line; `exit_code` is the command's exit
    status (2 for a setting, 1 for data and files).
    """

    def __init__(self, message, exit_code=EXIT_USAGE):
        super().__init__(message)
        self.exit_code = exit_code


class _Parser(flags.ArgumentParser):
    """The command's parser, raising `GanKerasError` where the command would print a line and exit."""

    def error(self, message):
        raise GanKerasError(message, EXIT_USAGE)


@contextlib.contextmanager
def user_errors():
    """Turns the package's expected failures (`UserError`) into `GanKerasError`, with the same line."""
    try:
        yield
    except UserError as error:
        raise GanKerasError(" ".join(str(error).split()), error.exit_code) from None


def parse(command, add_arguments, settings):
    """Parses keyword arguments as the flags of a command.

    Args:
        command: The command's words for messages, e.g. "train dcgan".
        add_arguments: `parser -> None`, the command's flags.
        settings: `{name: value}`: a flag `--batch-size N` is `batch_size=N`;
            a switch `--no-eval` is `no_eval=True`; a switch pair
            `--augment/--no-augment` is `augment=True/False`. None leaves a
            flag at its default.

    Returns:
        The parsed `argparse.Namespace`, as the command gets it.

    Raises:
        GanKerasError: for an unknown setting or a value the parser refuses.
    """
    parser = _Parser(prog=f"gan-keras {command}")
    add_arguments(parser)
    options = {option: action for action in parser._actions for option in action.option_strings}
    words = []
    for name, value in settings.items():
        if value is None:
            continue
        option = "--" + name.replace("_", "-")
        action = options.get(option)
        if action is None and isinstance(value, bool) and "--no-" + option[2:] in options:  # progress=False
            option, value = "--no-" + option[2:], not value
            action = options[option]
        if action is None or option in ("--help", "-h"):
            raise GanKerasError(f"{command} has no setting {name!r} (see `gan-keras {command} --help`)")
        words += _words(option, action, value, name)
    return parser.parse_args(words)


def _words(option, action, value, name):
    """The command-line words of one setting."""
    if action.nargs == 0 or isinstance(action, argparse.BooleanOptionalAction):
        if not isinstance(value, bool):
            raise GanKerasError(f"{name} is a switch: True or False, got {value!r}")
        if isinstance(action, argparse.BooleanOptionalAction):  # --augment/--no-augment: False is the other one
            return [option] if value else [next(o for o in action.option_strings if o != option)]
        return [option] if value else []
    if isinstance(value, bool):
        raise GanKerasError(f"{name} takes a value, not {value!r}")
    if isinstance(value, (list, tuple)):
        value = ",".join(map(str, value))
    return [option, str(value)]
