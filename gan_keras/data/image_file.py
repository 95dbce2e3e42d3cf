"""Image files read with Pillow: every mode a photo comes in, as the arrays of this package.

`read_image` returns what a generator takes: the colour part as float32
`(h, w, c)` in [-1, 1] (c = 1 for grey, 3 for colour) and, separately, the
alpha channel `(h, w, 1)` in [-1, 1] (None for an opaque mode).
`read_rgb_uint8` returns what a folder of training photos holds: uint8
`(h, w, 3)`. `write_png` writes uint8 pixels back.

Modes, as Pillow opens them:

* RGB, L (grey): as they are; 1 (bilevel): 0 or 255.
* RGBA, LA, and P (palette) with a transparent colour: colour + alpha;
  P without one: RGB.
* I;16, I;16B, I;16L (16-bit grey PNGs) and I (32-bit integers, e.g. TIFF):
  full 16-bit precision, `v / 65535` (I clipped to 0..65535).
* CMYK, YCbCr and other colour modes: converted to RGB by Pillow.
* 16-bit colour PNGs: Pillow reads them at 8 bits per channel (their high
  bytes); `bit_depth` still reports 16.

The EXIF orientation is applied (`ImageOps.exif_transpose`), so a phone
photo taken upright is read upright. Pillow is imported inside the functions:
`gan-keras` imports the commands that use this module while it parses flags.
"""

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from gan_keras.core import fileio
from gan_keras.core.errors import UserError

__all__ = ["UnreadableImageError", "bit_depth", "match_channels", "read_image", "read_pixels", "read_rgb_uint8",
           "write_png"]

