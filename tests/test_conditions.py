"""The kinds of condition (`gan_keras.core.conditions`): what each feeds the models, on tiny hand-made arrays."""

import keras
import numpy as np
import pytest

from gan_keras.core.combined import build_combined
from gan_keras.core.conditions import Caption, ClassLabels, InputImage, Unconditional
from gan_keras.core.gan import GAN
from gan_keras.core.noise import sample_noise
from gan_keras.sampling import layout
from gan_keras.sampling.layout import GRID_CAPTIONS, GRID_IMAGES, GRID_TRANSLATIONS

NOISE = np.arange(6, dtype=np.float32).reshape(3, 2)
IMAGES = np.zeros((3, 2, 2, 1), np.float32)


def noise_of(rng, n):
    return sample_noise(rng, n, 2)


def test_unconditional_feeds_noise_and_images_alone():
    condition = Unconditional()
    assert condition.generator_inputs(NOISE, None) is NOISE
    assert condition.discriminator_inputs(IMAGES, None) is IMAGES
    assert condition.generator_targets("valid", IMAGES) == "valid"
    assert condition.judged_inputs(IMAGES, NOISE) is IMAGES
    assert condition.fake_condition(np.random.default_rng(0), 3, None) is None
    assert condition.log_fields == () and layout.grid_kind(condition) == GRID_IMAGES and condition.draws_noise
    assert layout.info_fields(condition, None) == {} and condition.evaluation_conditions(4) is None
    with pytest.raises(TypeError):
        condition.mismatched(np.zeros(3))


def test_class_labels_are_int_columns_beside_noise_and_images():
    condition = ClassLabels(num_classes=3, matching_aware=True)
    noise, labels = condition.generator_inputs(NOISE, [0, 2, 1])
    assert noise is NOISE and labels.dtype == np.int32 and labels.tolist() == [[0], [2], [1]]
    images, labels = condition.discriminator_inputs(IMAGES, np.array([1, 1, 0]))
    assert images is IMAGES and labels.tolist() == [[1], [1], [0]]
    judged = condition.judged_inputs(IMAGES, [NOISE, labels])
    assert judged[0] is IMAGES and judged[1] is labels
    drawn = condition.fake_condition(np.random.default_rng(0), 5, None)
    assert drawn.shape == (5, 1) and drawn.dtype == np.int32 and drawn.min() >= 0 and drawn.max() <= 2
    # label + 1 + (previous label mod 2), modulo 3: [0, 2, 1] -> [0+1+1, 2+1+0, 1+1+0] % 3
    assert condition.mismatched([0, 2, 1]).tolist() == [2, 0, 2]
    assert condition.log_fields == ("d_loss_wrong",)
    assert condition.evaluation_conditions(5).tolist() == [0, 1, 2, 0, 1]
    assert layout.info_fields(condition, None) == {"num_classes": 3} and layout.grid_rows(condition, 10) == 3


def test_class_label_grids_have_one_row_per_class_and_the_same_noise_in_each():
    noise, labels, rows = layout.grid_inputs(ClassLabels(num_classes=4), np.random.default_rng(0), noise_of, 4, 3)
    assert rows == 4 and noise.shape == (12, 2) and labels.tolist() == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3
    np.testing.assert_array_equal(noise[:3], noise[9:])


def test_input_images_are_translated_without_noise():
    sees, alone = InputImage(discriminator_sees_input=True), InputImage()
    inputs = np.ones((3, 1, 1, 1), np.float32)
    assert not sees.draws_noise and sees.from_data and sees.reconstruction and layout.grid_kind(sees) == GRID_TRANSLATIONS
    assert sees.fake_condition(None, 3, inputs) is inputs and sees.generator_inputs(None, inputs) is inputs
    for pair in (sees.discriminator_inputs(IMAGES, inputs), sees.judged_inputs(IMAGES, inputs)):
        assert len(pair) == 2 and pair[0] is IMAGES and pair[1] is inputs
    assert alone.discriminator_inputs(IMAGES, inputs) is IMAGES and alone.judged_inputs(IMAGES, inputs) is IMAGES
    targets = sees.generator_targets("valid", IMAGES)
    assert targets[0] == "valid" and targets[1] is IMAGES and sees.log_fields == ("g_content",)
    with pytest.raises(TypeError):
        sees.evaluation_conditions(3)


def test_captions_come_with_the_data_and_mismatch_by_rolling():
    condition = Caption(vocabulary=("a", "bag"))
    vectors = np.arange(6, dtype=np.float64).reshape(3, 2)
    assert condition.fake_condition(None, 3, vectors) is vectors and condition.matching_aware
    noise, fed = condition.generator_inputs(NOISE, vectors)
    assert fed.dtype == np.float32 and layout.grid_kind(condition) == GRID_CAPTIONS
    np.testing.assert_array_equal(condition.mismatched(vectors), vectors[[2, 0, 1]])
    assert condition.log_fields == ("d_loss_wrong",) and layout.info_fields(condition, None) == {"vocabulary": ("a", "bag")}
    noise, rows_vectors, rows = layout.grid_inputs(condition, np.random.default_rng(0), noise_of, 10, 4,
                                                   (["x", "y"], vectors[:2]))
    assert rows == 2 and noise.shape == (8, 2) and rows_vectors.shape == (8, 2)


def test_fake_inputs_draw_noise_then_the_condition_from_one_rng():
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    gan = GAN(generator, None, None, latent_dim=2, condition=ClassLabels(num_classes=10))
    noise, labels = gan.fake_inputs(np.random.default_rng(5), 4)
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(noise, rng.standard_normal((4, 2), dtype=np.float32))
    np.testing.assert_array_equal(labels, rng.integers(0, 10, size=(4, 1), dtype=np.int32))
    translating = GAN(generator, None, None, latent_dim=0, condition=InputImage())
    noise, condition = translating.fake_inputs(np.random.default_rng(5), 3, IMAGES)
    assert noise is None and condition is IMAGES


def test_the_combined_model_refuses_a_condition_that_disagrees_with_its_loss():
    generator = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Conv2D(1, 1)])
    discriminator = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="needs reconstruction_loss"):
        build_combined(generator, discriminator, condition=InputImage())
    with pytest.raises(ValueError, match="takes no reconstruction_loss"):
        build_combined(generator, discriminator, reconstruction_loss="mae")


def test_every_kind_subclasses_the_abstract_condition_and_no_other_kind():
    from gan_keras.core import conditions

    kinds = [conditions.Unconditional, conditions.ClassLabels, conditions.InputImage, conditions.Caption]
    assert all(kind.__bases__ == (conditions.Condition,) for kind in kinds)
    assert not isinstance(conditions.ClassLabels(), conditions.Unconditional)
    with pytest.raises(TypeError, match="abstract"):
        conditions.Condition()
