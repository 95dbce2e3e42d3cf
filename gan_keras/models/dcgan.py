"""The book's DCGAN (Deep Learning for Vision Systems, project 8.4).

An UpSampling2D generator maps a latent vector to a 28x28 image in [-1, 1];
a strided-convolution discriminator maps an image to the probability that it
is real. Both are plain functional models: compile them with
`gan_keras.build_combined`.
"""

import keras
from keras import layers


STARTS = (4, 5, 6, 7)  # the generator's first grid side; sizes are s * 2**k (28 = 7 * 2**2, 64 = 4 * 2**4)
MAX_FILTERS = 512


def stages(image_size):
    """`(start, doublings)` of an image side: 28 -> (7, 2), 32 -> (4, 3), 64 -> (4, 4), 128 -> (4, 5).

    Raises:
        ValueError: if `image_size` is not `s * 2**k` with s in 4..7 and k >= 2 (16, 20, 24, 28, 32, 40, 48,
            56, 64, 80, 96, 112, 128, ...).
    """
    for start in STARTS:
        doublings = 0
        while start * 2 ** doublings < image_size:
            doublings += 1
        if start * 2 ** doublings == image_size and doublings >= 2:
            return start, doublings
    raise ValueError(f"image size must be s * 2**k with s in 4..7 and k >= 2 (16, 20, 24, 28, 32, 40, 48, 56, 64, "
                     f"80, 96, 112, 128, ...), got {image_size!r}")


def build_generator(latent_dim=100, channels=1, image_size=28):
    """Builds the book's DCGAN generator, one upsampling stage per doubling of the image side.

    At 28x28 (the book's): Dense(128*7*7) -> 7x7x128 -> upsample to 14x14 ->
    conv 128 -> upsample to 28x28 -> conv 64 -> conv `channels` with tanh.
    Another size `s * 2**k` starts at s x s and has k stages (upsample,
    conv 3x3, BatchNormalization, ReLU), the last with 64 filters and each
    earlier one twice as many (at most 512): 32x32 is 4x4x256 -> 8x8x256 ->
    16x16x128 -> 32x32x64, 64x64 is 4x4x512 -> 8x8x512 -> 16x16x256 ->
    32x32x128 -> 64x64x64.

    Args:
        latent_dim: Size of the noise vector.
        channels: Number of image channels (1 for Fashion-MNIST, 3 for colour).
        image_size: Side of the square images (see `stages`).

    Returns:
        An uncompiled `keras.Model` named "generator" mapping
        `(n, latent_dim)` float noise to `(n, image_size, image_size, channels)`
        images in [-1, 1].

    Raises:
        ValueError: if a dimension is not a positive integer, or the size is not one `stages` takes.
    """
    require_positive(latent_dim=latent_dim, channels=channels)
    noise = keras.Input(shape=(latent_dim,), name="noise")
    return keras.Model(noise, generator_body(noise, channels, image_size), name="generator")


def generator_body(code, channels, image_size):
    """The generator's layers from a code vector `(n, d)` to images `(n, image_size, image_size, channels)`."""
    start, doublings = stages(image_size)
    filters = [min(64 * 2 ** (doublings - 1 - j), MAX_FILTERS) for j in range(doublings)]
    x = layers.Dense(filters[0] * start * start, activation="relu")(code)
    x = layers.Reshape((start, start, filters[0]))(x)
    for width in filters:
        x = layers.UpSampling2D()(x)
        x = layers.Conv2D(width, kernel_size=3, padding="same")(x)
        x = layers.BatchNormalization(momentum=0.8)(x)
        x = layers.Activation("relu")(x)
    x = layers.Conv2D(channels, kernel_size=3, padding="same")(x)
    return layers.Activation("tanh")(x)


def build_discriminator(img_shape=(28, 28, 1)):
    """Builds the book's DCGAN discriminator, one strided stage per halving down to 4x4.

    At 28x28 (the book's): four 3x3 convolutions (32, 64, 128, 256 filters;
    the first three with stride 2) with LeakyReLU(0.2), Dropout(0.25) and
    (after the first) BatchNormalization, then one sigmoid unit; the 7x7 map
    after the second convolution is zero-padded to 8x8 at the bottom and
    right, as in the book. Any size: stride-2 convolutions, each with twice
    the filters of the one before (32 first, at most 512), until the map is
    at most 4x4, an odd map padded so before the next stride-2 convolution,
    then the stride-1 convolution and the sigmoid unit.

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
    return keras.Model(image, discriminator_body(image, max(img_shape[0], img_shape[1])), name="discriminator")


def discriminator_body(image, side):
    """The discriminator's layers from images `(n, h, w, c)` (longer side `side`) to `(n, 1)` probabilities."""
    return layers.Dense(1, activation="sigmoid")(discriminator_features(image, side))


def discriminator_features(image, side):
    """The discriminator's layers from images `(n, h, w, c)` (longer side `side`) to its flat last features."""
    pads = []
    while side > 4:  # one stride-2 convolution per halving; an odd map before the next one padded to even
        side = -(-side // 2)
        pads.append(side % 2 == 1 and side > 4)
        side += pads[-1]
    strided = len(pads)
    x = image
    for i, pad in enumerate(pads):
        x = layers.Conv2D(min(32 * 2 ** i, MAX_FILTERS), kernel_size=3, strides=2, padding="same")(x)
        if pad:  # the book's ZeroPadding2D: 7x7 -> 8x8 at 28x28
            x = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(x)
        if i > 0:
            x = layers.BatchNormalization(momentum=0.8)(x)
        x = layers.LeakyReLU(negative_slope=0.2)(x)
        x = layers.Dropout(0.25)(x)
    x = layers.Conv2D(min(32 * 2 ** strided, MAX_FILTERS), kernel_size=3, strides=1, padding="same")(x)
    x = layers.BatchNormalization(momentum=0.8)(x)
    x = layers.LeakyReLU(negative_slope=0.2)(x)
    x = layers.Dropout(0.25)(x)
    return layers.Flatten()(x)


def require_positive(**dims):
    for name, value in dims.items():
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
