"""`gan-keras sample`: draws samples from a saved generator, as a PNG grid or as arrays.

    gan-keras sample --generator outputs/fashion_dcgan/generator.keras --out grid.png
    gan-keras sample --generator outputs/fashion_cgan/generator.keras --label 7 --out sneakers.npz
    gan-keras sample --generator outputs/stackgan/stage2/generator.keras --caption "a light, narrow sneaker" \
        --n 10 --out sneakers.png
    gan-keras sample --generator outputs/fashion_dcgan/generator.keras --interpolate 10 --out walk.png
    gan-keras sample --generator outputs/fashion_cgan/generator.keras --sweep-classes --out sweep.png

An `.npz` file holds `images` (uint8, `(n, height, width, channels)`) and,
for a conditional generator, `labels` (int32, `(n,)`), for a captioned one
`captions` (`(n,)` strings); a 1-D generator writes its raw float32
`samples` `(n, 1)` instead of images. A latent walk (`--interpolate`,
`--sweep-classes`, see `gan_keras.sampling.latent`) writes one grid row per walk, and
its `.npz` also holds the `noise` of every image (and `t`, the positions).
"""

import math
import os

import numpy as np

from gan_keras.core.pixels import to_uint8
from gan_keras.cli import flags
from gan_keras.core import checks, fileio
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.data.captions import check_alphabet, shown, tokenize
from gan_keras.sampling import artifact, latent

WALK_ROWS = 10  # rows of a latent walk without --rows
MAX_SAMPLES = 1_000_000  # 784 MB of uint8 Fashion-MNIST images; larger requests fail before any allocation


def add_arguments(parser):
    parser.add_argument("--generator", required=True, help="a generator.keras file saved by a training run")
    parser.add_argument("--out", required=True, help="file to write: .png (a grid) or .npz (arrays)")
    parser.add_argument("--n", type=flags.positive_int, default=None, help="number of samples (default 100)")
    parser.add_argument("--seed", type=flags.seed, default=0, help="seed of the noise (default 0)")
    parser.add_argument("--label", default=None, metavar="CLASS",
                        help="class to draw, for a conditional generator: its number, or its name for a generator "
                             "trained on class folders (default: balanced, one grid row per class)")
    parser.add_argument("--caption", default=None, metavar="TEXT",
                        help="what to draw, for a generator trained on captions (StackGAN), e.g. 'a light, narrow "
                             "sneaker'; characters other than a-z, hyphen, space, comma and period, and words it "
                             "does not know, are refused (named, with the words it knows)")
    walks = parser.add_mutually_exclusive_group()
    walks.add_argument("--interpolate", type=flags.positive_int, default=None, metavar="K",
                       help="latent walks: one row per pair of noise vectors, K images from one to the other "
                            "(spherical interpolation); a conditional generator keeps --label or row i's class")
    walks.add_argument("--sweep-classes", action="store_true",
                       help="for a conditional generator: one row per noise vector, the same noise with every class")
    parser.add_argument("--rows", type=flags.positive_int, default=None,
                        help="rows of a latent walk (default 10)")


def run(args):
    # matplotlib loads when a grid is written, not while flags are parsed.
    from gan_keras.sampling.plotting import save_image_grid

    _check(args)
    checks.require_parent_dir(args.out, "--out")
    flags.quiet_tensorflow()
    generator = artifact.load_generator(args.generator, kinds=(artifact.GeneratorKind.NOISE,
                                                               artifact.GeneratorKind.CAPTIONS),
                                        command="gan-keras sample")
    if args.label is not None:
        args.label = generator.info.class_index(args.label)
    image_shape = generator.info.image_shape
    if args.out.endswith(".png") and len(image_shape) != 3:
        raise UserError(f"{args.generator} draws samples of shape {image_shape}, not images: use --out FILE.npz",
                        EXIT_USAGE)
    if args.interpolate is not None or args.sweep_classes:
        return _walk(args, generator, np.random.default_rng(args.seed))
    args.n = 100 if args.n is None else args.n
    checks.check_memory(args.n * int(np.prod(image_shape)) * 12, f"{args.n:,} samples of shape {image_shape}", "--n")
    named = generator.info.class_names if args.label is None and args.out.endswith(".png") else None
    if named:  # a generator of named classes (a folder's): one row per class, labelled with its name
        return _named_rows(args, generator, named)
    rng = np.random.default_rng(args.seed)
    labels = None
    if args.caption is not None:
        images = generator.draw([args.caption] * args.n, rng)
    else:
        images, labels = generator.sample(args.n, rng, label=args.label)
    if args.out.endswith(".npz"):
        arrays = {"images": to_uint8(images)} if len(image_shape) == 3 else {"samples": images}
        if labels is not None:
            arrays["labels"] = labels
        if args.caption is not None:
            arrays["captions"] = np.array([args.caption] * args.n)
        with fileio.atomic_write(args.out, "wb") as f:
            np.savez(f, **arrays)
    else:
        cols = math.ceil(math.sqrt(args.n))
        rows = math.ceil(args.n / cols)
        padded = np.concatenate([images, -np.ones((rows * cols - args.n, *images.shape[1:]), np.float32)])
        save_image_grid(padded, args.out, rows, cols)
    print(f"Wrote {args.n} samples to {args.out}")
    return 0


