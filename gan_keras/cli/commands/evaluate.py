"""`gan-keras evaluate`: scores a saved generator (or real data) against the Fashion-MNIST test split.

    gan-keras evaluate --generator outputs/fashion_dcgan/best_generator.keras
    gan-keras evaluate --real --n 2000 --json real.json
    gan-keras evaluate --generator outputs/folder_dcgan/generator.keras --folder outputs/emoji

With `--folder DIR` a generator trained on a folder of pictures is scored
against DIR's pictures instead, in picture features (InceptionV3 where its
weights file is, else the named random-conv fallback,
`gan_keras.evaluation.pictures`), with the memorisation check.

The table also shows the floor: real training images against the same test
images at the same count, the best any generator can be expected to do.
"""

import argparse
import json
import time

import numpy as np

from gan_keras.cli import flags
from gan_keras.core import checks, fileio
from gan_keras.core.noise import sample_noise
from gan_keras.core.pixels import to_tanh_range
from gan_keras.data.datasets import CLASS_SIZES, SPLIT_SIZES, load_fashion_mnist
from gan_keras.data.image_folder import load_image_folder
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.sampling import artifact

TEST_IMAGES = SPLIT_SIZES["test"]
TEST_PER_CLASS = CLASS_SIZES["test"]


def add_arguments(parser):
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--generator", help="a .keras generator saved by a training script")
    what.add_argument("--real", action="store_true", help="score real training images (the floor) only")
    parser.add_argument("--n", type=flags.positive_int, default=TEST_IMAGES,
                        help=f"samples and test images (default {TEST_IMAGES}, at most {TEST_IMAGES}); "
                             "FD and KID depend on it, so compare at the same --n")
    parser.add_argument("--features", choices=("classifier", "inception"), default=None,
                        help="network of FD/KID/precision/recall: the shipped Fashion-MNIST classifier (default) "
                             "or InceptionV3 (needs its ImageNet weights file, slow on a CPU); with --folder: "
                             "InceptionV3 where its weights file is, else the random-conv fallback")
    parser.add_argument("--folder", default=None, metavar="DIR",
                        help="score against the pictures of this folder (the one the generator was trained on: "
                             "for a conditional generator its class folders), in picture features")
    parser.add_argument("--nearest", default=None, metavar="PNG",
                        help="with --folder: write the memorisation check's picture here (8 samples, each beside "
                             "its 5 nearest training pictures)")
    parser.add_argument("--inception-weights", default=None,
                        help="InceptionV3 'notop' .h5 weights (default: keras' cache, ~/.keras/models)")
    parser.add_argument("--classes", type=class_list, default=None,
                        help="compare with the test images of these classes only, e.g. 1 or 5,7,9, for a GAN "
                             "trained on them (1,000 test images each)")
    parser.add_argument("--pixel-range", choices=("auto", "tanh", "sigmoid"), default="auto",
                        help="output range of the generator: [-1, 1] (tanh) or [0, 1] (sigmoid); default: from "
                             "the generator's .json sidecar, else from its last activation")
    parser.add_argument("--noise", choices=("normal", "uniform"), default=None,
                        help="the generator's noise: normal or uniform on [-1, 1] (default: from the "
                             "generator's .json sidecar, else normal)")
    parser.add_argument("--json", default=None, help="also write the numbers to this JSON file")
    parser.add_argument("--seed", type=flags.seed, default=0, help="seed of noise and subsets (default 0)")
    parser.add_argument("--data-dir", default=None, help="folder with Fashion-MNIST's IDX files (default: searched)")


def _check(args):
    if args.folder is not None:
        if args.classes is not None or args.features == "classifier":
            raise UserError(f"--folder excludes {'--classes' if args.classes is not None else '--features classifier'}",
                            EXIT_USAGE)
        if args.n < 10:
            raise UserError(f"--n must be at least 10, got {args.n}", EXIT_USAGE)
        return
    args.features = args.features or "classifier"
    if args.n > TEST_IMAGES:
        raise UserError(f"--n must be at most {TEST_IMAGES} (the test split), got {args.n}", EXIT_USAGE)
    if args.classes is not None and args.n > TEST_PER_CLASS * len(args.classes):
        raise UserError(f"--n must be at most {TEST_PER_CLASS * len(args.classes)} with --classes "
                        f"{','.join(map(str, args.classes))} ({TEST_PER_CLASS} test images each), got {args.n}",
                        EXIT_USAGE)
    if args.n < 10:
        raise UserError(f"--n must be at least 10, got {args.n}", EXIT_USAGE)
    if args.inception_weights is not None and args.features != "inception":
        raise UserError("--inception-weights needs --features inception", EXIT_USAGE)


