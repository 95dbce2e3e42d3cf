"""Judging samples of the 1-D Gaussian GAN: the target, its moments, KS distance, convergence."""

import dataclasses
import math

import numpy as np
import scipy.stats

# The convergence rule is stated for the default target N(4, 1.25): mean and
# standard deviation within 0.2, KS statistic at most 0.1. For other targets
# the 0.2 scales with the standard deviation (it is 0.16 standard deviations).
DEFAULT_MEAN = 4.0
DEFAULT_STD = 1.25
BASE_TOLERANCE = 0.2
KS_THRESHOLD = 0.1
EVAL_SAMPLES = 10_000
TRAJECTORY_SAMPLES = 2_000


@dataclasses.dataclass(frozen=True)
class Target:
    """The normal distribution the generator should learn, and when it has.

    Attributes:
        mean: Mean of the target.
        std: Standard deviation of the target (> 0).
    """

    mean: float = DEFAULT_MEAN
    std: float = DEFAULT_STD

    def __post_init__(self):
        if not (math.isfinite(self.mean) and math.isfinite(self.std)) or self.std <= 0:
            raise ValueError(f"a target needs a finite mean and a positive finite std, got {self.mean}, {self.std}")

    @property
    def tolerance(self):
        """Allowed error of the mean and of the std: 0.2 * std / 1.25."""
        return BASE_TOLERANCE * self.std / DEFAULT_STD

    def converged(self, mean, std, ks):
        """Whether samples with this mean, std and KS statistic count as converged.

        |mean - target mean| <= tolerance, |std - target std| <= tolerance and
        KS <= 0.1 (a small slack of 1e-9 absorbs float rounding at the edges).
        """
        slack = 1e-9 * max(1.0, abs(self.mean), self.std)
        return bool(
            abs(mean - self.mean) <= self.tolerance + slack
            and abs(std - self.std) <= self.tolerance + slack
            and ks <= KS_THRESHOLD + 1e-12
        )

    def cdf(self, x):
        """The target's cumulative distribution function at `x` (float64 array)."""
        return normal_cdf(x, self.mean, self.std)

    def density(self, x):
        """The target's probability density at `x` (float64 array)."""
        z = (np.asarray(x, np.float64) - self.mean) / self.std
        return np.exp(-0.5 * z * z) / (self.std * math.sqrt(2.0 * math.pi))


def normal_cdf(x, mean, std):
    """CDF of N(mean, std) at `x` (float64 array of the shape of `x`)."""
    return scipy.stats.norm.cdf(np.asarray(x, np.float64), loc=mean, scale=std)


def ks_statistic(samples, mean, std):
    """One-sample Kolmogorov-Smirnov statistic of `samples` against N(mean, std) (`scipy.stats.kstest`).

    The largest distance between the empirical CDF (a step function, so both
    sides of each step count) and the normal CDF.

    Args:
        samples: Array-like of n >= 1 finite values (any shape; flattened).
        mean: Mean of the reference normal distribution.
        std: Its standard deviation (> 0).

    Returns:
        The statistic as a float in [0, 1].

    Raises:
        ValueError: if there are no samples or some are not finite.
    """
    x = np.asarray(samples, np.float64).ravel()
    if x.size == 0:
        raise ValueError("the KS statistic needs at least one sample")
    if not np.all(np.isfinite(x)):
        raise ValueError("the samples contain NaN or infinite values")
    return float(scipy.stats.kstest(x, "norm", args=(mean, std)).statistic)


def describe_samples(samples, target):
    """Mean, (population) std and KS statistic of `samples` against `target`.

    Returns:
        dict with float "mean", "std", "ks"; a set of samples holding NaN or
        infinities gets NaN moments and a KS statistic of 1.0 (not converged).
    """
    x = np.asarray(samples, np.float64).ravel()
    if not np.all(np.isfinite(x)):
        return {"mean": float("nan"), "std": float("nan"), "ks": 1.0}
    return {"mean": float(x.mean()), "std": float(x.std()), "ks": ks_statistic(x, target.mean, target.std)}
