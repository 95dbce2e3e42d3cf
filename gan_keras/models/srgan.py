"""SRGAN's generator (SRResNet) and discriminator (Ledig et al. 2017; the book's section 8.3).

The generator maps a low-resolution image in [-1, 1] to one `scale` times
larger in each direction, also in [-1, 1]:

    conv 9x9 -> PReLU
    -> `blocks` residual blocks (conv 3x3 - BN - PReLU - conv 3x3 - BN, + skip)
    -> conv 3x3 - BN, + the long skip from the first PReLU
    -> log2(scale) upsampling blocks (conv 3x3 with 4x filters -> sub-pixel x2 -> PReLU)
    -> conv 9x9 -> `channels`, tanh

It is fully convolutional (its input is `(None, None, channels)`), so one
model trained on small crops upscales images of any size. The discriminator
is the paper's VGG-like classifier of high-resolution images: 3x3
convolutions alternating stride 1 and stride 2 (k3n64s1, k3n64s2, k3n128s1,
k3n128s2, ...), then Dense(1024) and one sigmoid unit.

Choices:

* Upsampling is sub-pixel convolution (Shi et al. 2016): a convolution makes
  4x the channels and `keras.ops.depth_to_space` rearranges each group of 4
  channels into a 2x2 block of pixels. Unlike UpSampling2D + conv it learns
  the interpolation, and unlike a transposed convolution it does not make
  checkerboard overlap. It is a small registered layer, `SubPixelUpsampling` (`gan_keras.models.upsampling`),
  so that a saved `.keras` generator loads back with
  `keras.models.load_model` and no `custom_objects`.
* PReLU slopes are shared over height and width (`shared_axes=[1, 2]`): one
  slope per channel, as in the paper, and the only way to keep the model
  independent of the image size.
* BatchNormalization uses momentum 0.9 (PyTorch's and the reference TF
  implementations' 0.1 of new statistics per step) rather than Keras' 0.99,
  so the moving statistics follow a short training run.
* The output is tanh, so that images stay in [-1, 1] like everything else in
  this package (the paper's generator outputs [-1, 1] too).
* `PAPER_CONFIG` is the paper's size (64 filters, 16 residual blocks;
  discriminator 64..512 filters, Dense 1024); `CPU_CONFIG` is a smaller one
  (32 filters, 4 blocks; 32..128 filters, Dense 256) that trains on a CPU.
* `PHOTO_CONFIG` is the one that beats bicubic on photographs within CPU
  hours, with three standard means: the network learns the residual over a
  bicubic upscale of its input (`residual=True`, as VDSR and most later SR
  networks; the last convolution starts at zero, so an untrained generator
  *is* bicubic), no BatchNormalization in the generator (EDSR: it costs
  accuracy in SR and makes the output depend on batch statistics), and one
  x4 sub-pixel layer at the end (ESPCN) instead of two x2 stages with 256
  filters at 2x the size, which cost most of the compute: 64 filters x 8
  blocks train at ~1.5x the speed of the 32 x 4 SRResNet here.

Nothing here is compiled: the models are plain functional `keras.Model`s.
"""

import os

import keras
from keras import layers

from gan_keras.core.errors import UserError
from gan_keras.models.dcgan import require_positive
from gan_keras.models.upsampling import BicubicResidual, SubPixelUpsampling  # noqa: F401 (re-exported)

LEAK = 0.2
BN_MOMENTUM = 0.9  # = PyTorch's default 0.1 of new statistics per step

PAPER_CONFIG = {
    "generator": {"filters": 64, "blocks": 16, "scale": 4},
    "discriminator": {"filters": (64, 128, 256, 512), "dense": 1024},
}
CPU_CONFIG = {
    "generator": {"filters": 32, "blocks": 4, "scale": 4},
    "discriminator": {"filters": (32, 64, 128), "dense": 256},
}
PHOTO_CONFIG = {
    "generator": {"filters": 64, "blocks": 8, "scale": 4, "batch_norm": False, "upsampling": "subpixel",
                  "residual": True},
    "discriminator": {"filters": (32, 64, 128), "dense": 256},
}


UPSAMPLING = ("progressive", "subpixel")


