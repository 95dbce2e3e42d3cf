"""A folder of your own pictures as a training set: decoded once into a uint8 cache, batches drawn from it.

    folder = load_image_folder("my_pictures", size=64)                  # every image, recursively (DCGAN)
    folder = load_image_folder("my_pictures", size=32, classes=True)    # one subfolder per class (cGAN)
    # my_pictures: 3,655 images of 64x64x3 in 9 classes; skipped 2 (1 unreadable, 1 too small)
    #   cats/broken.jpg: unreadable: image file is truncated
    #   ...

Files are found by `gan_keras.data.walk` (regular files with an image
extension, any case; pipes, broken links and loops are skipped and named).
Each image is prepared as the DCGAN paper prepared CelebA: the largest
centred square is cut out, then shrunk to `size` x `size` by area averaging
(Pillow's BOX filter). An image whose shorter side is under `size` is
skipped ("too small": enlarging it would teach the GAN blur), and so are
empty files and files Pillow cannot read ("unreadable: ..."). Transparency
is flattened onto white (an emoji or a logo on a transparent background
becomes one on white). `channels` "auto" is 1 when every usable image is
grey, else 3; colour is made grey by the mean of R, G and B.

The cache: the prepared images of a folder are written once to
`CACHE_DIR/<key>.npy` (uint8 `(n, size, size, channels)`, memory-mapped when
read, so a folder larger than memory trains from disk through the page cache)
with `<key>.json` (the files, labels, class names and skipped files). The key
is the folder's real path, `size`, `channels` and the layout; the cache is
rebuilt when any file's name, size or modification time changed (the
folder's `digest`), or when the preparation changes (`CACHE_FORMAT`).
`CACHE_DIR` is `$GAN_KERAS_CACHE` or `~/.cache/gan_keras/image_folders`:
never the user's folder, which is only ever read.
"""

import contextlib
import dataclasses
import hashlib
import json
import multiprocessing
import os
import sys

import numpy as np
from PIL import Image
from tqdm import tqdm

from gan_keras.core import fileio
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.data.image_file import UnreadableImageError, read_pixels
from gan_keras.data.walk import list_files

__all__ = ["CACHE_FORMAT", "EXTENSIONS", "IMAGE_SIZES", "ImageFolder", "cache_dir", "load_image_folder",
           "prepare_image"]

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
# Sizes s * 2**k with s in 4..7: the generator starts at s x s and doubles k times (gan_keras.models.dcgan).
IMAGE_SIZES = (16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128)
CACHE_FORMAT = 1  # bump when the preparation of an image changes: every cache is rebuilt
MAX_LISTED = 10  # skipped files named one per line in the terminal; the run's report lists them all


@dataclasses.dataclass(frozen=True)
class ImageFolder:
    """The prepared images of a folder and the files left out.

    Attributes:
        directory: The folder, as given.
        images: uint8 `(n, size, size, channels)` (a read-only memory map of the cache).
        labels: int32 `(n,)` class indices (with `classes`), else None.
        class_names: The class folders' names, in index order (with `classes`), else None.
        names: The images' paths relative to `directory`, "/"-separated, in `images`' order.
        skipped: `(name, reason)` per file left out.
        digest: Hex digest of the files used (names, sizes, modification times) and the preparation.
        cache: The cache file the images are read from.
    """

    directory: str
    images: np.ndarray
    labels: np.ndarray | None
    class_names: tuple | None
    names: list
    skipped: list
    digest: str
    cache: str

    def summary(self):
        """One line: "DIR: N images of SxSxC[ in K classes]; skipped M (U unreadable, S too small, ...)"."""
        height, width, channels = self.images.shape[1:]
        kinds = {}
        for _, reason in self.skipped:
            kind = reason.split(":")[0].split(" (")[0]
            kinds[kind] = kinds.get(kind, 0) + 1
        classes = f" in {len(self.class_names)} classes" if self.class_names else ""
        skipped = (f"; skipped {len(self.skipped)} ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})"
                   if self.skipped else "")
        return f"{self.directory}: {len(self.images):,} images of {height}x{width}x{channels}{classes}{skipped}"


