"""The averaged generator (`--ema`) and kept snapshots (`--keep-generators`)."""

import json
import math
import os

import keras
import numpy as np
import pytest

from gan_keras.training import callbacks as cb
from gan_keras.training import ema as ema_module
from gan_keras.runs import scoring
from gan_keras.training.checkpoint import CheckpointError
from gan_keras.core.config import ConfigError
from gan_keras.runs.config import RunConfig
from gan_keras.training.ema import GeneratorAverage
from gan_keras.runs.run import run_training
from gan_keras.core.gan import GAN
from gan_keras.recipes.build.dcgan import build_dcgan
from gan_keras.recipes.build.mlp import build_mlp_gan
from gan_keras.recipes import DCGANConfig
from gan_keras.data.sources import ArraySource

LATENT = 8


def _dense(weights, bias):
    inputs = keras.Input((2,))
    layer = keras.layers.Dense(2)
    model = keras.Model(inputs, layer(inputs))
    layer.set_weights([np.asarray(weights, np.float32), np.asarray(bias, np.float32)])
    return model


def test_update_is_the_exponential_moving_average_exactly():
    generator = _dense([[1.0, 2.0], [3.0, 4.0]], [0.5, -0.5])
    average = GeneratorAverage(generator, decay=0.75)
    expected = [np.array([[1.0, 2.0], [3.0, 4.0]], np.float32), np.array([0.5, -0.5], np.float32)]
    for new_weights, new_bias in (([[5.0, 6.0], [7.0, 8.0]], [1.5, 2.5]), ([[-1.0, 0.0], [0.25, 2.0]], [0.0, 4.0])):
        generator.layers[1].set_weights([np.array(new_weights, np.float32), np.array(new_bias, np.float32)])
        average.update()
        expected = [np.float32(0.75) * e + np.float32(0.25) * w for e, w in zip(expected, generator.get_weights())]
        for got, want in zip(average.model.get_weights(), expected):
            np.testing.assert_array_equal(got, want)
    # By hand: 0.75 * (0.75 * 1 + 0.25 * 5) + 0.25 * -1 = 1.25; the bias: 0.75 * (0.75 * 0.5 + 0.25 * 1.5) + 0 = 0.5625
    assert average.model.get_weights()[0][0, 0] == 1.25
    assert average.model.get_weights()[1][0] == 0.5625
    # The generator itself is untouched.
    np.testing.assert_array_equal(generator.get_weights()[0], [[-1.0, 0.0], [0.25, 2.0]])


def test_decay_must_be_between_zero_and_one():
    with pytest.raises(ValueError, match="decay"):
        GeneratorAverage(_dense([[1, 0], [0, 1]], [0, 0]), decay=1.0)
    with pytest.raises(ConfigError, match="--ema"):
        RunConfig(ema=1.5)
    with pytest.raises(ConfigError, match="--keep-generators"):
        RunConfig(keep_generators="every")


def _normalised_generator():
    keras.utils.set_random_seed(1)
    noise = keras.Input((LATENT,))
    hidden = keras.layers.Dense(3)(noise)
    normalised = keras.layers.BatchNormalization()(hidden)
    dropped = keras.layers.Dropout(0.5)(normalised)  # its seed state must survive a re-estimation
    return keras.Model(noise, keras.layers.Dense(4)(dropped))


