import gzip
import os
import struct

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_idx(path, array, compress=True):
    """Writes a uint8 array as an IDX file (gzipped if `compress`)."""
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.tobytes()
    opener = gzip.open if compress else open
    with opener(path, "wb") as f:
        f.write(payload)


@pytest.fixture
def tiny_fashion_dir(tmp_path):
    """A folder with Fashion-MNIST-shaped IDX files: 64 train and 20 test images."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "fashion"
    folder.mkdir()
    for split, n in (("train", 64), ("t10k", 20)):
        labels = np.arange(n) % 10
        # Class-dependent blobs so the data is not pure noise.
        images = rng.integers(0, 40, (n, 28, 28))
        for i, label in enumerate(labels):
            images[i, 4 + label:14 + label, 6:22] += 200
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", np.clip(images, 0, 255))
        write_idx(folder / f"{split}-labels-idx1-ubyte.gz", labels)
    return folder
