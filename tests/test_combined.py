"""The frozen-discriminator contract of `build_combined`."""

import keras
import numpy as np
import pytest

from gan_keras import build_combined
from gan_keras import build_discriminator
from gan_keras import build_generator
from gan_keras import default_optimizer
from tests.conftest import changed, snapshot

BATCH = 8


def moving_statistics(model):
    return [
        keras.ops.convert_to_numpy(v).copy()
        for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)
        for v in (layer.moving_mean, layer.moving_variance)
    ]


@pytest.fixture
def dcgan():
    keras.utils.set_random_seed(1)
    generator = build_generator(latent_dim=16)
    discriminator = build_discriminator()
    combined = build_combined(generator, discriminator, jit_compile=False)
    return generator, discriminator, combined


def batches(seed=0):
    rng = np.random.default_rng(seed)
    real = rng.uniform(-1, 1, (BATCH, 28, 28, 1)).astype("float32")
    noise = rng.standard_normal((BATCH, 16)).astype("float32")
    return real, noise, np.ones((BATCH, 1), "float32"), np.zeros((BATCH, 1), "float32")


def trainable_indices(model):
    ids = {id(v) for v in model.trainable_variables}
    return [i for i, v in enumerate(model.weights) if id(v) in ids]


@pytest.mark.parametrize("order", ["book", "generator_first", "repeated"])
def test_each_train_on_batch_updates_only_its_model(dcgan, order):
    generator, discriminator, combined = dcgan
    real, noise, valid, fake = batches()
    d_trainable = trainable_indices(discriminator)
    d_statistics = [i for i, v in enumerate(discriminator.weights) if "moving" in v.path]
    calls = {
        "book": ["d_real", "d_fake", "g"],
        "generator_first": ["g", "d_fake", "d_real", "g"],
        "repeated": ["g", "g", "d_real", "d_real", "g", "d_fake"],
    }[order]
    for call in calls:
        g_before, d_before = snapshot(generator), snapshot(discriminator)
        if call == "g":
            combined.train_on_batch(noise, valid)
            # Every generator weight moves; nothing of the discriminator does,
            # not even its BatchNormalization statistics.
            assert len(changed(g_before, snapshot(generator))) == len(g_before)
            assert changed(d_before, snapshot(discriminator)) == []
        else:
            images = real if call == "d_real" else np.asarray(generator.predict_on_batch(noise))
            discriminator.train_on_batch(images, valid if call == "d_real" else fake)
            assert changed(g_before, snapshot(generator)) == []
            moved = changed(d_before, snapshot(discriminator))
            assert set(d_trainable) <= set(moved)
            assert set(d_statistics) <= set(moved)


def test_combined_trains_generator_variables_only(dcgan):
    generator, discriminator, combined = dcgan
    assert [id(v) for v in combined.trainable_variables] == [id(v) for v in generator.trainable_variables]
    assert discriminator.trainable and len(discriminator.trainable_variables) == 16


def test_generator_step_leaves_discriminator_statistics_bit_for_bit(dcgan):
    generator, discriminator, combined = dcgan
    _, noise, valid, _ = batches()
    before = moving_statistics(discriminator)
    for _ in range(3):
        combined.train_on_batch(noise, valid)
    for a, b in zip(before, moving_statistics(discriminator)):
        np.testing.assert_array_equal(a, b)
    # ... and the momentum the discriminator's own step uses is the book's.
    norms = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert [layer.momentum for layer in norms] == [0.8, 0.8, 0.8]


def _discriminator_with_batch_statistics(discriminator, images):
    x = images
    for layer in discriminator.layers[1:]:
        if isinstance(layer, keras.layers.BatchNormalization):
            mean, variance = keras.ops.moments(x, axes=[0, 1, 2])
            x = keras.ops.batch_normalization(x, mean, variance, axis=-1, offset=layer.beta,
                                              scale=layer.gamma, epsilon=layer.epsilon)
        elif isinstance(layer, keras.layers.Dropout):
            continue
        else:
            x = layer(x)
    return x


def dcgan_without_dropout(discriminator_norm):
    """A DCGAN whose discriminator is deterministic in training mode (dropout rate 0)."""
    keras.utils.set_random_seed(2)
    generator = build_generator(latent_dim=16)
    discriminator = build_discriminator()
    for layer in discriminator.layers:
        if isinstance(layer, keras.layers.Dropout):
            layer.rate = 0.0
    combined = build_combined(generator, discriminator, jit_compile=False, discriminator_norm=discriminator_norm)
    return generator, discriminator, combined


def test_generator_step_matches_batch_statistics_without_dropout():
    generator, discriminator, combined = dcgan_without_dropout("batch")
    _, noise, _, _ = batches(3)
    # Moving statistics far from the fake batch's, so inference mode would differ.
    for layer in discriminator.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(np.full(layer.moving_mean.shape, 3.0, "float32"))
    images = generator(noise, training=True)
    expected = keras.ops.convert_to_numpy(_discriminator_with_batch_statistics(discriminator, images))
    with_moving_statistics = keras.ops.convert_to_numpy(discriminator(images, training=False))
    assert np.abs(expected - with_moving_statistics).max() > 1e-2
    actual = keras.ops.convert_to_numpy(combined(noise, training=True))
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)


def test_one_optimizer_for_both_models_is_refused():
    shared = default_optimizer()
    with pytest.raises(ValueError, match="separate optimizer"):
        build_combined(build_generator(8), build_discriminator(), d_optimizer=shared, g_optimizer=shared)


def test_losses_of_book_step_are_finite(dcgan):
    generator, discriminator, combined = dcgan
    real, noise, valid, fake = batches()
    d_real = discriminator.train_on_batch(real, valid)
    d_fake = discriminator.train_on_batch(np.asarray(generator.predict_on_batch(noise)), fake)
    g = combined.train_on_batch(noise, valid)
    assert np.isfinite([*d_real, *d_fake, *g]).all()
    assert 0 <= d_real[1] <= 1 and 0 <= g[1] <= 1


def test_moving_statistics_mode_normalises_with_stored_statistics():
    generator, discriminator, combined = dcgan_without_dropout("moving")
    _, noise, valid, _ = batches(3)
    images = generator(noise, training=True)
    expected = keras.ops.convert_to_numpy(discriminator(images, training=False))
    actual = keras.ops.convert_to_numpy(combined(noise, training=True))
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)
    before = moving_statistics(discriminator)
    combined.train_on_batch(noise, valid)
    for a, b in zip(before, moving_statistics(discriminator)):
        np.testing.assert_array_equal(a, b)
    assert all(layer.trainable for layer in discriminator.layers)
