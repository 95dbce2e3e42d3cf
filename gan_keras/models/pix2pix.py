"""The pix2pix generator and discriminator (Isola et al., 2017), scaled to 28x28.

"edges2fashion" translates an edge map of a Fashion-MNIST shoe or bag
(`gan_keras.data.edges`) back into the image, as the paper's edges2shoes and
edges2handbags do with 256x256 photos. Both models are plain functional
models, neither compiled nor combined: training them (the paper's loss is the
GAN loss plus 100 x L1 to the real image) belongs to the trainer.

The U-Net generator keeps the paper's pattern at a smaller size: every
encoder block halves the resolution with a 4x4 stride-2 convolution, every
decoder block doubles it with a 4x4 stride-2 transposed convolution, and each
decoder block's output is concatenated with the encoder features of the same
resolution. The paper's 256x256 network halves eight times, down to 1x1; a
28x28 image halves twice exactly (28 -> 14 -> 7), and we halve it once more,
7 -> 4, then crop the decoder's 8x8 back to 7x7. We chose this over a
stride-1 bottleneck at 7x7 because it keeps the encoder and decoder symmetric
(three blocks down, three up, every skip at matching resolution) and the
bottleneck's 4x4 grid, each unit seeing 22x22 pixels, holds the global layout
of the object that the decoder must fill in between the edges. "Same"
padding of 7 with stride 2 adds its extra zero row and column at the
bottom/right, so the decoder's eighth row and column, which lie past the 7x7
grid, are the ones cropped.

Following the paper and its reference implementation:

* no BatchNormalization on the first encoder convolution, BatchNormalization
  after every other hidden convolution, which then has no bias (BN's offset
  replaces it); BN uses PyTorch's defaults as the original did (momentum 0.1,
  i.e. Keras momentum 0.9, and epsilon 1e-5);
* LeakyReLU(0.2) in the encoder and the discriminator, ReLU in the decoder,
  tanh on the generated image, sigmoid on the discriminator's patches;
* convolution kernels drawn from N(0, 0.02);
* Dropout(0.5) on the decoder blocks nearest the bottleneck (the paper's
  "CD" layers, here both hidden decoder blocks) is the generator's only
  noise: there is no z input. Keras applies dropout only in training mode,
  so `generator(edges)` is deterministic; the paper also samples with
  dropout and batch statistics on, which is `generator(edges, training=True)`.

The PatchGAN discriminator classifies each patch of the (image, edge map)
pair as real or fake, giving a 7x7 grid of probabilities for a 28x28 pair.
"""

import keras
from keras import layers

from gan_keras.models.dcgan import require_positive

LEAK = 0.2
KERNEL = 4
BN_MOMENTUM = 0.9  # Keras momentum = 1 - PyTorch momentum (0.1, the default)
BN_EPSILON = 1e-5  # PyTorch's default
INIT_STDDEV = 0.02
MAX_WIDTH = 8  # at most 8 x filters in a block, as the paper's 64 -> 512
DROPOUT_BLOCKS = 3  # the paper's dropout on the three decoder blocks nearest the bottleneck


