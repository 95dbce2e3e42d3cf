"""The frozen networks that turn images into features: the shipped classifier, InceptionV3.

Both take `(n, 28, 28, 1)` images in [-1, 1] (`check_images`) and return
float64 features; the classifier also returns class probabilities.
"""

import os
import warnings

import keras
import numpy as np

from gan_keras.evaluation import classifier as fashion_classifier
from gan_keras.core.errors import UserError

INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_SIZE = 299
_RANGE_TOLERANCE = 1e-3


def check_images(images, name="images"):
    """Returns `images` as float32 `(n, 28, 28, 1)`, checking that they lie in [-1, 1].

    Args:
        images: `(n, 28, 28)` or `(n, 28, 28, 1)` array in [-1, 1] (a small
            excess, up to 1e-3, is clipped).
        name: How error messages call the array.

    Raises:
        ValueError: on another shape, non-finite values, or values outside
            [-1, 1] such as uint8 pixels. Images in [0, 1] pass unnoticed:
            map them first (`GAN.to_tanh_range`, `gan_keras.core.pixels.to_tanh_range`).
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[1:] != (28, 28, 1):
        raise ValueError(f"{name} must have shape (n, 28, 28) or (n, 28, 28, 1), got {images.shape}")
    if not np.all(np.isfinite(images)):
        raise ValueError(f"{name} contain NaN or infinite values")
    if images.size and (images.min() < -1 - _RANGE_TOLERANCE or images.max() > 1 + _RANGE_TOLERANCE):
        raise ValueError(f"{name} must lie in [-1, 1] (scale_images / GAN.to_tanh_range), "
                         f"got values in [{images.min():.3g}, {images.max():.3g}]")
    return np.clip(images, -1.0, 1.0)


class ClassifierNetwork:
    """The frozen Fashion-MNIST classifier as a function: images -> (features, probabilities).

    Args:
        weights: Its `.weights.h5` file; None for the one shipped in the package.
        batch_size: Images per forward pass.
    """

    name = "classifier"

    def __init__(self, weights=None, batch_size=1000):
        self.model = fashion_classifier.feature_model(fashion_classifier.load_classifier(weights))
        self.batch_size = batch_size

    def __call__(self, images):
        """`(n, 28, 28, 1)` images in [-1, 1] -> float64 `(n, 128)` features and `(n, 10)` probabilities."""
        features, probabilities = _predict(self.model, images, self.batch_size)
        return features, probabilities


class InceptionNetwork:
    """InceptionV3's average-pooled last block (2048 units), the network of the classic FID.

    Images are resized bilinearly from 28x28 to 299x299 and their grey channel
    is repeated three times; [-1, 1] is already InceptionV3's input range.

    Args:
        weights: A `inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`
            file, "auto" for the one in keras' cache (`~/.keras/models/`), or
            None for random weights (only to test the plumbing: its numbers
            mean nothing).
        batch_size: Images per forward pass (each 299x299x3 image takes 1 MB).

    Raises:
        UserError: if the weights file is not there (nothing is downloaded).
    """

    name = "inception"

    def __init__(self, weights="auto", batch_size=50):
        path = find_inception_weights(weights)
        image = keras.Input(shape=(28, 28, 1), name="image")
        x = keras.layers.Resizing(INCEPTION_SIZE, INCEPTION_SIZE, interpolation="bilinear")(image)
        x = keras.layers.Concatenate()([x, x, x])
        inception = keras.applications.InceptionV3(weights=None, include_top=False, pooling="avg",
                                                   input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3))
        if path is not None:
            try:
                with warnings.catch_warnings():  # a wrong file makes keras warn once per layer before it raises
                    warnings.simplefilter("ignore")
                    inception.load_weights(path)
            except Exception as error:  # h5py and keras raise many types for a bad file
                first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
                raise UserError(f"cannot load InceptionV3 weights from {path}: {first_line}; "
                                f"pass the 'notop' file {INCEPTION_WEIGHTS_FILE}") from None
        self.model = keras.Model(image, inception(x), name="inception_features")
        self.weights = path
        self.batch_size = batch_size

    def __call__(self, images):
        """`(n, 28, 28, 1)` images in [-1, 1] -> float64 `(n, 2048)` features."""
        (features,) = _predict(self.model, images, self.batch_size)
        return features


def inception_cache_paths():
    """Where keras keeps a downloaded InceptionV3 'notop' weights file, in the order searched."""
    homes = [os.environ.get("KERAS_HOME"), os.path.expanduser("~/.keras"), "/tmp/.keras"]
    return [os.path.join(home, "models", INCEPTION_WEIGHTS_FILE) for home in homes if home]


def find_inception_weights(weights="auto"):
    """Resolves the `weights` argument of `InceptionNetwork` to a file (or None for random weights).

    Raises:
        UserError: if the file is not there; the message says where to get it.
    """
    if weights is None:
        return None
    if weights == "auto":
        for path in inception_cache_paths():
            if os.path.isfile(path):
                return path
        raise UserError(f"no InceptionV3 weights found (looked for {' and '.join(inception_cache_paths())}); "
                        f"nothing is downloaded here: copy {INCEPTION_WEIGHTS_FILE} (keras' ImageNet 'notop' "
                        f"weights) into one of those places or pass --inception-weights PATH, "
                        f"or use --features classifier")
    path = os.fspath(weights)
    if not os.path.isfile(path):
        raise UserError(f"no InceptionV3 weights file at {path}: pass keras' ImageNet 'notop' file "
                        f"{INCEPTION_WEIGHTS_FILE}, or use --features classifier")
    return path


def _predict(model, images, batch_size):
    """Runs `model` on `images` in batches; returns a list of float64 arrays, one per output."""
    images = check_images(images)
    outputs = []
    for start in range(0, len(images), batch_size):
        # A plain call, not predict(): no tf.function to trace, which for InceptionV3 takes longer than a batch.
        batch = model(images[start:start + batch_size], training=False)
        batch = batch if isinstance(batch, (list, tuple)) else [batch]
        outputs.append([keras.ops.convert_to_numpy(b).astype(np.float64) for b in batch])
    return [np.concatenate(parts) for parts in zip(*outputs)]
