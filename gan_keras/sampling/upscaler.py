"""4x super-resolution of your own image: the shipped upscaler (or a trained SRGAN generator), run in tiles.

`load_upscaler()` loads a shipped upscaler (`SHIPPED`: the SRResNet,
`assets/upscaler_x4.keras`, the default; or the SRGAN, `upscaler_x4_gan.keras`;
each with its sidecar `.json`, as `artifact.save_generator` writes it, and
both described in `assets/upscaler_x4.md`), or a `generator.keras` you name; `upscale_image` runs it on an image read by
`gan_keras.data.image_file.read_image`:

* grey into a colour generator is repeated on 3 channels and the result
  made grey again (the mean of its channels); colour into a grey generator
  is made grey; so the result is grey if either is;
* an alpha channel does not go through the generator: it is enlarged with
  Pillow's bicubic filter and put back;
* the image is cut into tiles (`gan_keras.sampling.tiles`) whose
  activations stay under `tiles.TILE_MEMORY_BOUND` (1 GiB), so any size
  works; the tiles reassemble to what one piece would give.
"""

import dataclasses
import os

import numpy as np
from PIL import Image

from gan_keras.core import checks
from gan_keras.core.errors import UserError
from gan_keras.core.pixels import to_tanh_range, to_uint8
from gan_keras.data.image_file import match_channels
from gan_keras.sampling import artifact, tiles

__all__ = ["ASSETS_DIR", "SHIPPED", "Upscaled", "load_upscaler", "shipped_upscaler_path", "upscale_image"]

ASSETS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "assets")
# The shipped upscalers: the SRResNet (highest PSNR: +1.2 dB over bicubic on the held-out photos) and the
# SRGAN started from it (sharper, +0.4 dB). `assets/upscaler_x4.md` has their command and tables.
SHIPPED = {"srresnet": "upscaler_x4.keras", "srgan": "upscaler_x4_gan.keras"}


@dataclasses.dataclass(frozen=True)
class Upscaled:
    """An upscaled image and how it was made.

    Attributes:
        pixels: uint8 `(H, W, c)`: c = 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA.
        scale: Upscaling factor (H = scale * h).
        tile: Low-resolution pixels per tile side (at most).
        margin: Low-resolution pixels of context around each tile (0 for one piece).
        tiles: Number of tiles.
    """

    pixels: np.ndarray
    scale: int
    tile: int
    margin: int
    tiles: int


def shipped_upscaler_path(model="srresnet"):
    """The path of an upscaler that ships with the package (`SHIPPED`), e.g. `assets/upscaler_x4.keras`.

    Args:
        model: "srresnet" (the default upscaler) or "srgan".

    Raises:
        UserError: (exit status 1) if the file is missing from this installation.
        KeyError: for another `model`.
    """
    path = os.path.join(ASSETS_DIR, SHIPPED[model])
    if not os.path.isfile(path):
        raise UserError(f"the shipped upscaler {path} is missing from this installation: reinstall gan_keras, or "
                        f"pass --generator with a generator.keras from `gan-keras train srgan`")
    return path


def load_upscaler(path=None):
    """Loads a fully convolutional image-to-image generator (the shipped one by default).

    Args:
        path: A `.keras` file saved by `artifact.save_generator`; None for `shipped_upscaler_path()`.

    Returns:
        An `artifact.Generator` whose info is image-conditioned and takes any size.

    Raises:
        UserError: (exit status 1) if the file is missing or unloadable, draws
            from noise, or takes one fixed size only (a pix2pix generator).
    """
    path = path or shipped_upscaler_path()
    return artifact.load_generator(path, kinds=(artifact.GeneratorKind.UPSCALER,), command="gan-keras upscale")


def upscale_image(generator, image, alpha=None, tile=None, progress=True, name="the image"):
    """Upscales one image with a generator, in tiles of bounded memory.

    Args:
        generator: An `artifact.Generator` from `load_upscaler`.
        image: float32 `(h, w, c)` in [-1, 1], c = 1 or 3.
        alpha: float32 `(h, w, 1)` in [-1, 1], or None.
        tile: Low-resolution pixels per tile side (at most); default
            `tiles.default_tile` (1 GiB of activations per tile), or one
            piece when the whole image fits in that bound.
        progress: A progress bar over the tiles (when there are several).
        name: What the image is called in messages, e.g. its file's path.

    Returns:
        An `Upscaled`, its pixels uint8 `(scale * h, scale * w, c_out [+ 1])`.

    Raises:
        UserError: (exit status 2) if a tile, the output and its alpha would
            not fit in the available memory; (exit status 1) if the image is
            smaller than the generator takes (`min_input_side`).
    """
    # Keras loads with the models when an image is upscaled, not while the command's flags are parsed.
    from gan_keras.models.upsampling import min_input_side

    height, width, channels = image.shape
    least = min_input_side(generator.model)
    if min(height, width) < least:
        raise UserError(f"{name} is {width}x{height} pixels; the upscaler takes images of at least {least}x{least} "
                        f"pixels")
    generate = _image_function(generator, channels)
    scale = tiles.output_scale(generate, channels)
    margin = 0
    if tile is None and tiles.tile_bytes(height, width, scale) <= tiles.TILE_MEMORY_BOUND:
        tile = max(height, width)
    elif max(height, width) > (tile or 0):
        try:
            margin = tiles.receptive_margin(generate, channels, scale)
            tile = tile or tiles.default_tile(scale, margin)
        except ValueError as error:  # not a local generator: tiles would show seams, so one piece
            print(f"note: {error}; upscaling in one piece")
            tile, margin = max(height, width), 0
    tile = min(tile, max(height, width))
    side = min(tile + 2 * margin, max(height, width))
    # Per output pixel: the uint8 result, alpha and their concatenation, Pillow's 4-byte copy when writing.
    output_bytes = height * width * scale**2 * (2 * (min(channels, generator.info.image_shape[-1]) + 1) + 4)
    checks.check_memory(tiles.tile_bytes(side, side, scale) + output_bytes,
                        f"a {height}x{width} input upscaled {scale}x in tiles of {tile}",
                        "--tile (or the input's size)")
    pixels = tiles.upscale_tiled(generate, image, scale, tile=tile, margin=margin, progress=progress,
                                 dtype=np.uint8)
    if alpha is not None:
        pixels = np.concatenate([pixels, _upscale_alpha(to_uint8(alpha), scale)], axis=-1)
    count = len(tiles.tile_spans(height, tile)) * len(tiles.tile_spans(width, tile))
    return Upscaled(pixels, scale, tile, margin, count)


def _image_function(generator, channels):
    """`generate(batch)` for `tiles`: `(1, h, w, channels)` in [-1, 1] -> `(1, sh, sw, c_out)` in [-1, 1].

    c_out is 1 if the input or the generator is grey, else 3.
    """
    info = generator.info
    wanted = min(channels, info.image_shape[-1])

    def generate(batch):
        outputs = generator.generate(match_channels(batch, info.condition_shape[-1]), batch_size=1)
        return match_channels(to_tanh_range(outputs, info.pixel_range), wanted)

    return generate


def _upscale_alpha(alpha, scale):
    """uint8 `(h, w, 1)` alpha -> uint8 `(h * scale, w * scale, 1)`, Pillow's bicubic filter."""

    height, width = alpha.shape[:2]
    enlarged = Image.fromarray(alpha[..., 0], "L").resize((width * scale, height * scale), Image.Resampling.BICUBIC)
    return np.asarray(enlarged, np.uint8)[..., None]