def unet_depth(side):
    """Stride-2 halvings of the U-Net until the bottleneck is at most 4x4 (at least 3): 28 -> 3, 64 -> 4, 128 -> 5."""
    depth = 0
    while side > 4 or depth < 3:
        side, depth = -(-side // 2), depth + 1
    return depth


def build_unet_generator(image_shape=(28, 28, 1), filters=64, dropout=0.5, output_channels=None):
    """Builds the pix2pix U-Net generator for small images.

    For a 28x28 edge map with `filters` = f:

        encoder: conv f  stride 2 (no BN), LeakyReLU      -> 14x14xf   (e1)
                 conv 2f stride 2, BN, LeakyReLU          ->  7x7x2f   (e2)
                 conv 4f stride 2, BN, LeakyReLU          ->  4x4x4f   (bottleneck)
        decoder: deconv 2f, BN, Dropout, ReLU -> 8x8, crop  7x7x2f, concat e2 -> 7x7x4f
                 deconv f,  BN, Dropout, ReLU             -> 14x14xf, concat e1 -> 14x14x2f
                 deconv channels, tanh                    -> 28x28xchannels

    All convolutions are 4x4 with "same" padding. Each output pixel has a
    36x36 receptive field: a central pixel depends on the whole 28x28 edge
    map, a corner pixel on the 15x15 to 19x19 pixels around its corner. With
    the defaults the model has 1,447,233 weights, 1,446,081 of them
    trainable (1,152 are BN moving statistics).

    Larger pictures get one encoder and one decoder block more per doubling
    (`unet_depth`: 64x64 halves 4 times, 128x128 5 times, down to 4x4), each
    block twice the filters of the one before, at most 8f, and Dropout on the
    three decoder blocks nearest the bottleneck, as in the paper.

    Args:
        image_shape: `(height, width, channels)` of the inputs (and of the
            generated images); height and width must be multiples of 4.
        filters: Number of filters of the first encoder block; the others
            have 2x, 4x, ... (at most 8x) as many.
        dropout: Dropout rate of the hidden decoder blocks nearest the
            bottleneck, in [0, 1); 0 makes the generator deterministic in
            training mode too.
        output_channels: Channels of the generated images (None: those of the inputs).

    Returns:
        An uncompiled `keras.Model` named "unet_generator" mapping
        `(n, *image_shape)` inputs in [-1, 1] to `(n, height, width,
        output_channels)` images in [-1, 1].

    Raises:
        ValueError: if `image_shape` is not three positive integers with
            height and width multiples of 4, `filters` is not a positive
            integer, or `dropout` is not in [0, 1).
    """
    height, width, channels = _require_image_shape(image_shape)
    require_positive(filters=filters)
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a rate in [0, 1), got {dropout!r}")
    edges = keras.Input(shape=(height, width, channels), name="edges")
    depth = unet_depth(max(height, width))
    skips, x = [], edges
    for level in range(1, depth):  # encoder: down1 (no BN), down2, ...
        x = _conv_block(x, min(2 ** (level - 1), MAX_WIDTH) * filters, strides=2, batch_norm=level > 1,
                        name=f"down{level}")
        skips.append(x)
    x = _conv_block(x, min(2 ** (depth - 1), MAX_WIDTH) * filters, strides=2, batch_norm=True, name="bottleneck")
    for up, skip in enumerate(reversed(skips), start=1):  # decoder: up1 ... back to down1's size, with skips
        x = _deconv_block(x, int(skip.shape[-1]), dropout if up <= DROPOUT_BLOCKS else 0.0, name=f"up{up}")
        # "Same" padding of an odd side with stride 2 adds its extra row and column at the bottom/right: 7 -> 4 -> 8.
        crop = (int(x.shape[1]) - int(skip.shape[1]), int(x.shape[2]) - int(skip.shape[2]))
        if crop != (0, 0):
            x = layers.Cropping2D(((0, crop[0]), (0, crop[1])), name=f"up{up}_crop")(x)
        x = layers.Concatenate(name=f"skip{depth - up}")([x, skip])
    x = layers.Conv2DTranspose(
        output_channels or channels, KERNEL, strides=2, padding="same", kernel_initializer=_kernel_init(),
        name=f"up{depth}_deconv")(x)
    image = layers.Activation("tanh", name="image")(x)
    return keras.Model(edges, image, name="unet_generator")


def build_patch_discriminator(image_shape=(28, 28, 1), filters=64):
    """Builds the pix2pix PatchGAN discriminator for small images.

    The image and its edge map are concatenated on the channel axis, then,
    with `filters` = f:

        conv f  stride 2 (no BN), LeakyReLU     -> 14x14xf
        conv 2f stride 2, BN, LeakyReLU         ->  7x7x2f
        conv 4f stride 1, BN, LeakyReLU         ->  7x7x4f
        conv 1  stride 1, sigmoid               ->  7x7x1

    All convolutions are 4x4 with "same" padding, so each output is the
    probability that one patch of the pair is real. Its receptive field is
    34x34 pixels (1 + 3 x (1 + 2 + 4 + 4)) and neighbouring patches are 4
    pixels apart; clipped to a 28x28 image, a corner patch sees 23x23 pixels
    and a central one 27x27, so these patches are much larger relative to the
    image than the paper's 70x70 patches of 256x256 images. With the defaults
    the model has 663,105 weights, 662,337 of them trainable (768 are BN
    moving statistics).

    Args:
        image_shape: `(height, width, channels)` of the images and of their
            edge maps; height and width must be multiples of 4.
        filters: Number of filters of the first convolution; the next have
            2x and 4x as many.

    Returns:
        An uncompiled `keras.Model` named "patch_discriminator" mapping
        `[(n, *image_shape) images, (n, *image_shape) edge maps]`, both in
        [-1, 1] and the image first, to `(n, height/4, width/4, 1)`
        probabilities in [0, 1] that each patch of the pair is real.

    Raises:
        ValueError: if `image_shape` is not three positive integers with
            height and width multiples of 4, or `filters` is not a positive
            integer.
    """
    height, width, channels = _require_image_shape(image_shape)
    require_positive(filters=filters)
    image = keras.Input(shape=(height, width, channels), name="image")
    condition = keras.Input(shape=(height, width, channels), name="condition")
    x = layers.Concatenate(name="pair")([image, condition])
    x = _conv_block(x, filters, strides=2, batch_norm=False, name="conv1")
    x = _conv_block(x, 2 * filters, strides=2, batch_norm=True, name="conv2")
    x = _conv_block(x, 4 * filters, strides=1, batch_norm=True, name="conv3")
    x = layers.Conv2D(1, KERNEL, strides=1, padding="same", kernel_initializer=_kernel_init(), name="patch_conv")(x)
    patches = layers.Activation("sigmoid", name="patches")(x)
    return keras.Model([image, condition], patches, name="patch_discriminator")


def _conv_block(x, filters, strides, batch_norm, name):
    """4x4 convolution [-> BN] -> LeakyReLU(0.2)."""
    x = layers.Conv2D(filters, KERNEL, strides=strides, padding="same", use_bias=not batch_norm,
                      kernel_initializer=_kernel_init(), name=f"{name}_conv")(x)
    if batch_norm:
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return layers.LeakyReLU(negative_slope=LEAK, name=f"{name}_lrelu")(x)


def _deconv_block(x, filters, dropout, name):
    """4x4 stride-2 transposed convolution -> BN -> Dropout -> ReLU."""
    x = layers.Conv2DTranspose(filters, KERNEL, strides=2, padding="same", use_bias=False,
                               kernel_initializer=_kernel_init(), name=f"{name}_deconv")(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    x = layers.Dropout(dropout, name=f"{name}_dropout")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def _kernel_init():
    return keras.initializers.RandomNormal(mean=0.0, stddev=INIT_STDDEV)


def _require_image_shape(image_shape):
    """Returns `(height, width, channels)` after checking them."""
    if len(image_shape) != 3:
        raise ValueError(f"image_shape must be (height, width, channels), got {image_shape}")
    height, width, channels = image_shape
    require_positive(height=height, width=width, channels=channels)
    if height % 4 or width % 4:
        raise ValueError(f"image height and width must be multiples of 4 (two stride-2 halvings), got {image_shape}")
    return height, width, channels
