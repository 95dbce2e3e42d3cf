"""The 1-D Gaussian GAN: builders, KS statistic, convergence rule, training, study script."""

import json
import math
import os

import keras
import numpy as np
import pytest
import scipy.stats

from gan_keras.recipes.build import gaussian_study as gs
from gan_keras.evaluation import moments
from gan_keras.training.callbacks import read_history
from gan_keras.runs.config import RunConfig
from gan_keras.core.errors import UserError
from gan_keras.models.gaussian import (
    LATENT_DIM, BatchStatistics, build_gaussian_discriminator, build_gaussian_generator,
)
from gan_keras.recipes.build.gaussian import build_gaussian_gan
from gan_keras.recipes import RECIPES, GaussianConfig, StudyConfig
from gan_keras.runs.run import train_recipe
from gan_keras.data.sources import GaussianSource
from gan_keras.training.loop import Callback, LoopConfig, train
from tests.conftest import ROOT, call_command, run

SCRIPT = os.path.join(ROOT, "scripts", "train_gaussian.py")


# Builders -------------------------------------------------------------------


@pytest.mark.parametrize("latent_dim", [1, 3])
def test_generator_maps_noise_to_one_value_per_row(latent_dim):
    generator = build_gaussian_generator(latent_dim, hidden=50, center=4.0, scale=1.25)
    assert generator.name == "gaussian_generator"
    assert generator.input_shape == (None, latent_dim)
    assert generator.output_shape == (None, 1)
    out = generator.predict_on_batch(np.zeros((7, latent_dim), np.float32))
    assert out.shape == (7, 1)


@pytest.mark.parametrize("batch_statistics", [True, False])
def test_discriminator_gives_one_probability_per_sample(batch_statistics):
    discriminator = build_gaussian_discriminator(hidden=50, center=-3.0, scale=0.5, batch_statistics=batch_statistics)
    assert discriminator.input_shape == (None, 1) and discriminator.output_shape == (None, 1)
    out = discriminator.predict_on_batch(np.linspace(-5, 0, 9, dtype=np.float32).reshape(9, 1))
    assert out.shape == (9, 1) and np.all((out >= 0) & (out <= 1))
    dense = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [50, 50, 1]
    assert dense[0].kernel.shape[0] == (3 if batch_statistics else 1)


def test_batch_statistics_appends_mean_and_population_std():
    out = keras.ops.convert_to_numpy(BatchStatistics(epsilon=0.0)(np.array([[1.0], [2.0], [3.0]], np.float32)))
    std = math.sqrt(2.0 / 3.0)
    np.testing.assert_allclose(out, [[1, 2, std], [2, 2, std], [3, 2, std]], rtol=1e-6)


def test_scaling_is_a_fixed_affine_map_of_the_data():
    """D(x) with (center, scale) equals D((x - center) / scale) with (0, 1); G likewise."""
    keras.utils.set_random_seed(1)
    scaled, plain = build_gaussian_discriminator(center=10.0, scale=3.0), build_gaussian_discriminator()
    plain.set_weights(scaled.get_weights())
    x = np.random.default_rng(0).normal(10, 3, (16, 1)).astype(np.float32)
    np.testing.assert_allclose(scaled.predict_on_batch(x), plain.predict_on_batch((x - 10) / 3), rtol=1e-5, atol=1e-6)
    g_scaled, g_plain = build_gaussian_generator(center=10.0, scale=3.0), build_gaussian_generator()
    g_plain.set_weights(g_scaled.get_weights())
    z = np.random.default_rng(1).uniform(-1, 1, (5, LATENT_DIM)).astype(np.float32)
    np.testing.assert_allclose(g_scaled.predict_on_batch(z), 10 + 3 * g_plain.predict_on_batch(z), rtol=1e-5)


def test_builders_reject_bad_sizes():
    with pytest.raises(ValueError, match="latent_dim"):
        build_gaussian_generator(latent_dim=0)
    with pytest.raises(ValueError, match="scale"):
        build_gaussian_discriminator(scale=0.0)


def test_gan_uses_uniform_noise_and_separate_optimizers():
    gan = build_gaussian_gan(4.0, 1.25, jit_compile=False)
    assert gan.noise == "uniform" and gan.latent_dim == LATENT_DIM == GaussianConfig().latent_dim
    noise = gan.sample_noise(np.random.default_rng(0), 1000)
    assert noise.shape == (1000, LATENT_DIM) and noise.min() >= -1 and noise.max() <= 1
    assert gan.discriminator.optimizer is not gan.combined.optimizer


# KS statistic and the convergence rule --------------------------------------


