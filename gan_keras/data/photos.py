"""Real photographs for 4x super-resolution, from installed packages (no network, no file in the repository).

Training photos: the 34 credited photographs listed in `photo_manifest.json`
beside this module (file, Debian package, licence, author, size, SHA-256),
from the wallpaper packages `mate-backgrounds`, `lomiri-wallpapers-16.04`
and `plasma-workspace-wallpapers` (about 180 megapixels; renders, logos and
patterns are left out). `make photos` installs them.

Held-out test photos, never in training, cropped at the bottom and right to
multiples of 4 (SR benchmarks' "modcrop"):

* astronaut       512 x 512    Eileen Collins, NASA portrait (`skimage.data`)
* chelsea         300 x 448    a cat (`skimage.data.chelsea`)
* coffee          400 x 600    a cup of coffee (`skimage.data`)
* camera          512 x 512    the cameraman, grey (`skimage.data`)
* rocket          424 x 640    a Falcon 9 on the pad (`skimage.data`)
* motorcycle      500 x 740    the left image of `skimage.data.stereo_motorcycle`
* grace_hopper    600 x 512    matplotlib's sample `grace_hopper.jpg`

Low-resolution inputs are made as SR benchmarks make them and as
`gan-keras upscale` meets them: the whole (modcropped) photo shrunk 4x by
PIL's bicubic resampling with antialiasing on uint8 RGB
(`gan_keras.data.resize.pil_bicubic_downscale`); training pairs are aligned
crops of the photo and its shrunk version.
"""

import functools
import hashlib
import json
import os

import numpy as np

from gan_keras.core.errors import UserError
from gan_keras.data import image_file

__all__ = ["MANIFEST_FILE", "TEST_PHOTOS", "load_manifest", "manifest_digest", "modcrop", "paired_crops",
           "test_photos", "training_photos"]

MANIFEST_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "photo_manifest.json")
TEST_PHOTOS = ("astronaut", "chelsea", "coffee", "camera", "rocket", "motorcycle", "grace_hopper")


def load_manifest():
    """The training photos' manifest: a list of dicts with `file`, `package`, `licence`, `author`,
    `width`, `height`, `sha256`, in training order."""
    with open(MANIFEST_FILE, encoding="utf-8") as f:
        return json.load(f)["photos"]


def manifest_digest():
    """SHA-256 (hex) of the manifest file: names the training set in reports and the shipped upscaler's notes."""
    with open(MANIFEST_FILE, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def training_photos(scale=4):
    """Reads the manifest's photographs.

    Args:
        scale: Each photo is cropped to multiples of `scale` (`modcrop`).

    Returns:
        A list of `(h, w, 3)` uint8 arrays (grey photos repeated into RGB),
        in manifest order.

    Raises:
        UserError: (exit status 1) naming the packages to install if a file
            is missing, or a file that cannot be read.
    """
    entries = load_manifest()
    missing = sorted({e["package"] for e in entries if not os.path.isfile(e["file"])})
    if missing:
        raise UserError(f"the training photographs come from Debian packages not installed here: {' '.join(missing)} "
                        f"(run `make photos`, or apt-get install {' '.join(missing)}; or train on your own folder "
                        f"with --dataset folder --data-dir DIR)")
    return [modcrop(image_file.read_rgb_uint8(e["file"]), scale) for e in entries]


def test_photos(scale=4):
    """The held-out test photographs: `(names, photos)`, photos `(h, w, 3)` uint8, sides multiples of `scale`."""
    return TEST_PHOTOS, [modcrop(_bundled(name), scale) for name in TEST_PHOTOS]


def modcrop(photo, scale):
    """Crops `photo` (h, w, ...) at the bottom and right so that `h` and `w` are multiples of `scale`.

    Raises:
        ValueError: if the photo is smaller than `scale` in either direction.
    """
    h, w = photo.shape[:2]
    if h < scale or w < scale:
        raise ValueError(f"photo of {h}x{w} pixels is smaller than the scale {scale}")
    return photo[:h - h % scale, :w - w % scale]


def paired_crops(high, low, n, size, scale, rng):
    """Aligned random crops of photos and their shrunk versions, each flipped and rotated at random.

    A crop picks a photo with probability proportional to its area (every
    low-resolution pixel equally likely), a position uniformly, and one of
    the 8 flips and quarter turns (the same for both images of a pair).

    Args:
        high: Sequence of `(H, W, c)` uint8 photos, `H` and `W` multiples of `scale`.
        low: Their shrunk versions, `(H / scale, W / scale, c)` each.
        n: Number of pairs, a positive integer.
        size: Side of a low-resolution crop in pixels (the high-resolution
            crop is `size * scale`).
        scale: The upscaling factor.
        rng: A `numpy.random.Generator`; the same state gives the same crops.

    Returns:
        `(high_crops (n, size*scale, size*scale, c), low_crops (n, size, size, c))`, uint8.

    Raises:
        ValueError: if the lists differ in length or shapes, are empty, or a
            photo is smaller than a crop.
    """
    if len(high) != len(low) or not high:
        raise ValueError(f"need as many shrunk photos as photos (>= 1), got {len(high)} and {len(low)}")
    for h, l in zip(high, low):
        if h.shape[:2] != (l.shape[0] * scale, l.shape[1] * scale):
            raise ValueError(f"photo {h.shape} is not {scale}x its shrunk version {l.shape}")
        if min(l.shape[:2]) < size:
            raise ValueError(f"a shrunk photo of {l.shape[0]}x{l.shape[1]} is smaller than the {size}-pixel crop")
    areas = np.array([l.shape[0] * l.shape[1] for l in low], np.float64)
    which = rng.choice(len(low), size=n, p=areas / areas.sum())
    big = size * scale
    out_high = np.empty((n, big, big, high[0].shape[-1]), np.uint8)
    out_low = np.empty((n, size, size, low[0].shape[-1]), np.uint8)
    for i, k in enumerate(which):
        top = rng.integers(low[k].shape[0] - size + 1)
        left = rng.integers(low[k].shape[1] - size + 1)
        turns, flip = rng.integers(4), rng.integers(2)
        pair = (high[k][top * scale:(top + size) * scale, left * scale:(left + size) * scale],
                low[k][top:top + size, left:left + size])
        pair = [np.rot90(p, turns) for p in pair]
        out_high[i], out_low[i] = (p[:, ::-1] if flip else p for p in pair)
    return out_high, out_low


@functools.lru_cache(maxsize=None)
def _bundled(name):
    """One held-out photo bundled with scikit-image or matplotlib, read-only `(h, w, 3)` uint8, loaded once."""
    # scikit-image and matplotlib load when photos are read, not while flags are parsed.
    import skimage.data

    if name == "grace_hopper":
        import matplotlib.cbook

        photo = image_file.read_rgb_uint8(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    elif name == "motorcycle":
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
