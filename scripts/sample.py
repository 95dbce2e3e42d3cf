"""Draws a grid of samples from a saved generator.

    python scripts/sample.py --generator outputs/fashion_dcgan/generator.keras --out grid.png
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gan_keras import cli  # noqa: E402


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", required=True, help="a generator.keras file saved by a training script")
    parser.add_argument("--out", required=True, help="PNG file to write")
    parser.add_argument("--n", type=cli.positive_int, default=100, help="number of samples (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise (default 0)")
    parser.add_argument("--label", type=int, default=None,
                        help="class to draw, for a conditional generator (default: one row per class)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cli.require_file(args.generator, "generator")
    cli.require_parent_dir(args.out, "--out")
    cli.quiet_tensorflow()
    import numpy as np

    from gan_keras.plotting import save_image_grid
    from gan_keras.sampling import load_generator, load_generator_info, sample_images, to_tanh_range

    generator = load_generator(args.generator)
    info = load_generator_info(args.generator)
    rng = np.random.default_rng(args.seed)
    images, _ = sample_images(generator, args.n, rng, label=args.label, num_classes=info["num_classes"],
                              noise=info["noise"])
    images = to_tanh_range(images, info["pixel_range"])
    cols = math.ceil(math.sqrt(args.n))
    rows = math.ceil(args.n / cols)
    padded = np.concatenate([images, -np.ones((rows * cols - args.n, *images.shape[1:]), np.float32)])
    save_image_grid(padded, args.out, rows, cols)
    print(f"Wrote {args.n} samples to {args.out}")


if __name__ == "__main__":
    cli.main_guard(main)
