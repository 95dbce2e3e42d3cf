"""Image quality against a reference: PSNR and SSIM, as the super-resolution papers measure them.

Images are float NHWC arrays in [-1, 1]. Colour images are measured on the
luma (Y of ITU-R BT.601 YCbCr, `rgb_to_y`), grey ones directly, both on a
[0, 1] scale, after cropping `border` pixels (usually the scale factor) from
every side, where interpolation has no neighbours. PSNR and SSIM are
scikit-image's; SSIM uses the Gaussian-window settings of Wang et al. (2004)
that reproduce the published implementation (11x11, sigma 1.5, population
covariance).
"""

import numpy as np
import skimage.metrics

__all__ = ["psnr", "rgb_to_y", "sharpness", "ssim"]

# ITU-R BT.601 luma for R, G, B in [0, 1], giving Y in [16, 235] (MATLAB's rgb2ycbcr).
_Y_OFFSET = 16.0
_Y_WEIGHTS = np.array([65.481, 128.553, 24.966])
# SSIM as in Wang et al. 2004: Gaussian window of sigma 1.5 (11x11), population covariance.
_SSIM_OPTIONS = {"gaussian_weights": True, "sigma": 1.5, "use_sample_covariance": False}
_SSIM_MIN_SIDE = 11


def rgb_to_y(images):
    """The luma that SR papers measure: ITU-R BT.601 Y, divided by 255.

    `Y = 16 + 65.481 R + 128.553 G + 24.966 B` for R, G, B in [0, 1] (Y in
    [16, 235], as MATLAB's `rgb2ycbcr`), returned as `Y / 255`: black is
    16/255, white 235/255. Grey images (one channel) are returned as their
    [0, 1] value.

    Args:
        images: `(..., 3)` RGB or `(..., 1)` grey float array in [-1, 1].

    Returns:
        `(..., 1)` float64 array: Y / 255 in [16/255, 235/255] for RGB
        images, the [0, 1] value for grey ones.

    Raises:
        ValueError: if the last axis is not 1 or 3 channels.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim < 1 or images.shape[-1] not in (1, 3):
        raise ValueError(f"images must end in 1 or 3 channels, got shape {images.shape}")
    unit = (images + 1.0) / 2.0
    if images.shape[-1] == 1:
        return unit
    return ((_Y_OFFSET + unit @ _Y_WEIGHTS) / 255.0)[..., np.newaxis]


def psnr(reference, estimate, border=0):
    """Peak signal-to-noise ratio in dB, on a [0, 1] scale, as SR papers report it.

    Colour images are compared on their luma (`rgb_to_y`), grey ones
    directly; `border` pixels are cropped from every side first.
    `10 log10(1 / MSE)`: two constant images 0.1 apart (on [0, 1]) give
    exactly 20 dB; identical images give `inf`.

    Args:
        reference: `(h, w, c)` or `(n, h, w, c)` ground-truth images in
            [-1, 1], c = 1 or 3.
        estimate: Images of the same shape, in [-1, 1].
        border: Pixels cropped from each side, a non-negative integer.

    Returns:
        The PSNR as a float, averaged over the `n` images.

    Raises:
        ValueError: on mismatched or unsupported shapes, or a border that
            leaves no pixels.
    """
    ref, est = _measured_planes(reference, estimate, border)
    with np.errstate(divide="ignore"):  # identical images: inf, as documented
        values = [skimage.metrics.peak_signal_noise_ratio(r, e, data_range=1.0) for r, e in zip(ref, est)]
    return float(np.mean(values))


def ssim(reference, estimate, border=0):
    """Structural similarity, on a [0, 1] scale, as SR papers report it.

    Colour images are compared on their luma (`rgb_to_y`), grey ones
    directly; `border` pixels are cropped from every side first. Uses
    scikit-image's `structural_similarity` with `data_range=1` and the
    Gaussian window of Wang et al. (sigma 1.5, 11x11, population
    covariance), averaged over the image. An image with itself gives 1; two
    constant images of values `x` and `y` give
    `(2xy + C1) / (x**2 + y**2 + C1)` with `C1 = 0.01**2`.

    Args:
        reference: `(h, w, c)` or `(n, h, w, c)` ground-truth images in
            [-1, 1], c = 1 or 3.
        estimate: Images of the same shape, in [-1, 1].
        border: Pixels cropped from each side, a non-negative integer.

    Returns:
        The mean SSIM in [-1, 1] as a float, averaged over the `n` images.

    Raises:
        ValueError: on mismatched or unsupported shapes, a border that
            leaves no pixels, or cropped images smaller than the 11x11
            window.
    """
    ref, est = _measured_planes(reference, estimate, border)
    if min(ref.shape[1:]) < _SSIM_MIN_SIDE:
        raise ValueError(
            f"SSIM needs images of at least {_SSIM_MIN_SIDE}x{_SSIM_MIN_SIDE} pixels after cropping the border, "
            f"got {ref.shape[1]}x{ref.shape[2]}")
    return float(np.mean([
        skimage.metrics.structural_similarity(r, e, data_range=1.0, **_SSIM_OPTIONS) for r, e in zip(ref, est)]))


def sharpness(reference, estimate, border=0):
    """How much edge an image keeps: its mean gradient magnitude over the reference's.

    Gradients are central differences (`numpy.gradient`) of the luma (grey
    value) on [0, 1], after cropping `border` pixels. 1.0: as much local
    contrast as the original; bicubic and MSE-trained upscalers stay below
    (blur); above 1, more edge than the original (sharpening, noise,
    artefacts), so it is read beside PSNR, never alone.

    Args:
        reference: `(h, w, c)` or `(n, h, w, c)` images in [-1, 1], c = 1 or 3.
        estimate: Images of the same shape, in [-1, 1].
        border: Pixels cropped from each side, a non-negative integer.

    Returns:
        The ratio as a float, averaged over the `n` images.

    Raises:
        ValueError: on mismatched or unsupported shapes, a border that leaves
            no pixels, or a constant reference (no gradient to compare with).
    """
    ref, est = _measured_planes(reference, estimate, border)
    ratios = []
    for r, e in zip(ref, est):
        reference_edges = np.mean(np.hypot(*np.gradient(r)))
        if reference_edges == 0:
            raise ValueError("the reference image is constant: it has no gradient to compare with")
        ratios.append(np.mean(np.hypot(*np.gradient(e))) / reference_edges)
    return float(np.mean(ratios))


def _measured_planes(reference, estimate, border):
    """Both image sets as `(n, h', w')` float64 planes on [0, 1]: luma or grey value, border cropped."""
    reference = np.asarray(reference)
    estimate = np.asarray(estimate)
    if reference.shape != estimate.shape:
        raise ValueError(f"reference and estimate must have the same shape, got {reference.shape} and {estimate.shape}")
    if reference.ndim == 3:
        reference, estimate = reference[np.newaxis], estimate[np.newaxis]
    if reference.ndim != 4 or reference.shape[-1] not in (1, 3):
        raise ValueError(f"images must be (h, w, c) or (n, h, w, c) with c = 1 or 3, got shape {reference.shape}")
    if not isinstance(border, (int, np.integer)) or isinstance(border, bool) or border < 0:
        raise ValueError(f"border must be a non-negative integer, got {border!r}")
    h, w = reference.shape[1:3]
    if 2 * border >= min(h, w):
        raise ValueError(f"border {border} leaves no pixels of {h}x{w} images")
    crop = (slice(None), slice(border, h - border), slice(border, w - border), 0)
    return rgb_to_y(reference)[crop], rgb_to_y(estimate)[crop]
