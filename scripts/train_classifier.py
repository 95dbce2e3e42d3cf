"""Trains the frozen Fashion-MNIST classifier that scripts/evaluate.py looks through.

    python scripts/train_classifier.py            # rewrites gan_keras/assets/fashion_mnist_classifier.weights.h5
    python scripts/train_classifier.py --out /tmp/classifier.weights.h5 --seed 1
    python scripts/train_classifier.py --dataset mnist --out mnist_classifier.weights.h5   # where MNIST is present
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gan_keras import cli  # noqa: E402

MIN_TEST_ACCURACY = 0.92  # what the tests require of the shipped weights


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=cli.positive_int, default=4, help="passes over the 60,000 images (default 4)")
    parser.add_argument("--batch-size", type=cli.positive_int, default=128, help="default 128")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights, dropout and batch order (default 0)")
    parser.add_argument("--out", default=None,
                        help="weights file, ending in .weights.h5 (default: the one shipped in gan_keras/assets)")
    parser.add_argument("--dataset", choices=("fashion_mnist", "mnist"), default="fashion_mnist",
                        help="training data (default fashion_mnist; mnist needs --out)")
    parser.add_argument("--data-dir", default=None, help="folder with the dataset's IDX files (default: searched)")
    args = parser.parse_args(argv)
    if args.out is not None and not args.out.endswith(".weights.h5"):
        parser.error(f"--out must end in .weights.h5, got {args.out}")
    if args.dataset != "fashion_mnist" and args.out is None:
        parser.error("--dataset mnist needs --out (the shipped weights are the Fashion-MNIST classifier's)")
    return args


def main(argv=None):
    args = parse_args(argv)
    from gan_keras.data import load_dataset, scale_images

    (x_train, y_train), (x_test, y_test) = load_dataset(args.dataset, args.data_dir)
    cli.quiet_tensorflow()
    from gan_keras import classifier

    out = args.out or classifier.WEIGHTS_PATH
    cli.require_parent_dir(out, "--out")
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


if __name__ == "__main__":
    cli.main_guard(main)
