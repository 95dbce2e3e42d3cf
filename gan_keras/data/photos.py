"""Real photographs for super-resolution, from data that ships inside installed packages (no network).

Training photos (scikit-image's bundled `skimage.data`, height x width):

* astronaut             512 x 512    Eileen Collins, NASA portrait
* coffee                400 x 600    a cup of coffee
* rocket                427 x 640    a SpaceX Falcon 9 on the pad
* hubble_deep_field     872 x 1000   galaxies (mostly dark sky)
* immunohistochemistry  512 x 512    stained tissue, microscope
* retina               1411 x 1411   fundus photograph (black outside the eye)
* stereo_motorcycle     500 x 741    the left image of the stereo pair

Held-out test photos, cropped at the bottom and right so that height and
width are multiples of 4 (SR benchmarks' "modcrop"):

* chelsea               300 x 448    a cat (`skimage.data.chelsea`; 300 x 451 uncropped)
* grace_hopper          600 x 512    matplotlib's sample `grace_hopper.jpg`
* camera                512 x 512    the cameraman (grey, `skimage.data.camera`)

`skimage.data.cat` is the same photograph as `chelsea`, so it is in neither
list. Other `skimage.data` photographs (eagle, lily, kidney, ...) are
downloaded on first use rather than shipped, and are not used.

Every photo is returned as `(h, w, 3)` float32 in [-1, 1]: uint8 values
`v` become `v / 127.5 - 1`, and grey photos are repeated into 3 channels.
"""

import functools

import numpy as np

__all__ = ["TEST_PHOTOS", "TRAIN_PHOTOS", "load_photos", "random_crops"]

TRAIN_PHOTOS = (
    "astronaut", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry", "retina", "stereo_motorcycle")
TEST_PHOTOS = ("chelsea", "grace_hopper", "camera")
_SPLITS = {"train": TRAIN_PHOTOS, "test": TEST_PHOTOS}
_TEST_MULTIPLE = 4  # the SR scale: test photos must shrink 4x exactly


def load_photos(split):
    """Loads the training or held-out test photographs.

    Args:
        split: "train" or "test" (see the module docstring for the lists).

    Returns:
        A list of `(h, w, 3)` float32 arrays in [-1, 1], in the order of
        `TRAIN_PHOTOS` or `TEST_PHOTOS`; for "test", `h` and `w` are
        multiples of 4. The arrays are fresh copies each call.

    Raises:
        ValueError: if `split` is neither "train" nor "test".
    """
    if split not in _SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    photos = []
    for name in _SPLITS[split]:
        photo = _load_uint8(name)
        if split == "test":
            h, w = photo.shape[:2]
            photo = photo[:h - h % _TEST_MULTIPLE, :w - w % _TEST_MULTIPLE]
        photos.append(photo.astype(np.float32) / np.float32(127.5) - np.float32(1.0))
    return photos


def random_crops(photos, n, size, rng):
    """Cuts square crops at random photos and positions.

    Each crop picks a photo uniformly (not by area), then a top-left corner
    uniformly among those that keep the crop inside it. The same `rng` state
    gives the same crops.

    Args:
        photos: Sequence of `(h, w, c)` arrays (e.g. `load_photos("train")`),
            each at least `size` x `size`.
        n: Number of crops, a positive integer.
        size: Side of each crop in pixels, a positive integer.
        rng: A `numpy.random.Generator`, e.g. `np.random.default_rng(0)`.

    Returns:
        `(n, size, size, c)` float32 array of the photos' values.

    Raises:
        ValueError: if `photos` is empty, `n` or `size` is not a positive
            integer, or a photo is smaller than `size`.
        TypeError: if `rng` is not a `numpy.random.Generator`.
    """
    for name, value in (("n", n), ("size", size)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if len(photos) == 0:
        raise ValueError("photos is empty")
    for i, photo in enumerate(photos):
        if photo.shape[0] < size or photo.shape[1] < size:
            raise ValueError(f"photo {i} of shape {photo.shape} is smaller than the {size}x{size} crop")
    crops = []
    for _ in range(n):
        photo = photos[rng.integers(len(photos))]
        top = rng.integers(photo.shape[0] - size + 1)
        left = rng.integers(photo.shape[1] - size + 1)
        crops.append(photo[top:top + size, left:left + size])
    return np.stack(crops).astype(np.float32)


@functools.lru_cache(maxsize=None)
def _load_uint8(name):
    """One photo as a read-only `(h, w, 3)` uint8 array (loaded once per process)."""
    import skimage.data

    if name == "grace_hopper":
        import matplotlib.cbook
        import skimage.io

        photo = skimage.io.imread(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    elif name == "stereo_motorcycle":
        photo = skimage.data.stereo_motorcycle()[0]  # (left, right, disparity)
    else:
        photo = getattr(skimage.data, name)()
    photo = np.asarray(photo)
    if photo.ndim == 2:
        photo = np.repeat(photo[..., np.newaxis], 3, axis=-1)
    if photo.dtype != np.uint8 or photo.ndim != 3 or photo.shape[-1] != 3:
        raise ValueError(f"photo {name!r} is not an RGB or grey uint8 image: {photo.dtype} {photo.shape}")
    photo.setflags(write=False)
    return photo
