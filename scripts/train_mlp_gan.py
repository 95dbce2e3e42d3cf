"""Trains the lecture's "police vs. faker" MLP GAN on the images of one class.

    python scripts/train_mlp_gan.py                        # D and G alternate every step
    python scripts/train_mlp_gan.py --schedule one-side    # the notebook's collapse

The faker's images are in [0, 1] (sigmoid), so the real images are scaled to
[0, 1] too. The default class is 1 (trouser): the most uniform Fashion-MNIST
class, a plain shape that a faker with 4 numbers of noise can learn within a
few epochs, so that a good run and a collapsed one are easy to tell apart in
the grids.

--schedule one-side trains the police alone for 30 steps, then the faker alone
for 10; with its default full batch (the whole class) a step is an epoch, as
in the notebook. Steps after those 40 alternate. The "scam ratio" (share of
fakes the police calls real) is the `scam_ratio` column of history.csv and a
panel of losses.png.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gan_keras import cli  # noqa: E402
from gan_keras import scripts_common as common  # noqa: E402

DEFAULT_LABEL = 1  # trouser
BATCH_SIZE = 64  # of the alternating schedule
# LoopConfig fields of each schedule.
SCHEDULES = {
    "alternating": {},
    "one-side": {"d_only_steps": 30, "g_only_steps": 10},
}


def label(text):
    """argparse type: a class label in 0..9."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a class label 0..9, got {text!r}") from None
    if not 0 <= value <= 9:
        raise argparse.ArgumentTypeError(f"expected a class label 0..9, got {value}")
    return value


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_dataset_flag(parser)
    parser.add_argument("--label", type=label, default=DEFAULT_LABEL,
                        help=f"the class to learn (default {DEFAULT_LABEL}: trouser in Fashion-MNIST)")
    parser.add_argument("--schedule", choices=sorted(SCHEDULES), default="alternating",
                        help="alternating: one D step then one G step per step; one-side: 30 steps of D alone, "
                             "then 10 of G alone (default alternating)")
    cli.add_run_flags(
        parser,
        output_dir=common.LaterDefault("outputs/<fashion or mnist>_mlp_<schedule>"),
        batch_size=common.LaterDefault(f"{BATCH_SIZE}, or the whole class with --schedule one-side"),
        epochs=40,
        latent_dim=4,
    )
    args = parser.parse_args(argv)
    short = common.DATASET_SHORT_NAMES[args.dataset]
    args.output_dir = common.resolve(args.output_dir, f"outputs/{short}_mlp_{args.schedule}")
    return args


def main(argv=None):
    args = parse_args(argv)
    cli.check_output_dir(args.output_dir)
    import numpy as np

    from gan_keras.data import load_dataset, select_classes

    (x_train, y_train), _ = load_dataset(args.dataset, args.data_dir)
    x_class, _ = select_classes(x_train, y_train, [args.label])
    args.batch_size = common.resolve(args.batch_size, len(x_class) if args.schedule == "one-side" else BATCH_SIZE)
    common.check_batch_size(args.batch_size, len(x_class), f"training images of class {args.label}")
    images = x_class[..., np.newaxis].astype(np.float32) / np.float32(255.0)  # the faker's range, [0, 1]
    cli.quiet_tensorflow()
    from gan_keras.models.mlp import build_mlp_gan

    return common.train_from_flags(
        args,
        model="mlp_gan",
        model_settings=(("latent_dim", args.latent_dim), ("dataset", args.dataset), ("label", args.label),
                        ("schedule", args.schedule)),
        build_gan=lambda: build_mlp_gan(args.latent_dim),
        images=images,
        loop=SCHEDULES[args.schedule],
        dataset=args.dataset,
        eval_classes=[args.label],
    )


if __name__ == "__main__":
    cli.main_guard(main)
