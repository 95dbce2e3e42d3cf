"""Upscaling an image of any size in tiles, with the same result as in one piece.

A fully convolutional upscaler (SRResNet) computes each output pixel from
the input pixels within a fixed radius, its receptive field. So the
low-resolution image is cut into tiles of at most `tile` x `tile` pixels,
each is run with a margin of `margin` pixels of the real neighbouring image
around it (where the image continues; at the image's own border there is
nothing to add, as in the whole run), the `margin * scale` border of each
output is cropped off, and the cores are put together. With `margin` at
least the receptive radius (`receptive_margin` measures it), the result is
the untiled output up to float rounding.

Memory is bounded per tile: a tile's activations are estimated at
`FLOATS_PER_OUTPUT_PIXEL` float32 per output pixel (the SRResNet's last
layers, at the output resolution, with room to spare) and `default_tile`
keeps them under `TILE_MEMORY_BOUND` (1 GiB): with a margin of 17
low-resolution pixels (the CPU SRResNet) and scale 4, tiles of 133 x 133
input pixels (167 x 167 with margins, 668 x 668 output pixels). An image
that fits in one tile is run in one piece, without measuring the margin.
Only the assembled output grows with the image: `dtype=np.uint8` keeps it
at one byte per output value.
"""

import math

import numpy as np
from tqdm import tqdm

from gan_keras.core.pixels import to_uint8

__all__ = ["FLOATS_PER_OUTPUT_PIXEL", "TILE_MEMORY_BOUND", "default_tile", "output_scale", "receptive_margin",
           "tile_bytes", "tile_spans", "upscale_tiled"]

FLOATS_PER_OUTPUT_PIXEL = 600  # activations of the SRResNet's last layers, with room to spare
TILE_MEMORY_BOUND = 2**30  # bytes of activations one tile may take (1 GiB)
PROBE_SIZES = (64, 128)  # input sides of the receptive-field probe, tried in turn (128: 629 MB at scale 4)
NOISE_THRESHOLD = 1e-5  # output changes below this are rounding noise, where convolutions spread it


def tile_bytes(height, width, scale):
    """Estimated bytes of activations for an input of `height` x `width` pixels upscaled `scale` times."""
    return height * width * scale * scale * FLOATS_PER_OUTPUT_PIXEL * 4


