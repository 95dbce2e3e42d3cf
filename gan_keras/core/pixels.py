"""Pixel ranges: a generator's own range to [-1, 1] (plots, metrics), and [-1, 1] to and from uint8 pixels."""

import numpy as np


def to_tanh_range(images, pixel_range):
    """Maps images from `pixel_range` `(low, high)` to [-1, 1]."""
    low, high = pixel_range
    return (np.asarray(images, np.float32) - low) * (2.0 / (high - low)) - 1.0


def from_uint8(pixels):
    """uint8 pixels in 0..255 -> float32 in [-1, 1]: `v / 127.5 - 1` (0 -> -1, 255 -> 1), shape kept."""
    return np.asarray(pixels).astype(np.float32) / np.float32(127.5) - np.float32(1.0)


def to_uint8(images):
    """Images in [-1, 1] -> uint8 pixels in 0..255 (rounded, clipped)."""
    return np.clip(np.rint((np.asarray(images, np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)
