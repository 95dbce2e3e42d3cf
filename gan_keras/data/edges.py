"""Edge maps of 28x28 images, the inputs of pix2pix's "edges2fashion".

The pix2pix paper (Isola et al., 2017) made edges2shoes and edges2handbags
from photos with the HED edge detector, then thinned the edges and removed
small connected components, and drew them as black lines on white. HED needs
downloaded network weights, so this module follows the same three steps with
scikit-image:

1. `skimage.feature.canny` on the image as float in [0, 1] (hysteresis
   thresholds: scikit-image's defaults, 0.1 and 0.2 of the value range);
2. `skimage.morphology.thin`, so that every line is one pixel wide;
3. `skimage.morphology.remove_small_objects` with 8-connectivity, dropping
   components of fewer than `min_size` pixels (specks and texture).

The defaults were chosen by looking at shoes and bags (classes 5, 7, 8, 9):

* `sigma=1.0`. At 0.5 Canny traces fabric texture (a patterned bag becomes a
  tangle of lines); at 1.25-1.5 the outline survives but the main inner lines
  (a sneaker's sole line, a boot's ankle line, a bag's handle) break up or
  vanish. 1.0 keeps the outline closed and the main inner lines whole.
* `min_size=5`. Components of 1-4 pixels are specks; 8 or more would also
  remove short but real inner lines such as a sneaker's stripes.

The maps are deterministic (no randomness in any step). They cost about
0.6 ms an image, Canny more than half of it: the 24,000 shoes and bags of
the training split take about 15 s on one CPU core.
"""

import hashlib
import os

import numpy as np
from skimage import feature, morphology

from gan_keras.core import fileio
from gan_keras.data.datasets import scale_images
from gan_keras.core.errors import UserError

SIGMA = 1.0
MIN_SIZE = 5
LINE = 0  # edge pixels: black
BACKGROUND = 255  # everything else: white


def edge_map(image, sigma=SIGMA, min_size=MIN_SIZE):
    """Draws the thinned, despeckled Canny edges of one image.

    Args:
        image: uint8 array (h, w), e.g. (28, 28), white object on black
            (Fashion-MNIST's convention).
        sigma: Standard deviation of Canny's Gaussian smoothing, in pixels.
        min_size: Connected edge components (8-connectivity) with fewer
            pixels than this are removed; 1 keeps them all.

    Returns:
        uint8 array (h, w): 0 (black) on the edges, 255 (white) elsewhere.

    Raises:
        ValueError: if `image` is not a 2-D uint8 array, `sigma` is not
            positive, or `min_size` is not a positive integer.
    """
    image = np.asarray(image)
    if image.ndim != 2 or image.dtype != np.uint8:
        raise ValueError(f"expected one uint8 image of shape (h, w), got {image.dtype} {image.shape}")
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma!r}")
    if not isinstance(min_size, (int, np.integer)) or isinstance(min_size, bool) or min_size < 1:
        raise ValueError(f"min_size must be a positive integer, got {min_size!r}")
    edges = feature.canny(image.astype(np.float64) / 255.0, sigma=sigma)
    edges = morphology.thin(edges)
    if min_size > 1:
        # scikit-image 0.26 deprecates `min_size` (removes size < min_size) for
        # `max_size` (removes size <= max_size); this is the same threshold.
        edges = morphology.remove_small_objects(edges, max_size=int(min_size) - 1, connectivity=2)
    return np.where(edges, LINE, BACKGROUND).astype(np.uint8)


def edge_maps(images, sigma=SIGMA, min_size=MIN_SIZE):
    """Applies `edge_map` to each image of a batch.

    A plain loop: scikit-image's Canny works on one 2-D image at a time (its
    smoothing renormalises at the image border, so a mosaic of images would
    not give the same maps), and the loop does 24,000 28x28 images in about
    15 s.

    Args:
        images: uint8 array (n, h, w), e.g. (n, 28, 28).
        sigma, min_size: As for `edge_map`.

    Returns:
        uint8 array (n, h, w) of edge maps: 0 on edges, 255 elsewhere.

    Raises:
        ValueError: if `images` is not a 3-D uint8 array, or as `edge_map`.
    """
    images = np.asarray(images)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images of shape (n, h, w), got {images.dtype} {images.shape}")
    maps = np.empty_like(images)
    for i, image in enumerate(images):
        maps[i] = edge_map(image, sigma=sigma, min_size=min_size)
    return maps


def cache_folder():
    """Where computed edge maps are kept: `$GAN_KERAS_CACHE`, else `~/.cache/gan_keras`."""
    return os.environ.get("GAN_KERAS_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "gan_keras")


def cached_edge_maps(images, sigma=SIGMA, min_size=MIN_SIZE, folder=None):
    """`edge_maps(images)`, computed once and then read from a cache file.

    The file is named by a SHA-256 digest of the images and the settings, so
    any other images or settings get their own file, and is written
    atomically. Where the cache folder cannot be written, the maps are just
    computed.

    Args:
        images, sigma, min_size: As for `edge_maps`.
        folder: The cache folder (default `cache_folder()`).

    Returns:
        As `edge_maps`.
    """
    images = np.ascontiguousarray(images)
    key = hashlib.sha256(images.tobytes() + repr((images.shape, float(sigma), int(min_size))).encode()).hexdigest()
    path = os.path.join(folder or cache_folder(), f"edges-{key[:24]}.npy")
    try:
        cached = np.load(path, allow_pickle=False)
        if cached.shape == images.shape and cached.dtype == np.uint8:
            return cached
    except (OSError, ValueError, EOFError):
        pass
    maps = edge_maps(images, sigma=sigma, min_size=min_size)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with fileio.atomic_write(path, "wb") as f:
            np.save(f, maps)
    except (OSError, UserError):
        pass  # a read-only home: compute again next time
    return maps


def to_generator_input(edges):
    """Scales uint8 edge maps to the generator's input, like `gan_keras.data.datasets.scale_images`.

    Args:
        edges: uint8 array (n, h, w) from `edge_maps`.

    Returns:
        float32 array (n, h, w, 1) in [-1, 1]: lines are -1, background 1.

    Raises:
        ValueError: if `edges` is not a 3-D uint8 array.
    """
    edges = np.asarray(edges)
    if edges.ndim != 3 or edges.dtype != np.uint8:
        raise ValueError(f"expected uint8 edge maps of shape (n, h, w), got {edges.dtype} {edges.shape}")
    return scale_images(edges)
