import keras
import numpy as np
import pytest

from gan_keras import build_discriminator
from gan_keras import build_generator


def count(weights):
    return int(sum(np.prod(w.shape) for w in weights))


def layer_types(model):
    return [type(layer).__name__ for layer in model.layers[1:]]


def test_generator_architecture_matches_the_book():
    generator = build_generator(latent_dim=100, channels=1)
    assert generator.name == "generator"
    assert count(generator.weights) == 856_193
    assert count(generator.trainable_weights) == 855_809
    assert layer_types(generator) == [
        "Dense", "Reshape", "UpSampling2D", "Conv2D", "BatchNormalization", "Activation",
        "UpSampling2D", "Conv2D", "BatchNormalization", "Activation", "Conv2D", "Activation",
    ]
    norms = [layer for layer in generator.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert [layer.momentum for layer in norms] == [0.8, 0.8]


def test_discriminator_architecture_matches_the_book():
    discriminator = build_discriminator((28, 28, 1))
    assert discriminator.name == "discriminator"
    assert count(discriminator.weights) == 393_729
    assert count(discriminator.trainable_weights) == 392_833
    convs = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [(c.filters, c.strides) for c in convs] == [(32, (2, 2)), (64, (2, 2)), (128, (2, 2)), (256, (1, 1))]
    assert layer_types(discriminator).count("Dropout") == 4
    assert layer_types(discriminator).count("BatchNormalization") == 3


@pytest.mark.parametrize("latent_dim, channels", [(100, 1), (16, 3)])
def test_generator_maps_noise_to_images_in_tanh_range(latent_dim, channels):
    generator = build_generator(latent_dim, channels)
    noise = np.random.default_rng(0).standard_normal((5, latent_dim)).astype("float32") * 10
    images = keras.ops.convert_to_numpy(generator(noise, training=False))
    assert images.shape == (5, 28, 28, channels)
    assert images.min() >= -1.0 and images.max() <= 1.0


def test_discriminator_outputs_probabilities():
    discriminator = build_discriminator((28, 28, 1))
    images = np.random.default_rng(0).uniform(-1, 1, (6, 28, 28, 1)).astype("float32")
    scores = keras.ops.convert_to_numpy(discriminator(images, training=False))
    assert scores.shape == (6, 1)
    assert ((scores >= 0) & (scores <= 1)).all()


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_builders_reject_bad_dimensions(bad):
    with pytest.raises(ValueError):
        build_generator(latent_dim=bad)
    with pytest.raises(ValueError):
        build_discriminator((28, 28, bad))


@pytest.mark.parametrize("size, start, doublings", [(16, 4, 2), (20, 5, 2), (28, 7, 2), (32, 4, 3), (48, 6, 3),
                                                    (64, 4, 4), (128, 4, 5)])
def test_every_folder_size_has_one_stage_per_doubling(size, start, doublings):
    from gan_keras.models.dcgan import stages

    assert stages(size) == (start, doublings)
    generator = build_generator(latent_dim=8, channels=3, image_size=size)
    assert generator.output_shape == (None, size, size, 3)
    assert sum(type(layer).__name__ == "UpSampling2D" for layer in generator.layers) == doublings
    discriminator = build_discriminator((size, size, 3))
    assert discriminator.output_shape == (None, 1)
    flat = next(layer for layer in discriminator.layers if type(layer).__name__ == "Flatten")
    assert flat.input.shape[1] <= 4  # strided stages down to at most 4x4


def test_the_book_s_sizes_stay_the_book_s_models():
    # 28x28x1: the book's layer sequence (one zero-padding after the second strided convolution) and weights
    generator, discriminator = build_generator(100, 1), build_discriminator((28, 28, 1))
    assert (generator.count_params(), discriminator.count_params()) == (856_193, 393_729)  # as before sizes
    names = [type(layer).__name__ for layer in discriminator.layers]
    assert names == ["InputLayer", "Conv2D", "LeakyReLU", "Dropout", "Conv2D", "ZeroPadding2D", "BatchNormalization",
                     "LeakyReLU", "Dropout", "Conv2D", "BatchNormalization", "LeakyReLU", "Dropout", "Conv2D",
                     "BatchNormalization", "LeakyReLU", "Dropout", "Flatten", "Dense"]
    with pytest.raises(ValueError, match="image size must be"):
        build_generator(8, 3, image_size=30)


def test_the_book_s_models_draw_the_book_s_initial_weights_from_the_same_seed():
    # The book's networks written out layer by layer: a layer draws its seed when it is made, so the
    # builders must make the same layers in the same order for a run to be the book's run.
    from keras import layers

    def book_generator():
        return keras.Sequential([
            keras.Input((100,)), layers.Dense(128 * 7 * 7, activation="relu"), layers.Reshape((7, 7, 128)),
            layers.UpSampling2D(), layers.Conv2D(128, 3, padding="same"), layers.BatchNormalization(momentum=0.8),
            layers.Activation("relu"), layers.UpSampling2D(), layers.Conv2D(64, 3, padding="same"),
            layers.BatchNormalization(momentum=0.8), layers.Activation("relu"), layers.Conv2D(1, 3, padding="same"),
            layers.Activation("tanh")])

    def book_discriminator():
        stages = []
        for i, filters in enumerate((32, 64, 128, 256)):
            stages.append(layers.Conv2D(filters, 3, strides=2 if i < 3 else 1, padding="same"))
            stages += [layers.ZeroPadding2D(((0, 1), (0, 1)))] if i == 1 else []
            stages += [layers.BatchNormalization(momentum=0.8)] if i > 0 else []
            stages += [layers.LeakyReLU(negative_slope=0.2), layers.Dropout(0.25)]
        return keras.Sequential([keras.Input((28, 28, 1)), *stages, layers.Flatten(),
                                 layers.Dense(1, activation="sigmoid")])

    for ours, book in ((lambda: build_generator(100, 1), book_generator),
                       (lambda: build_discriminator((28, 28, 1)), book_discriminator)):
        keras.utils.set_random_seed(0)
        mine = [w.numpy() for w in ours().weights]
        keras.utils.set_random_seed(0)
        theirs = [w.numpy() for w in book().weights]
        assert len(mine) == len(theirs) and all(np.array_equal(a, b) for a, b in zip(mine, theirs))
