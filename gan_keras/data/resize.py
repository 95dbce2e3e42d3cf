"""Resizing for 4x super-resolution: low-resolution inputs and the bicubic baseline.

Images are float NHWC arrays in [-1, 1], as everywhere in this package.

* Low-resolution inputs: `downscale_mean` averages each factor x factor
  block (exactly; Fashion-MNIST 28x28 -> 7x7 with factor 4); `bicubic_downscale`
  is the SRGAN paper's degradation (bicubic with anti-aliasing).
* Photographs (uint8): `pil_bicubic_downscale` / `pil_bicubic_upscale`, PIL's
  `Image.resize(..., Image.BICUBIC)` (Keys' cubic convolution, a = -0.5,
  its support widened by the factor when shrinking, i.e. antialiased): the
  degradation SR benchmarks use and the one `gan-keras upscale` meets, and
  the bicubic baseline of the photo tables.
* Baseline: `bicubic_upscale`, the interpolation every SR paper compares with.
  Resizing is scikit-image's `resize(order=3)`, a cubic *spline*, with a
  Gaussian anti-aliasing filter when shrinking; it is close to but not the
  same as MATLAB's `imresize(..., "bicubic")` (Keys' cubic convolution with
  a widened kernel), so absolute PSNR numbers differ slightly from published
  tables, while comparisons between methods measured here are fair.

PSNR and SSIM are in `gan_keras.evaluation.image_quality`.
"""

import numpy as np
import skimage.transform
from PIL import Image

__all__ = ["as_batch", "bicubic_downscale", "bicubic_resize", "bicubic_upscale", "downscale_mean",
           "pil_bicubic_downscale", "pil_bicubic_upscale"]



