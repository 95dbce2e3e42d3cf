"""Trains the book's DCGAN on Fashion-MNIST.

    python scripts/train_fashion.py --epochs 10
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gan_keras import cli  # noqa: E402


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_run_flags(parser, output_dir="outputs/fashion_dcgan", batch_size=32, epochs=10, latent_dim=100)
    parser.add_argument("--xla", choices=("auto", "on", "off"), default="auto",
                        help="XLA compilation of the train steps (auto: on a GPU only; default auto)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cli.check_output_dir(args.output_dir)
    from gan_keras.data import load_fashion_mnist, scale_images

    (x_train, _), _ = load_fashion_mnist(args.data_dir)
    if args.batch_size > len(x_train):
        raise cli.UserError(f"--batch-size {args.batch_size} is larger than the {len(x_train)} training images", 2)
    cli.quiet_tensorflow()
    from gan_keras.experiment import RunConfig, run_training
    from gan_keras.models.dcgan import build_dcgan
    from gan_keras.sources import ArraySource

    config = RunConfig(
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
        model="dcgan",
        model_settings=(("latent_dim", args.latent_dim),),
    )
    source = ArraySource(scale_images(x_train), batch_size=config.batch_size, seed=config.seed)
    run = run_training(config, lambda: build_dcgan(args.latent_dim, jit_compile={"auto": "auto", "on": True, "off": False}[args.xla]), source)
    return cli.EXIT_INTERRUPTED if run.interrupted else 0


if __name__ == "__main__":
    cli.main_guard(main)
