"""A saved generator as a Python object: samples from noise, translates images, upscales photographs."""

import numpy as np

from gan_keras.api.settings import GanKerasError, user_errors
from gan_keras.cli import flags
from gan_keras.core.pixels import from_uint8, to_tanh_range
from gan_keras.sampling import artifact, upscaler

__all__ = ["SavedGenerator", "load_generator", "upscale"]


class SavedGenerator:
    """A generator saved by a run (`generator.keras` and its `.json` info).

    Attributes:
        path: The `.keras` file.
        model: The `keras.Model`.
        info: Its `gan_keras.sampling.artifact.GeneratorInfo` (latent size,
            classes and their names, pixel range, image shape, ...).
    """

    def __init__(self, path, loaded):
        self.path = path
        self.model = loaded.model
        self.info = loaded.info
        self._loaded = loaded

    def __repr__(self):
        return f"SavedGenerator({self.path!r}, image_shape={tuple(self.info.image_shape)})"

    def sample(self, n, label=None, seed=0):
        """Draws `n` samples from noise.

        Args:
            n: Number of samples.
            label: For a conditional generator, the class of every sample
                (default: the classes in turn, balanced).
            seed: Seed of the noise.

        Returns:
            float32 `(n, *image_shape)` images in [-1, 1], e.g. `(16, 28, 28, 1)`.

        Raises:
            GanKerasError: for a label out of range or given to an
                unconditional generator, or a generator that draws from
                images or captions instead of noise.
        """
        with user_errors():
            images, _ = self._loaded.sample(int(n), np.random.default_rng(seed), label=label)
        return images

    def translate(self, images):
        """Runs an image-to-image generator (pix2pix, SRGAN) on images in [-1, 1].

        Args:
            images: float32 `(n, h, w, c)` in [-1, 1], of the shape it was trained on
                (`info.condition_shape`; an upscaler takes any size).

        Returns:
            float32 `(n, H, W, C)` in [-1, 1].

        Raises:
            GanKerasError: for a generator that draws from noise.
        """
        if not self.info.image_conditioned:
            raise GanKerasError(f"{self.path} draws from noise, not from images: use .sample(n)", 2)
        return to_tanh_range(self._loaded.generate(np.asarray(images, np.float32)), self.info.pixel_range)


def load_generator(path):
    """Loads a `generator.keras` saved by a run.

    Args:
        path: The file, e.g. "outputs/fashion_dcgan/generator.keras".

    Returns:
        A `SavedGenerator`.

    Raises:
        GanKerasError: if the file is missing or is not a generator of this package.
    """
    with user_errors():
        flags.quiet_tensorflow()  # TensorFlow's start-up lines stay off the notebook
        return SavedGenerator(path, artifact.load_generator(path))


def upscale(pixels, generator=None):
    """Upscales an image 4x with the shipped upscaler (or your SRGAN's generator), as `gan-keras upscale` does.

    Args:
        pixels: uint8 `(h, w)`, `(h, w, 1)`, `(h, w, 3)` or `(h, w, 4)`
            (grey, colour, colour with alpha), e.g.
            `np.asarray(PIL.Image.open(path).convert("RGB"))`; at least the
            upscaler's smallest input on each side.
        generator: A `generator.keras` of `gan-keras train srgan`, or None
            for the shipped SRResNet upscaler.

    Returns:
        uint8 `(4h, 4w)` or `(4h, 4w, c)`: the shape and channels of `pixels`, 4x larger.

    Raises:
        GanKerasError: for pixels of another type or shape, or an image too small.
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[-1] > 4):
        raise GanKerasError(f"upscale takes uint8 pixels (h, w) or (h, w, 1..4), got {pixels.dtype} "
                            f"{pixels.shape}", 2)
    image = from_uint8(pixels if pixels.ndim == 3 else pixels[..., None])
    alpha = None
    if image.shape[-1] in (2, 4):
        image, alpha = image[..., :-1], image[..., -1:]
    with user_errors():
        flags.quiet_tensorflow()
        loaded = upscaler.load_upscaler(generator)
        upscaled = upscaler.upscale_image(loaded, image, alpha, progress=False).pixels
    return upscaled[..., 0] if pixels.ndim == 2 else upscaled