def test_reestimation_changes_only_the_batch_norm_statistics_to_those_of_the_averaged_weights():
    generator = _normalised_generator()
    gan = GAN(generator=generator, discriminator=None, combined=None, latent_dim=LATENT)
    average = GeneratorAverage(generator, decay=0.5, seed=7)
    norm = next(layer for layer in average.model.layers if isinstance(layer, keras.layers.BatchNormalization))
    statistics = {id(norm.moving_mean), id(norm.moving_variance)}
    before = {id(v): keras.ops.convert_to_numpy(v).copy() for v in average.model.variables}
    view = average.view(gan, source=None)
    assert view.generator is average.model and view.discriminator is gan.discriminator
    for variable in average.model.variables:
        value = keras.ops.convert_to_numpy(variable)
        if id(variable) in statistics:
            assert not np.array_equal(value, before[id(variable)]), variable.path
        else:
            np.testing.assert_array_equal(value, before[id(variable)], err_msg=variable.path)
    # The statistics are those of the fixed inputs through the averaged weights, by hand.
    kernel, bias = average.model.layers[1].get_weights()
    rng = np.random.default_rng([7, 0, 2])
    chunks = [gan.fake_inputs(rng, ema_module.BN_CHUNK)[0] @ kernel + bias
              for _ in range(ema_module.BN_SAMPLES // ema_module.BN_CHUNK)]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(norm.moving_mean),
                               np.mean([c.mean(axis=0) for c in chunks], axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(norm.moving_variance),
                               np.mean([c.var(axis=0) for c in chunks], axis=0), rtol=1e-4)
    assert norm.momentum == 0.99  # restored
    # Re-estimated once per update: a second view computes nothing new.
    again = {id(v): keras.ops.convert_to_numpy(v).copy() for v in average.model.variables}
    average.view(gan, source=None)
    for variable in average.model.variables:
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(variable), again[id(variable)])


@pytest.fixture
def small_reestimation(monkeypatch):
    """One chunk of 64 inputs per re-estimation: the DCGAN's runs below re-estimate at every save."""
    monkeypatch.setattr(ema_module, "BN_SAMPLES", 64)
    monkeypatch.setattr(ema_module, "BN_CHUNK", 64)


def _tiny_images(n=24):
    return np.random.default_rng(0).uniform(-1, 1, (n, 28, 28, 1)).astype("float32")


def _dcgan_run(output_dir, steps, **overrides):
    settings = dict(output_dir=str(output_dir), batch_size=4, steps=steps, save_interval=2, checkpoint_interval=2,
                    seed=3, progress=False, ema=0.9, keep_generators="2")
    settings.update(overrides)
    config = RunConfig(**settings)
    source = ArraySource(_tiny_images(), batch_size=4, seed=3)
    return run_training(config, lambda: build_dcgan(LATENT, jit_compile=False), source, model="dcgan",
                        model_config=DCGANConfig(latent_dim=LATENT))


def _weights(path):
    return [keras.ops.convert_to_numpy(w) for w in keras.models.load_model(str(path), compile=False).weights]


def test_an_averaged_run_writes_its_generator_grids_and_snapshots_at_the_asked_steps(tmp_path, small_reestimation):
    _dcgan_run(tmp_path, steps=5)
    assert sorted(os.listdir(tmp_path / "samples_ema")) == [
        "last.png", "step_0000000.png", "step_0000002.png", "step_0000004.png", "step_0000005.png"]
    assert sorted(os.listdir(tmp_path / "generators")) == sorted(
        [f"{prefix}step_{step:07d}.{ext}" for step in (2, 4) for prefix, ext in
         (("", "keras"), ("", "json"), ("ema_", "keras"), ("ema_", "json"))]
        + ["step_0000002_metrics.json", "step_0000004_metrics.json"])
    assert json.loads((tmp_path / "generators" / "step_0000004_metrics.json").read_text()) == {"step": 4, "epoch": 1}
    assert json.loads((tmp_path / "ema_generator.json").read_text())["model"] == "dcgan"
    raw, averaged = _weights(tmp_path / "generator.keras"), _weights(tmp_path / "ema_generator.keras")
    assert len(raw) == len(averaged) and any(not np.array_equal(a, b) for a, b in zip(raw, averaged))
    snapshot = _weights(tmp_path / "generators" / "step_0000004.keras")
    assert any(not np.array_equal(a, b) for a, b in zip(raw, snapshot))  # step 4, not the end


def test_an_averaged_run_resumes_exactly(tmp_path, small_reestimation):
    _dcgan_run(tmp_path / "full", steps=4)
    _dcgan_run(tmp_path / "parts", steps=2)
    _dcgan_run(tmp_path / "parts", steps=4, resume=True)
    for name in ("ema_generator.keras", "generator.keras", "generators/ema_step_0000004.keras"):
        for a, b in zip(_weights(tmp_path / "full" / name), _weights(tmp_path / "parts" / name)):
            np.testing.assert_array_equal(a, b, err_msg=name)
    assert cb.read_history(tmp_path / "full" / "history.csv") == cb.read_history(tmp_path / "parts" / "history.csv")


def test_resuming_with_another_decay_is_refused(tmp_path, small_reestimation):
    _dcgan_run(tmp_path, steps=2)
    with pytest.raises(CheckpointError, match="ema=0.9, not 0.0"):
        _dcgan_run(tmp_path, steps=4, resume=True, ema=0.0)


def test_best_of_run_is_chosen_across_both_generators(tmp_path, fashion):
    images = fashion[0][:64] * 0.5 + 0.5  # the MLP GAN's pixel range is (0, 1)
    config = RunConfig(output_dir=str(tmp_path), batch_size=8, steps=4, save_interval=4, checkpoint_interval=4,
                       seed=3, progress=False, ema=0.5, keep_generators="2")
    callback = scoring.EvaluationCallback(2, n=40, output_dir=str(tmp_path), kid_subsets=3, verbose=False,
                                             averaged=True)
    run_training(config, lambda: build_mlp_gan(4, jit_compile=False), ArraySource(images, batch_size=8, seed=3),
                 model="mlp_gan", evaluation=callback, image_grid=False)
    rows = {int(r["step"]): r for r in cb.read_history(tmp_path / "history.csv")}
    assert math.isnan(float(rows[1]["ema_fd"])) and float(rows[2]["ema_fd"]) > 0
    scored = [(float(rows[s][f"{prefix}fd"]), s, name) for s in (2, 4)
              for prefix, name in (("", "generator"), ("ema_", "ema_generator"))]
    best = json.loads((tmp_path / scoring.BEST_METRICS_FILE).read_text())
    fd, step, which = min(scored)
    assert (best["step"], best["generator"]) == (step, which)
    assert best["fd"] == pytest.approx(fd, rel=1e-4)
    kept = json.loads((tmp_path / "generators" / "step_0000002_metrics.json").read_text())
    assert kept["ema_fd"] == pytest.approx(float(rows[2]["ema_fd"]), rel=1e-5)
    assert "Averaged generator" in (tmp_path / "report.md").read_text()


@pytest.mark.parametrize("name", ["pix2pix", "srgan", "stackgan stage 1", "stackgan stage 2"])
def test_every_image_generator_can_be_averaged(name, small_reestimation):
    from tests.test_image_to_image import pairs, tiny_pix2pix, tiny_srgan
    from tests.test_stackgan import tiny_stage

    keras.utils.set_random_seed(0)
    if name.startswith("stackgan"):
        gan = tiny_stage(1)
        if name.endswith("2"):
            gan = tiny_stage(2, stage1=gan.generator)
        images = np.zeros((16, *gan.generator.outputs[0].shape[1:]), np.float32)
        condition = np.random.default_rng(0).standard_normal((16, 5)).astype(np.float32)
    else:
        gan = tiny_pix2pix() if name == "pix2pix" else tiny_srgan()
        images, condition = pairs(16, small=name == "srgan")
    source = ArraySource(images, condition, batch_size=8)
    trained = {id(v) for v in gan.generator.trainable_variables}
    before = [keras.ops.convert_to_numpy(v).copy() for v in gan.generator.variables]
    average = GeneratorAverage(gan.generator, decay=0.5)
    for variable in gan.generator.trainable_variables:
        variable.assign(keras.ops.add(variable.value, 1.0))
    average.update()
    view = average.view(gan, source)
    noise, part = gan.fake_inputs(np.random.default_rng(1), 4, condition[:4])
    out = view.generate(noise, part)
    assert out.shape == gan.generate(noise, part).shape and np.isfinite(out).all()
    # What the generator trains moved half way; its frozen part (StackGAN's stage 1) is the same.
    norms = {id(v) for layer in average._norms for v in (layer.moving_mean, layer.moving_variance)}
    for copy, original, old in zip(average.model.variables, gan.generator.variables, before):
        if id(original) in trained:
            np.testing.assert_allclose(keras.ops.convert_to_numpy(copy), old + 0.5, rtol=1e-6, err_msg=copy.path)
        elif id(copy) not in norms:
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(copy), old, err_msg=copy.path)
    if name.endswith("2"):
        assert not gan.previous_stage.trainable and len(trained) < len(gan.generator.weights)