def _named_rows(args, generator, names):
    """A grid of a generator of named classes: one row of samples per class, labelled with its name."""
    # matplotlib loads when a grid is written, not while flags are parsed.
    from gan_keras.sampling.plotting import save_caption_grid

    cols = math.ceil(args.n / len(names))
    images, _ = generator.sample(cols * len(names), np.random.default_rng(args.seed))
    save_caption_grid([images], [f"{i} {name}" for i, name in enumerate(names)], args.out)
    rounded = "" if cols * len(names) == args.n else f" (--n {args.n} rounded up to {cols} per class)"
    print(f"Wrote {cols * len(names)} samples to {args.out}: a row of {cols} per class{rounded}")
    return 0


def _walk(args, generator, rng):
    # matplotlib loads when a grid is written, not while flags are parsed.
    from gan_keras.sampling.plotting import save_image_grid

    rows = WALK_ROWS if args.rows is None else args.rows
    if args.interpolate is not None:
        walk = latent.interpolation(generator, rng, rows, args.interpolate, label=args.label)
        what = f"{rows} latent walks of {args.interpolate} images"
    else:
        walk = latent.class_sweep(generator, rng, rows)
        what = f"{rows} noise vectors x {generator.info.num_classes} classes"
    cols = len(walk["images"]) // rows
    if args.out.endswith(".npz"):
        arrays = dict(walk, images=to_uint8(walk["images"]))
        with fileio.atomic_write(args.out, "wb") as f:
            np.savez(f, **arrays)
    else:
        save_image_grid(walk["images"], args.out, rows, cols)
    print(f"Wrote {what} to {args.out}")
    return 0


def _check(args):
    walking = args.interpolate is not None or args.sweep_classes
    if walking and (args.caption is not None or args.n is not None):
        raise UserError(f"{'--caption' if args.caption is not None else '--n'} excludes --interpolate and "
                        f"--sweep-classes (a walk has --rows rows)", EXIT_USAGE)
    if not walking and args.rows is not None:
        raise UserError("--rows needs --interpolate or --sweep-classes", EXIT_USAGE)
    if args.sweep_classes and args.label is not None:
        raise UserError("--sweep-classes draws every class: leave out --label", EXIT_USAGE)
    rows = WALK_ROWS if args.rows is None else args.rows
    images_per_row = args.interpolate if args.interpolate is not None else 0
    if walking and rows * max(images_per_row, 10) > 10_000:
        raise UserError("a latent walk grid holds at most 10,000 images: lower --rows or --interpolate", EXIT_USAGE)

    if args.caption is not None:
        check_alphabet(args.caption)
        if not tokenize(args.caption):
            raise UserError(f"--caption {shown(args.caption)} has no words; describe a garment, e.g. 'a light, "
                            f"narrow sneaker'", EXIT_USAGE)
    if args.caption is not None and args.label is not None:
        raise UserError("--caption and --label exclude each other: a caption names the class", EXIT_USAGE)
    if not args.out.endswith((".png", ".npz")):
        raise UserError(f"--out must end in .png or .npz, got {args.out}", EXIT_USAGE)
    if args.n is not None and args.n > MAX_SAMPLES:
        raise UserError(f"--n must be at most {MAX_SAMPLES:,}, got {args.n:,}", EXIT_USAGE)
    if args.out.endswith(".png") and args.n is not None and args.n > 10_000:
        raise UserError(f"a PNG grid holds at most 10,000 samples, got --n {args.n:,}: use --out FILE.npz",
                        EXIT_USAGE)
    if not os.path.isfile(args.generator):
        raise UserError(f"no generator file at {args.generator}")