_GREY_16 = ("I;16", "I;16B", "I;16L", "I;16N", "I")
# What each 8-bit mode is read as (P depends on its transparency; any other mode becomes RGB).
_TARGET_MODES = {"1": "L", "L": "L", "LA": "LA", "La": "LA", "RGB": "RGB", "RGBA": "RGBA", "RGBa": "RGBA",
                 "PA": "RGBA"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class UnreadableImageError(UserError):
    """A file that is no image Pillow can read (missing, not an image, truncated, unknown mode); exit status 1.

    Args:
        path: The file.
        reason: Why, in a few words ("not an image file", "image file is truncated").
    """

    def __init__(self, path, reason):
        super().__init__(f"cannot read an image from {path}: {reason}")
        self.path = path
        self.reason = reason


def read_image(path):
    """Reads an image file as float32 colour and alpha in [-1, 1].

    Args:
        path: An image file Pillow reads (PNG, JPEG, TIFF, ...).

    Returns:
        `(colour, alpha)`: float32 `(h, w, c)` with c = 1 (grey modes) or 3
        (colour modes), and float32 `(h, w, 1)` or None for a mode without
        transparency. 8-bit values `v` become `v / 127.5 - 1`, 16-bit values
        `v / 32767.5 - 1` (0 -> -1, 65535 -> 1).

    Raises:
        UnreadableImageError: (a `UserError`, exit status 1) naming the file,
            if it is missing, not an image, truncated or of a mode that
            cannot be converted.
    """
    colour, alpha, top = _decode(path)
    return _to_tanh(colour, top), None if alpha is None else _to_tanh(alpha, top)


def read_pixels(path):
    """Reads an image file's stored values: `(colour, alpha or None, top)`.

    Returns:
        colour uint8 or uint16 `(h, w, c)` (c = 1 or 3), alpha `(h, w, 1)` of
        the same dtype or None, and `top`, the largest value (255 or 65535).

    Raises:
        UnreadableImageError: (exit status 1) as `read_image`.
    """
    return _decode(path)


def read_rgb_uint8(path):
    """Reads an image file as 8-bit RGB, for training photos.

    Args:
        path: An image file Pillow reads.

    Returns:
        uint8 `(h, w, 3)`: grey repeated on 3 channels, alpha dropped, 16-bit
        values scaled to 8 bits (`round(v / 257)`).

    Raises:
        UnreadableImageError: (exit status 1) as `read_image`.
    """
    colour, _, top = _decode(path)
    if top != 255:
        colour = np.rint(colour / (top / 255.0)).astype(np.uint8)
    return np.repeat(colour, 3, axis=-1) if colour.shape[-1] == 1 else colour


def bit_depth(path):
    """Bits per channel stored in an image file: 16 for 16-bit PNGs and TIFFs, else 8 (header only).

    Raises:
        UnreadableImageError: (exit status 1) as `read_image`.
    """
    with _open(path) as image:
        if image.mode in _GREY_16:
            return 16
    try:  # Pillow opens 16-bit colour PNGs as 8-bit RGB: the PNG header (IHDR) says 16
        with open(path, "rb") as f:
            head = f.read(25)
    except OSError as error:
        raise UnreadableImageError(path, error.strerror or str(error)) from None
    return 16 if head[:8] == _PNG_SIGNATURE and head[12:16] == b"IHDR" and head[24] == 16 else 8


def match_channels(image, channels):
    """Grey -> colour by repetition, colour -> grey by the mean of R, G and B.

    Args:
        image: `(..., c)` float array, c = 1 or 3.
        channels: 1 or 3, what is wanted.

    Returns:
        `(..., channels)` float array (`image` itself if it has them already).
    """
    if image.shape[-1] == channels:
        return image
    if channels == 1:
        return image.mean(axis=-1, keepdims=True)
    return image.repeat(channels, axis=-1)


def write_png(path, pixels):
    """Writes uint8 pixels as a PNG, atomically.

    Args:
        path: Destination file.
        pixels: uint8 `(h, w, c)`: c = 1 grey (L), 2 grey + alpha (LA),
            3 RGB, 4 RGBA.

    Raises:
        UserError: (exit status 1) if the folder cannot be written.
    """

    pixels = np.asarray(pixels)
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[pixels.shape[-1]]
    image = Image.fromarray(pixels[..., 0] if mode == "L" else pixels, mode)
    with fileio.atomic_path(path) as tmp:
        image.save(tmp, format="PNG")


def _open(path):
    """`PIL.Image.open(path)` with its failures as `UnreadableImageError` (the header only is read)."""

    try:
        return Image.open(path)
    except UnidentifiedImageError:
        raise UnreadableImageError(path, "not an image file") from None
    except Exception as error:  # Pillow's plugins raise OSError, SyntaxError, ValueError, struct.error, ...
        raise UnreadableImageError(path, _reason(error)) from None


def _decode(path):
    """The pixels of `path` as `(colour, alpha or None, top)`: uint8 (top 255) or uint16 (top 65535) arrays."""

    with _open(path) as image:
        try:
            image.load()  # decodes now, so that a truncated file fails here
            image = ImageOps.exif_transpose(image)
            return _pixels(image)
        except Exception as error:  # truncated data, broken EXIF, decompression bomb, unknown mode
            raise UnreadableImageError(path, _reason(error)) from None


def _pixels(image):
    """A loaded Pillow image as `(colour, alpha, top)` (see `_decode`)."""
    if image.mode in _GREY_16:
        grey = np.asarray(image)
        if grey.dtype != np.uint16:  # mode I (32-bit integers) or big-endian I;16B
            grey = np.clip(grey, 0, 65535).astype(np.uint16)
        return grey[..., None], None, 65535
    if image.mode == "F":
        raise ValueError("32-bit float images are not supported (save it as an 8- or 16-bit PNG)")
    if image.mode == "P":
        mode = "RGBA" if image.has_transparency_data else "RGB"  # a transparent index or an RGBA palette
    else:
        mode = _TARGET_MODES.get(image.mode, "RGB")  # CMYK, YCbCr, RGBX, LAB, HSV: Pillow converts to RGB
    pixels = np.asarray(image if image.mode == mode else image.convert(mode), dtype=np.uint8)
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    if mode in ("LA", "RGBA"):
        return pixels[..., :-1], pixels[..., -1:], 255
    return pixels, None, 255


def _to_tanh(pixels, top):
    return pixels.astype(np.float32) / np.float32(top / 2.0) - np.float32(1.0)


def _reason(error):
    """The first line of an exception's message (its type's name if it has none)."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
