"""Command-line plumbing shared by the scripts: flags, errors, exit codes.

Scripts parse and check every flag before importing Keras, so a typo fails
in a fraction of a second with one line on stderr and exit status 2.
Expected failures later on (data, checkpoints, files) end with one line and
exit status 1; Ctrl-C ends with status 130 after saving.
"""

import argparse
import os
import sys

from gan_keras.errors import EXIT_DATA_OR_IO, EXIT_USAGE, UserError  # noqa: F401 (re-exported)

EXIT_INTERRUPTED = 130


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage block)."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def positive_int(text):
    """argparse type: an integer > 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def positive_float(text):
    """argparse type: a finite float > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def finite_float(text):
    """argparse type: any finite float."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text}")
    return value


def add_run_flags(parser, *, output_dir, batch_size, epochs, latent_dim=None, data=True, evaluation=None):
    """Adds the flags every training script shares.

    Args:
        parser: An `ArgumentParser`.
        output_dir: Default `--output-dir`.
        batch_size: Default `--batch-size`.
        epochs: Default `--epochs` (when `--steps` is not given).
        latent_dim: Default `--latent-dim`, or None for no such flag.
        data: Whether to add `--data-dir`.
        evaluation: Whether to add `--eval-interval` and `--eval-n` (image
            GANs); None: the same as `data`.
    """
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--epochs", type=positive_int, default=None,
                        help=f"total epochs: shuffled passes over the training set (default {epochs})")
    length.add_argument("--steps", type=positive_int, default=None,
                        help="total training steps instead of epochs (each step: D on a real and a fake batch, then G)")
    parser.set_defaults(default_epochs=epochs)
    parser.add_argument("--batch-size", type=positive_int, default=batch_size, help=f"default {batch_size}")
    if latent_dim is not None:
        parser.add_argument("--latent-dim", type=positive_int, default=latent_dim, help=f"default {latent_dim}")
    parser.add_argument("--save-interval", type=positive_int, default=None,
                        help="save a sample grid and redraw losses.png every N steps (default: once per epoch, and at the end)")
    parser.add_argument("--checkpoint-interval", type=positive_int, default=None,
                        help="save a checkpoint every N steps (default: once per epoch; always at the end and on Ctrl-C)")
    parser.add_argument("--output-dir", default=output_dir, help=f"default {output_dir}")
    if data:
        parser.add_argument("--data-dir", default=None,
                            help="folder with the dataset's IDX files (default: $GAN_KERAS_DATA, keras' cache, "
                                 "/usr/share/datasets, then keras' downloader)")
    if data if evaluation is None else evaluation:
        parser.add_argument("--eval-interval", type=positive_int, default=None,
                            help="every N steps, score --eval-n samples against the Fashion-MNIST test split (FD, "
                                 "KID, classifier score, precision/recall/density/coverage) into history.csv and "
                                 "keep the lowest-FD generator as best_generator.keras (default: no evaluation)")
        parser.add_argument("--eval-n", type=positive_int, default=None,
                            help="samples per evaluation (default 2000, or 1000 per class for a run on some "
                                 "classes); compare FD/KID only at the same --eval-n")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights, noise and batch order (default 0)")
    restart = parser.add_mutually_exclusive_group()
    restart.add_argument("--resume", action="store_true",
                         help="continue the run in --output-dir from its checkpoint up to --epochs/--steps")
    restart.add_argument("--overwrite", action="store_true",
                         help="start afresh even if --output-dir holds a run")
    parser.add_argument("--deterministic", action="store_true",
                        help="one thread per op and deterministic kernels: two runs with the same --seed write "
                             "identical histories (without it, CPU runs drift apart by ~1e-5 after a few steps)")
    parser.add_argument("--tensorboard", metavar="DIR", default=None,
                        help="also write losses, metrics and sample grids as TensorBoard summaries to DIR")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def check_output_dir(path):
    """Creates `path` if needed and checks it is a writable directory.

    Raises:
        UserError: if `path` is a file, cannot be created, or is not writable.
    """
    if os.path.exists(path) and not os.path.isdir(path):
        raise UserError(f"--output-dir {path} exists and is not a directory")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot create --output-dir {path}: {error.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UserError(f"--output-dir {path} is not writable")


def require_file(path, what):
    """Checks that an input file exists (None passes).

    Raises:
        UserError: "no {what} file at {path}" (exit status 1).
    """
    if path is not None and not os.path.isfile(path):
        raise UserError(f"no {what} file at {path}")


def require_parent_dir(path, flag, exit_code=EXIT_DATA_OR_IO):
    """Checks that the folder an output file goes to exists (None passes).

    Raises:
        UserError: "folder of {flag} does not exist: ..." with `exit_code`.
    """
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UserError(f"folder of {flag} does not exist: {folder}", exit_code)


def quiet_tensorflow():
    """Imports Keras with TensorFlow's C++ start-up chatter kept off the terminal.

    TensorFlow 2.21 logs several lines (oneDNN, CPU features) to the process's
    stderr while it loads, before its log level applies. They are captured
    here and shown only if the import fails.
    """
    # Level 3 also hides grappler's harmless "remapper failed" notices.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "keras" in sys.modules:
        return
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import keras  # noqa: F401
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def main_guard(main):
    """Runs `main()` and turns expected failures into one line and an exit status.

    Args:
        main: Callable returning an exit status (or None for 0).

    Returns:
        Never; exits the process.
    """
    try:
        status = main()
    except UserError as error:  # also DataError and CheckpointError
        _fail(error, error.exit_code)
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        _fail(f"{error.strerror or error}{where}", EXIT_DATA_OR_IO)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(status or 0)


def _fail(message, code):
    prog = os.path.basename(sys.argv[0])
    print(f"{prog}: error: {message}", file=sys.stderr)
    sys.exit(code)
