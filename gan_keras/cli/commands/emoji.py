"""`gan-keras emoji`: a folder of colour pictures made offline, to train on (Google's Noto colour emoji).

    gan-keras emoji --out outputs/emoji          # what `make emoji` runs (it installs the fonts first)
    gan-keras train dcgan --dataset folder --data-dir outputs/emoji --image-size 64
    gan-keras train cgan --dataset folder --data-dir outputs/emoji --image-size 32

Writes 3,655 emoji as 136x128 RGBA PNGs into 9 class folders, one per Unicode
emoji group (`gan_keras.data.emoji`). Needs Debian's `fonts-noto-color-emoji`
and `unicode-data`.
"""

from gan_keras.core import checks
from gan_keras.data import emoji


def add_arguments(parser):
    parser.add_argument("--out", default="outputs/emoji", help="folder to write (default outputs/emoji)")


def run(args):
    checks.require_parent_dir(args.out, "--out")
    counts = emoji.write_emoji_folder(args.out)
    print(f"Wrote {sum(counts.values()):,} emoji in {len(counts)} class folders to {args.out}: "
          + ", ".join(f"{name} {count}" for name, count in sorted(counts.items())))
    return 0
