"""Scores a saved generator (or real data) against the Fashion-MNIST test split: FD, KID, score, precision/recall.

    python scripts/evaluate.py --generator outputs/fashion_dcgan/best_generator.keras
    python scripts/evaluate.py --real --n 2000 --json real.json

The table also shows the floor: real training images against the same test
images at the same count, the best any generator can be expected to do.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gan_keras import cli  # noqa: E402

TEST_IMAGES = 10000
TEST_PER_CLASS = 1000


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__.splitlines()[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--generator", help="a .keras generator saved by a training script")
    what.add_argument("--real", action="store_true", help="score real training images (the floor) only")
    parser.add_argument("--n", type=cli.positive_int, default=TEST_IMAGES,
                        help=f"samples and test images (default {TEST_IMAGES}, at most {TEST_IMAGES}); "
                             "FD and KID depend on it, so compare at the same --n")
    parser.add_argument("--features", choices=("classifier", "inception"), default="classifier",
                        help="network of FD/KID/precision/recall: the shipped Fashion-MNIST classifier (default) "
                             "or InceptionV3 (needs its ImageNet weights file, slow on a CPU)")
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
    parser.add_argument("--seed", type=int, default=0, help="seed of noise and subsets (default 0)")
    parser.add_argument("--data-dir", default=None, help="folder with Fashion-MNIST's IDX files (default: searched)")
    args = parser.parse_args(argv)
    if args.n > TEST_IMAGES:
        parser.error(f"--n must be at most {TEST_IMAGES} (the test split), got {args.n}")
    if args.classes is not None and args.n > TEST_PER_CLASS * len(args.classes):
        parser.error(f"--n must be at most {TEST_PER_CLASS * len(args.classes)} with --classes "
                     f"{','.join(map(str, args.classes))} ({TEST_PER_CLASS} test images each), got {args.n}")
    if args.n < 10:
        parser.error(f"--n must be at least 10, got {args.n}")
    if args.inception_weights is not None and args.features != "inception":
        parser.error("--inception-weights needs --features inception")
    return args


def class_list(text):
    """argparse type: comma-separated class labels in 0..9, e.g. "1" or "5,7,9"."""
    try:
        labels = sorted({int(part) for part in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected class labels 0..9 separated by commas, got {text!r}") from None
    if not all(0 <= label <= 9 for label in labels):
        raise argparse.ArgumentTypeError(f"expected class labels 0..9, got {text!r}")
    return labels


def main(argv=None):
    args = parse_args(argv)
    cli.require_file(args.generator, "generator")
    cli.require_parent_dir(args.json, "--json")
    cli.require_file(args.inception_weights, "InceptionV3 weights")
    from gan_keras.data import load_fashion_mnist

    load_fashion_mnist(args.data_dir)  # a missing dataset fails here, before TensorFlow loads
    cli.quiet_tensorflow()
    import numpy as np

    from gan_keras import evaluation
    from gan_keras.callbacks import generator_info_path
    from gan_keras.sampling import is_conditional, load_generator, load_generator_info, sample_images, to_tanh_range

    started = time.perf_counter()
    samples = None
    if args.generator is not None:
        generator = load_generator(args.generator)
        info = load_generator_info(args.generator)
        has_sidecar = os.path.isfile(generator_info_path(args.generator))
        pixel_range = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}.get(args.pixel_range)
        if pixel_range is None:
            pixel_range = info["pixel_range"] if has_sidecar else evaluation.generator_pixel_range(generator)
        noise = args.noise or info["noise"]
        rng = np.random.default_rng(args.seed)
        if is_conditional(generator) and args.classes is not None:  # balanced over the chosen classes only
            counts = np.bincount(np.arange(args.n) % len(args.classes))
            parts = [sample_images(generator, int(count), rng, label=label, num_classes=info["num_classes"],
                                   noise=noise) for label, count in zip(args.classes, counts)]
            images, labels = (np.concatenate(arrays) for arrays in zip(*parts))
        else:
            images, labels = sample_images(generator, args.n, rng, num_classes=info["num_classes"], noise=noise)
        images = to_tanh_range(images, pixel_range)
        if images.shape[1:] not in ((28, 28, 1), (28, 28)):
            raise cli.UserError(f"{args.generator} makes images of shape {images.shape[1:]}, not 28x28x1")
        samples = np.clip(images, -1.0, 1.0), labels
    evaluator = evaluation.Evaluator(
        "test", n=args.n, features=args.features, classes=args.classes, seed=args.seed, data_dir=args.data_dir,
        inception_weights=args.inception_weights or "auto",
    )
    rows = [] if samples is None else [(args.generator, evaluator.evaluate(*samples))]
    rows.append(("real train images (floor)", evaluator.floor()))
    which = "" if args.classes is None else f" of classes {','.join(map(str, args.classes))}"
    print(f"{args.features} features, {args.n} images each against {args.n} test images{which} "
          f"({time.perf_counter() - started:.0f} s)")
    print(evaluation.metrics_table(rows))
    if args.json is not None:
        report = {"features": args.features, "n": args.n, "classes": args.classes, "seed": args.seed,
                  "generator": args.generator,
                  "metrics": rows[0][1] if args.generator is not None else None, "floor": rows[-1][1]}
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
        print(f"Wrote {args.json}")
    return 0


if __name__ == "__main__":
    cli.main_guard(main)
