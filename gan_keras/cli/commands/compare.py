"""`gan-keras compare RUN_DIR...`: runs side by side, as a Markdown table and a PNG of their curves.

    gan-keras compare outputs/fashion_dcgan outputs/dcgan_batch64
    gan-keras compare outputs/fashion_dcgan outputs/dcgan_batch64 --out notes/batch_size

A run of phases (`outputs/srgan_photos`: its `srresnet` and `srgan` folders)
is compared phase by phase. Writes `PREFIX.md` (settings side by side with the differences in bold,
the last evaluation of each run and its averaged generator, the best of each
run) and `PREFIX.png` (FD, KID and classifier score over epochs; the
averaged generators dashed). See `gan_keras.cli.views.comparison`. By
default PREFIX is `comparison` in the first run's folder
(`outputs/fashion_dcgan/comparison.md`), a name no run writes, so nothing
lands in the current folder (a working tree, a repository) unless `--out`
says so.
"""

import os

from gan_keras.cli import flags
from gan_keras.core import checks
from gan_keras.core.errors import EXIT_USAGE, UserError

DEFAULT_NAME = "comparison"  # of the files in the first run's folder; no run writes files of this name


def add_arguments(parser):
    parser.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="training run folders (holding history.csv)")
    parser.add_argument("--out", default=None, metavar="PREFIX",
                        help=f"writes PREFIX.md and PREFIX.png (default: {DEFAULT_NAME} in the first RUN_DIR, "
                             f"i.e. RUN_DIR/{DEFAULT_NAME}.md and .png; never the current folder unless PREFIX "
                             f"says so)")


def run(args):
    if args.out is None:
        args.out = os.path.join(args.run_dirs[0], DEFAULT_NAME)
    elif args.out.endswith((".md", ".png")):
        raise UserError(f"--out is a prefix (PREFIX.md and PREFIX.png are written), got {args.out}", EXIT_USAGE)
    for path in args.run_dirs:
        if not os.path.isdir(path):
            raise UserError(f"no run folder at {path}", EXIT_USAGE)
    checks.require_parent_dir(args.out, "--out")
    flags.quiet_tensorflow()
    # Keras loads only when the command runs (quietly), not while flags are parsed.
    from gan_keras.cli.views.comparison import run_folders, write_comparison

    md, png = write_comparison(args.run_dirs, args.out)
    print(f"Wrote {md} and {png} ({len(run_folders(args.run_dirs))} runs)")
    return 0
