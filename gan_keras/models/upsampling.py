"""The upsampling layers of the super-resolution generators: sub-pixel rearrangement and a bicubic residual.

Both are registered Keras layers without weights (package "gan_keras"), so a
saved generator loads with `keras.models.load_model` and no
`custom_objects`; `min_input_side` says how small an input they take.
"""

import keras
import numpy as np
from keras import layers

from gan_keras.models.dcgan import require_positive


@keras.saving.register_keras_serializable(package="gan_keras")
class SubPixelUpsampling(layers.Layer):
    """Sub-pixel upsampling: rearranges channels into `factor` x `factor` pixel blocks.

    `(n, h, w, c * factor**2)` -> `(n, h * factor, w * factor, c)`, channels
    last, with `keras.ops.depth_to_space`. It has no weights: the convolution
    before it learns what goes into each sub-pixel.

    Args:
        factor: Upscaling factor in each direction, a positive integer.
        **kwargs: Passed to `keras.layers.Layer` (name, dtype, ...).

    Raises:
        ValueError: if `factor` is not a positive integer.
    """

    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        require_positive(factor=factor)
        self.factor = factor

    def call(self, inputs):
        return keras.ops.depth_to_space(inputs, self.factor, data_format="channels_last")

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        f = self.factor
        if c is not None and c % (f * f):
            raise ValueError(f"channels ({c}) must be divisible by factor**2 ({f * f})")
        return (n, None if h is None else h * f, None if w is None else w * f, None if c is None else c // (f * f))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def bicubic_phases(factor, a=-0.5):
    """The 5-tap filters of bicubic upscaling by an integer factor, one per output phase.

    Output pixel `factor * k + p` (half-pixel centres, as PIL and
    TensorFlow) lies at input coordinate `k + (2p + 1 - factor) / (2 factor)`;
    its value is the sum over `j = -2..2` of input pixel `k + j` times Keys'
    cubic kernel (`a = -0.5`) at that distance.

    Args:
        factor: Positive integer.
        a: Keys' kernel parameter.

    Returns:
        `(factor, 5)` float64 array; each row sums to 1.
    """

    def keys(d):
        d = abs(d)
        if d <= 1:
            return (a + 2) * d**3 - (a + 3) * d**2 + 1
        return a * d**3 - 5 * a * d**2 + 8 * a * d - 4 * a if d < 2 else 0.0

    offsets = (2 * np.arange(factor) + 1 - factor) / (2 * factor)
    return np.array([[keys(offset - j) for j in range(-2, 3)] for offset in offsets])


@keras.saving.register_keras_serializable(package="gan_keras")
class BicubicResidual(layers.Layer):
    """Adds a learned residual to the bicubic upscale of the input, clipped to [-1, 1].

    `(low (n, h, w, c), residual (n, h * factor, w * factor, c))` ->
    `clip(bicubic(low) + residual, -1, 1)`. The upscale is Keys' cubic
    convolution (`a = -0.5`, PIL's and TensorFlow's bicubic) written as one
    fixed 5x5 convolution to `c * factor**2` phases and a sub-pixel
    rearrangement, the input's edges mirrored: the same on every backend,
    for any input size, and local (so tiles of an image give the same
    pixels as the whole). No weights.

    The mirrored edge is 2 pixels wide, so an input needs at least
    `MIN_INPUT_SIDE` (2) pixels in each direction.

    Args:
        factor: Upscaling factor in each direction, a positive integer.
        **kwargs: Passed to `keras.layers.Layer`.
    """

    MIN_INPUT_SIDE = 2  # symmetric padding of 2 pixels mirrors at most the whole side

    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        require_positive(factor=factor)
        self.factor = factor

    def build(self, input_shapes):
        channels = input_shapes[0][-1]
        phases = bicubic_phases(self.factor)
        kernel = np.zeros((5, 5, channels, channels * self.factor**2), np.float32)
        for py in range(self.factor):
            for px in range(self.factor):
                for c in range(channels):  # depth_to_space's order: (row phase, column phase, channel)
                    kernel[:, :, c, (py * self.factor + px) * channels + c] = np.outer(phases[py], phases[px])
        self._kernel = kernel

    def call(self, inputs):
        low, residual = inputs
        padded = keras.ops.pad(low, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="symmetric")
        kernel = keras.ops.convert_to_tensor(self._kernel, dtype=low.dtype)
        phases = keras.ops.conv(padded, kernel, padding="valid", data_format="channels_last")
        upscaled = keras.ops.depth_to_space(phases, self.factor, data_format="channels_last")
        return keras.ops.clip(upscaled + residual, -1.0, 1.0)

    def compute_output_shape(self, input_shapes):
        return input_shapes[1]

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def min_input_side(model):
    """The smallest input height and width `model` takes: 2 with a `BicubicResidual` layer, else 1.

    Args:
        model: A Keras model (layers of nested models are looked at too).
    """
    layers_ = list(model.layers)
    while layers_:
        layer = layers_.pop()
        if isinstance(layer, BicubicResidual):
            return BicubicResidual.MIN_INPUT_SIDE
        layers_.extend(getattr(layer, "layers", []))
    return 1
