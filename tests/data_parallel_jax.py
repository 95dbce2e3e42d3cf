"""Data-parallel training on JAX: a batch split across 2 devices gives the losses of one device.

Run on JAX with two logical CPU devices (what `make test-backends` does):

    XLA_FLAGS=--xla_force_host_platform_device_count=2 KERAS_BACKEND=jax pytest tests/data_parallel_jax.py

Not collected by the default test run (its name does not start with `test_`):
it needs the JAX backend and two devices.
"""

import keras
import numpy as np
import pytest

from gan_keras.training.engines.compiled import CompiledEngine
from gan_keras.core.errors import UserError
from gan_keras.recipes.build.dcgan import build_dcgan
from gan_keras.recipes.build.mlp import build_mlp_gan
from gan_keras.data.sources import ArraySource
from gan_keras.training.loop import LoopConfig


def test_the_backend_is_jax_with_two_devices():
    import jax

    assert keras.config.backend() == "jax"
    assert len(jax.devices()) >= 2, "set XLA_FLAGS=--xla_force_host_platform_device_count=2"


def run(devices, steps=6, model="dcgan"):
    keras.utils.set_random_seed(4)
    gan = build_dcgan(latent_dim=16, jit_compile=False) if model == "dcgan" else build_mlp_gan(8, jit_compile=False)
    images = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    config = LoopConfig(total_steps=steps, seed=1, progress=False, engine="compiled", steps_per_call=3,
                        devices=devices)
    engine = CompiledEngine(gan, ArraySource(images, batch_size=8, seed=2), config)
    logs = engine.run(range(1, steps + 1))
    return logs, [keras.ops.convert_to_numpy(v) for v in gan.generator.weights + gan.discriminator.weights]


def compare(one, two, tolerance):
    (one_logs, one_weights), (two_logs, two_weights) = one, two
    assert [row["step"] for row in two_logs] == [row["step"] for row in one_logs]
    for a, b in zip(one_logs, two_logs):
        for field in ("d_loss_real", "d_loss_fake", "g_loss", "d_acc", "scam_ratio"):
            np.testing.assert_allclose(b[field], a[field], rtol=tolerance, atol=tolerance,
                                       err_msg=f"step {a['step']}: {field}")
    for a, b in zip(one_weights, two_weights):
        np.testing.assert_allclose(b, a, atol=tolerance)


def test_two_devices_give_the_losses_of_one_device_for_the_same_global_batch():
    # The MLP GAN: only the order of the cross-device sums differs.
    compare(run(1, model="mlp"), run(2, model="mlp"), 1e-4)


def test_batch_normalization_sees_the_whole_batch_across_devices():
    # The DCGAN's BatchNormalization normalises over the global batch on both layouts. Its biases in
    # front of BatchNormalization have a zero true gradient, and Adam turns rounding differences there
    # into steps of up to one learning rate (2e-4), so runs drift: 3 steps are compared.
    compare(run(1, steps=3), run(2, steps=3), 2e-3)


def test_more_devices_than_there_are_is_one_clear_error():
    import jax

    with pytest.raises(UserError, match=f"only {len(jax.devices())} cpu device"):
        run(len(jax.devices()) + 1, steps=1)