_PROGRESS = [None]  # `load_image_folder`'s `progress` when a call leaves it None (see `progress_bars`)


@contextlib.contextmanager
def progress_bars(show):
    """Within the block, folders are decoded with a progress bar or without (a run's `--no-progress`).

    Args:
        show: True, False, or None (when stderr is a terminal).
    """
    before, _PROGRESS[0] = _PROGRESS[0], show
    try:
        yield
    finally:
        _PROGRESS[0] = before


def cache_dir():
    """Where prepared folders are cached: `$GAN_KERAS_CACHE`, else `~/.cache/gan_keras/image_folders`."""
    return os.environ.get("GAN_KERAS_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "gan_keras",
                                                              "image_folders")


def prepare_image(path, size, halves=1):
    """One image file as the training set holds it: centre square, area-shrunk to `size`, alpha on white.

    Args:
        path: An image file.
        size: The side of the result in pixels.
        halves: 2 for the side-by-side "AB" images of the pix2pix datasets:
            the left and the right half are each prepared so, side by side.

    Returns:
        `(pixels, grey)`: uint8 `(size, halves * size, 3)` and whether the file is grey.

    Raises:
        UnreadableImageError: (exit status 1) if Pillow cannot read it.
        ValueError: "too small: WxH < size" if its shorter side (of a half) is under `size`.
    """
    colour, alpha, top = read_pixels(path)
    height, width = colour.shape[:2]
    if min(height, width // halves) < size:
        raise ValueError(f"too small: {width}x{height} < {halves * size}x{size}" if halves > 1
                         else f"too small: {width}x{height} < {size}")
    part = width // halves
    prepared = [_square(colour[:, i * part:(i + 1) * part], None if alpha is None else
                        alpha[:, i * part:(i + 1) * part], top, size) for i in range(halves)]
    return np.concatenate(prepared, axis=1), colour.shape[-1] == 1


def _square(colour, alpha, top, size):
    """uint8 `(size, size, 3)`: the centred square of one picture, alpha on white, area-shrunk."""

    height, width = colour.shape[:2]
    pixels = colour.astype(np.float32) / np.float32(top / 255.0)
    if alpha is not None:  # flattened onto white
        opacity = alpha.astype(np.float32) / np.float32(top)
        pixels = pixels * opacity + np.float32(255.0) * (1 - opacity)
    grey = pixels.shape[-1] == 1
    side = min(height, width)
    top_row, left = (height - side) // 2, (width - side) // 2
    square = np.rint(pixels[top_row:top_row + side, left:left + side]).astype(np.uint8)
    if grey:
        square = np.repeat(square, 3, axis=-1)
    image = Image.fromarray(square, "RGB")
    if side != size:
        image = image.resize((size, size), Image.Resampling.BOX)
    return np.asarray(image, np.uint8)


def load_image_folder(directory, size, channels="auto", classes=False, progress=None, halves=1):
    """Reads (from the cache, or decodes once into it) every usable image of a folder, and says what it found.

    Prints `ImageFolder.summary()`, then one line per skipped file (the
    first `MAX_LISTED`, then how many more).

    Args:
        directory: The folder of images.
        size: Side of the prepared images, one of `IMAGE_SIZES`.
        channels: "auto", 1 or 3.
        classes: One subfolder of `directory` per class (Keras'
            `image_dataset_from_directory`, torchvision's `ImageFolder`):
            class `i` is the `i`-th subfolder in name order; images directly
            in `directory` are skipped ("not in a class folder").
        progress: Whether a progress bar shows while images are decoded
            (None: as `progress_bars` says, by default when stderr is a terminal).
        halves: 2 for side-by-side "AB" images (`prepare_image`): the images
            are then `(size, 2 * size)`.

    Returns:
        An `ImageFolder` with at least one image (and one in every class).

    Raises:
        UserError: (exit status 1) if the folder is missing or holds no
            usable image, or (with `classes`) no class folder or a class
            folder without a usable image; (exit status 2) for a `size` or
            `channels` out of range.
    """
    if size not in IMAGE_SIZES:
        raise UserError(f"--image-size must be one of {', '.join(map(str, IMAGE_SIZES))}, got {size}", EXIT_USAGE)
    if channels not in ("auto", 1, 3):
        raise UserError(f"--channels must be auto, 1 or 3, got {channels!r}", EXIT_USAGE)
    if not os.path.exists(directory):
        raise UserError(f"no folder of images at {directory}: create it and put your pictures in it")
    if not os.path.isdir(directory):
        raise UserError(f"{directory} is a file, not a folder: give the folder that holds your pictures")
    listing = list_files(directory, EXTENSIONS)
    files, skipped = list(listing.files), list(listing.skipped)
    class_names = None
    if classes:
        class_names = tuple(sorted({name.split("/")[0] for name in files if "/" in name}))
        skipped += [(name, "not in a class folder") for name in files if "/" not in name]
        files = [name for name in files if "/" in name]
        if not class_names:
            raise UserError(f"{directory} has no class folders: put each class's pictures in a subfolder "
                            f"({directory}/cats/..., {directory}/dogs/...)")
    stats = [_stat(directory, name) for name in files]
    layout = f"{classes}|{halves}"
    digest = _digest(files, stats, size, channels, layout)
    key = hashlib.sha256(f"{os.path.realpath(directory)}|{size}|{channels}|{layout}".encode()).hexdigest()[:24]
    cache = os.path.join(cache_dir(), key)
    meta = _read_meta(cache, digest)
    if meta is None:
        job = _CacheJob(cache, directory, files, stats, size, channels, class_names, halves)
        meta = _build_cache(job, skipped, digest, progress)
    images = np.load(cache + ".npy", mmap_mode="r")
    labels = None if meta["labels"] is None else np.asarray(meta["labels"], np.int32)
    folder = ImageFolder(directory, images, labels, class_names, meta["names"],
                         [tuple(item) for item in meta["skipped"]], digest, cache + ".npy")
    print(folder.summary())
    for name, reason in folder.skipped[:MAX_LISTED]:
        print(f"  {name}: {reason}")
    if len(folder.skipped) > MAX_LISTED:
        print(f"  ... and {len(folder.skipped) - MAX_LISTED} more (all in the run's report.md)")
    if not len(images):
        first = f" (first: {folder.skipped[0][0]}: {folder.skipped[0][1]})" if folder.skipped else ""
        least = f"{halves * size}x{size}"
        raise UserError(f"no usable image in {directory}{first}: add PNG or JPEG pictures of at least "
                        f"{least} pixels")
    if classes:
        empty = [name for i, name in enumerate(class_names) if not np.any(labels == i)]
        if empty:
            raise UserError(f"class folder {directory}/{empty[0]} holds no usable image of at least {size}x{size} "
                            f"pixels: add some, or remove the folder")
    return folder


def _stat(directory, name):
    info = os.stat(os.path.join(directory, name))
    return info.st_size, info.st_mtime_ns


def _digest(files, stats, size, channels, layout):
    """What the cache's contents depend on: the files (names, sizes, times) and the preparation."""
    hasher = hashlib.sha256(f"{CACHE_FORMAT}|{size}|{channels}|{layout}".encode())
    for name, (length, mtime) in zip(files, stats):
        hasher.update(f"{name}\0{length}\0{mtime}\n".encode())
    return hasher.hexdigest()[:32]


def _read_meta(cache, digest):
    """The cache's sidecar if it exists and matches `digest` (and its array is there), else None."""
    try:
        with open(cache + ".json") as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("digest") != digest or not os.path.isfile(cache + ".npy"):
        return None
    return meta


@dataclasses.dataclass(frozen=True)
class _CacheJob:
    """What one cache is built from (see `load_image_folder`)."""

    cache: str
    directory: str
    files: list
    stats: list
    size: int
    channels: object
    class_names: tuple | None
    halves: int


def _prepare(job):
    """One file for the cache (in a worker process): `(index, pixels or None, grey, reason or None)`."""
    index, path, length, size, halves = job
    if length == 0:
        return index, None, False, "empty file"
    try:
        pixels, grey = prepare_image(path, size, halves)
    except UnreadableImageError as error:
        return index, None, False, f"unreadable: {error.reason}"
    except ValueError as error:
        return index, None, False, str(error)
    return index, pixels, grey, None


def _decoded(job, progress):
    """`_prepare`'s results in any order, decoded on every core (at most 8) when there are many files."""

    progress = _PROGRESS[0] if progress is None else progress
    progress = sys.stderr.isatty() if progress is None else progress
    jobs = [(i, os.path.join(job.directory, name), length, job.size, job.halves)
            for i, (name, (length, _)) in enumerate(zip(job.files, job.stats))]
    workers = min(os.cpu_count() or 1, 8)
    with tqdm(total=len(jobs), desc=f"decoding {job.directory} once (cached)", unit="image",
              disable=not progress, dynamic_ncols=True) as bar:
        if workers > 1 and len(jobs) > 64:
            with multiprocessing.get_context("spawn").Pool(workers) as pool:
                for result in pool.imap_unordered(_prepare, jobs, chunksize=16):
                    bar.update(1)
                    yield result
        else:
            for one in jobs:
                bar.update(1)
                yield _prepare(one)


def _build_cache(job, skipped, digest, progress):
    """Decodes every file once into the cache, in bounded memory; returns its sidecar.

    Each decoded image goes straight to a memory-mapped scratch array on
    disk (one row per file), and the kept rows are then copied, `COPY_ROWS`
    at a time, into the cache's `.npy`: the memory used is a few images per
    worker plus one block of rows, whatever the folder's size.
    """
    os.makedirs(os.path.dirname(job.cache), exist_ok=True)
    shape = (job.size, job.halves * job.size)
    scratch_path = job.cache + f".scratch{os.getpid()}.npy"
    scratch = np.lib.format.open_memmap(scratch_path, "w+", np.uint8, (max(len(job.files), 1), *shape, 3))
    try:
        reasons, greys = {}, {}
        for index, pixels, grey, reason in _decoded(job, progress):
            if reason is None:
                scratch[index], greys[index] = pixels, grey
            else:
                reasons[index] = reason
        kept = [i for i in range(len(job.files)) if i not in reasons]
        grey = all(greys[i] for i in kept)
        wanted = (1 if grey else 3) if job.channels == "auto" else job.channels
        with fileio.atomic_write(job.cache + ".npy", "wb") as f:
            _copy_rows(scratch, kept, wanted, f)
    finally:
        del scratch
        os.remove(scratch_path)
    names = [job.files[i] for i in kept]
    labels = None if job.class_names is None else [job.class_names.index(name.split("/")[0]) for name in names]
    meta = {"format": CACHE_FORMAT, "digest": digest, "directory": os.path.realpath(job.directory), "names": names,
            "labels": labels, "class_names": None if job.class_names is None else list(job.class_names),
            "skipped": sorted(skipped + [(job.files[i], reason) for i, reason in reasons.items()])}
    fileio.write_text(job.cache + ".json", json.dumps(meta))
    return meta


COPY_ROWS = 1024  # rows copied at a time from the scratch array to the cache


def _copy_rows(scratch, kept, channels, f):
    """Writes the `.npy` of `scratch[kept]` with `channels` (1: the mean of R, G and B) into the open file `f`."""
    shape = (len(kept), *scratch.shape[1:3], channels)
    np.lib.format.write_array_header_1_0(f, {"descr": np.lib.format.dtype_to_descr(np.dtype(np.uint8)),
                                             "fortran_order": False, "shape": shape})
    for start in range(0, len(kept), COPY_ROWS):
        block = np.asarray(scratch[kept[start:start + COPY_ROWS]])
        if channels == 1:
            block = np.rint(block.mean(axis=-1, keepdims=True, dtype=np.float32)).astype(np.uint8)
        f.write(np.ascontiguousarray(block).tobytes())
