"""Fashion-MNIST and MNIST as uint8 numpy arrays, found locally before any download.

`load_fashion_mnist` and `load_mnist` return `(x_train, y_train), (x_test, y_test)`
like `keras.datasets`. They search, in order: the `data_dir` argument (only
that, when given), `$GAN_KERAS_DATA`, keras' cache (`$KERAS_HOME/datasets`,
default `~/.keras/datasets`), Debian's `/usr/share/datasets`, and last keras'
downloader (skipped when `$GAN_KERAS_NO_DOWNLOAD` is set). Every file is
checked, so a missing, corrupt or truncated file ends in one `DataError` line
that names the file and what to do, instead of a traceback or garbage.
"""

import gzip
import math
import os
import struct
import zipfile
import zlib

import numpy as np

from gan_keras.core.errors import EXIT_DATA_OR_IO, UserError
from gan_keras.core.pixels import from_uint8

IDX_FILES = {  # array name -> IDX file name, without the optional ".gz"
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
DATASET_FOLDERS = {"fashion_mnist": "fashion-mnist", "mnist": "mnist"}
# Sizes of the standard splits (both datasets), and of each of their 10 classes in Fashion-MNIST.
SPLIT_SIZES = {"train": 60000, "test": 10000}
# The Fashion-MNIST classes, by label.
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")
CLASS_SIZES = {"train": 6000, "test": 1000}
NUM_CLASSES = 10
KERAS_CACHE_DIR = os.path.join(os.environ.get("KERAS_HOME") or os.path.expanduser("~/.keras"), "datasets")
DEBIAN_ROOT = "/usr/share/datasets"
_IDX_UINT8 = 0x08
_REPLACE = "delete it or replace it with an intact copy"


class DataError(UserError):
    """Missing, corrupt or inconsistent data; the message is one line naming the file and the remedy."""

    def __init__(self, message):
        super().__init__(" ".join(str(message).splitlines()), EXIT_DATA_OR_IO)


def read_idx(path):
    """Reads an IDX file of unsigned bytes, gzipped or raw.

    Gzip is recognised by its magic bytes (1f 8b), not by the file name.

    Args:
        path: The IDX file.

    Returns:
        uint8 array with the shape in the file's header, e.g. (n, 28, 28).

    Raises:
        DataError: if the file cannot be read or decompressed, its magic number
            is wrong, its type is not uint8 (0x08), or its payload is not
            exactly as long as its dimensions say.
    """
    try:
        with open(path, "rb") as f:
            raw = f.read()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
        remedy = "check the path" if isinstance(error, FileNotFoundError) else _REPLACE
        raise DataError(f"cannot read {path} ({_reason(error)}): {remedy}") from None
    if len(raw) < 4 or raw[:2] != b"\x00\x00":
        raise DataError(f"{path} is not an IDX file (bad magic number {raw[:4].hex() or 'none'}): {_REPLACE}")
    dtype_code, ndim = raw[2], raw[3]
    if dtype_code != _IDX_UINT8:
        raise DataError(f"{path} holds IDX type 0x{dtype_code:02x}, only unsigned bytes (0x08) are supported: "
                        f"use the standard MNIST/Fashion-MNIST files")
    header_size = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header_size:
        raise DataError(f"{path} has a truncated IDX header ({ndim} dimensions, {len(raw)} bytes): {_REPLACE}")
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    expected, actual = math.prod(shape), len(raw) - header_size  # Python ints: no overflow
    if actual != expected:
        problem = "truncated" if actual < expected else "longer than its header says (trailing bytes)"
        raise DataError(f"{path} is {problem}: shape {shape} needs {expected} bytes, found {actual}: {_REPLACE}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape).copy()


def load_fashion_mnist(data_dir=None, *, allow_download=None):
    """Loads Fashion-MNIST like `keras.datasets.fashion_mnist.load_data()`.

    Args:
        data_dir: Folder holding the four IDX files (`.gz` or raw), or a folder
            with a `fashion-mnist/` subfolder; when given, nothing else is tried.
        allow_download: Whether keras' downloader is the last resort; None
            means yes unless `$GAN_KERAS_NO_DOWNLOAD` is set (and not "0").

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images (n, 28, 28) and
        uint8 labels (n,) in 0..9; the full set has 60000 and 10000 samples.

    Raises:
        DataError: if the data is missing, corrupt or inconsistent.
    """
    return load_dataset("fashion_mnist", data_dir, allow_download=allow_download)


def load_mnist(data_dir=None, *, allow_download=None):
    """Loads MNIST digits like `load_fashion_mnist`; keras' `mnist.npz` is accepted besides IDX files."""
    return load_dataset("mnist", data_dir, allow_download=allow_download)


def load_dataset(name, data_dir=None, *, allow_download=None):
    """Loads a dataset by name, searching like `load_fashion_mnist`.

    Args:
        name: "fashion_mnist" or "mnist".
        data_dir, allow_download: As for `load_fashion_mnist`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 (n, 28, 28) images and uint8 (n,) labels.

    Raises:
        ValueError: if `name` is not a known dataset.
        DataError: if the data is missing, corrupt or inconsistent.
    """
    if name not in DATASET_FOLDERS:
        raise ValueError(f"unknown dataset {name!r}; valid names: {', '.join(sorted(DATASET_FOLDERS))}")
    folder = DATASET_FOLDERS[name]
    if data_dir is not None:
        data_dir = os.fspath(data_dir)
        if not os.path.isdir(data_dir):
            raise DataError(f"--data-dir {data_dir} is not a directory: pass the folder holding {_wanted_files(name)}")
        found = _load_from_root(data_dir, name)
        if found is None:
            raise DataError(f"--data-dir {data_dir} holds no {name} data: put {_wanted_files(name)} there "
                            f"(or in its {folder}/ subfolder), or leave out --data-dir to search the default places")
        return found
    searched = []
    env_dir = os.environ.get("GAN_KERAS_DATA")
    if env_dir:
        searched.append(f"$GAN_KERAS_DATA={env_dir}")
        found = _load_from_root(env_dir, name)
        if found is not None:
            return found
    for place in (os.path.join(KERAS_CACHE_DIR, folder), os.path.join(KERAS_CACHE_DIR, "mnist.npz"),
                  os.path.join(DEBIAN_ROOT, folder)):
        if place.endswith(".npz") and name != "mnist":
            continue
        searched.append(place)
        found = _load_npz(place) if place.endswith(".npz") else _load_idx_folder(place)
        if found is not None:
            return found
    if allow_download is None:
        allow_download = os.environ.get("GAN_KERAS_NO_DOWNLOAD", "") in ("", "0")
    download_note = "keras' download disabled"
    if allow_download:
        try:
            downloaded = _download(name)
        except Exception as error:  # no network, server error, broken cache: report the remedies instead
            download_note = f"keras' download failed ({type(error).__name__}: {str(error)[:120]})"
        else:
            return _checked(downloaded, {key: f"keras' {name} {key}" for key in IDX_FILES})
    apt = ", install it with 'apt-get install dataset-fashion-mnist'" if name == "fashion_mnist" else ""
    raise DataError(f"{name} not found (searched {', '.join(searched)}; {download_note}): pass --data-dir DIR "
                    f"with {_wanted_files(name)}, set $GAN_KERAS_DATA=DIR{apt}, "
                    f"or allow internet access for keras' downloader")


def scale_images(images):
    """Scales uint8 images to float32 in [-1, 1] and adds a channel axis.

    Args:
        images: uint8 array (n, h, w), e.g. (n, 28, 28).

    Returns:
        float32 array (n, h, w, 1) equal to `images / 127.5 - 1` (0 -> -1, 255 -> 1).
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"expected images of shape (n, h, w), got {images.shape}")
    return from_uint8(images)[..., np.newaxis]


def select_classes(images, labels, classes):
    """Keeps the samples whose label is one of `classes`.

    Args:
        images: Array (n, ...).
        labels: Integer array (n,).
        classes: Iterable of ints, e.g. `[7]` or `range(5)`.

    Returns:
        `(images, labels)` restricted to those samples, in their original order.

    Raises:
        DataError: if no sample has one of those labels.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    classes = sorted({int(c) for c in classes})
    keep = np.isin(labels, classes)
    if not keep.any():
        raise DataError(f"no samples with label(s) {classes} (labels present: {np.unique(labels).tolist()}): "
                        "choose classes that occur in the data")
    return images[keep], labels[keep]


def _reason(error):
    """A short, one-line reason for an I/O or decoding error."""
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return " ".join(text.split())[:160]


def _wanted_files(name):
    files = " ".join(f"{stem}[.gz]" for stem in IDX_FILES.values())
    return files + (" or mnist.npz" if name == "mnist" else "")


def _load_from_root(root, name):
    """Loads from `root` itself or its dataset subfolder; None if neither holds the data."""
    for folder in (root, os.path.join(root, DATASET_FOLDERS[name])):
        found = _load_idx_folder(folder)
        if found is None and name == "mnist":
            found = _load_npz(os.path.join(folder, "mnist.npz"))
        if found is not None:
            return found
    return None


def _load_idx_folder(folder):
    """Loads the four IDX files of `folder`; None if it holds none of them."""
    if not os.path.isdir(folder):
        return None
    paths = {}
    for key, stem in IDX_FILES.items():
        for file_name in (stem + ".gz", stem):
            if os.path.isfile(os.path.join(folder, file_name)):
                paths[key] = os.path.join(folder, file_name)
                break
    if not paths:
        return None
    missing = [stem for key, stem in IDX_FILES.items() if key not in paths]
    if missing:
        raise DataError(f"{folder} lacks {', '.join(missing)} (.gz or raw): add the missing files "
                        "or remove the incomplete folder")
    return _checked({key: read_idx(path) for key, path in paths.items()}, paths)


def _load_npz(path):
    """Loads keras' `mnist.npz` layout (x_train, y_train, x_test, y_test); None if `path` is not a file."""
    if not os.path.isfile(path):
        return None
    unreadable = (OSError, ValueError, EOFError, zlib.error, zipfile.BadZipFile)
    try:
        archive = np.load(path, allow_pickle=False)
    except unreadable as error:
        raise DataError(f"cannot read {path} ({_reason(error)}): {_REPLACE}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(f"{path} is a single array, not an .npz archive of x_train, y_train, x_test, y_test: "
                        f"{_REPLACE}")
    with archive:
        missing = [key for key in IDX_FILES if key not in archive.files]
        if missing:
            raise DataError(f"{path} lacks the array(s) {', '.join(missing)}: {_REPLACE}")
        try:
            arrays = {key: archive[key] for key in IDX_FILES}
        except unreadable as error:
            raise DataError(f"cannot read {path} ({_reason(error)}): {_REPLACE}") from None
    return _checked(arrays, {key: f"{path}[{key}]" for key in IDX_FILES})


def _checked(arrays, sources):
    """Checks dtypes, shapes, counts and label range; returns the keras-style nested tuples."""
    for split in ("train", "test"):
        x, y = np.asarray(arrays[f"x_{split}"]), np.asarray(arrays[f"y_{split}"])
        x_source, y_source = sources[f"x_{split}"], sources[f"y_{split}"]
        for array, source in ((x, x_source), (y, y_source)):
            if array.dtype != np.uint8:
                raise DataError(f"{source} has dtype {array.dtype}, expected uint8: {_REPLACE}")
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise DataError(f"{x_source} has images of shape {x.shape}, expected (n, 28, 28): {_REPLACE}")
        if y.ndim != 1 or len(y) != len(x):
            raise DataError(f"{y_source} has labels of shape {y.shape} for {len(x)} images in {x_source}: "
                            f"use matching image and label files")
        if len(y) and y.max() > 9:
            raise DataError(f"{y_source} has label {int(y.max())}, expected 0..9: {_REPLACE}")
        arrays[f"x_{split}"], arrays[f"y_{split}"] = x, y
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _download(name):
    """keras' own loader (downloads into keras' cache); imports keras only here."""
    from keras import datasets  # Keras loads only for this download, not while flags are parsed

    loader = datasets.fashion_mnist if name == "fashion_mnist" else datasets.mnist
    (x_train, y_train), (x_test, y_test) = loader.load_data()
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
