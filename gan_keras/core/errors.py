"""The package's expected failures: each carries a one-line message for the user."""

EXIT_DATA_OR_IO = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM: the run stopped after saving; `--resume` continues it


class UserError(Exception):
    """An expected failure (bad input, missing data, unusable checkpoint).

    Scripts print its message as one line and exit with `exit_code`.

    Args:
        message: One line naming what is wrong and what to do.
        exit_code: 2 for bad usage, 1 for data and I/O problems.
    """

    def __init__(self, message, exit_code=EXIT_DATA_OR_IO):
        super().__init__(message)
        self.exit_code = exit_code


class NonFiniteError(UserError):
    """Training produced NaN or infinite losses or weights; nothing of that step was saved (exit status 1)."""
