"""Numpy-only sample-quality metrics for GAN evaluation.

All functions take plain arrays of features (for example embeddings of real
and generated images from a fixed network) or class probabilities, work in
float64 internally and return Python floats.  Nothing here imports a deep
learning framework or scipy.
"""

import numpy as np

__all__ = [
    "classifier_score",
    "frechet_distance",
    "frechet_distance_from_statistics",
    "kernel_distance",
    "precision_recall_density_coverage",
]


def _as_features(x, name, min_rows=2):
    """Return `x` as a float64 (n, d) array, checking its shape."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (n, d) array, got shape {x.shape}")
    if x.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows, got {x.shape[0]}")
    if x.shape[1] < 1:
        raise ValueError(f"{name} needs at least one feature column, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def _check_same_dim(a, b, name_a, name_b):
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"{name_a} and {name_b} must have the same feature dimension, "
            f"got {a.shape[1]} and {b.shape[1]}"
        )


def _psd_sqrt(matrix):
    """Symmetric square root V sqrt(max(w, 0)) V^T of a symmetric PSD matrix."""
    w, v = np.linalg.eigh((matrix + matrix.T) / 2.0)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def frechet_distance_from_statistics(mu_a, sigma_a, mu_b, sigma_b):
    """Frechet distance between two Gaussians given their means and covariances.

    Computes ||mu_a - mu_b||^2 + tr(S_a) + tr(S_b) - 2 tr((S_a S_b)^{1/2}), where
    the last trace is evaluated as the sum of square roots of the eigenvalues of
    the symmetric PSD matrix S_a^{1/2} S_b S_a^{1/2}, which is stable even for
    singular covariances.

    Args:
        mu_a: Mean of the first Gaussian, shape (d,).
        sigma_a: Covariance of the first Gaussian, shape (d, d).
        mu_b: Mean of the second Gaussian, shape (d,).
        sigma_b: Covariance of the second Gaussian, shape (d, d).

    Returns:
        The distance as a float, clipped at 0.

    Raises:
        ValueError: If the shapes are inconsistent or values are not finite.
    """
    mu_a, mu_b = (np.asarray(m, dtype=np.float64) for m in (mu_a, mu_b))
    sigma_a, sigma_b = (np.asarray(s, dtype=np.float64) for s in (sigma_a, sigma_b))
    if mu_a.ndim != 1 or mu_b.ndim != 1 or mu_a.shape != mu_b.shape:
        raise ValueError(f"means must be 1-D of equal length, got {mu_a.shape} and {mu_b.shape}")
    d = mu_a.shape[0]
    for name, s in (("sigma_a", sigma_a), ("sigma_b", sigma_b)):
        if s.shape != (d, d):
            raise ValueError(f"{name} must have shape ({d}, {d}), got {s.shape}")
    for arr in (mu_a, mu_b, sigma_a, sigma_b):
        if not np.all(np.isfinite(arr)):
            raise ValueError("statistics contain NaN or infinite values")
    sqrt_a = _psd_sqrt(sigma_a)
    inner = sqrt_a @ sigma_b @ sqrt_a
    eig = np.linalg.eigvalsh((inner + inner.T) / 2.0)
    tr_covmean = np.sum(np.sqrt(np.clip(eig, 0.0, None)))
    diff = mu_a - mu_b
    value = diff @ diff + np.trace(sigma_a) + np.trace(sigma_b) - 2.0 * tr_covmean
    return float(max(value, 0.0))


def frechet_distance(features_a, features_b):
    """Frechet distance between Gaussians fitted to two feature sets (FID-style).

    Args:
        features_a: Array of shape (n_a, d), n_a >= 2.
        features_b: Array of shape (n_b, d), n_b >= 2.

    Returns:
        The distance as a float (>= 0), using means and unbiased (ddof=1)
        covariances in float64.

    Raises:
        ValueError: If inputs are not 2-D, have fewer than 2 rows, differ in d,
            or contain non-finite values.
    """
    a = _as_features(features_a, "features_a")
    b = _as_features(features_b, "features_b")
    _check_same_dim(a, b, "features_a", "features_b")
    stats = []
    for x in (a, b):
        mu = x.mean(axis=0)
        centered = x - mu
        stats.append((mu, centered.T @ centered / (x.shape[0] - 1)))
    (mu_a, sigma_a), (mu_b, sigma_b) = stats
    return frechet_distance_from_statistics(mu_a, sigma_a, mu_b, sigma_b)


def _polynomial_mmd2(x, y):
    """Unbiased squared MMD with the kernel k(x, y) = (x.y / d + 1)^3."""
    m, d = x.shape
    k_xx = (x @ x.T / d + 1.0) ** 3
    k_yy = (y @ y.T / d + 1.0) ** 3
    k_xy = (x @ y.T / d + 1.0) ** 3
    off_xx = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    off_yy = (k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return off_xx + off_yy - 2.0 * k_xy.mean()


def kernel_distance(features_a, features_b, num_subsets=100, subset_size=1000, seed=0):
    """Kernel (KID-style) distance: unbiased polynomial-kernel MMD^2 over subsets.

    For each of `num_subsets` rounds, `subset_size` rows are drawn without
    replacement from each set (capped at min(n_a, n_b)) and the unbiased squared
    MMD with k(x, y) = (x.y / d + 1)^3 is computed.

    Args:
        features_a: Array of shape (n_a, d), n_a >= 2.
        features_b: Array of shape (n_b, d), n_b >= 2.
        num_subsets: Number of random subsets, >= 1.
        subset_size: Rows per subset, >= 2 (capped at min(n_a, n_b)).
        seed: Seed for numpy's default_rng.

    Returns:
        (mean, std) of the per-subset estimates as floats (std with ddof=0).
        The mean may be slightly negative, as the estimator is unbiased.

    Raises:
        ValueError: On bad shapes or non-positive subset parameters.
    """
    a = _as_features(features_a, "features_a")
    b = _as_features(features_b, "features_b")
    _check_same_dim(a, b, "features_a", "features_b")
    if int(num_subsets) < 1:
        raise ValueError(f"num_subsets must be >= 1, got {num_subsets}")
    if int(subset_size) < 2:
        raise ValueError(f"subset_size must be >= 2, got {subset_size}")
    m = min(int(subset_size), a.shape[0], b.shape[0])
    rng = np.random.default_rng(seed)
    values = np.empty(int(num_subsets))
    for i in range(int(num_subsets)):
        x = a[rng.choice(a.shape[0], m, replace=False)]
        y = b[rng.choice(b.shape[0], m, replace=False)]
        values[i] = _polynomial_mmd2(x, y)
    return float(values.mean()), float(values.std())


def classifier_score(probabilities, num_splits=10, eps=1e-12):
    """Inception-Score analogue exp(E_x KL(p(y|x) || p(y))) over splits.

    Args:
        probabilities: Array of shape (n, num_classes); each row a distribution.
        num_splits: Number of (nearly) equal consecutive splits, 1 <= num_splits <= n.
        eps: Small constant added inside the logarithms.

    Returns:
        (mean, std) of the per-split scores as floats (std with ddof=0). The
        score lies in [1, num_classes].

    Raises:
        ValueError: If the array is not 2-D, a row is negative, non-finite or
            does not sum to 1 within 1e-3, or num_splits is out of range.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] < 1 or p.shape[1] < 1:
        raise ValueError(f"probabilities must be a non-empty 2-D array, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError("probabilities must be finite and non-negative")
    if np.any(np.abs(p.sum(axis=1) - 1.0) > 1e-3):
        raise ValueError("each row of probabilities must sum to 1 (within 1e-3)")
    if not 1 <= int(num_splits) <= p.shape[0]:
        raise ValueError(f"num_splits must be in [1, {p.shape[0]}], got {num_splits}")
    scores = []
    for part in np.array_split(p, int(num_splits)):
        marginal = part.mean(axis=0, keepdims=True)
        kl = np.sum(part * (np.log(part + eps) - np.log(marginal + eps)), axis=1)
        scores.append(np.exp(kl.mean()))
    scores = np.asarray(scores)
    return float(scores.mean()), float(scores.std())


def _sq_dists(x, y, y_sq):
    """Squared Euclidean distances between rows of x and y, clipped at 0."""
    d = np.sum(x * x, axis=1)[:, None] + y_sq[None, :] - 2.0 * (x @ y.T)
    return np.maximum(d, 0.0, out=d)


def _knn_radii(x, k, chunk_size):
    """Squared distance of each row of x to its k-th nearest other row."""
    x_sq = np.sum(x * x, axis=1)
    radii = np.empty(x.shape[0])
    for start in range(0, x.shape[0], chunk_size):
        d = _sq_dists(x[start:start + chunk_size], x, x_sq)
        # Index k of the sorted row skips the point itself (distance ~0).
        radii[start:start + chunk_size] = np.partition(d, k, axis=1)[:, k]
    return radii


def precision_recall_density_coverage(real_features, fake_features, k=5, chunk_size=1024):
    """Precision, recall, density and coverage (Naeem et al., 2020).

    Each point gets a closed ball whose radius is the distance to its k-th
    nearest neighbour within its own set (itself excluded). Precision is the
    share of fakes inside some real ball, recall the share of reals inside some
    fake ball, density is (1 / (k M)) times the total number of (real ball, fake)
    containments over the M fakes, and coverage the share of real balls that
    contain at least one fake. Distances are computed in row chunks of
    `chunk_size`, so peak memory is about chunk_size * max(N, M) * 8 bytes a few
    times over (around 0.3 GB for 10,000 points with the default).

    Args:
        real_features: Array of shape (N, d) with N > k.
        fake_features: Array of shape (M, d) with M > k.
        k: Neighbourhood size, >= 1.
        chunk_size: Rows per distance block, >= 1.

    Returns:
        Dict with float values under "precision", "recall", "density" and
        "coverage". Density may exceed 1; the others lie in [0, 1].

    Raises:
        ValueError: On bad shapes, mismatched d, k >= N or M, or k/chunk_size < 1.
    """
    if int(k) < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if int(chunk_size) < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    k, chunk_size = int(k), int(chunk_size)
    real = _as_features(real_features, "real_features", min_rows=k + 1)
    fake = _as_features(fake_features, "fake_features", min_rows=k + 1)
    _check_same_dim(real, fake, "real_features", "fake_features")

    real_radii = _knn_radii(real, k, chunk_size)
    fake_radii = _knn_radii(fake, k, chunk_size)
    fake_sq = np.sum(fake * fake, axis=1)
    fake_in_real = np.zeros(fake.shape[0], dtype=bool)
    containments = np.zeros(fake.shape[0], dtype=np.int64)
    real_in_fake = np.empty(real.shape[0], dtype=bool)
    covered = np.empty(real.shape[0], dtype=bool)
    for start in range(0, real.shape[0], chunk_size):
        stop = start + chunk_size
        d = _sq_dists(real[start:stop], fake, fake_sq)  # (chunk, M)
        inside_real_ball = d <= real_radii[start:stop, None]
        fake_in_real |= inside_real_ball.any(axis=0)
        containments += inside_real_ball.sum(axis=0)
        covered[start:stop] = inside_real_ball.any(axis=1)
        real_in_fake[start:stop] = (d <= fake_radii[None, :]).any(axis=1)
    return {
        "precision": float(fake_in_real.mean()),
        "recall": float(real_in_fake.mean()),
        "density": float(containments.sum() / (k * fake.shape[0])),
        "coverage": float(covered.mean()),
    }
