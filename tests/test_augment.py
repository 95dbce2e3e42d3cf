"""DiffAugment (`--augment`) and the DCGAN paper's networks (`--architecture paper`)."""

import keras
import numpy as np
import pytest

from gan_keras.models import augment, dcgan


def test_diffaugment_is_the_identity_outside_training_and_random_per_image_in_training():
    layer = augment.DiffAugment(seed=3)
    images = np.random.default_rng(0).uniform(-1, 1, (6, 16, 16, 3)).astype(np.float32)
    assert np.array_equal(keras.ops.convert_to_numpy(layer(images, training=False)), images)
    seen = keras.ops.convert_to_numpy(layer(images, training=True))
    assert seen.shape == images.shape and np.all(np.isfinite(seen))
    assert not np.allclose(seen, images)
    again = keras.ops.convert_to_numpy(layer(np.repeat(images[:1], 6, axis=0), training=True))
    assert len({again[i].tobytes() for i in range(6)}) == 6  # every image draws its own transformation


def test_cutout_blanks_a_square_of_half_the_side_and_translation_moves_by_at_most_an_eighth():
    ones = keras.ops.ones((64, 16, 16, 1))
    cut = keras.ops.convert_to_numpy(augment._cutout(ones, keras.random.SeedGenerator(1)))
    blanked = (cut == 0).sum(axis=(1, 2, 3))
    assert np.all(blanked <= 64) and np.any(blanked == 64) and np.all(blanked > 0)
    dot = np.zeros((64, 16, 16, 1), np.float32)
    dot[:, 8, 8] = 1.0
    moved = keras.ops.convert_to_numpy(augment._translate(keras.ops.convert_to_tensor(dot),
                                                          keras.random.SeedGenerator(2)))
    where = np.argwhere(moved[..., 0] == 1.0)
    assert len(where) == 64 and np.abs(where[:, 1:] - 8).max() == 2  # 16 / 8 = 2 pixels at most, and reached
    assert moved.sum() == 64


def test_gradients_flow_through_the_augmentation():
    import tensorflow as tf

    layer = augment.DiffAugment(seed=0)
    images = tf.Variable(np.random.default_rng(1).uniform(-1, 1, (4, 16, 16, 3)).astype(np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(images, training=True) ** 2)
    gradient = tape.gradient(loss, images).numpy()
    assert np.all(np.isfinite(gradient)) and np.abs(gradient).sum() > 0


@pytest.mark.parametrize("size, widths", [(64, (1024, 512, 256, 128)), (32, (512, 256, 128)), (16, (256, 128))])
def test_the_paper_networks_go_from_4x4_to_the_image_and_back(size, widths):
    assert dcgan.paper_widths(size) == widths
    generator = dcgan.build_paper_generator(100, 3, size)
    shapes = [tuple(layer.output.shape[1:]) for layer in generator.layers if "reshape" in layer.name]
    assert shapes == [(4, 4, widths[0])] and generator.output_shape == (None, size, size, 3)
    discriminator = dcgan.build_paper_discriminator((size, size, 3))
    convs = [tuple(layer.output.shape[1:]) for layer in discriminator.layers if "conv" in layer.name]
    assert convs[-1] == (4, 4, widths[0]) and discriminator.output_shape == (None, 1)
    with pytest.raises(ValueError, match="16, 32, 64 or 128"):
        dcgan.paper_widths(28)