def build_srresnet(channels=3, filters=32, blocks=4, scale=4, batch_norm=True, upsampling="progressive",
                   residual=False):
    """Builds SRGAN's generator, SRResNet.

    Parameter counts (all weights, including BatchNormalization's moving
    statistics; trainable in brackets):

    =====================================  =====================  =====================
    configuration                          channels=3             channels=1
    =====================================  =====================  =====================
    paper: filters=64, blocks=16           1,554,883 (1,550,659)  1,534,145 (1,529,921)
    CPU: filters=32, blocks=4 (default)    174,179 (173,603)      163,809 (163,233)
    photo (`PHOTO_CONFIG`)                 671,664 (671,664)      -
    =====================================  =====================  =====================

    The paper's 1.55M trainable weights for RGB match the published SRResNet.
    The photo configuration: 64 filters, 8 blocks, `batch_norm=False`,
    `upsampling="subpixel"`, `residual=True`.

    Args:
        channels: Number of image channels (3 for RGB, 1 for Fashion-MNIST),
            the same for the input and the output.
        filters: Width of the convolutions (the paper's 64).
        blocks: Number of residual blocks (the paper's 16).
        scale: Upscaling factor in each direction: a power of two >= 2
            (one sub-pixel x2 block per factor of two).
        batch_norm: BatchNormalization after the residual blocks' and the
            trunk's convolutions (the paper's); False leaves it out (EDSR).
        upsampling: "progressive" (the paper's: log2(scale) blocks of conv
            with 4x filters, sub-pixel x2, PReLU, then a 9x9 conv to the
            channels) or "subpixel" (one 3x3 conv to `channels * scale**2`,
            then one sub-pixel x`scale` rearrangement, ESPCN).
        residual: Whether the network's output is added to a bicubic upscale
            of the input (`BicubicResidual`; the last conv then starts at
            zero and has no tanh, the sum is clipped to [-1, 1]).

    Returns:
        An uncompiled, fully convolutional `keras.Model` named
        "srresnet_generator" mapping `(n, h, w, channels)` images in [-1, 1]
        to `(n, h * scale, w * scale, channels)` images in [-1, 1], for any
        `h` and `w`.

    Raises:
        ValueError: if a size is not a positive integer, `scale` is not a
            power of two >= 2, or `upsampling` is not one of `UPSAMPLING`.
    """
    require_positive(channels=channels, filters=filters, blocks=blocks, scale=scale)
    if scale < 2 or scale & (scale - 1):
        raise ValueError(f"scale must be a power of two >= 2, got {scale}")
    if upsampling not in UPSAMPLING:
        raise ValueError(f"upsampling must be one of {UPSAMPLING}, got {upsampling!r}")

    def normalized(x):
        return layers.BatchNormalization(momentum=BN_MOMENTUM)(x) if batch_norm else x

    low_res = keras.Input(shape=(None, None, channels), name="low_res")
    x = layers.Conv2D(filters, 9, padding="same")(low_res)
    head = layers.PReLU(shared_axes=[1, 2])(x)
    x = head
    for _ in range(blocks):
        y = normalized(layers.Conv2D(filters, 3, padding="same")(x))
        y = layers.PReLU(shared_axes=[1, 2])(y)
        y = normalized(layers.Conv2D(filters, 3, padding="same")(y))
        x = layers.Add()([x, y])
    x = normalized(layers.Conv2D(filters, 3, padding="same")(x))
    x = layers.Add()([head, x])  # the long skip: the blocks learn a residual of the first features
    last = {"activation": None, "kernel_initializer": "zeros"} if residual else {"activation": "tanh"}
    if upsampling == "progressive":
        for _ in range(scale.bit_length() - 1):  # log2(scale) blocks of x2
            x = layers.Conv2D(filters * 4, 3, padding="same")(x)
            x = SubPixelUpsampling(2)(x)
            x = layers.PReLU(shared_axes=[1, 2])(x)
        high_res = layers.Conv2D(channels, 9, padding="same", **last)(x)
    else:
        x = layers.Conv2D(channels * scale * scale, 3, padding="same", **last)(x)
        high_res = SubPixelUpsampling(scale)(x)
        if not residual:
            high_res = layers.Activation("tanh")(high_res)
    if residual:
        high_res = BicubicResidual(scale)([low_res, high_res])
    return keras.Model(low_res, high_res, name="srresnet_generator")


