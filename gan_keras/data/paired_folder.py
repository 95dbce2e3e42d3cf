"""Pairs of pictures for an image-to-image GAN (pix2pix): `DIR/A` and `DIR/B` by file name, or "AB" images.

    pairs = load_paired_folder("facades/train", size=64)
    pairs.inputs, pairs.targets   # uint8 (n, 64, 64, c) each: A -> B
    pairs = load_paired_folder("facades/train", size=64, direction="BtoA")

Two layouts are read, those of the pix2pix datasets and of
pytorch-CycleGAN-and-pix2pix's `aligned` and `combine_A_and_B.py`:

* `DIR/A/...` and `DIR/B/...`: a picture in A and the one in B with the same
  path, up to the extension (`A/x/12.jpg` with `B/x/12.png`), are a pair. A
  picture without a partner, or whose partner was skipped, is skipped and
  named.
* otherwise every picture under DIR is an "AB" image: A on the left half, B
  on the right half (the facades, maps and edges2shoes files).

Each picture (each half) is prepared as `gan_keras.data.image_folder`
prepares a folder's images (centre square, area resize, transparency on
white) and cached the same way; nothing in DIR is written.
"""

import dataclasses
import hashlib
import os

import numpy as np

from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.data.image_folder import MAX_LISTED, load_image_folder

__all__ = ["DIRECTIONS", "PairedFolder", "load_paired_folder"]

DIRECTIONS = ("AtoB", "BtoA")


@dataclasses.dataclass(frozen=True)
class PairedFolder:
    """The prepared pairs of a folder.

    Attributes:
        directory: The folder, as given.
        layout: "A/B" (two subfolders) or "AB" (side-by-side images).
        inputs: uint8 `(n, size, size, c_in)`: what the generator is given.
        targets: uint8 `(n, size, size, c_out)`: what it should draw.
        names: The pairs' names (paths relative to `A/`, or to DIR for "AB").
        skipped: `(name, reason)` per file left out (paths relative to DIR).
        digest: Hex digest of the files used and their preparation.
        cache: The cache file(s) the pictures are read from.
    """

    class_names = None  # pairs have no classes (as `ImageFolder.class_names` of a flat folder)

    directory: str
    layout: str
    inputs: np.ndarray
    targets: np.ndarray
    names: list
    skipped: list
    digest: str
    cache: str

    def summary(self):
        """One line: "DIR: N pairs (A/B) of SxS, C_in -> C_out channels; skipped M"."""
        size = self.inputs.shape[1]
        skipped = f"; skipped {len(self.skipped)}" if self.skipped else ""
        return (f"{self.directory}: {len(self.inputs):,} pairs ({self.layout}) of {size}x{size}, "
                f"{self.inputs.shape[-1]} -> {self.targets.shape[-1]} channels{skipped}")


def load_paired_folder(directory, size, channels="auto", direction="AtoB", progress=None):
    """Reads a folder of picture pairs (decoded once into the cache, as `load_image_folder` does).

    Args:
        directory: The folder: with `A/` and `B/` subfolders, or of "AB" images.
        size: Side of the prepared pictures (`gan_keras.data.image_folder.IMAGE_SIZES`).
        channels: "auto" (per side: 1 when every picture of that side is grey,
            else 3; for "AB" images both sides together), 1 or 3.
        direction: "AtoB" (A is the input) or "BtoA".
        progress: Whether a progress bar shows while pictures are decoded.

    Returns:
        A `PairedFolder` with at least one pair.

    Raises:
        UserError: (exit status 1) if the folder is missing or holds no usable
            pair; (exit status 2) for a bad `size`, `channels` or `direction`.
    """
    if direction not in DIRECTIONS:
        raise UserError(f"--direction must be AtoB or BtoA, got {direction!r}", EXIT_USAGE)
    side_a, side_b = os.path.join(directory, "A"), os.path.join(directory, "B")
    if os.path.isdir(side_a) and os.path.isdir(side_b):
        pairs = _two_folders(directory, side_a, side_b, size, channels, progress)
    else:
        pairs = _side_by_side(directory, size, channels, progress)
    if direction == "BtoA":
        pairs = dataclasses.replace(pairs, inputs=pairs.targets, targets=pairs.inputs)
    print(pairs.summary())
    return pairs


def _side_by_side(directory, size, channels, progress):
    folder = load_image_folder(directory, size, channels, progress=progress, halves=2)
    images = folder.images
    return PairedFolder(directory, "AB", images[:, :, :size], images[:, :, size:], list(folder.names),
                        list(folder.skipped), folder.digest,
                        folder.cache)


def _two_folders(directory, side_a, side_b, size, channels, progress):
    a = load_image_folder(side_a, size, channels, progress=progress)
    b = load_image_folder(side_b, size, channels, progress=progress)
    stems_b = {_stem(name): i for i, name in enumerate(b.names)}
    stems_a = {_stem(name) for name in a.names}
    rows_a, rows_b, names = [], [], []
    unmatched = []
    failed_a = {_stem(name) for name, _ in a.skipped}
    failed_b = {_stem(name) for name, _ in b.skipped}
    for i, name in enumerate(a.names):
        j = stems_b.get(_stem(name))
        if j is None:
            why = "its partner in B was skipped" if _stem(name) in failed_b else "no picture of that name in B"
            unmatched.append((f"A/{name}", why))
            continue
        rows_a.append(i)
        rows_b.append(j)
        names.append(name)
    for name in b.names:
        if _stem(name) not in stems_a:
            why = "its partner in A was skipped" if _stem(name) in failed_a else "no picture of that name in A"
            unmatched.append((f"B/{name}", why))
    for name, reason in unmatched[:MAX_LISTED]:
        print(f"  {name}: {reason}")
    if not names:
        raise UserError(f"no pair in {directory}: A/ and B/ need pictures of the same name (A/1.jpg with B/1.png)")
    skipped = [(f"A/{name}", reason) for name, reason in a.skipped] + [(f"B/{n}", r) for n, r in b.skipped]
    digest = hashlib.sha256(f"{a.digest}|{b.digest}".encode()).hexdigest()[:32]
    inputs, targets = (_rows(a.images, rows_a), _rows(b.images, rows_b))
    return PairedFolder(directory, "A/B", inputs, targets, names, sorted(skipped + unmatched), digest,
                        f"{a.cache} and {b.cache}")


def _rows(images, rows):
    """`images[rows]`: the memory map itself when it is every row in order, else the rows read into memory."""
    return images if rows == list(range(len(images))) else images[rows]


def _stem(name):
    """A relative path without its extension: "x/12.jpg" -> "x/12"."""
    return os.path.splitext(name)[0]
