"""Settings as data: one frozen dataclass per GAN and one for a run.

Each field is written once, with its default, its help and its check
(`setting`). The command line is generated from the fields
(`gan_keras.cli.flags`), the parsed flags become configs in one place,
the checks run in `__post_init__` whoever builds a config (a flag, a test, a
notebook), and checkpoints store the configs as JSON, so that `--resume` can
compare them field by field.
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


def setting(default, help, *, check=None, choices=None, flag=True, kind=None, metavar=None):
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
    """
    return dataclasses.field(default=default, metadata=dict(help=help, check=check, choices=choices, flag=flag,
                                                            kind=kind, metavar=metavar))


def positive(value):
    if not _is_int(value) or value < 1:
        return f"must be a positive integer, got {value!r}"
    return None


def positive_or_none(value):
    return None if value is None else positive(value)


def positive_number(value):
    if not _is_number(value) or not 0 < value < math.inf:
        return f"must be a positive number, got {value!r}"
    return None


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
        """The config as a JSON-ready dict."""
        return dataclasses.asdict(self)

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


# The compiled engine's default steps per call (README, "Engines"): on an H200 K = 32 ran within 8% of
# K = 128, and a smaller K stops sooner on Ctrl-C (at the end of the call) on a CPU.
STEPS_PER_CALL = 32