# --- the warm-up: min(decay, (1 + t) / (warmup + t)) after step t ----------------------------------------


def test_the_warm_up_decay_follows_the_step():
    assert ema_module.warmed_decay(0.999, 1) == 2 / 21
    assert ema_module.warmed_decay(0.999, 100) == 101 / 120
    assert ema_module.warmed_decay(0.999, 18980) == 0.999  # 18981 / 19000 = 0.999 exactly: the ramp ends
    assert ema_module.warmed_decay(0.999, 1, warmup=10) == 2 / 11
    assert ema_module.warmed_decay(0.9, 200) == 0.9  # 201 / 220 > 0.9: the decay itself
    assert ema_module.warmed_decay(0.999, 5, warmup=0) == 0.999
    assert ema_module.warmed_decay(0.999, None) == 0.999
    assert ema_module.warmed_decay(0.999, 3, warmup=5) == 4 / 8


def test_updates_in_the_warm_up_average_hand_made_weights_exactly():
    generator = _dense([[1.0, 2.0], [3.0, 4.0]], [0.5, -0.5])
    average = GeneratorAverage(generator, decay=0.999, warmup=10)
    generator.layers[1].set_weights([np.full((2, 2), 12.0, np.float32), np.zeros(2, np.float32)])
    average.update(step=1)  # d = 2/11: 2/11 * 1 + 9/11 * 12 = 10
    average.update(step=2)  # d = 3/12: 0.25 * 10 + 0.75 * 12 = 11.5
    np.testing.assert_allclose(average.model.get_weights()[0][0, 0], 11.5, rtol=1e-6)
    np.testing.assert_allclose(average.model.get_weights()[1][0], 0.5 * (2 / 11) * 0.25, rtol=1e-6)
    fixed = GeneratorAverage(_dense([[1.0, 2.0], [3.0, 4.0]], [0.5, -0.5]), decay=0.75, warmup=0)
    fixed.update(step=1)  # no ramp: the decay itself
    np.testing.assert_allclose(fixed.model.get_weights()[0][0, 0], 1.0)
    with pytest.raises(ValueError, match="warmup"):
        GeneratorAverage(generator, decay=0.9, warmup=1)
    with pytest.raises(ConfigError, match="--ema-warmup"):
        RunConfig(ema=0.9, ema_warmup=1)
    with pytest.raises(ConfigError, match="--ema-warmup .*needs --ema"):
        RunConfig(ema=0.0, ema_warmup=5)
    assert GeneratorAverage(generator, decay=0.9).warmup == 20  # the default


