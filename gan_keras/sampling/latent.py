"""Walks through a generator's latent space: interpolations between noise vectors, and class sweeps.

`gan-keras sample --interpolate K` draws one row per pair of fixed noise
vectors, K images from the first to the second; `--sweep-classes` draws one
row per noise vector and one column per class, so a conditional generator's
rows show what the noise keeps (pose, shape, brightness) while the label
changes the garment.
"""

import numpy as np

from gan_keras.core.noise import sample_noise
from gan_keras.core.pixels import to_tanh_range
from gan_keras.core.errors import EXIT_USAGE, UserError


def slerp(a, b, t):
    """Spherical interpolation from `a` (t = 0) to `b` (t = 1) along the great circle between their directions.

    The norm moves linearly from |a| to |b|, so the path stays where
    standard normal noise lives (a straight line between two such vectors
    passes through shorter, less likely ones).

    Args:
        a, b: `(d,)` vectors.
        t: `(k,)` positions in [0, 1].

    Returns:
        float32 `(k, d)`; row `i` is exactly `a` where `t[i] == 0` and `b` where `t[i] == 1`.
    """
    a, b, t = np.asarray(a, np.float64), np.asarray(b, np.float64), np.asarray(t, np.float64)
    norm_a, norm_b = np.linalg.norm(a), np.linalg.norm(b)
    cosine = np.clip(np.dot(a, b) / max(norm_a * norm_b, 1e-12), -1.0, 1.0)
    omega = np.arccos(cosine)
    if omega < 1e-6:  # (nearly) the same direction: a straight line
        path = (1 - t)[:, None] * a + t[:, None] * b
    else:
        unit_a, unit_b = a / norm_a, b / norm_b
        direction = (np.sin((1 - t) * omega)[:, None] * unit_a + np.sin(t * omega)[:, None] * unit_b) / np.sin(omega)
        path = direction * ((1 - t) * norm_a + t * norm_b)[:, None]
    path = path.astype(np.float32)
    path[t == 0] = np.asarray(a, np.float32)
    path[t == 1] = np.asarray(b, np.float32)
    return path


def interpolation(generator, rng, rows, steps, label=None):
    """`rows` latent walks of `steps` images each, between pairs of noise vectors drawn from `rng`.

    Normal noise is interpolated spherically (`slerp`), uniform noise
    linearly (it stays inside its box).

    Args:
        generator: A loaded `artifact.Generator` that draws from noise.
        rng: numpy `Generator` of the endpoints.
        rows: Pairs (rows of the grid).
        steps: Images per row, endpoints included (>= 2).
        label: For a conditional generator, the class of every row (default:
            row `i` draws class `i mod classes`).

    Returns:
        dict with "images" float32 `(rows * steps, *image_shape)` in [-1, 1],
        row by row; "noise" `(rows * steps, latent_dim)`; "t" `(steps,)`;
        "labels" int32 `(rows * steps,)` for a conditional generator.
    """
    info = _noise_generator(generator, label)
    if steps < 2:
        raise UserError(f"--interpolate needs at least 2 images per row (the two ends), got {steps}", EXIT_USAGE)
    ends = sample_noise(rng, 2 * rows, info.latent_dim, info.noise)
    t = np.linspace(0.0, 1.0, steps)
    noise = np.concatenate([
        slerp(ends[2 * i], ends[2 * i + 1], t) if info.noise == "normal"
        else ((1 - t)[:, None] * ends[2 * i] + t[:, None] * ends[2 * i + 1]).astype(np.float32)
        for i in range(rows)])
    labels = None
    if info.conditional:
        row_labels = np.full(rows, label) if label is not None else np.arange(rows) % info.num_classes
        labels = np.repeat(row_labels, steps).astype(np.int32)
    images = to_tanh_range(generator.generate(noise, labels), info.pixel_range)
    return {"images": images, "noise": noise, "t": t.astype(np.float32),
            **({"labels": labels} if labels is not None else {})}


def class_sweep(generator, rng, rows):
    """One row per noise vector drawn from `rng`, one column per class: the same noise with every label.

    Returns:
        dict with "images" `(rows * classes, *image_shape)` in [-1, 1], row
        by row; "noise" and "labels" of each image.

    Raises:
        UserError: (exit status 2) for a generator without classes.
    """
    info = _noise_generator(generator, None)
    if not info.conditional:
        raise UserError("--sweep-classes needs a conditional generator (gan-keras train cgan)", EXIT_USAGE)
    classes = info.num_classes
    noise = np.repeat(sample_noise(rng, rows, info.latent_dim, info.noise), classes, axis=0)
    labels = np.tile(np.arange(classes, dtype=np.int32), rows)
    images = to_tanh_range(generator.generate(noise, labels), info.pixel_range)
    return {"images": images, "noise": noise, "labels": labels}


def _noise_generator(generator, label):
    info = generator.info
    if info.image_conditioned or info.captioned or len(info.image_shape) != 3:
        raise UserError("latent walks need a generator that draws images from noise (dcgan, cgan, mlp)", EXIT_USAGE)
    if label is not None:
        if not info.conditional:
            raise UserError("--label needs a conditional generator", EXIT_USAGE)
        if not 0 <= label < info.num_classes:
            raise UserError(f"class labels must be in 0..{info.num_classes - 1}, got {label}", EXIT_USAGE)
    return info
