"""Differentiable augmentation of the discriminator's images, for small folders (`--augment`).

A discriminator trained on a few hundred pictures memorises them within a
few thousand steps; its verdicts stop being useful to the generator and the
samples degrade or copy the data. DiffAugment (Zhao et al. 2020,
"Differentiable Augmentation for Data-Efficient GAN Training") shows the
discriminator every image, real and fake, in both updates, through the same
random, differentiable transformations, so it cannot memorise the pictures
and the generator is not taught to draw the transformations. The policy here
is the paper's "color,translation,cutout", as in its TensorFlow code:

* colour: brightness + U(-0.5, 0.5); saturation (distance to the pixel's
  channel mean) x U(0, 2); contrast (distance to the image mean) x U(0.5, 1.5);
* translation: a shift of up to 1/8 of the side in each direction, filled
  with 0 (mid grey in [-1, 1]);
* cutout: a square of half the side at a random place set to 0.

Every image of a batch draws its own transformation. The layer is the first
of the discriminator, active only in training mode (both train steps), so
evaluation and sampling never see it.
"""

import keras
from keras import ops

TRANSLATION = 0.125  # the largest shift, as a share of the side (the paper's)
CUTOUT = 0.5  # the side of the cut square, as a share of the image's (the paper's)


@keras.saving.register_keras_serializable(package="gan_keras")
class DiffAugment(keras.layers.Layer):
    """Colour, translation and cutout of every image of a batch, differentiably, in training mode only.

    Call: `(n, h, w, c)` images in [-1, 1] -> the same shape.

    Args:
        seed: Seed of its random transformations.
        **kwargs: `keras.layers.Layer` arguments (name, ...).
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=None):
        if not training:
            return images
        return _cutout(_translate(_colour(images, self.seed_generator), self.seed_generator), self.seed_generator)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def _uniform(shape, seed, low=0.0, high=1.0):
    return keras.random.uniform(shape, minval=low, maxval=high, seed=seed)


def _colour(x, seed):
    n = ops.shape(x)[0]
    x = x + _uniform((n, 1, 1, 1), seed, -0.5, 0.5)
    if x.shape[-1] > 1:
        mean = ops.mean(x, axis=3, keepdims=True)
        x = (x - mean) * _uniform((n, 1, 1, 1), seed, 0.0, 2.0) + mean
    mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
    return (x - mean) * _uniform((n, 1, 1, 1), seed, 0.5, 1.5) + mean


def _shift_matrices(n, side, seed):
    """`(n, side, side)` one-hot matrices moving each image's rows by its own shift in -s..s (0 outside)."""
    limit = int(side * TRANSLATION + 0.5)
    shift = ops.floor(_uniform((n, 1, 1), seed, 0.0, 1.0) * (2 * limit + 1)) - limit
    target = ops.reshape(ops.arange(side, dtype="float32"), (1, side, 1))
    source = ops.reshape(ops.arange(side, dtype="float32"), (1, 1, side))
    return ops.cast(ops.equal(source, target - shift), "float32")


def _translate(x, seed):
    n, height, width = ops.shape(x)[0], x.shape[1], x.shape[2]
    rows, cols = _shift_matrices(n, height, seed), _shift_matrices(n, width, seed)
    x = ops.einsum("bhp,bpwc->bhwc", rows, x)
    return ops.einsum("bwq,bhqc->bhwc", cols, x)


def _cutout(x, seed):
    n, height, width = ops.shape(x)[0], x.shape[1], x.shape[2]
    half_h, half_w = int(height * CUTOUT + 0.5) // 2, int(width * CUTOUT + 0.5) // 2
    centre_y = ops.floor(_uniform((n, 1, 1, 1), seed) * (height + (1 - height % 2)))
    centre_x = ops.floor(_uniform((n, 1, 1, 1), seed) * (width + (1 - width % 2)))
    y = ops.reshape(ops.arange(height, dtype="float32"), (1, height, 1, 1))
    x_pos = ops.reshape(ops.arange(width, dtype="float32"), (1, 1, width, 1))
    inside = ops.logical_and(ops.logical_and(y >= centre_y - half_h, y < centre_y + half_h),
                             ops.logical_and(x_pos >= centre_x - half_w, x_pos < centre_x + half_w))
    return x * (1.0 - ops.cast(inside, x.dtype))
