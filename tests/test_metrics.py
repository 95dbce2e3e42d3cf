"""Tests for gan_keras.evaluation.metrics against hand-computed values and scipy references."""

import numpy as np
import pytest
from scipy import linalg
from scipy.spatial.distance import cdist

from gan_keras.evaluation.metrics import (
    classifier_score,
    frechet_distance,
    frechet_distance_from_statistics,
    kernel_distance,
    precision_recall_density_coverage,
)


def _random_pair(seed=0, n=200, d=8):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d)
    b = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) * 0.5 + 2.0
    return a, b


# --- Frechet distance -------------------------------------------------------


def test_frechet_1d_hand_case():
    # a: mean 1, var 2; b: mean 3, var 8 -> 4 + 2 + 8 - 2 * sqrt(16) = 6.
    assert frechet_distance([[0.0], [2.0]], [[1.0], [5.0]]) == pytest.approx(6.0, abs=1e-12)


def test_frechet_matches_scipy_sqrtm():
    a, b = _random_pair()
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s_a @ s_b).real
    expected = np.sum((mu_a - mu_b) ** 2) + np.trace(s_a) + np.trace(s_b) - 2 * np.trace(covmean)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance_from_statistics(mu_a, s_a, mu_b, s_b) == pytest.approx(expected, rel=1e-6)


def test_frechet_identity_symmetry_and_shift():
    a, b = _random_pair(seed=1)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-9)
    shift = np.arange(8) * 0.5 - 1.0
    assert frechet_distance(a, a + shift) == pytest.approx(np.sum(shift**2), rel=1e-7)


@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")
def test_frechet_handles_rank_deficient_covariance():
    rng = np.random.default_rng(2)
    a = np.zeros((50, 4))
    a[:, 0] = rng.normal(size=50)  # covariance of rank 1
    b = rng.normal(size=(50, 4))
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s_a @ s_b).real
    expected = np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(s_a) + np.trace(s_b) - 2 * np.trace(covmean)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize(
    "a, b, message",
    [
        (np.zeros(5), np.zeros((5, 1)), "2-D"),
        (np.zeros((5, 2)), np.zeros((5, 3)), "same feature dimension"),
        (np.zeros((1, 2)), np.zeros((5, 2)), "at least 2 rows"),
        (np.full((3, 2), np.nan), np.zeros((5, 2)), "NaN"),
    ],
)
def test_frechet_validation(a, b, message):
    with pytest.raises(ValueError, match=message):
        frechet_distance(a, b)


def test_frechet_statistics_validation():
    with pytest.raises(ValueError):
        frechet_distance_from_statistics(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError):
        frechet_distance_from_statistics(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))


# --- Kernel distance --------------------------------------------------------


