"""What every training script does once its flags are parsed.

A training script parses its flags with `gan_keras.cli.add_run_flags` (plus
its own), loads and scales its data, and calls `train_from_flags` with a
builder of its GAN; a script with another kind of data source builds its
`RunConfig` with `run_config_from_flags`. Nothing here imports Keras at
module level, so a script can still reject bad flags before TensorFlow loads.
"""

from gan_keras import cli
from gan_keras.data import DATASET_FOLDERS

DATASET_SHORT_NAMES = {"fashion_mnist": "fashion", "mnist": "mnist"}
EVAL_N = 2000  # default samples per evaluation
TEST_IMAGES, TEST_IMAGES_PER_CLASS = 10000, 1000  # of Fashion-MNIST


class LaterDefault:
    """The default of a flag that depends on other flags, resolved after parsing.

    argparse keeps a non-string default as it is, so a flag whose default is
    a `LaterDefault` can be told apart from one the user set; `--help` shows
    its description, e.g. "64, or the whole class with --schedule one-side".

    Args:
        description: How the default is chosen, for `--help`.
    """

    def __init__(self, description):
        self.description = description

    def __str__(self):
        return self.description


def resolve(value, default):
    """`default` if `value` is a `LaterDefault` (the user left the flag out), else `value`."""
    return default if isinstance(value, LaterDefault) else value


def add_dataset_flag(parser):
    """Adds `--dataset {fashion_mnist,mnist}` (default fashion_mnist)."""
    parser.add_argument("--dataset", choices=sorted(DATASET_FOLDERS), default="fashion_mnist",
                        help="training images (default fashion_mnist; mnist only where its files are present)")


def add_xla_flag(parser):
    """Adds `--xla {auto,on,off}`; `jit_compile(args.xla)` turns it into Keras' setting."""
    parser.add_argument("--xla", choices=sorted(_JIT_COMPILE), default="auto",
                        help="XLA compilation of the train steps (auto: on a GPU only; default auto)")


def jit_compile(xla):
    """Keras' `jit_compile` ("auto", True or False) for an `--xla` value."""
    return _JIT_COMPILE[xla]


_JIT_COMPILE = {"auto": "auto", "on": True, "off": False}


def check_batch_size(batch_size, n_images, what="training images"):
    """Rejects a batch larger than the data as a usage error (exit status 2).

    Raises:
        UserError: if `batch_size > n_images`.
    """
    if batch_size > n_images:
        raise cli.UserError(f"--batch-size {batch_size} is larger than the {n_images} {what}", cli.EXIT_USAGE)


def run_config_from_flags(args, *, model, model_settings=()):
    """The `RunConfig` of the flags of `cli.add_run_flags`; imports Keras.

    Args:
        args: Namespace of `cli.add_run_flags` (LaterDefaults already resolved).
        model: Short name of the model, stored in checkpoints.
        model_settings: `(name, value)` pairs a resumed run must share
            (JSON-serialisable values).

    Returns:
        A `gan_keras.experiment.RunConfig`.
    """
    cli.quiet_tensorflow()
    from gan_keras.experiment import RunConfig

    return RunConfig(
        output_dir=args.output_dir,
        batch_size=args.batch_size,
        epochs=args.epochs or args.default_epochs,
        steps=args.steps,
        save_interval=args.save_interval,
        checkpoint_interval=args.checkpoint_interval,
        seed=args.seed,
        resume=args.resume,
        overwrite=args.overwrite,
        progress=not args.no_progress,
        model=model,
        model_settings=tuple(model_settings),
        tensorboard=args.tensorboard,
        deterministic=args.deterministic,
    )


def evaluation_callbacks(args, dataset="fashion_mnist", classes=None):
    """The `EvaluationCallback` that `--eval-interval` asks for, as a list (empty without the flag).

    Args:
        args: Namespace of `cli.add_run_flags`.
        dataset: The training dataset; only Fashion-MNIST can be evaluated.
        classes: The classes a run learns, if not all; the reference is then
            the test images of those classes (1,000 each).

    Raises:
        UserError: (exit status 2) for --eval-n without --eval-interval, another
            dataset, or an --eval-n above the test images there are.
    """
    interval, n = getattr(args, "eval_interval", None), getattr(args, "eval_n", None)
    if interval is None:
        if n is not None:
            raise cli.UserError("--eval-n needs --eval-interval", cli.EXIT_USAGE)
        return []
    if dataset != "fashion_mnist":
        raise cli.UserError(f"--eval-interval needs --dataset fashion_mnist (the evaluation classifier knows "
                            f"Fashion-MNIST only), got {dataset}", cli.EXIT_USAGE)
    limit = TEST_IMAGES if classes is None else TEST_IMAGES_PER_CLASS * len(set(classes))
    n = min(EVAL_N, limit) if n is None else n
    if not 10 <= n <= limit:
        which = "" if classes is None else f" of class(es) {sorted(set(classes))}"
        raise cli.UserError(f"--eval-n must be in 10..{limit} (the test images{which}), got {n}", cli.EXIT_USAGE)
    cli.quiet_tensorflow()
    from gan_keras.evaluation import EvaluationCallback

    return [EvaluationCallback(interval, n=n, output_dir=args.output_dir, classes=classes, seed=args.seed,
                               data_dir=getattr(args, "data_dir", None))]


def train_from_flags(args, *, model, model_settings, build_gan, images, labels=None, loop=None,
                     dataset="fashion_mnist", eval_classes=None):
    """Trains a GAN on `images` with the settings of the parsed run flags.

    Args:
        args, model, model_settings: As for `run_config_from_flags`.
        build_gan: Callable returning a fresh compiled `GAN`; may import Keras.
        images: `(n, 28, 28, 1)` float32 training images in the GAN's
            `pixel_range`.
        labels: Optional `(n,)` int class labels (for a conditional GAN).
        loop: Optional extra `LoopConfig` fields, e.g. a schedule.
        dataset, eval_classes: As `dataset` and `classes` of `evaluation_callbacks`.

    Returns:
        The script's exit status: 0, or 130 if training was interrupted.
    """
    callbacks = evaluation_callbacks(args, dataset, eval_classes)
    config = run_config_from_flags(args, model=model, model_settings=model_settings)
    from gan_keras.experiment import run_training
    from gan_keras.sources import ArraySource

    source = ArraySource(images, labels, batch_size=config.batch_size, seed=config.seed)
    run = run_training(config, build_gan, source, loop=loop, callbacks=callbacks)
    return cli.EXIT_INTERRUPTED if run.interrupted else 0
