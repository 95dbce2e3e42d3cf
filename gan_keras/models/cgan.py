"""The conditional GAN of PyTorch-GAN's `cgan.py`, on Keras 3.

Both models see the class label through a learned 10-number embedding: the
generator concatenates it with the noise and maps the result through an MLP
to a 28x28 image in [-1, 1]; the discriminator concatenates it with the
flattened image and returns the probability that the pair is real.

Two choices differ from a literal translation of the original:

* BatchNormalization. PyTorch's `nn.BatchNorm1d(n, 0.8)` passes 0.8 as its
  second positional argument, which is `eps`, not `momentum`; the momentum
  keeps PyTorch's default 0.1. PyTorch's momentum weights the *new* batch
  (`running = 0.9 * running + 0.1 * batch`) while Keras' weights the *old*
  statistics (`moving = momentum * moving + (1 - momentum) * batch`), so
  PyTorch momentum 0.1 is Keras momentum 0.9. We therefore use
  `BatchNormalization(momentum=0.9, epsilon=0.8)`. Keras ports that read the
  0.8 as a momentum (`momentum=0.8`, epsilon 1e-3) normalise differently: with
  epsilon 0.8, a unit whose batch variance is well below 0.8 is centred but
  hardly rescaled, and that is the behaviour the original trains with.
* Loss. The original's discriminator ends in a linear unit trained with a
  least-squares (MSE) loss. Here it ends in a sigmoid and is trained with
  binary cross-entropy, like every GAN of this package, so that the shared
  combined model and training loop (and the `d_acc`/`scam_ratio` logs) apply
  unchanged.

The label embeddings are initialised from a standard normal, as PyTorch's
`nn.Embedding` does, so that at the start the label code has the scale of the
noise (Keras' default, uniform on [-0.05, 0.05], would make it ~20x weaker).
"""

import math

import keras
from keras import layers

from gan_keras.models.augment import DiffAugment
from gan_keras.models.dcgan import discriminator_features, generator_body, require_positive

LEAK = 0.2
BN_MOMENTUM = 0.9  # Keras momentum = 1 - PyTorch momentum (0.1, the default)
BN_EPSILON = 0.8  # the positional 0.8 of nn.BatchNorm1d(n, 0.8)
DROPOUT = 0.4


def build_cgan_generator(latent_dim=100, num_classes=10, img_shape=(28, 28, 1)):
    """Builds the conditional generator.

    [Embedding(label), noise] -> Dense 128 -> Dense 256 -> Dense 512 ->
    Dense 1024 (each followed by LeakyReLU(0.2), the last three with
    BatchNormalization in between) -> Dense(prod(img_shape), tanh) -> image.

    Args:
        latent_dim: Size of the noise vector.
        num_classes: Number of classes; also the size of the label embedding.
        img_shape: `(height, width, channels)` of the images.

    Returns:
        An uncompiled `keras.Model` named "cgan_generator" mapping
        `[(n, latent_dim) float noise, (n, 1) int labels in 0..num_classes-1]`
        to `(n, *img_shape)` images in [-1, 1].

    Raises:
        ValueError: if a dimension is not a positive integer.
    """
    require_positive(latent_dim=latent_dim, num_classes=num_classes)
    _require_image_shape(img_shape)
    noise = keras.Input(shape=(latent_dim,), name="noise")
    label = keras.Input(shape=(1,), dtype="int32", name="label")
    code = _label_embedding(label, num_classes, name="label_embedding")
    x = layers.Concatenate()([code, noise])  # the original's order: embedding first
    x = layers.Dense(128)(x)
    x = layers.LeakyReLU(negative_slope=LEAK)(x)
    for units in (256, 512, 1024):
        x = layers.Dense(units)(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON)(x)
        x = layers.LeakyReLU(negative_slope=LEAK)(x)
    x = layers.Dense(math.prod(img_shape), activation="tanh")(x)
    image = layers.Reshape(tuple(img_shape))(x)
    return keras.Model([noise, label], image, name="cgan_generator")


def build_cgan_discriminator(img_shape=(28, 28, 1), num_classes=10, augment=False):
    """Builds the conditional discriminator.

    [flattened image, Embedding(label)] -> Dense 512 -> Dense 512 +
    Dropout(0.4) -> Dense 512 + Dropout(0.4) (each with LeakyReLU(0.2)) ->
    Dense(1, sigmoid).

    Args:
        img_shape: `(height, width, channels)` of the images.
        num_classes: Number of classes; also the size of the label embedding.
        augment: Whether every image first goes through DiffAugment
            (`gan_keras.models.augment`, training mode only).

    Returns:
        An uncompiled `keras.Model` named "cgan_discriminator" mapping
        `[(n, *img_shape) images in [-1, 1], (n, 1) int labels]` to `(n, 1)`
        probabilities that each image is a real one of its label.

    Raises:
        ValueError: if a dimension is not a positive integer.
    """
    require_positive(num_classes=num_classes)
    _require_image_shape(img_shape)
    image, label, code = _image_and_label_inputs(img_shape, num_classes)
    seen = DiffAugment(name="diff_augment")(image) if augment else image
    x = layers.Concatenate()([layers.Flatten()(seen), code])  # the original's order: image first
    x = layers.Dense(512)(x)
    x = layers.LeakyReLU(negative_slope=LEAK)(x)
    for _ in range(2):
        x = layers.Dense(512)(x)
        x = layers.Dropout(DROPOUT)(x)
        x = layers.LeakyReLU(negative_slope=LEAK)(x)
    validity = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model([image, label], validity, name="cgan_discriminator")


