"""The book's DCGAN (Deep Learning for Vision Systems, project 8.4).

An UpSampling2D generator maps a latent vector to a 28x28 image in [-1, 1];
a strided-convolution discriminator maps an image to the probability that it
is real. Both are plain functional models: compile them with
`gan_keras.build_combined`.
"""

import keras
from keras import layers


def build_generator(latent_dim=100, channels=1):
    """Builds the book's DCGAN generator.

    Dense(128*7*7) -> 7x7x128 -> upsample to 14x14 -> conv 128 -> upsample to
    28x28 -> conv 64 -> conv `channels` with tanh.

    Args:
        latent_dim: Size of the noise vector.
        channels: Number of image channels (1 for Fashion-MNIST).

    Returns:
        An uncompiled `keras.Model` named "generator" mapping
        `(n, latent_dim)` float noise to `(n, 28, 28, channels)` images in
        [-1, 1].

    Raises:
        ValueError: if a dimension is not a positive integer.
    """
    require_positive(latent_dim=latent_dim, channels=channels)
    noise = keras.Input(shape=(latent_dim,), name="noise")
    x = layers.Dense(128 * 7 * 7, activation="relu")(noise)
    x = layers.Reshape((7, 7, 128))(x)
    x = layers.UpSampling2D()(x)
    x = layers.Conv2D(128, kernel_size=3, padding="same")(x)
    x = layers.BatchNormalization(momentum=0.8)(x)
    x = layers.Activation("relu")(x)
    x = layers.UpSampling2D()(x)
    x = layers.Conv2D(64, kernel_size=3, padding="same")(x)
    x = layers.BatchNormalization(momentum=0.8)(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(channels, kernel_size=3, padding="same")(x)
    image = layers.Activation("tanh")(x)
    return keras.Model(noise, image, name="generator")


def build_discriminator(img_shape=(28, 28, 1)):
    """Builds the book's DCGAN discriminator.

    Four 3x3 convolutions (32, 64, 128, 256 filters; the first three with
    stride 2) with LeakyReLU(0.2), Dropout(0.25) and BatchNormalization, then
    one sigmoid unit.

    Args:
        img_shape: `(height, width, channels)` of the images.

    Returns:
        An uncompiled `keras.Model` named "discriminator" mapping
        `(n, *img_shape)` images to `(n, 1)` probabilities in [0, 1].

    Raises:
        ValueError: if `img_shape` is not three positive integers.
    """
    if len(img_shape) != 3:
        raise ValueError(f"img_shape must be (height, width, channels), got {img_shape}")
    require_positive(height=img_shape[0], width=img_shape[1], channels=img_shape[2])
    image = keras.Input(shape=tuple(img_shape), name="image")
    x = layers.Conv2D(32, kernel_size=3, strides=2, padding="same")(image)
    x = layers.LeakyReLU(negative_slope=0.2)(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Conv2D(64, kernel_size=3, strides=2, padding="same")(x)
    x = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(x)
    x = layers.BatchNormalization(momentum=0.8)(x)
    x = layers.LeakyReLU(negative_slope=0.2)(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Conv2D(128, kernel_size=3, strides=2, padding="same")(x)
    x = layers.BatchNormalization(momentum=0.8)(x)
    x = layers.LeakyReLU(negative_slope=0.2)(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Conv2D(256, kernel_size=3, strides=1, padding="same")(x)
    x = layers.BatchNormalization(momentum=0.8)(x)
    x = layers.LeakyReLU(negative_slope=0.2)(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    validity = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(image, validity, name="discriminator")


def require_positive(**dims):
    for name, value in dims.items():
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