def _mmd2_loops(x, y):
    m, d = len(x), x.shape[1]

    def kern(u, v):
        return (float(np.dot(u, v)) / d + 1.0) ** 3

    xx = sum(kern(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(kern(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(kern(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    return xx + yy - 2 * xy


def test_kernel_distance_matches_loop_reference():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6, 3))
    y = rng.normal(size=(6, 3)) + 0.7
    mean, std = kernel_distance(x, y, num_subsets=5, subset_size=6, seed=1)
    assert mean == pytest.approx(_mmd2_loops(x, y), rel=1e-10)
    assert std == pytest.approx(0.0, abs=1e-12)
    # subset_size larger than the data is capped to the whole set.
    mean_capped, std_capped = kernel_distance(x, y, num_subsets=3, subset_size=1000)
    assert mean_capped == pytest.approx(_mmd2_loops(x, y), rel=1e-10)
    assert std_capped == pytest.approx(0.0, abs=1e-12)


def test_kernel_distance_same_distribution_near_zero():
    rng = np.random.default_rng(4)
    a = rng.normal(size=(600, 8))
    b = rng.normal(size=(600, 8))
    mean_same, std_same = kernel_distance(a, b, num_subsets=20, subset_size=200)
    mean_far, _ = kernel_distance(a, b + 1.0, num_subsets=20, subset_size=200)
    assert abs(mean_same) < 0.05
    assert std_same > 0.0
    assert mean_far > 1.0


def test_kernel_distance_validation():
    a = np.zeros((10, 2))
    with pytest.raises(ValueError):
        kernel_distance(a, np.zeros((10, 3)))
    with pytest.raises(ValueError):
        kernel_distance(a, a, num_subsets=0)
    with pytest.raises(ValueError):
        kernel_distance(a, a, subset_size=1)


# --- Classifier score -------------------------------------------------------


def test_classifier_score_confident_uniform_is_num_classes():
    # 100 one-hot rows cycling through 10 classes: every split holds all classes.
    probs = np.tile(np.eye(10), (10, 1))
    mean, std = classifier_score(probs, num_splits=10)
    assert mean == pytest.approx(10.0, rel=1e-9)
    assert std == pytest.approx(0.0, abs=1e-9)


def test_classifier_score_identical_rows_is_one():
    probs = np.tile([0.2, 0.3, 0.5], (40, 1))
    mean, std = classifier_score(probs, num_splits=4)
    assert mean == pytest.approx(1.0, abs=1e-9)
    assert std == pytest.approx(0.0, abs=1e-9)


def test_classifier_score_two_class_hand_value():
    # Half the rows [1, 0], half [0.5, 0.5]: marginal [0.75, 0.25].
    # KL rows: log(4/3) and 0.5*log(0.5/0.75) + 0.5*log(0.5/0.25).
    probs = np.array([[1.0, 0.0], [0.5, 0.5]] * 4)
    kl = [np.log(1 / 0.75), 0.5 * np.log(0.5 / 0.75) + 0.5 * np.log(0.5 / 0.25)]
    mean, _ = classifier_score(probs, num_splits=1)
    assert mean == pytest.approx(np.exp(np.mean(kl)), rel=1e-9)


@pytest.mark.parametrize(
    "probs, splits",
    [
        (np.array([0.5, 0.5]), 1),
        (np.array([[0.5, 0.6], [0.5, 0.5]]), 1),
        (np.array([[1.2, -0.2], [0.5, 0.5]]), 1),
        (np.array([[0.5, 0.5], [0.5, 0.5]]), 3),
        (np.array([[0.5, 0.5], [0.5, 0.5]]), 0),
    ],
)
def test_classifier_score_validation(probs, splits):
    with pytest.raises(ValueError):
        classifier_score(probs, num_splits=splits)


# --- Precision / recall / density / coverage --------------------------------


def test_prdc_hand_case():
    # Reals on a line, k=1 -> every real radius is 1.
    real = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    # Fake pairs: radii 0.25, 0.25 | 1, 1 | 1, 1.
    fake = np.array([[0.5, 0.0], [0.5, 0.25], [3.0, 0.5], [3.0, -0.5], [10.0, 0.0], [10.0, 1.0]])
    # Precision: first four fakes lie in real balls -> 4/6.
    # Density: containments 2 + 2 + 1 + 1 = 6 over k*M = 6 -> 1.
    # Coverage: reals 0, 1, 3 have a fake within 1; real 2 (nearest fake 1.118) not -> 3/4.
    # Recall: only real 3 is within a fake ball (0.5 <= 1 from (3, +-0.5)) -> 1/4.
    out = precision_recall_density_coverage(real, fake, k=1, chunk_size=3)
    assert out == pytest.approx({"precision": 4 / 6, "recall": 0.25, "density": 1.0, "coverage": 0.75})


def test_prdc_identical_sets():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(100, 3))
    k = 5
    out = precision_recall_density_coverage(x, x.copy(), k=k, chunk_size=17)
    assert out["precision"] == out["recall"] == out["coverage"] == 1.0
    # Each real ball holds its centre plus its k neighbours -> N (k + 1) / (k N).
    assert out["density"] == pytest.approx((k + 1) / k)


def test_prdc_same_distribution_density_near_one():
    rng = np.random.default_rng(6)
    real, fake = rng.normal(size=(2000, 4)), rng.normal(size=(2000, 4))
    out = precision_recall_density_coverage(real, fake, k=5)
    assert 0.9 < out["density"] < 1.1
    assert out["precision"] > 0.9 and out["recall"] > 0.9 and out["coverage"] > 0.9


def test_prdc_far_fakes_all_zero():
    rng = np.random.default_rng(7)
    real = rng.normal(size=(50, 2))
    fake = rng.normal(size=(40, 2)) + 100.0
    out = precision_recall_density_coverage(real, fake, k=3)
    assert out == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def _prdc_reference(real, fake, k):
    rr, ff, rf = cdist(real, real), cdist(fake, fake), cdist(real, fake)
    r_real = np.sort(rr, axis=1)[:, k]
    r_fake = np.sort(ff, axis=1)[:, k]
    inside = rf <= r_real[:, None]  # (N, M): fake j in ball of real i
    return {
        "precision": inside.any(axis=0).mean(),
        "recall": (rf <= r_fake[None, :]).any(axis=1).mean(),
        "density": inside.sum() / (k * len(fake)),
        "coverage": (rf.min(axis=1) <= r_real).mean(),
    }


@pytest.mark.parametrize("k", [1, 5])
def test_prdc_matches_bruteforce_with_small_chunks(k):
    rng = np.random.default_rng(8 + k)
    real = rng.normal(size=(300, 6))
    fake = rng.normal(size=(250, 6)) * 1.3 + 0.4
    out = precision_recall_density_coverage(real, fake, k=k, chunk_size=32)
    assert out == pytest.approx(_prdc_reference(real, fake, k), abs=1e-12)


def test_prdc_validation():
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match="k must be"):
        precision_recall_density_coverage(x, x, k=0)
    with pytest.raises(ValueError, match="at least"):
        precision_recall_density_coverage(x[:3], x, k=3)
    with pytest.raises(ValueError, match="same feature dimension"):
        precision_recall_density_coverage(x, np.zeros((10, 3)))
    with pytest.raises(ValueError, match="chunk_size"):
        precision_recall_density_coverage(x, x, chunk_size=0)
