"""`gan-keras train-classifier`: trains the frozen Fashion-MNIST classifier that the evaluation looks through.

    gan-keras train-classifier            # rewrites gan_keras/evaluation/assets/fashion_mnist_classifier.weights.h5
    gan-keras train-classifier --out /tmp/classifier.weights.h5 --seed 1
    gan-keras train-classifier --dataset mnist --out mnist_classifier.weights.h5   # where MNIST is present
"""

import os
import sys
import time

from gan_keras.cli import flags
from gan_keras.core import checks
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.data.datasets import load_dataset, scale_images

MIN_TEST_ACCURACY = 0.92  # what the tests require of the shipped weights


def add_arguments(parser):
    parser.add_argument("--epochs", type=flags.positive_int, default=4,
                        help="passes over the 60,000 images (default 4)")
    parser.add_argument("--batch-size", type=flags.positive_int, default=128, help="default 128")
    parser.add_argument("--seed", type=flags.seed, default=0,
                        help="seed of weights, dropout and batch order (default 0)")
    parser.add_argument("--out", default=None,
                        help="weights file, ending in .weights.h5 (default: the one shipped in "
                             "gan_keras/evaluation/assets)")
    parser.add_argument("--dataset", choices=("fashion_mnist", "mnist"), default="fashion_mnist",
                        help="training data (default fashion_mnist; mnist needs --out)")
    parser.add_argument("--data-dir", default=None, help="folder with the dataset's IDX files (default: searched)")


def _check(args):
    if args.out is not None and not args.out.endswith(".weights.h5"):
        raise UserError(f"--out must end in .weights.h5, got {args.out}", EXIT_USAGE)
    if args.dataset != "fashion_mnist" and args.out is None:
        raise UserError("--dataset mnist needs --out (the shipped weights are the Fashion-MNIST classifier's)",
                        EXIT_USAGE)


def run(args):
    _check(args)
    (x_train, y_train), (x_test, y_test) = load_dataset(args.dataset, args.data_dir)
    flags.quiet_tensorflow()
    # TensorFlow loads only now, after the flags and the dataset are checked.
    from gan_keras.evaluation import classifier

    out = classifier.WEIGHTS_PATH if args.out is None else args.out
    checks.require_parent_dir(out, "--out")
    x_train, x_test = scale_images(x_train), scale_images(x_test)
    started = time.perf_counter()
    model = classifier.train_classifier(x_train, y_train, seed=args.seed, epochs=args.epochs,
                                        batch_size=args.batch_size)
    seconds = time.perf_counter() - started
    test_accuracy = classifier.accuracy(model, x_test, y_test)
    classifier.save_classifier(model, out)
    print(f"Trained in {seconds:.0f} s; test accuracy {test_accuracy:.4f}; "
          f"wrote {out} ({os.path.getsize(out) / 1e6:.2f} MB)")
    if test_accuracy < MIN_TEST_ACCURACY:
        print(f"warning: test accuracy is below {MIN_TEST_ACCURACY}, which the tests require", file=sys.stderr)
        return 1
    return 0
