"""Command-line plumbing: flags made from configs, one-line errors, exit codes.

Commands parse and check every flag before importing Keras, so a typo fails
in a fraction of a second with one line on stderr and exit status 2.
Expected failures later on (data, checkpoints, files) end with one line and
exit status 1; Ctrl-C ends with status 130 after saving.
"""

import argparse
import dataclasses
import os
import sys
import tempfile

from gan_keras.core.config import ConfigError, flag_name, seed_value
from gan_keras.core.errors import EXIT_DATA_OR_IO, EXIT_INTERRUPTED, EXIT_USAGE, UserError


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage block).

    In a process of a job (`--num-processes`, or Keras' job variables), a
    refused command line is also told to process 0, which then stops the
    job at once instead of waiting for this process (`roll_call.refuse`).
    """

    def error(self, message):
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.stderr.flush()
        _tell_process_0(sys.argv[1:], message)
        self.exit(EXIT_USAGE)


def _tell_process_0(argv, message):
    """Best effort: the job flags read from the raw words (the parser refused them), then the refusal sent."""
    given = {}
    for i, word in enumerate(argv):
        for flag in ("--coordinator", "--num-processes", "--process-id"):
            if word == flag and i + 1 < len(argv):
                given[flag] = argv[i + 1]
            elif word.startswith(flag + "="):
                given[flag] = word.split("=", 1)[1]
    number = {flag: int(value) for flag, value in given.items() if flag != "--coordinator" and value.isdigit()}
    # Only a job's light module (no Keras), and only when the command line was refused.
    from gan_keras.training.processes import tell_process_0

    tell_process_0(given.get("--coordinator"), number.get("--num-processes"), number.get("--process-id"), message)


def positive_int(text):
    """argparse type: an integer > 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def seed(text):
    """argparse type: a seed, an integer in 0..2**32 - 1 (the range numpy and Keras accept)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    problem = seed_value(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def add_config_flags(parser, config_class, *, defaults=None, only=None, exclude=(), help_defaults=None):
    """Adds one flag per field of a config dataclass (see `gan_keras.core.config.setting`).

    A field `latent_dim` becomes `--latent-dim`; a bool field defaulting to
    False becomes a switch `--name`, one defaulting to True a switch
    `--no-name`. Values are only converted here (int, float, str); ranges
    are checked when the config is built, so they hold for every caller.

    Args:
        parser: An `ArgumentParser` (or argument group).
        config_class: A dataclass with `setting` fields.
        defaults: Defaults replacing the class's, by field name.
        only: Field names to add (default: every field with a flag).
        exclude: Field names to leave out.
        help_defaults: Descriptions of defaults computed later, by field name
            (the parsed value is then None).
    """
    defaults = dict(defaults or {})
    help_defaults = dict(help_defaults or {})
    exclusive = {}
    for pair in getattr(config_class, "EXCLUSIVE", ()):
        fields = [f for f in pair if _wanted(config_class, f, only, exclude)]
        if len(fields) == len(pair):
            group = parser.add_mutually_exclusive_group()
            exclusive.update({f: group for f in fields})
    for field in dataclasses.fields(config_class):
        if not _wanted(config_class, field.name, only, exclude):
            continue
        meta = field.metadata
        target = exclusive.get(field.name, parser)
        default = defaults.get(field.name, field.default)
        if field.name in help_defaults:
            default_text, default = help_defaults[field.name], None
        else:
            default_text = default
        if isinstance(field.default, bool):
            if default:
                target.add_argument("--no-" + field.name.replace("_", "-"), dest=field.name, action="store_false",
                                    default=True, help=f"do not {meta['help']}" if meta['help'][0].islower()
                                    else meta['help'])
            else:
                target.add_argument(flag_name(field.name), dest=field.name, action="store_true", default=False,
                                    help=meta["help"])
            continue
        kind = meta.get("kind") or type(field.default)
        if kind is bool:  # a switch whose default depends on other settings: --NAME / --no-NAME, else None
            target.add_argument(flag_name(field.name), dest=field.name, action=argparse.BooleanOptionalAction,
                                default=None, help=meta["help"])
            continue
        text = meta["help"] + ("" if default_text is None else f" (default {default_text})")
        target.add_argument(flag_name(field.name), dest=field.name, type=_converter(kind), default=default,
                            choices=meta.get("choices"), metavar=meta.get("metavar"), help=text)


def config_from_args(config_class, args, **values):
    """Builds a config from parsed flags; `values` fill or replace fields.

    Fields without a flag and not in `values` keep their class default.

    Raises:
        ConfigError: (exit status 2) if a value is out of range.
    """
    fields = {f.name for f in dataclasses.fields(config_class)}
    given = {name: getattr(args, name) for name in fields if hasattr(args, name)}
    given.update(values)
    return config_class(**given)


def _wanted(config_class, name, only, exclude):
    field = config_class.__dataclass_fields__[name]
    if name in exclude or (only is not None and name not in only):
        return False
    return only is not None or field.metadata.get("flag", True)


def _converter(kind):
    def convert(text):
        try:
            return kind(text)
        except ValueError:
            noun = {int: "an integer", float: "a number"}.get(kind, "a value")
            raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}") from None

    convert.__name__ = kind.__name__
    return convert


def quiet_tensorflow():
    """Imports Keras with TensorFlow's C++ start-up chatter kept off the terminal.

    TensorFlow 2.21 logs several lines (oneDNN, CPU features) to the process's
    stderr while it loads, before its log level applies. They are captured
    here and shown only if the import fails.

    Raises:
        UserError: (exit status 2) if Keras cannot load its backend (an
            unknown or uninstalled `KERAS_BACKEND`), in one line.
    """
    # Level 3 also hides grappler's harmless "remapper failed" notices.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "keras" in sys.modules:
        return

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import keras  # noqa: F401
        except (ImportError, ValueError) as error:  # an unknown or missing backend: Keras raises while it loads
            os.dup2(saved, 2)
            backend = os.environ.get("KERAS_BACKEND")
            raise UserError(f"Keras cannot load {'the backend ' + repr(backend) if backend else 'its backend'} "
                            f"({' '.join(str(error).split())[:200]}): set KERAS_BACKEND to tensorflow, jax or "
                            f"torch, with that package installed", EXIT_USAGE) from None
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def run_guarded(main, prog=None):
    """Runs `main()` and turns expected failures into one line and an exit status.

    Args:
        main: Callable returning an exit status (or None for 0).
        prog: Program name of the error lines (default: the script's name).

    Returns:
        The exit status: main's, 1 or 2 for expected failures, 130 for Ctrl-C.
    """
    prog = prog or os.path.basename(sys.argv[0])
    try:
        return main() or 0
    except ConfigError as error:
        return _fail(prog, error, error.exit_code)
    except UserError as error:  # also DataError and CheckpointError
        return _fail(prog, error, error.exit_code)
    except MemoryError:
        return _fail(prog, "out of memory: use smaller sizes (--batch-size, --latent-dim, --n)", EXIT_DATA_OR_IO)
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        return _fail(prog, f"{error.strerror or error}{where}", EXIT_DATA_OR_IO)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _fail(prog, message, code):
    print(f"{prog}: error: {' '.join(str(message).split())}", file=sys.stderr)
    return code