def test_ks_statistic_by_hand():
    # F(0) = 0.5 under N(0, 1): the empirical CDF jumps from 0 to 1 there.
    assert moments.ks_statistic([0.0], 0.0, 1.0) == pytest.approx(0.5, abs=1e-15)
    # Samples at the quartiles of N(4, 2): F = 0.25 and 0.75, steps at 1/2 and 1.
    quartile = 2 * scipy.stats.norm.ppf(0.75)
    assert moments.ks_statistic([4 - quartile, 4 + quartile], 4.0, 2.0) == pytest.approx(0.25, abs=1e-12)


@pytest.mark.parametrize("name, mean, std", [
    ("matching", 4.0, 1.25),
    ("shifted", 4.3, 1.25),
    ("too narrow", 4.0, 0.6),
    ("uniform", -3.0, 0.5),
    ("tiny", 10.0, 3.0),
])
def test_ks_statistic_matches_scipy(name, mean, std):
    rng = np.random.default_rng(len(name))
    samples = {
        "matching": lambda: rng.normal(4.0, 1.25, 10_000),
        "shifted": lambda: rng.normal(4.0, 1.25, 2_000),
        "too narrow": lambda: rng.normal(4.0, 1.25, 500),
        "uniform": lambda: rng.uniform(-4, -2, 1_000),
        "tiny": lambda: np.array([9.0, 13.5, 7.25]),
    }[name]()
    expected = scipy.stats.kstest(samples, "norm", args=(mean, std)).statistic
    assert moments.ks_statistic(samples, mean, std) == pytest.approx(expected, abs=1e-12)


def test_ks_statistic_rejects_empty_and_non_finite_samples():
    with pytest.raises(ValueError, match="at least one"):
        moments.ks_statistic([], 0.0, 1.0)
    with pytest.raises(ValueError, match="NaN"):
        moments.ks_statistic([0.0, float("nan")], 0.0, 1.0)


@pytest.mark.parametrize("target, tolerance", [
    (moments.Target(4.0, 1.25), 0.2),
    (moments.Target(-3.0, 0.5), 0.08),
    (moments.Target(10.0, 3.0), 0.48),
])
def test_convergence_tolerance_scales_with_the_target_std(target, tolerance):
    assert target.tolerance == pytest.approx(tolerance)
    m, s, tol = target.mean, target.std, tolerance
    assert target.converged(m, s, 0.0)
    assert target.converged(m + tol, s - tol, 0.1)            # every edge counts as converged
    assert target.converged(m - tol, s + tol, 0.1)
    assert not target.converged(m + 1.05 * tol, s, 0.05)      # mean off
    assert not target.converged(m, s - 1.05 * tol, 0.05)      # std off
    assert not target.converged(m, s, 0.1001)                 # shape off


def test_convergence_by_hand_for_the_default_target():
    target = moments.Target()
    assert target.converged(4.19, 1.06, 0.099)
    assert not target.converged(4.21, 1.25, 0.02)
    assert not target.converged(4.0, 1.46, 0.02)
    assert not target.converged(float("nan"), 1.25, 0.02)


def test_target_rejects_non_positive_std():
    with pytest.raises(ValueError, match="positive"):
        moments.Target(0.0, 0.0)


def test_describe_samples_and_non_finite_samples():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    result = moments.describe_samples(x, moments.Target(2.5, 1.0))
    assert result["mean"] == 2.5 and result["std"] == pytest.approx(math.sqrt(1.25))
    assert result["ks"] == pytest.approx(scipy.stats.kstest(x, "norm", args=(2.5, 1.0)).statistic)
    bad = moments.describe_samples([1.0, float("inf")], moments.Target())
    assert math.isnan(bad["mean"]) and bad["ks"] == 1.0


def test_table_and_json(tmp_path):
    rows = [dict(run=1, seed=0, step=5, mean=4.01, std=1.2, ks=0.03, converged=True),
            dict(run=2, seed=1, step=5, mean=6.0, std=0.1, ks=0.9, converged=False)]
    text = gs.format_table(rows, moments.Target())
    assert text.splitlines()[-1] == "converged runs: 1 of 2"
    assert "NO" in text.splitlines()[-2]
    gs.write_json(rows, str(tmp_path / "t.json"))
    assert json.loads((tmp_path / "t.json").read_text()) == [
        {k: r[k] for k in ("run", "seed", "mean", "std", "ks", "converged")} for r in rows]
    rows[1].update(mean=float("nan"), std=float("nan"), ks=1.0)
    gs.write_json(rows, str(tmp_path / "t.json"))
    assert json.loads((tmp_path / "t.json").read_text())[1]["mean"] is None


# Training -------------------------------------------------------------------


