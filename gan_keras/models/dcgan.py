"""The book's DCGAN (Deep Learning for Vision Systems, project 8.4).

An UpSampling2D generator maps a latent vector to a 28x28 image in [-1, 1];
a strided-convolution discriminator maps an image to the probability that it
is real. Both are plain functional models: compile them with
`gan_keras.build_combined`.
"""

import keras
from keras import layers

from gan_keras.models.augment import DiffAugment


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


def build_discriminator(img_shape=(28, 28, 1), augment=False):
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
        augment: Whether every image first goes through DiffAugment
            (`gan_keras.models.augment`, training mode only).

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
    seen = DiffAugment(name="diff_augment")(image) if augment else image
    return keras.Model(image, discriminator_body(seen, max(img_shape[0], img_shape[1])), name="discriminator")


def discriminator_body(image, side):
    """The discriminator's layers from images `(n, h, w, c)` (longer side `side`) to `(n, 1)` probabilities."""
    features = discriminator_features(image, side)  # first: a layer draws its initial weights' seed when made
    return layers.Dense(1, activation="sigmoid")(features)


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


PAPER_SIZES = (16, 32, 64, 128)  # 4 x 2**k: the paper's networks start (and end) at 4x4
PAPER_WIDTH = 128  # filters of the generator's last hidden layer and of the discriminator's first
PAPER_MAX = 1024


def paper_widths(image_size):
    """Filters of the DCGAN paper's hidden layers at `image_size`: 64 -> (1024, 512, 256, 128), 32 -> (512, 256, 128).

    Raises:
        ValueError: for a size other than `PAPER_SIZES`.
    """
    if image_size not in PAPER_SIZES:
        raise ValueError(f"the DCGAN paper's networks take 16, 32, 64 or 128 pixels, got {image_size!r}")
    doublings = stages(image_size)[1]
    return tuple(min(PAPER_WIDTH * 2 ** (doublings - 1 - j), PAPER_MAX) for j in range(doublings))


def build_paper_generator(latent_dim=100, channels=3, image_size=64):
    """Builds the DCGAN paper's generator (Radford et al. 2016, figure 1), at 16..128 pixels.

    At 64x64: noise -> Dense 4x4x1024 -> BatchNorm, ReLU -> three 4x4
    stride-2 transposed convolutions (512, 256, 128 filters; BatchNorm, ReLU)
    -> one to 64x64x`channels` with tanh; every kernel drawn from N(0, 0.02),
    as the paper (and PyTorch's example) does. Other sizes have one
    transposed convolution per doubling from 4x4, the last hidden one with
    128 filters and each earlier one twice as many (at most 1024).

    Args:
        latent_dim: Size of the noise vector.
        channels: Image channels.
        image_size: 16, 32, 64 or 128.

    Returns:
        An uncompiled `keras.Model` named "generator" mapping `(n, latent_dim)`
        noise to `(n, image_size, image_size, channels)` images in [-1, 1].

    Raises:
        ValueError: for a size other than `PAPER_SIZES` or a non-positive dimension.
    """
    require_positive(latent_dim=latent_dim, channels=channels)
    widths = paper_widths(image_size)
    noise = keras.Input(shape=(latent_dim,), name="noise")
    x = layers.Dense(4 * 4 * widths[0], use_bias=False, kernel_initializer=_paper_init())(noise)
    x = layers.Reshape((4, 4, widths[0]))(x)
    x = layers.Activation("relu")(layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(x))
    for width in widths[1:]:
        x = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=_paper_init())(x)
        x = layers.Activation("relu")(layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(x))
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", kernel_initializer=_paper_init())(x)
    return keras.Model(noise, layers.Activation("tanh")(x), name="generator")


def build_paper_discriminator(img_shape=(64, 64, 3), augment=False):
    """Builds the DCGAN paper's discriminator, at 16..128 pixels.

    At 64x64: four 4x4 stride-2 convolutions (128, 256, 512, 1024 filters;
    LeakyReLU 0.2, BatchNorm after all but the first) down to 4x4, then one
    sigmoid unit; kernels from N(0, 0.02). Other sizes have one convolution per
    halving down to 4x4, with the generator's widths in reverse.

    Args:
        img_shape: `(size, size, channels)`, size one of `PAPER_SIZES`.
        augment: Whether every image first goes through DiffAugment.

    Returns:
        An uncompiled `keras.Model` named "discriminator" mapping images to `(n, 1)` probabilities.

    Raises:
        ValueError: for a size other than `PAPER_SIZES`.
    """
    widths = paper_widths(img_shape[0])[::-1]
    image = keras.Input(shape=tuple(img_shape), name="image")
    x = DiffAugment(name="diff_augment")(image) if augment else image
    for i, width in enumerate(widths):
        x = layers.Conv2D(width, 4, strides=2, padding="same", use_bias=i == 0, kernel_initializer=_paper_init())(x)
        if i > 0:
            x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(x)
        x = layers.LeakyReLU(negative_slope=0.2)(x)
    x = layers.Flatten()(x)
    return keras.Model(image, layers.Dense(1, activation="sigmoid", kernel_initializer=_paper_init())(x),
                       name="discriminator")


def _paper_init():
    return keras.initializers.RandomNormal(stddev=0.02)