def downscale_mean(images, factor):
    """Shrinks images by averaging each `factor` x `factor` block of pixels.

    Args:
        images: `(n, h, w, c)` float array.
        factor: Shrinking factor in each direction, a positive integer that
            divides `h` and `w`.

    Returns:
        `(n, h // factor, w // factor, c)` float32 array; pixel `(i, j)` is
        the mean of input pixels `(factor*i .. factor*i + factor - 1,
        factor*j .. factor*j + factor - 1)`, so values stay in the input's
        range.

    Raises:
        ValueError: if `images` is not 4-D, `factor` is not a positive
            integer, or it does not divide `h` and `w`.
    """
    images = as_batch(images)
    _check_factor(factor)
    n, h, w, c = images.shape
    _check_divisible(h, w, factor)
    blocks = images.astype(np.float64).reshape(n, h // factor, factor, w // factor, factor, c)
    return blocks.mean(axis=(2, 4)).astype(np.float32)


def bicubic_resize(images, shape):
    """Resizes images with scikit-image's cubic-spline interpolation.

    `skimage.transform.resize(order=3, mode="reflect")` per image, with
    Gaussian anti-aliasing along a side that shrinks. Like scikit-image's
    default, the result is clipped to each input image's range of values
    (so [-1, 1] images stay in [-1, 1]).

    Args:
        images: `(n, h, w, c)` float array.
        shape: `(new_h, new_w)`, positive integers.

    Returns:
        `(n, new_h, new_w, c)` float32 array.

    Raises:
        ValueError: if `images` is not 4-D or `shape` is not two positive
            integers.
    """
    images = as_batch(images)
    shape = tuple(shape)
    if len(shape) != 2 or not all(_is_positive_int(s) for s in shape):
        raise ValueError(f"shape must be (height, width) positive integers, got {shape!r}")
    n, h, w, c = images.shape
    anti_aliasing = shape[0] < h or shape[1] < w
    out = np.empty((n, *shape, c), dtype=np.float32)
    for i, image in enumerate(images):
        out[i] = skimage.transform.resize(
            image, (*shape, c), order=3, mode="reflect", anti_aliasing=anti_aliasing, clip=True)
    return out


def bicubic_downscale(images, factor):
    """Shrinks images by `factor` in each direction with anti-aliased bicubic interpolation.

    The SRGAN paper's degradation from high- to low-resolution images.

    Args:
        images: `(n, h, w, c)` float array in [-1, 1].
        factor: Positive integer that divides `h` and `w`.

    Returns:
        `(n, h // factor, w // factor, c)` float32 array in [-1, 1].

    Raises:
        ValueError: if `images` is not 4-D, `factor` is not a positive
            integer, or it does not divide `h` and `w`.
    """
    images = as_batch(images)
    _check_factor(factor)
    _check_divisible(images.shape[1], images.shape[2], factor)
    return bicubic_resize(images, (images.shape[1] // factor, images.shape[2] // factor))


def bicubic_upscale(images, factor):
    """Enlarges images by `factor` in each direction with bicubic interpolation: the baseline SR method.

    Args:
        images: `(n, h, w, c)` float array in [-1, 1].
        factor: Positive integer.

    Returns:
        `(n, h * factor, w * factor, c)` float32 array, clipped to [-1, 1]
        (the spline's overshoot at edges would otherwise leave it).

    Raises:
        ValueError: if `images` is not 4-D or `factor` is not a positive
            integer.
    """
    images = as_batch(images)
    _check_factor(factor)
    upscaled = bicubic_resize(images, (images.shape[1] * factor, images.shape[2] * factor))
    return np.clip(upscaled, -1.0, 1.0)


def pil_bicubic_downscale(image, factor):
    """Shrinks a uint8 image `factor` times with PIL's antialiased bicubic resampling.

    Args:
        image: `(h, w, 3)` RGB or `(h, w, 1)` grey uint8 array, `h` and `w`
            multiples of `factor`.
        factor: Positive integer.

    Returns:
        `(h // factor, w // factor, c)` uint8 array.

    Raises:
        ValueError: if `image` is not uint8 `(h, w, 1 or 3)`, `factor` is not a
            positive integer, or it does not divide `h` and `w`.
    """
    _check_uint8_image(image)
    _check_factor(factor)
    _check_divisible(image.shape[0], image.shape[1], factor)
    return _pil_resize(image, (image.shape[0] // factor, image.shape[1] // factor))


def pil_bicubic_upscale(image, factor):
    """Enlarges a uint8 image `factor` times with PIL's bicubic resampling (the photo tables' baseline).

    Args:
        image: `(h, w, 3)` RGB or `(h, w, 1)` grey uint8 array.
        factor: Positive integer.

    Returns:
        `(h * factor, w * factor, c)` uint8 array (PIL rounds and clips to 0..255).

    Raises:
        ValueError: if `image` is not uint8 `(h, w, 1 or 3)` or `factor` is not
            a positive integer.
    """
    _check_uint8_image(image)
    _check_factor(factor)
    return _pil_resize(image, (image.shape[0] * factor, image.shape[1] * factor))


def _pil_resize(image, shape):
    grey = image.shape[-1] == 1
    resized = Image.fromarray(image[..., 0] if grey else image).resize((shape[1], shape[0]), Image.BICUBIC)
    out = np.asarray(resized)
    return out[..., np.newaxis] if grey else out


def _check_uint8_image(image):
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[-1] not in (1, 3):
        raise ValueError(f"image must be a uint8 (h, w, 1 or 3) array, got "
                         f"{getattr(image, 'dtype', type(image).__name__)} {getattr(image, 'shape', '')}")


def as_batch(images):
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must be a 4-D (n, h, w, c) array, got shape {images.shape}")
    return images


def _check_factor(factor):
    if not _is_positive_int(factor):
        raise ValueError(f"factor must be a positive integer, got {factor!r}")


def _check_divisible(h, w, factor):
    if h % factor or w % factor:
        raise ValueError(f"image size {h}x{w} is not divisible by factor {factor}")


def _is_positive_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0