def test_the_flag_default_is_the_module_s_warm_up():
    from gan_keras.runs.config import EMA_WARMUP

    assert EMA_WARMUP == ema_module.WARMUP == RunConfig().ema_warmup


def _mlp_run(output_dir, engine, steps_per_call=1, **overrides):
    from gan_keras.recipes import MLPConfig

    settings = dict(output_dir=str(output_dir), batch_size=4, steps=8, save_interval=100, checkpoint_interval=100,
                    seed=5, progress=False, engine=engine, ema=0.999)
    if engine == "compiled":
        settings["steps_per_call"] = steps_per_call
    settings.update(overrides)
    source = ArraySource(_tiny_images(), batch_size=4, seed=5)
    return run_training(RunConfig(**settings), lambda: build_mlp_gan(8, jit_compile=False), source,
                        model="mlp_gan", model_config=MLPConfig(latent_dim=8))


def _trainable(path):
    return [keras.ops.convert_to_numpy(w) for w in keras.models.load_model(str(path), compile=False).trainable_weights]


def test_the_warm_up_is_the_same_on_both_engines_and_counts_a_call_of_k_steps_as_k(tmp_path, monkeypatch):
    from gan_keras.training import loop

    monkeypatch.setattr(loop, "CALL_SECONDS", None)  # calls of --steps-per-call steps, as with --deterministic
    _mlp_run(tmp_path / "book", "book", keep_generators="4")
    _mlp_run(tmp_path / "compiled", "compiled")
    _mlp_run(tmp_path / "calls", "compiled", steps_per_call=4, keep_generators="4")  # calls of steps 1-4, 5-8
    book, compiled = _trainable(tmp_path / "book" / "ema_generator.keras"), _trainable(
        tmp_path / "compiled" / "ema_generator.keras")
    for a, b in zip(book, compiled):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
    # A call of 4 steps hands back its last weights once; its 4 updates use the decays of steps 1-4 (5-8):
    # ema_8 = p2 * (p1 * w_0 + (1 - p1) * w_4) + (1 - p2) * w_8.
    keras.utils.set_random_seed(5)
    w0 = [keras.ops.convert_to_numpy(w) for w in build_mlp_gan(8, jit_compile=False).generator.trainable_weights]
    w4 = _trainable(tmp_path / "calls" / "generators" / "step_0000004.keras")
    w8 = _trainable(tmp_path / "calls" / "generator.keras")
    p1 = np.prod([ema_module.warmed_decay(0.999, t) for t in range(1, 5)])
    p2 = np.prod([ema_module.warmed_decay(0.999, t) for t in range(5, 9)])
    for got, a, b, c in zip(_trainable(tmp_path / "calls" / "ema_generator.keras"), w0, w4, w8):
        np.testing.assert_allclose(got, p2 * (p1 * a + (1 - p1) * b) + (1 - p2) * c, rtol=1e-4, atol=1e-6)
