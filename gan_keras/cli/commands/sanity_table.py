"""`gan-keras sanity-table`: the metrics of real, damaged and collapsed Fashion-MNIST images (the README's table).

    gan-keras sanity-table              # 10,000 images per row against the 10,000 test images
    gan-keras sanity-table --n 2000

Every row is scored against the same test images. Real training images give
the floor; the damaged rows should move away from it the more they are
damaged: blur and noise raise FD and KID and lower the score, recall, density
and coverage; dropping classes lowers recall and coverage while precision and
density stay at the floor's. The one-class row has the class's 6,000 training
images at most. Pure noise is far from everything on FD, KID, recall and
coverage, but with classifier features its precision stays high (see
gan_keras/evaluation/evaluator.py): read precision with density.
"""

import math
import sys
import time

import numpy as np
import scipy.ndimage

from gan_keras.cli import flags
from gan_keras.core import checks, fileio
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.data.datasets import load_fashion_mnist, scale_images

BLUR_SIGMAS = (0.5, 1.0, 2.0)  # pixels
NOISE_SIGMAS = (0.1, 0.2, 0.4)  # in the [-1, 1] range
SINGLE_CLASS = 7  # sneaker
FASHION_CLASSES = ("T-shirt/top", "trouser", "pullover", "dress", "coat",
                   "sandal", "shirt", "sneaker", "bag", "ankle boot")


def gaussian_blur(images, sigma):
    """Blurs `(n, h, w, c)` images with a Gaussian of `sigma` pixels (> 0) within each image and channel.

    `scipy.ndimage.gaussian_filter` with mirrored borders ("reflect") and a
    kernel of 4 standard deviations; returns float32 of the same shape.
    """
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    return scipy.ndimage.gaussian_filter(np.asarray(images, np.float64), (0, sigma, sigma, 0)).astype(np.float32)


def add_noise(images, sigma, rng):
    """Adds Gaussian noise of standard deviation `sigma` and clips to [-1, 1]."""
    noisy = images + rng.normal(0.0, sigma, images.shape).astype(np.float32)
    return np.clip(noisy, -1.0, 1.0)


def add_arguments(parser):
    parser.add_argument("--n", type=flags.positive_int, default=10000,
                        help="images per row and test images (default 10000, at most 10000)")
    parser.add_argument("--features", choices=("classifier", "inception"), default="classifier",
                        help="network of FD/KID/precision/recall (default: the shipped classifier)")
    parser.add_argument("--inception-weights", default=None, help="InceptionV3 'notop' .h5 weights file")
    parser.add_argument("--seed", type=flags.seed, default=0, help="seed of subsets and noise (default 0)")
    parser.add_argument("--data-dir", default=None, help="folder with Fashion-MNIST's IDX files (default: searched)")
    parser.add_argument("--out", default=None, help="also write the markdown table to this file")


def _check(args):
    if not 10 <= args.n <= 10000:
        raise UserError(f"--n must be in 10..10000, got {args.n}", EXIT_USAGE)
    if args.inception_weights is not None and args.features != "inception":
        raise UserError("--inception-weights needs --features inception", EXIT_USAGE)


def sanity_rows(evaluator, x_train, y_train, n, seed):
    """Yields `(name, metrics)` for each row of the table; the rows are built from training images."""
    rng = np.random.default_rng(seed)
    real = x_train[np.sort(rng.choice(len(x_train), n, replace=False))]
    yield "real train images (floor)", evaluator.evaluate(real)
    for sigma in BLUR_SIGMAS:
        yield f"blurred, sigma {sigma:g} px", evaluator.evaluate(gaussian_blur(real, sigma))
    for sigma in NOISE_SIGMAS:
        yield f"noised, sigma {sigma:g}", evaluator.evaluate(add_noise(real, sigma, rng))
    half = x_train[y_train < 5]
    half = half[np.sort(rng.choice(len(half), min(n, len(half)), replace=False))]
    yield "5 classes (0-4)", evaluator.evaluate(half)
    single = x_train[y_train == SINGLE_CLASS]
    single = single[np.sort(rng.choice(len(single), min(n, len(single)), replace=False))]
    yield f"one class ({FASHION_CLASSES[SINGLE_CLASS]})", evaluator.evaluate(single)
    noise = np.clip(rng.standard_normal(real.shape).astype(np.float32), -1.0, 1.0)
    yield "Gaussian noise N(0, 1), clipped", evaluator.evaluate(noise)


def run(args):
    _check(args)
    checks.require_file(args.inception_weights, "InceptionV3 weights")
    checks.require_parent_dir(args.out, "--out")
    (x_train, y_train), _ = load_fashion_mnist(args.data_dir)
    flags.quiet_tensorflow()
    # TensorFlow loads only now, after the flags and the dataset are checked.
    from gan_keras.evaluation import Evaluator, metrics_table

    started = time.perf_counter()
    try:
        evaluator = Evaluator("test", n=args.n, features=args.features, seed=args.seed, data_dir=args.data_dir,
                              inception_weights="auto" if args.inception_weights is None else args.inception_weights)
    except ValueError as error:  # e.g. more samples than test images
        raise UserError(f"cannot evaluate {args.n} samples: {error}; lower --n", EXIT_USAGE) from None
    rows = []
    for name, metrics in sanity_rows(evaluator, scale_images(x_train), y_train, args.n, args.seed):
        rows.append((name, metrics))
        print(f"  {name}: FD {metrics['fd']:.3f} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    table = metrics_table(rows)
    print(f"{args.features} features; each row against {evaluator.n} test images; "
          f"{math.ceil(time.perf_counter() - started)} s")
    print(table)
    if args.out is not None:
        fileio.write_text(args.out, table + "\n")
    return 0
