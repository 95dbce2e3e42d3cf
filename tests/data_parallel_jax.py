"""Data-parallel training on JAX: a batch split across 2 devices gives the losses of one device.

Run on JAX with two logical CPU devices (what `make test-backends` does):

    XLA_FLAGS=--xla_force_host_platform_device_count=2 KERAS_BACKEND=jax pytest tests/data_parallel_jax.py

Not collected by the default test run (its name does not start with `test_`):
it needs the JAX backend and two devices.
"""

import keras
import numpy as np
import pytest

from gan_keras.engine import CompiledEngine
from gan_keras.errors import UserError
from gan_keras.models.dcgan import build_dcgan
from gan_keras.sources import ArraySource
from gan_keras.training import LoopConfig


def test_the_backend_is_jax_with_two_devices():
    import jax

    assert keras.config.backend() == "jax"
    assert len(jax.devices()) >= 2, "set XLA_FLAGS=--xla_force_host_platform_device_count=2"


def run(devices, steps=6):
    keras.utils.set_random_seed(4)
    gan = build_dcgan(latent_dim=16, jit_compile=False)
    images = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    config = LoopConfig(total_steps=steps, seed=1, progress=False, engine="compiled", steps_per_call=3,
                        devices=devices)
    engine = CompiledEngine(gan, ArraySource(images, batch_size=8, seed=2), config)
    logs = engine.run(range(1, steps + 1))
    return logs, [keras.ops.convert_to_numpy(v) for v in gan.generator.weights + gan.discriminator.weights]


def test_two_devices_give_the_losses_of_one_device_for_the_same_global_batch():
    one_logs, one_weights = run(1)
    two_logs, two_weights = run(2)
    # The DCGAN's BatchNormalization still normalises over the whole global batch; only the order of
    # the cross-device sums differs (float rounding, amplified by Adam on the biases before BatchNorm).
    for a, b in zip(one_logs, two_logs):
        for field in ("d_loss_real", "d_loss_fake", "g_loss", "d_acc", "scam_ratio"):
            np.testing.assert_allclose(b[field], a[field], rtol=2e-3, atol=2e-3, err_msg=f"step {a['step']}")
    for a, b in zip(one_weights, two_weights):
        np.testing.assert_allclose(b, a, atol=2e-3)


def test_more_devices_than_there_are_is_one_clear_error():
    import jax

    with pytest.raises(UserError, match=f"only {len(jax.devices())} cpu device"):
        run(len(jax.devices()) + 1, steps=1)