def class_list(text):
    """argparse type: comma-separated class labels in 0..9, e.g. "1" or "5,7,9"."""
    try:
        labels = sorted({int(part) for part in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected class labels 0..9 separated by commas, got {text!r}") from None
    if not all(0 <= label <= 9 for label in labels):
        raise argparse.ArgumentTypeError(f"expected class labels 0..9, got {text!r}")
    return labels


def run(args):
    report = scores(args)
    if args.json is not None:
        fileio.write_text(args.json, json.dumps(report, indent=1))
        print(f"Wrote {args.json}")
    return 0


def scores(args):
    """Scores what the flags name and prints the table (what `gan_keras.evaluate` returns too).

    Returns:
        The numbers `--json` writes: features, n, classes, seed, generator,
        `metrics` (the generator's, or None with `--real`) and `floor` (real
        images); with `--folder`, the folder's rows and memorisation check.

    Raises:
        UserError: for refused flags, files or data (one line).
    """
    _check(args)
    checks.require_file(args.generator, "generator")
    checks.require_parent_dir(args.json, "--json")
    checks.require_file(args.inception_weights, "InceptionV3 weights")
    if args.nearest is not None and (args.folder is None or args.generator is None):
        raise UserError("--nearest needs --folder and --generator", EXIT_USAGE)
    checks.require_parent_dir(args.nearest, "--nearest")
    if args.folder is not None:
        return _run_folder(args)
    load_fashion_mnist(args.data_dir)  # a missing dataset fails here, before TensorFlow loads
    flags.quiet_tensorflow()
    # TensorFlow loads only now, after the flags and the dataset are checked.
    from gan_keras import evaluation

    started = time.perf_counter()
    samples = None
    if args.generator is not None:
        generator = _load_generator(args)
        if generator.info.image_shape not in ((28, 28, 1), (28, 28)):
            raise UserError(f"{args.generator} draws samples of shape {generator.info.image_shape}, not the 28x28x1 "
                            f"images that the Fashion-MNIST evaluation compares")
        # A conditional generator draws labels balanced over the chosen classes (all by default), in blocks.
        classes = args.classes if generator.info.conditional else None
        images, labels = generator.sample(args.n, np.random.default_rng(args.seed), classes=classes)
        samples = np.clip(images, -1.0, 1.0), labels
    try:
        evaluator = evaluation.Evaluator(
            "test", n=args.n, features=args.features, classes=args.classes, seed=args.seed, data_dir=args.data_dir,
            inception_weights="auto" if args.inception_weights is None else args.inception_weights,
        )
    except ValueError as error:  # e.g. more samples than test images of the chosen classes
        raise UserError(f"cannot evaluate {args.n} samples: {error}; lower --n", EXIT_USAGE) from None
    rows = [] if samples is None else [(args.generator, evaluator.evaluate(*samples))]
    rows.append(("real train images (floor)", evaluator.floor()))
    which = "" if args.classes is None else f" of classes {','.join(map(str, args.classes))}"
    print(f"{args.features} features, {args.n} images each against {args.n} test images{which} "
          f"({time.perf_counter() - started:.0f} s)")
    print(evaluation.metrics_table(rows))
    return {"features": args.features, "n": args.n, "classes": args.classes, "seed": args.seed,
            "generator": args.generator, "metrics": rows[0][1] if args.generator is not None else None,
            "floor": rows[-1][1]}


def _load_generator(args):
    """The generator of `--generator` that draws from noise, its pixel range and noise as the flags say."""
    pixel_range = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}.get(args.pixel_range)
    return artifact.load_generator(args.generator, pixel_range=pixel_range, noise=args.noise,
                                   kinds=(artifact.GeneratorKind.NOISE,), command="gan-keras evaluate")


def _run_folder(args):
    """`evaluate --folder DIR`: a folder generator (or the folder itself, `--real`) in picture features."""
    flags.quiet_tensorflow()
    # Keras, Pillow and the feature networks load only now, after the flags are checked.
    from gan_keras.evaluation import folder_scores
    from gan_keras.evaluation.translation import metrics_markdown

    started = time.perf_counter()
    generator, samplers = None, []
    if args.generator is not None:
        generator = _load_generator(args)
        info = generator.info
        samplers = [(args.generator, lambda noise, labels: to_tanh_range(generator.generate(noise, labels),
                                                                         info.pixel_range))]
        folder = load_image_folder(args.folder, info.image_shape[0], info.image_shape[-1], classes=info.conditional)
        names = info.class_names
        if info.conditional and names and tuple(names) != tuple(folder.class_names):
            raise UserError(f"{args.folder}'s class folders ({', '.join(folder.class_names)}) are not the classes "
                            f"of {args.generator} ({', '.join(names)})")
    else:
        folder = load_image_folder(args.folder, 64)
    # --features inception: its weights file must be there; else InceptionV3 where it is, or the fallback.
    weights = "auto" if args.features is None else folder_scores.pictures.features.find_inception_weights(
        args.inception_weights or "auto")
    noise_of = None if generator is None else (
        lambda rng, n: sample_noise(rng, n, generator.info.latent_dim, generator.info.noise))
    name, rows, samples, memorised = folder_scores.score_folder(
        folder.images, folder.labels if generator is not None and generator.info.conditional else None,
        samplers, noise_of, n=args.n, seed=args.seed, weights=weights)
    print(f"{name}, against the pictures of {args.folder} ({time.perf_counter() - started:.0f} s)")
    print(metrics_markdown(rows))
    report = {"features": name, "folder": args.folder, "generator": args.generator,
              "rows": [{"name": row, **metrics} for row, metrics in rows]}
    if memorised is not None:
        print("\n".join(folder_scores.pictures.distance_table(memorised)))
        if args.nearest is not None:
            folder_scores.save_nearest(samples[:folder_scores.NEAREST_ROWS], folder.images, memorised, args.nearest)
            print(f"Wrote {args.nearest}")
        report["memorisation"] = folder_scores.memorisation_json(memorised, args.generator, name)
    return report
