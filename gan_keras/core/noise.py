"""What a GAN's fakes are drawn from: noise vectors and balanced class labels.

The trainer, the grids, the evaluation and `gan-keras sample` all draw here.
"""

import numpy as np

NOISE_KINDS = ("normal", "uniform")


def sample_noise(rng, n, latent_dim, kind="normal"):
    """Draws `(n, latent_dim)` float32 noise.

    Args:
        rng: A numpy `Generator`.
        n: Number of vectors.
        latent_dim: Size of one vector.
        kind: "normal" (standard normal) or "uniform" (on [-1, 1]).

    Returns:
        float32 array `(n, latent_dim)`.

    Raises:
        ValueError: on an unknown `kind`.
    """
    if kind == "normal":
        return rng.standard_normal((n, latent_dim), dtype=np.float32)
    if kind == "uniform":
        return rng.uniform(-1.0, 1.0, (n, latent_dim)).astype(np.float32)
    raise ValueError(f"unknown noise distribution {kind!r}; known: {', '.join(NOISE_KINDS)}")


def balanced_labels(n, classes, order="interleaved"):
    """`n` class labels with every class equally often (to within one).

    Args:
        n: Number of labels.
        classes: Number of classes (labels 0..classes-1) or a list of labels.
        order: "interleaved" (0, 1, ..., 0, 1, ...) or "blocks" (all of the
            first class, then the next: one grid row per class when `n` is
            `classes` times the row length).

    Returns:
        int32 array `(n,)`.
    """
    labels = np.arange(classes) if isinstance(classes, (int, np.integer)) else np.asarray(classes)
    k = len(labels)
    index = np.arange(n) % k if order == "interleaved" else np.arange(n) * k // n
    return labels[index].astype(np.int32)
