"""Trains the conditional GAN (one class label per image) on Fashion-MNIST or MNIST.

    python scripts/train_cgan.py --epochs 20
    python scripts/sample.py --generator outputs/fashion_cgan/generator.keras --label 7 --out sneakers.png
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gan_keras import cli  # noqa: E402
from gan_keras import scripts_common as common  # noqa: E402


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_dataset_flag(parser)
    cli.add_run_flags(parser, output_dir=common.LaterDefault("outputs/<fashion or mnist>_cgan"),
                      batch_size=64, epochs=20, latent_dim=100)
    common.add_xla_flag(parser)
    args = parser.parse_args(argv)
    short = common.DATASET_SHORT_NAMES[args.dataset]
    args.output_dir = common.resolve(args.output_dir, f"outputs/{short}_cgan")
    return args


def main(argv=None):
    args = parse_args(argv)
    cli.check_output_dir(args.output_dir)
    from gan_keras.data import load_dataset, scale_images

    (x_train, y_train), _ = load_dataset(args.dataset, args.data_dir)
    common.check_batch_size(args.batch_size, len(x_train))
    cli.quiet_tensorflow()
    from gan_keras.models.cgan import build_cgan

    return common.train_from_flags(
        args,
        model="cgan",
        model_settings=(("latent_dim", args.latent_dim), ("dataset", args.dataset)),
        build_gan=lambda: build_cgan(args.latent_dim, jit_compile=common.jit_compile(args.xla)),
        images=scale_images(x_train),
        labels=y_train.astype("int32"),
        dataset=args.dataset,
    )


if __name__ == "__main__":
    cli.main_guard(main)