@dataclasses.dataclass(frozen=True)
class RunConfig(Config):
    """How long, in which folder and how a GAN trains; shared by every GAN.

    The defaults of `output_dir`, `batch_size` and `epochs` are each GAN's
    (see `gan_keras.recipes`).
    """

    output_dir: str = setting("outputs/run", "folder of all outputs of the run")
    batch_size: int = setting(32, "samples per batch", check=positive)
    epochs: int = setting(1, "total epochs: shuffled passes over the training set", check=positive)
    steps: int | None = setting(None, "total training steps instead of epochs (each step: D on a real and a fake "
                                      "batch, then G)", check=positive_or_none, kind=int)
    save_interval: int | None = setting(None, "save a sample grid and redraw losses.png every N steps (default: "
                                              "once per epoch, and at the end)", check=positive_or_none, kind=int)
    checkpoint_interval: int | None = setting(None, "save a checkpoint every N steps (default: once per epoch; "
                                                    "always at the end and on Ctrl-C)",
                                              check=positive_or_none, kind=int)
    evaluate: bool = setting(False, "score samples against the Fashion-MNIST test split during training", flag=False)
    eval_interval: int | None = setting(None, "every N steps, score --eval-n samples against the Fashion-MNIST "
                                              "test split (FD, KID, classifier score, precision/recall/density/"
                                              "coverage) into history.csv and keep the lowest-FD generator as "
                                              "best_generator.keras (default: once per epoch)",
                                        check=positive_or_none, kind=int)
    eval_n: int | None = setting(None, "samples per evaluation (default 2000, or 1000 per class for a run on some "
                                       "classes); compare FD/KID only at the same --eval-n",
                                 check=positive_or_none, kind=int)
    data_dir: str | None = setting(None, "folder with the dataset's IDX files (default: $GAN_KERAS_DATA, keras' "
                                         "cache, /usr/share/datasets, then keras' downloader)", kind=str)
    seed: int = setting(0, "seed of weights, noise and batch order", check=seed_value)
    resume: bool = setting(False, "continue the run in --output-dir from its checkpoint up to --epochs/--steps")
    overwrite: bool = setting(False, "start afresh even if --output-dir holds a run (its run files are removed first)")
    deterministic: bool = setting(False, "one thread per op and deterministic kernels: two runs with the same "
                                         "--seed write identical histories (without it, CPU runs drift apart by "
                                         "~1e-5 after a few steps)")
    tensorboard: str | None = setting(None, "also write losses, metrics and sample grids as TensorBoard summaries "
                                            "to DIR", kind=str, metavar="DIR")
    progress: bool = setting(True, "show a progress bar")
    xla: str = setting("auto", "XLA compilation of the train steps (auto: on a GPU only)",
                       choices=("auto", "on", "off"))
    engine: str = setting("book", "how each step runs: book (one Keras call per model update, as the book "
                                  "writes it) or compiled (whole steps in one compiled function; same "
                                  "losses and weights)", choices=("book", "compiled"))
    steps_per_call: int = setting(STEPS_PER_CALL, "steps per call of the compiled engine (it stops early at "
                                                  "steps that save grids, checkpoints or evaluations)",
                                  check=positive)
    precision: str = setting("float32", "dtype policy of both models: float32, or mixed precision (float32 "
                                        "weights, bfloat16/float16 computation, float32 losses; float16 with "
                                        "loss scaling)", choices=("float32", "mixed_bfloat16", "mixed_float16"))
    ema: float = setting(0.0, "keep an exponential moving average of the generator's weights with this decay "
                              "(e.g. 0.999; 0: off), its BatchNormalization statistics re-estimated before each "
                              "use; saved as ema_generator.keras, graded beside the generator",
                         check=decay_value, metavar="DECAY")
    keep_generators: str | None = setting(None, "keep the generator every N steps (or 'epoch') as "
                                                "generators/step_NNNNNNN.keras, with its metrics when evaluated",
                                          check=step_interval, kind=str, metavar="N")
    devices: int = setting(1, "split each batch across N devices (data parallel; the compiled engine on JAX "
                              "or TensorFlow; on a CPU-only machine N logical CPU devices)", check=positive)

    # A resumed run must share these with its checkpoint; the others may change (e.g. a longer run).
    RESUME_FIELDS = ("seed", "batch_size", "ema")
    # Flags of which at most one may be given.
    EXCLUSIVE = (("epochs", "steps"), ("resume", "overwrite"))

    def validate(self):
        if self.engine == "book" and self.steps_per_call != STEPS_PER_CALL:
            raise ConfigError("steps_per_call", "needs --engine compiled (the book's engine runs one step per call)")
        if self.devices > 1 and self.engine != "compiled":
            raise ConfigError("devices", "needs --engine compiled (the book's train_on_batch does not split batches)")
        if self.devices > 1 and self.batch_size % self.devices:
            raise ConfigError("batch_size", f"must be a multiple of --devices {self.devices}, got {self.batch_size}")
        if self.resume and self.overwrite:
            raise ConfigError("resume", "and --overwrite exclude each other")
        if not self.evaluate and (self.eval_interval is not None or self.eval_n is not None):
            which = "--eval-interval" if self.eval_interval is not None else "--eval-n"
            raise ConfigError("no_eval", f"excludes {which}")

    def eval_samples(self, classes=None):
        """Samples per evaluation: `eval_n`, by default 2,000 or all test images of `classes` if fewer."""
        return min(EVAL_N, evaluation_limit(classes)) if self.eval_n is None else self.eval_n

    def check_evaluation(self, dataset="fashion_mnist", classes=None):
        """Checks that the evaluation asked for is possible (before anything loads).

        Raises:
            UserError: (exit status 2) for another dataset than Fashion-MNIST,
                or an `eval_n` outside 10..the test images (of `classes`).
        """
        if not self.evaluate:
            return
        if dataset != "fashion_mnist":
            raise UserError(f"evaluation needs --dataset fashion_mnist (the evaluation classifier knows "
                            f"Fashion-MNIST only), got {dataset}; pass --no-eval or leave out --eval-interval",
                            EXIT_USAGE)
        limit, n = evaluation_limit(classes), self.eval_samples(classes)
        if not 10 <= n <= limit:
            which = "" if classes is None else f" of class(es) {sorted(set(classes))}"
            raise ConfigError("eval_n", f"must be in 10..{limit} (the test images{which}), got {n}")

    def keep_interval(self, batches_per_epoch):
        """Steps between kept generators (`keep_generators`), or None."""
        if self.keep_generators is None:
            return None
        return batches_per_epoch if self.keep_generators == "epoch" else int(self.keep_generators)

    def total_steps(self, batches_per_epoch):
        """Steps of the whole run: `steps`, else `epochs` passes."""
        return self.steps if self.steps is not None else self.epochs * batches_per_epoch

    @property
    def jit_compile(self):
        """Keras' `jit_compile` setting for `xla`."""
        return {"auto": "auto", "on": True, "off": False}[self.xla]


EVAL_N = 2000  # default samples per evaluation


def evaluation_limit(classes=None):
    """The most samples an evaluation can use: the Fashion-MNIST test images (of `classes`)."""
    from gan_keras.data.datasets import CLASS_SIZES, SPLIT_SIZES

    return SPLIT_SIZES["test"] if classes is None else CLASS_SIZES["test"] * len(set(classes))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
