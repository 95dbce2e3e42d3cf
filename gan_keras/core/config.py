"""Settings as data: the machinery of the frozen configs (one per GAN, one for a run).

Each field is written once, with its default, its help and its check
(`setting`). The command line is generated from the fields
(`gan_keras.cli.flags`), the parsed flags become configs in one place,
the checks run in `__post_init__` whoever builds a config (a flag, a test, a
notebook), and checkpoints store the configs as JSON, so that `--resume` can
compare them field by field. The configs themselves live with what they
configure: each GAN's in `gan_keras.recipes`, a run's in `gan_keras.runs.config`.
"""

import dataclasses
import math

from gan_keras.core.errors import EXIT_USAGE, UserError

MAX_SEED = 2**32 - 1
# Large enough for any sensible model, small enough that a typo fails before an allocation does.
MAX_LATENT_DIM = 65536


class ConfigError(UserError):
    """A setting out of range; the message names its flag (exit status 2).

    Args:
        field: The config field, e.g. "latent_dim" (flag `--latent-dim`).
        problem: What is wrong, e.g. "must be a positive integer, got 0".
    """

    def __init__(self, field, problem):
        super().__init__(f"{flag_name(field)} {problem}", EXIT_USAGE)
        self.field = field


def flag_name(field):
    """The command-line flag of a config field: latent_dim -> --latent-dim."""
    return "--" + field.replace("_", "-")


def setting(default, help, *, check=None, choices=None, flag=True, kind=None, metavar=None, length=False):
    """A config field with its documentation and check.

    Args:
        default: The default value.
        help: One line for `--help`.
        check: Optional function `value -> problem or None`.
        choices: The allowed values, if a fixed set.
        flag: Whether the command line has a flag for it.
        kind: The type of a flag's argument (int, float, str); by default the
            type of `default`. A bool field becomes an on/off switch.
        metavar: Placeholder of the value in `--help`.
        length: Whether the field is a length of training (e.g. a phase's
            steps): like the run's `--steps`, it may change when a run is
            resumed, so checkpoints do not compare it (`Config.resume_json`).
    """
    return dataclasses.field(default=default, metadata=dict(help=help, check=check, choices=choices, flag=flag,
                                                            kind=kind, metavar=metavar, length=length))


def positive(value):
    if not _is_int(value) or value < 1:
        return f"must be a positive integer, got {value!r}"
    return None


def positive_or_none(value):
    return None if value is None else positive(value)


def non_negative_or_none(value):
    if value is None:
        return None
    if not _is_int(value) or value < 0:
        return f"must be a non-negative integer, got {value!r}"
    return None


def positive_number(value):
    if not _is_number(value) or not 0 < value < math.inf:
        return f"must be a positive number, got {value!r}"
    return None


def positive_number_or_none(value):
    return None if value is None else positive_number(value)


def finite_number(value):
    if not _is_number(value) or not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    return None


def seed_value(value):
    if not _is_int(value) or not 0 <= value <= MAX_SEED:
        return f"must be an integer in 0..{MAX_SEED}, got {value!r}"
    return None


def latent_size(value):
    problem = positive(value)
    if problem is None and value > MAX_LATENT_DIM:
        return f"must be at most {MAX_LATENT_DIM}, got {value}"
    return problem


def decay_value(value):
    if not _is_number(value) or not 0 <= value < 1:
        return f"must be a number in [0, 1) (0: off), got {value!r}"
    return None


def step_interval(value):
    if value is None or value == "epoch":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or str(number) != str(value).strip():
        return f"must be a positive number of steps or 'epoch', got {value!r}"
    return None


def path_text(value):
    """Check of a file or folder path: a non-empty string (an empty one is refused, never read as "default")."""
    if not isinstance(value, str) or not value.strip():
        return f"must be a path, got {value!r}"
    return None


def path_or_none(value):
    """Check of an optional path: None (the default applies) or a non-empty string."""
    return None if value is None else path_text(value)


def class_label(value):
    if not _is_int(value) or not 0 <= value <= 9:
        return f"must be a class label in 0..9, got {value!r}"
    return None


class Config:
    """Base of the frozen configs: field checks, JSON, differences."""

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            choices = field.metadata.get("choices")
            if choices is not None and value not in choices:
                raise ConfigError(field.name, f"must be one of {', '.join(map(str, choices))}, got {value!r}")
            check = field.metadata.get("check")
            problem = check(value) if check else None
            if problem:
                raise ConfigError(field.name, problem)
        self.validate()

    def validate(self):
        """Checks that involve several fields; override where needed."""

    def to_json(self):
        """The config as a JSON-ready dict (tuples as lists, as JSON reads them back)."""
        return {name: list(value) if isinstance(value, tuple) else value
                for name, value in dataclasses.asdict(self).items()}

    def resume_json(self):
        """The fields a resumed run must match, as `to_json` has them: all but lengths (`setting(length=True)`)."""
        lengths = {field.name for field in dataclasses.fields(self) if field.metadata.get("length")}
        return {name: value for name, value in self.to_json().items() if name not in lengths}

    def differences(self, saved, fields=None):
        """The fields whose value differs from the JSON dict `saved`, as `(field, saved, current)`.

        Args:
            saved: A dict of `to_json` (fields it lacks are skipped: older files).
            fields: The fields to compare (default all).
        """
        names = fields if fields is not None else [f.name for f in dataclasses.fields(self)]
        current = self.to_json()
        return [(name, saved[name], current[name]) for name in names
                if name in saved and saved[name] != current[name]]


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
