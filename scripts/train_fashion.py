"""Trains the book's DCGAN on Fashion-MNIST.

    python scripts/train_fashion.py --epochs 10
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gan_keras import cli  # noqa: E402
from gan_keras import scripts_common as common  # noqa: E402


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_run_flags(parser, output_dir="outputs/fashion_dcgan", batch_size=32, epochs=10, latent_dim=100)
    common.add_xla_flag(parser)
    parser.add_argument("--discriminator-norm", choices=("batch", "moving"), default="batch",
                        help="D's BatchNormalization in the generator step: batch statistics (the book's Keras 2 "
                             "behaviour, default) or moving statistics (Keras 3's frozen layers); see README")
    parser.add_argument("--no-eval", action="store_true",
                        help="no evaluation during training (default: FD, KID, ... of 2,000 samples once per epoch, "
                             "or every --eval-interval steps)")
    args = parser.parse_args(argv)
    if args.no_eval and (args.eval_interval is not None or args.eval_n is not None):
        parser.error("--no-eval excludes --eval-interval and --eval-n")
    return args


def main(argv=None):
    args = parse_args(argv)
    cli.check_output_dir(args.output_dir)
    from gan_keras.data import load_fashion_mnist, scale_images

    (x_train, _), _ = load_fashion_mnist(args.data_dir)
    common.check_batch_size(args.batch_size, len(x_train))
    if args.eval_interval is None and not args.no_eval:
        args.eval_interval = len(x_train) // args.batch_size  # once per epoch
    cli.quiet_tensorflow()
    from gan_keras.models.dcgan import build_dcgan

    return common.train_from_flags(
        args,
        model="dcgan",
        model_settings=(("latent_dim", args.latent_dim), ("discriminator_norm", args.discriminator_norm)),
        build_gan=lambda: build_dcgan(args.latent_dim, jit_compile=common.jit_compile(args.xla),
                                      discriminator_norm=args.discriminator_norm),
        images=scale_images(x_train),
    )


if __name__ == "__main__":
    cli.main_guard(main)
