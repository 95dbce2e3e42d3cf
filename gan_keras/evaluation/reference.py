"""Real Fashion-MNIST images to compare generated ones with: seeded subsets of a split."""

import functools

import numpy as np

from gan_keras.data.datasets import SPLIT_SIZES, load_fashion_mnist, scale_images, select_classes

MAX_REFERENCE = 10000


def real_images(split, n=None, seed=0, data_dir=None, classes=None):
    """Real Fashion-MNIST images in [-1, 1]: a seeded random subset of a split (in order when all are taken).

    Args:
        split: "train" (60,000 images) or "test" (10,000).
        n: Number of images; None for all of them, at most 10,000.
        seed: Seed of the subset.
        data_dir: As for `gan_keras.data.datasets.load_fashion_mnist`.
        classes: Optional labels to keep (e.g. `[1]` for a GAN of trousers);
            each class has 6,000 training and 1,000 test images.

    Returns:
        `(images, labels)`: float32 `(n, 28, 28, 1)` and int `(n,)`.

    Raises:
        ValueError: if `split` is unknown or `n` exceeds the images there are.
        DataError: if the data is missing or corrupt, or no image has one of `classes`.
    """
    if split not in SPLIT_SIZES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    (x_train, y_train), (x_test, y_test) = _load_fashion_mnist(data_dir)
    x, y = (x_train, y_train) if split == "train" else (x_test, y_test)
    if classes is not None:
        x, y = select_classes(x, y, classes)
    n = min(len(x), MAX_REFERENCE) if n is None else int(n)
    if not 0 < n <= len(x):
        which = "" if classes is None else f" of classes {sorted(set(int(c) for c in classes))}"
        raise ValueError(f"n must be in 1..{len(x)} for the {split} images{which}, got {n}")
    index = np.arange(len(x)) if n == len(x) else np.sort(np.random.default_rng(seed).choice(len(x), n, replace=False))
    return scale_images(x[index]), y[index].astype(np.int64)


@functools.lru_cache(maxsize=2)
def _load_fashion_mnist(data_dir):
    """The dataset, decompressed once per process (an evaluator needs it twice: reference and floor)."""
    return load_fashion_mnist(data_dir)