def default_tile(scale, margin, bound=None):
    """The largest tile side whose tile with margins stays under `bound` bytes (`tile_bytes`).

    Args:
        scale: Upscaling factor.
        margin: Margin in low-resolution pixels on each side.
        bound: Bytes of activations per tile (default `TILE_MEMORY_BOUND`).

    Returns:
        The tile side in low-resolution pixels (>= 1): `floor(sqrt(bound /
        (600 * 4)) / scale) - 2 * margin`; 133 for scale 4, margin 17, 1 GiB.

    Raises:
        ValueError: if even a 1-pixel tile with its margins exceeds `bound`.
    """
    bound = TILE_MEMORY_BOUND if bound is None else bound
    side = math.isqrt(bound // (FLOATS_PER_OUTPUT_PIXEL * 4)) // scale
    tile = side - 2 * margin
    if tile < 1:
        raise ValueError(f"a margin of {margin} pixels at scale {scale} leaves no tile under {bound} bytes")
    return tile


def tile_spans(length, tile):
    """Splits `0..length` into `ceil(length / tile)` spans of nearly equal length (at most `tile`).

    Returns:
        A list of `(start, stop)` pairs covering `0..length` in order.
    """
    count = -(-length // tile)
    cuts = [round(i * length / count) for i in range(count + 1)]
    return list(zip(cuts[:-1], cuts[1:]))


def output_scale(generate, channels):
    """The upscaling factor of `generate`, measured on a 16 x 16 input.

    Args:
        generate: `(1, h, w, channels)` float32 -> `(1, h * s, w * s, channels)`.
        channels: Input channels.

    Returns:
        The integer `s`.

    Raises:
        ValueError: if the output is not the same integer multiple of the input in both directions.
    """
    out = np.asarray(generate(np.zeros((1, 16, 16, channels), np.float32)))
    if out.ndim != 4 or out.shape[1] % 16 or out.shape[1] != out.shape[2] or out.shape[1] < 16:
        raise ValueError(f"a 16x16 input gave an output of shape {out.shape[1:]}: not an upscaler")
    return out.shape[1] // 16


def receptive_margin(generate, channels, scale, seed=0):
    """Measures the receptive radius of `generate` in low-resolution pixels, plus 1 for safety.

    One input pixel in the middle of a random image (64 x 64, or 128 x 128 if
    its influence reaches the border) is changed by at least 1 in every
    channel; the output pixels that change lie in low-resolution blocks at
    most R pixels away from it. The margin is R + 1.

    Changes are counted exactly (any change): on a CPU a convolution's
    outputs outside its window do not move at all, so R is the network's
    true radius (the CPU SRResNet: 16, margin 17). Where convolutions spread
    rounding noise over the whole image (FFT algorithms on some GPUs), the
    exact count reaches the border of every probe; then changes under
    `NOISE_THRESHOLD` are taken for noise.

    Args:
        generate: `(1, h, w, channels)` float32 in [-1, 1] -> `(1, h * scale, w * scale, c_out)`.
        channels: Input channels.
        scale: Upscaling factor.
        seed: Seed of the random image.

    Returns:
        The margin, an int >= 1: tiles with this margin reassemble to the untiled output.

    Raises:
        ValueError: if the influence reaches the border of the largest probe
            (the generator is not local: tiles would not reassemble).
    """
    rng = np.random.default_rng(seed)
    for size in PROBE_SIZES:
        change = _probe(generate, rng.uniform(-1, 1, (1, size, size, channels)).astype(np.float32))
        radius = _radius(change > 0, scale)
        if radius is not None:
            return radius + 1
    radius = _radius(change > NOISE_THRESHOLD, scale)  # the largest probe, its rounding noise ignored
    if radius is not None:
        return radius + 1
    raise ValueError(f"one input pixel changes outputs across a {PROBE_SIZES[-1]}-pixel image: the generator "
                     f"is not local, tiles would not reassemble")


def _probe(generate, image):
    """`(H, W)` largest change over the output channels when the middle input pixel changes by >= 1."""
    centre = image.shape[1] // 2
    probed = image.copy()
    probed[0, centre, centre] = np.where(image[0, centre, centre] > 0, -1.0, 1.0)
    change = np.abs(np.asarray(generate(probed), np.float32) - np.asarray(generate(image), np.float32))
    return change[0].max(axis=-1)


def _radius(changed, scale):
    """The largest low-resolution distance from the middle pixel to a changed output, None if at the border."""
    size = changed.shape[0] // scale
    rows, cols = np.nonzero(changed)
    if rows.size == 0:
        return 0  # the pixel changes nothing (a constant generator)
    blocks = np.concatenate([rows // scale, cols // scale])
    if blocks.min() == 0 or blocks.max() == size - 1:
        return None
    return int(np.abs(blocks - size // 2).max())


def upscale_tiled(generate, image, scale, tile=None, margin=None, progress=True, dtype=np.float32):
    """Runs an upscaler on an image of any size, tile by tile, with bounded memory.

    Args:
        generate: `(1, h, w, c)` float32 in [-1, 1] -> `(1, h * scale, w * scale, c_out)` in [-1, 1].
        image: `(height, width, c)` float32 in [-1, 1].
        scale: Upscaling factor of `generate`.
        tile: Most low-resolution pixels per tile side (spans are evened
            out); default `default_tile(scale, margin)`, or the whole image
            when it fits in `TILE_MEMORY_BOUND`.
        margin: Low-resolution pixels of real image around each tile;
            default `receptive_margin(generate, c, scale)` (measured only
            when there is more than one tile).
        progress: Show a tqdm bar over the tiles (when there are several).
        dtype: Of the result: float32 (the outputs in [-1, 1]) or uint8
            (each tile through `to_uint8` as it is placed: 4x less memory).

    Returns:
        `(height * scale, width * scale, c_out)` array of `dtype`; equal to
        `generate(image[None])[0]` up to float rounding if `margin` is at
        least the receptive radius.
    """
    height, width, channels = image.shape
    if tile is None and tile_bytes(height, width, scale) <= TILE_MEMORY_BOUND:
        tile = max(height, width)  # one piece: no tiles, no margin to measure
    if tile is None or (margin is None and max(height, width) > tile):
        if margin is None:
            margin = receptive_margin(generate, channels, scale)
        if tile is None:
            tile = default_tile(scale, margin)
    margin = margin or 0
    boxes = [(y0, y1, x0, x1) for y0, y1 in tile_spans(height, tile) for x0, x1 in tile_spans(width, tile)]
    output = None  # allocated at the first tile, with the generator's output channels
    if progress and len(boxes) > 1:

        boxes = tqdm(boxes, desc=f"tiles of {tile} px", unit="tile")
    for y0, y1, x0, x1 in boxes:
        top, left = max(0, y0 - margin), max(0, x0 - margin)
        bottom, right = min(height, y1 + margin), min(width, x1 + margin)
        out = np.asarray(generate(image[None, top:bottom, left:right]))[0]
        core = out[(y0 - top) * scale:(y1 - top) * scale, (x0 - left) * scale:(x1 - left) * scale]
        if output is None:
            output = np.empty((height * scale, width * scale, core.shape[-1]), dtype)
        output[y0 * scale:y1 * scale, x0 * scale:x1 * scale] = to_uint8(core) if dtype == np.uint8 else core
    return output