def build_sr_discriminator(hr_shape=(96, 96, 3), filters=(32, 64, 128), dense=256):
    """Builds SRGAN's discriminator of high-resolution images.

    conv 3x3 (`filters[0]`) + LeakyReLU(0.2); then for each `f` in `filters`
    a stride-1 conv (except for the first `f`, which the first conv already
    did) and a stride-2 conv, each with `f` filters, BatchNormalization and
    LeakyReLU(0.2) -- the paper's k3n64s1, k3n64s2, k3n128s1, k3n128s2, ...;
    then Flatten, Dense(`dense`) + LeakyReLU(0.2), Dense(1, sigmoid).
    Convolutions pad "same", so each stride-2 conv halves the size rounding
    up (28 -> 14 -> 7 -> 4 -> 2).

    Parameter counts (all weights; trainable in brackets):

    ===========  =======================  =====================
    hr_shape     paper (64..512, 1024)    CPU (32..128, 256)
    ===========  =======================  =====================
    96x96x3      23,569,217 (23,565,505)  5,007,777 (5,006,945)
    48x48x3      9,413,441 (9,409,729)    1,468,833 (1,468,001)
    28x28x1      6,790,849 (6,787,137)    812,897 (812,065)
    ===========  =======================  =====================

    Most of them are the hidden Dense layer's, which grows with the image area.

    Args:
        hr_shape: `(height, width, channels)` of the high-resolution images,
            e.g. (96, 96, 3) for the paper's crops, (28, 28, 1) for
            Fashion-MNIST.
        filters: Filters of each stride pair (the paper's (64, 128, 256, 512)).
        dense: Units of the hidden dense layer (the paper's 1024).

    Returns:
        An uncompiled `keras.Model` named "srgan_discriminator" mapping
        `(n, *hr_shape)` images in [-1, 1] to `(n, 1)` probabilities that
        each image is a real high-resolution one.

    Raises:
        ValueError: if a size is not a positive integer or `filters` is empty.
    """
    if len(hr_shape) != 3:
        raise ValueError(f"hr_shape must be (height, width, channels), got {hr_shape}")
    require_positive(height=hr_shape[0], width=hr_shape[1], channels=hr_shape[2], dense=dense)
    filters = tuple(filters)
    if not filters:
        raise ValueError("filters must name at least one width")
    require_positive(**{f"filters[{i}]": f for i, f in enumerate(filters)})
    image = keras.Input(shape=tuple(hr_shape), name="image")
    x = layers.Conv2D(filters[0], 3, padding="same")(image)
    x = layers.LeakyReLU(negative_slope=LEAK)(x)
    for i, f in enumerate(filters):
        for strides in ((2,) if i == 0 else (1, 2)):
            x = layers.Conv2D(f, 3, strides=strides, padding="same")(x)
            x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
            x = layers.LeakyReLU(negative_slope=LEAK)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(dense)(x)
    x = layers.LeakyReLU(negative_slope=LEAK)(x)
    validity = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(image, validity, name="srgan_discriminator")


VGG_WEIGHTS_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
VGG_FEATURE_SCALE = 12.75  # the paper divides the VGG feature maps by this
_IMAGENET_BGR_MEAN = (103.939, 116.779, 123.68)


def find_vgg_weights(path=None, required=False):
    """The VGG19 'notop' ImageNet weights file to use, or None.

    Args:
        path: An explicit file; None looks in keras' cache (`$KERAS_HOME`,
            `~/.keras`, `/tmp/.keras`, under `models/`). Nothing is downloaded.
        required: Whether a missing file is an error (else None is returned).

    Raises:
        UserError: if `path` is given and missing, or nothing is found and `required`.
    """

    if path is not None:
        if not os.path.isfile(path):
            raise UserError(f"no VGG19 weights file at {path}: pass keras' ImageNet 'notop' file {VGG_WEIGHTS_FILE}")
        return os.fspath(path)
    homes = [os.environ.get("KERAS_HOME"), os.path.expanduser("~/.keras"), "/tmp/.keras"]
    for home in filter(None, homes):
        candidate = os.path.join(home, "models", VGG_WEIGHTS_FILE)
        if os.path.isfile(candidate):
            return candidate
    if required:
        raise UserError(f"--content vgg needs VGG19 weights ({VGG_WEIGHTS_FILE}) in ~/.keras/models or "
                        f"--vgg-weights PATH; nothing is downloaded here (or use --content mse)")
    return None


def vgg_content_loss(weights, layer="block5_conv4", channels=3):
    """SRGAN's content loss: the MSE between VGG19 feature maps of the real and the generated image.

    Images in [-1, 1] become 0..255 BGR with ImageNet's mean removed (what the
    Keras VGG19 expects; grey images are repeated on 3 channels), and the
    feature maps of `layer` ("block5_conv4" is the paper's VGG54, after the
    ReLU) are divided by 12.75 as in the paper.

    Args:
        weights: A VGG19 'notop' ImageNet weights file, or None for random
            weights (to test the plumbing only).
        layer: The VGG19 layer whose output is compared.
        channels: Channels of the images (1 or 3).

    Returns:
        A loss function `(y_true, y_pred) -> scalar` named "vgg_content".
    """
    vgg = keras.applications.VGG19(include_top=False, weights=weights, input_shape=(None, None, 3))
    features = keras.Model(vgg.input, vgg.get_layer(layer).output, name="vgg_features")
    features.trainable = False
    mean = keras.ops.convert_to_tensor(_IMAGENET_BGR_MEAN, dtype="float32")

    def embed(images):
        images = keras.ops.repeat(images, 3, axis=-1) if channels == 1 else images
        bgr = keras.ops.flip((images + 1.0) * 127.5, axis=-1) - mean
        return features(bgr, training=False) / VGG_FEATURE_SCALE

    def vgg_content(y_true, y_pred):
        return keras.ops.mean(keras.ops.square(embed(y_true) - embed(y_pred)), axis=(1, 2, 3))

    return vgg_content
