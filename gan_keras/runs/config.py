"""A run's settings as data: `RunConfig`, shared by every GAN.

How long, in which folder and how a GAN trains. Its flags are generated
from its fields (`gan_keras.cli.flags`) like every GAN's model config; the
checks run whoever builds it. `batch_size` may stay None ("the GAN's
default for its data") until the data is loaded: `Recipe.with_batch_size`
then fills it in once.
"""

import dataclasses

from gan_keras.core.config import (
    Config, ConfigError, decay_value, non_negative_or_none, path_or_none, path_text, positive, positive_or_none,
    seed_value, setting, step_interval,
)
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.data.datasets import CLASS_SIZES, SPLIT_SIZES

# The compiled engine's default steps per call (README, "Engines"): on an H200 K = 32 ran within 8% of
# K = 128, and a smaller K stops sooner on Ctrl-C (at the end of the call) on a CPU.
STEPS_PER_CALL = 32
# = gan_keras.training.ema.WARMUP (not imported: it loads Keras, and this module loads while flags are parsed).
EMA_WARMUP = 20
MAX_SAVES = 50  # grids and checkpoints of a run at most, by default


@dataclasses.dataclass(frozen=True)
class RunConfig(Config):
    """How long, in which folder and how a GAN trains; shared by every GAN.

    The defaults of `output_dir`, `batch_size` and `epochs` are each GAN's
    (see `gan_keras.recipes`). A `batch_size` of None stands for the GAN's
    default for its data (e.g. the MLP's whole class) until the data is
    loaded; a run needs it filled in (`Recipe.with_batch_size`).
    """

    output_dir: str = setting("outputs/run", "folder of all outputs of the run", check=path_text)
    batch_size: int | None = setting(32, "samples per batch", check=positive_or_none, kind=int)
    epochs: int = setting(1, "total epochs: shuffled passes over the training set", check=positive)
    steps: int | None = setting(None, "total training steps instead of epochs (each step: D on a real and a fake "
                                      "batch, then G)", check=positive_or_none, kind=int)
    save_interval: int | None = setting(None, "save a sample grid and redraw losses.png every N steps (default: "
                                              "once per epoch, at most 50 times a run of short epochs, and at the "
                                              "end)", check=positive_or_none, kind=int)
    checkpoint_interval: int | None = setting(None, "save a checkpoint every N steps (default: once per epoch, at "
                                                    "most 50 times a run; always at the end and on Ctrl-C)",
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
                                         "cache, /usr/share/datasets, then keras' downloader)", check=path_or_none,
                                 kind=str)
    seed: int = setting(0, "seed of weights, noise and batch order", check=seed_value)
    resume: bool = setting(False, "continue the run in --output-dir from its checkpoint up to --epochs/--steps")
    overwrite: bool = setting(False, "start afresh even if --output-dir holds a run (its run files are removed first)")
    deterministic: bool = setting(False, "one thread per op and deterministic kernels: two runs with the same "
                                         "--seed write identical histories (without it, CPU runs drift apart by "
                                         "~1e-5 after a few steps)")
    tensorboard: str | None = setting(None, "also write losses, metrics and sample grids as TensorBoard summaries "
                                            "to DIR", check=path_or_none, kind=str, metavar="DIR")
    progress: bool = setting(True, "show a progress bar")
    xla: str = setting("auto", "XLA compilation of the train steps (auto: on a GPU only)",
                       choices=("auto", "on", "off"))
    engine: str = setting("book", "how each step runs: book (one Keras call per model update, as the book "
                                  "writes it) or compiled (whole steps in one compiled function; same "
                                  "losses and weights)", choices=("book", "compiled"))
    # "about 2 s": gan_keras.training.loop.CALL_SECONDS (not imported: this module loads while flags are parsed).
    steps_per_call: int = setting(STEPS_PER_CALL, "the most steps per call of the compiled engine (it stops early "
                                                  "at steps that save grids, checkpoints or evaluations, and "
                                                  "after about 2 s of steps, so that Ctrl-C is answered soon)",
                                  check=positive)
    precision: str = setting("auto", "dtype policy of both models: auto (mixed_bfloat16 on a GPU and, with "
                                     "TensorFlow, on a CPU with bfloat16 instructions, avx512_bf16 or amx_bf16; "
                                     "float32 elsewhere; a --resume keeps its checkpoint's), float32 (the book's), "
                                     "or mixed precision (float32 weights, bfloat16/float16 computation, float32 "
                                     "losses; float16 with loss scaling); see docs/speed.md",
                             choices=("auto", "float32", "mixed_bfloat16", "mixed_float16"))
    ema: float = setting(0.0, "keep an exponential moving average of the generator's weights with this decay "
                              "(e.g. 0.999; 0: off), its BatchNormalization statistics re-estimated before each "
                              "use; saved as ema_generator.keras, graded beside the generator",
                         check=decay_value, metavar="DECAY")
    ema_warmup: int = setting(EMA_WARMUP, "ramp of the average's decay over the first steps: min(DECAY, "
                                          "(1 + t) / (W + t)) after step t, an average over the last twentieth "
                                          "of the steps with 20 (0: off)",
                              check=lambda value: None if value == 0 or (isinstance(value, int) and not isinstance(
                                  value, bool) and value >= 2) else f"must be 0 (off) or an integer >= 2, got "
                                                                    f"{value!r}", kind=int, metavar="W")
    keep_generators: str | None = setting(None, "keep the generator every N steps (or 'epoch') as "
                                                "generators/step_NNNNNNN.keras, with its metrics when evaluated",
                                          check=step_interval, kind=str, metavar="N")
    devices: int = setting(1, "split each batch across N devices (data parallel; the compiled engine on JAX "
                              "or TensorFlow): at most the GPUs there are, or on a CPU-only machine N logical "
                              "CPU devices, at most one per CPU core", check=positive)

    coordinator: str | None = setting(None, "HOST:PORT of process 0 in a job of several processes (default: the "
                                            "first address of $KERAS_DISTRIBUTION_JOB_ADDRESSES)", kind=str,
                                      metavar="HOST:PORT")
    num_processes: int | None = setting(None, "processes of one training run, on one or several machines (JAX, "
                                              "--engine compiled; default: $KERAS_DISTRIBUTION_NUM_PROCESSES, else "
                                              "1); `gan-keras launch -n N -- train ...` starts N on this machine",
                                        check=positive_or_none, kind=int, metavar="N")
    coordinator_bind: str | None = setting(None, "HOST:PORT that process 0's coordinator listens on (default: the "
                                                 "--coordinator address itself, never every interface unless "
                                                 "given, e.g. 0.0.0.0:PORT behind NAT)", kind=str,
                                           metavar="HOST:PORT")
    process_id: int | None = setting(None, "this process's id in the job, 0..N-1; process 0 writes the run folder, "
                                           "the others write nothing (default: $KERAS_DISTRIBUTION_PROCESS_ID)",
                                     check=non_negative_or_none, kind=int, metavar="I")

    # A resumed run must share these with its checkpoint; the others may change (e.g. a longer run).
    RESUME_FIELDS = ("seed", "batch_size", "ema", "precision")
    # Flags of which at most one may be given.
    EXCLUSIVE = (("epochs", "steps"), ("resume", "overwrite"))
    # A job's own settings, and the machine's own paths and display: what its processes may differ in.
    JOB_FIELDS = ("coordinator", "coordinator_bind", "num_processes", "process_id")
    LOCAL_FIELDS = ("output_dir", "data_dir", "tensorboard", "progress")

    def validate(self):
        if self.engine == "book" and self.steps_per_call != STEPS_PER_CALL:
            raise ConfigError("steps_per_call", "needs --engine compiled (the book's engine runs one step per call)")
        if self.devices > 1 and self.engine != "compiled":
            raise ConfigError("devices", "needs --engine compiled (the book's train_on_batch does not split batches)")
        if self.devices > 1 and self.batch_size is not None and self.batch_size % self.devices:
            raise ConfigError("batch_size", f"must be a multiple of --devices {self.devices}, got {self.batch_size}")
        if not self.ema and self.ema_warmup != EMA_WARMUP:
            raise ConfigError("ema_warmup", "ramps up the averaged generator: it needs --ema DECAY")
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
        if dataset == "folder":
            if self.eval_interval is not None:
                raise UserError("--eval-interval: a folder run is scored once, at its end (FD in picture features "
                                "and the memorisation check); leave it out", EXIT_USAGE)
            if self.eval_n is not None and self.eval_n < 10:
                raise ConfigError("eval_n", f"must be at least 10, got {self.eval_n}")
            return
        if dataset != "fashion_mnist":
            raise UserError(f"evaluation needs --dataset fashion_mnist (the evaluation classifier knows "
                            f"Fashion-MNIST only), got {dataset}; pass --no-eval or leave out --eval-interval",
                            EXIT_USAGE)
        limit, n = evaluation_limit(classes), self.eval_samples(classes)
        if not 10 <= n <= limit:
            which = "" if classes is None else f" of class(es) {sorted(set(classes))}"
            raise ConfigError("eval_n", f"must be in 10..{limit} (the test images{which}), got {n}")

    def default_interval(self, batches_per_epoch, total):
        """Steps between grids and checkpoints when not given: an epoch, or more for a run of many short
        epochs (a small folder), so that a run saves at most `MAX_SAVES` of each."""
        return max(batches_per_epoch, -(-total // MAX_SAVES))

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
    """The most samples an evaluation can use: the Fashion-MNIST test images (of `classes`).

    Args:
        classes: The classes a run learns, or None for all.

    Returns:
        10,000 (the test split), or 1,000 per class.
    """
    return SPLIT_SIZES["test"] if classes is None else CLASS_SIZES["test"] * len(set(classes))