def build_conv_cgan_generator(latent_dim=100, num_classes=10, img_shape=(32, 32, 3)):
    """Builds the conditional generator of folders of pictures: the DCGAN generator fed noise and label code.

    [Embedding(label), noise] -> the DCGAN generator's stages
    (`gan_keras.models.dcgan.generator_body`) -> image. The MLP of
    `build_cgan_generator` fits 28x28 grey digits and garments; colour
    pictures of 16..128 pixels need the convolutional stages.

    Args:
        latent_dim: Size of the noise vector.
        num_classes: Number of classes; also the size of the label embedding.
        img_shape: `(size, size, channels)` of the images (a size `dcgan.stages` takes).

    Returns:
        An uncompiled `keras.Model` named "cgan_generator" mapping
        `[(n, latent_dim) noise, (n, 1) int labels]` to `(n, *img_shape)` images in [-1, 1].

    Raises:
        ValueError: if a dimension is not a positive integer or the size is not one `stages` takes.
    """
    require_positive(latent_dim=latent_dim, num_classes=num_classes)
    _require_image_shape(img_shape)
    noise = keras.Input(shape=(latent_dim,), name="noise")
    label = keras.Input(shape=(1,), dtype="int32", name="label")
    code = layers.Concatenate()([_label_embedding(label, num_classes, name="label_embedding"), noise])
    return keras.Model([noise, label], generator_body(code, img_shape[-1], img_shape[0]), name="cgan_generator")


def build_conv_cgan_discriminator(img_shape=(32, 32, 3), num_classes=10, augment=False):
    """Builds the conditional discriminator of folders of pictures: the DCGAN discriminator with a projection.

    The DCGAN discriminator's stages (`gan_keras.models.dcgan.discriminator_features`)
    turn the image into features h; the label enters by projection (Miyato
    and Koyama 2018, as in SNGAN and BigGAN): the logit is
    `Dense(1)(h) + <embedding(label), h>`, so the label asks "does this image
    look like this class" in the discriminator's own features. Stacking the
    label as an extra input channel (Mirza and Osindero's convolutional
    variants) let the discriminator win within a few hundred steps on colour
    folders, its generator ignoring the label.

    Args:
        img_shape: `(size, size, channels)` of the images.
        num_classes: Number of classes.
        augment: Whether every image first goes through DiffAugment.

    Returns:
        An uncompiled `keras.Model` named "cgan_discriminator" mapping
        `[(n, *img_shape) images, (n, 1) int labels]` to `(n, 1)` probabilities.

    Raises:
        ValueError: if a dimension is not a positive integer.
    """
    require_positive(num_classes=num_classes)
    _require_image_shape(img_shape)
    image = keras.Input(shape=tuple(img_shape), name="image")
    label = keras.Input(shape=(1,), dtype="int32", name="label")
    seen = DiffAugment(name="diff_augment")(image) if augment else image
    features = discriminator_features(seen, max(img_shape[:2]))
    width = int(features.shape[-1])
    code = layers.Flatten()(layers.Embedding(num_classes, width, name="label_projection")(label))
    logit = layers.Add()([layers.Dense(1)(features), layers.Dot(axes=1)([features, code])])
    return keras.Model([image, label], layers.Activation("sigmoid")(logit), name="cgan_discriminator")


def _image_and_label_inputs(img_shape, num_classes):
    """A discriminator's inputs: `(image input, label input, the label's learned code)`."""
    image = keras.Input(shape=tuple(img_shape), name="image")
    label = keras.Input(shape=(1,), dtype="int32", name="label")
    return image, label, _label_embedding(label, num_classes, name="label_embedding")


def _label_embedding(label, num_classes, name):
    """`(n, 1)` int labels -> `(n, num_classes)` learned codes."""
    embedding = layers.Embedding(
        num_classes, num_classes, embeddings_initializer=keras.initializers.RandomNormal(stddev=1.0), name=name)
    return layers.Flatten()(embedding(label))


def _require_image_shape(img_shape):
    if len(img_shape) != 3:
        raise ValueError(f"img_shape must be (height, width, channels), got {img_shape}")
    require_positive(height=img_shape[0], width=img_shape[1], channels=img_shape[2])