class Moments(Callback):
    """Records `(step, mean, std)` of the generator on fixed noise every `interval` steps."""

    def __init__(self, noise, interval):
        self.noise = noise
        self.interval = interval
        self.points = []

    def on_step_end(self, run, logs):
        if run.step == 1 or run.step % self.interval == 0:
            samples = run.gan.generate(self.noise)
            self.points.append((run.step, float(np.mean(samples)), float(np.std(samples))))


def train_moments(center, scale, steps, interval, seed=0, target=moments.Target(4.0, 1.25)):
    keras.utils.set_random_seed(seed)
    gan = build_gaussian_gan(center=center, scale=scale, jit_compile=False)
    recorder = Moments(gs.fixed_noise(gan, seed, 1000), interval)
    source = GaussianSource(target.mean, target.std, batch_size=64, seed=seed)
    train(gan, source, LoopConfig(total_steps=steps, seed=seed, progress=False), [recorder])
    return recorder.points


def test_without_data_scaling_the_mean_moves_from_zero_towards_the_target():
    """With center 0 and scale 1 the generator starts near 0 and must find the location itself."""
    points = train_moments(center=0.0, scale=1.0, steps=150, interval=50)
    means = [mean for _, mean, _ in points]
    assert abs(means[0]) < 0.5
    assert means == sorted(means) and means[-1] > 2.0, points


def test_with_data_scaling_a_short_run_reaches_the_target_moments():
    target = moments.Target(4.0, 1.25)
    points = train_moments(center=target.mean, scale=target.std, steps=300, interval=150)
    (_, _, std_start), (_, mean_end, std_end) = points[0], points[-1]
    assert abs(std_start - target.std) > 0.5, points        # a fresh generator is far too narrow
    assert abs(std_end - target.std) <= target.tolerance, points
    assert abs(mean_end - target.mean) <= target.tolerance, points


def test_study_refuses_to_overwrite_any_of_its_runs_before_training(tmp_path):
    (tmp_path / "run_02").mkdir()
    (tmp_path / "run_02" / "checkpoint.npz").write_bytes(b"x")
    config = RunConfig(output_dir=str(tmp_path), batch_size=8, steps=1, progress=False)
    with pytest.raises(UserError, match="run_02"):
        train_recipe(RECIPES["gaussian"], GaussianConfig(), config, options=StudyConfig(runs=2))
    assert not (tmp_path / "run_01").exists()


# The script -----------------------------------------------------------------


def run_script(*args):
    return run(SCRIPT, *args)


@pytest.mark.parametrize("args, words", [
    (["--target-std", "0"], ["--target-std", "positive"]),
    (["--target-std", "-1"], ["--target-std"]),
    (["--target-mean", "nan"], ["--target-mean", "finite"]),
    (["--runs", "0"], ["--runs"]),
    (["--d-steps", "two"], ["--d-steps"]),
])
def test_bad_flags_exit_2_with_one_line(args, words, capsys):
    try:
        status = call_command("train", "gaussian", *args)
    except SystemExit as exit_info:  # argparse's own errors
        status = exit_info.code
    assert status == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and all(word in lines[0] for word in words), lines


def test_two_run_study_writes_its_json_table_and_every_run_its_outputs(tmp_path):
    out = tmp_path / "study"
    result = run_script("--runs", 2, "--steps", 20, "--batch-size", 32, "--seed", 7, "--trajectory-interval", 10,
                        "--target-mean", -3, "--target-std", 0.5, "--no-progress",
                        "--output-dir", out, "--json", tmp_path / "study.json")
    assert result.returncode == 0, result.stderr
    table = json.loads((tmp_path / "study.json").read_text())
    assert [(row["run"], row["seed"]) for row in table] == [(1, 7), (2, 8)]
    for row in table:
        assert set(row) == {"run", "seed", "mean", "std", "ks", "converged"}
        assert isinstance(row["converged"], bool) and 0 <= row["ks"] <= 1
        assert all(isinstance(row[k], float) for k in ("mean", "std", "ks"))
    assert "target N(-3, 0.5)" in result.stdout and "converged runs:" in result.stdout and "of 2" in result.stdout
    assert (out / "study.png").stat().st_size > 0
    for folder, row in zip(("run_01", "run_02"), table):
        for name in ("history.csv", "losses.png", "trajectory.png", "histogram.png", "checkpoint.npz",
                     "generator.keras"):
            assert (out / folder / name).stat().st_size > 0, name
        history = read_history(str(out / folder / "history.csv"))
        assert [int(r["step"]) for r in history if r["mean"] != "nan"] == [1, 10, 20]
        # The last row's moments come from 2,000 of the 10,000 samples behind the table.
        assert float(history[-1]["mean"]) == pytest.approx(row["mean"], abs=0.05)
