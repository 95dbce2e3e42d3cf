"""The frozen Fashion-MNIST classifier that the evaluation metrics look through.

A small CNN, trained once on the real Fashion-MNIST training split (images
scaled to [-1, 1]) and shipped with the package as
`gan_keras/evaluation/assets/fashion_mnist_classifier.weights.h5`:

    (conv32 - BN - relu) x2 - maxpool - (conv64 - BN - relu) x2 - maxpool - dense128 - relu - dropout - dense10 softmax

Its 128 "features" are the penultimate dense layer *before* its ReLU: after
the ReLU, units that are dead for every image would be constant and make the
feature covariances singular. Its softmax gives the class probabilities of the
classifier score and of the conditional accuracy. Retrain it with
`scripts/train_classifier.py`; the same seed gives the same network up to the
floating-point non-determinism of threaded kernels.
"""

import os

import keras
import numpy as np
from keras import layers

from gan_keras.core import fileio
from gan_keras.core.errors import UserError

NUM_CLASSES = 10
FEATURE_DIM = 128
FEATURE_LAYER = "features"
PROBABILITY_LAYER = "probabilities"
WEIGHTS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "assets",
                            "fashion_mnist_classifier.weights.h5")


def build_classifier(num_classes=NUM_CLASSES, feature_dim=FEATURE_DIM, img_shape=(28, 28, 1), dropout=0.1):
    """Builds the (untrained, uncompiled) classifier CNN.

    Convolutions use "valid" padding, so the feature maps shrink
    28 -> 26 -> 24 -> 12 -> 10 -> 8 -> 4 and the network has about 200,000
    weights (under 1 MB on disk).

    Args:
        num_classes: Number of classes.
        feature_dim: Units of the penultimate (feature) layer.
        img_shape: `(height, width, channels)` of the images, in [-1, 1].
        dropout: Dropout rate after the feature layer's ReLU (training only).

    Returns:
        A `keras.Model` named "fashion_mnist_classifier" mapping
        `(n, *img_shape)` images to `(n, num_classes)` probabilities; its layer
        `"features"` is the linear (pre-ReLU) penultimate layer.
    """
    image = keras.Input(shape=tuple(img_shape), name="image")
    x = image
    for filters in (32, 64):
        for _ in range(2):
            # BatchNormalization makes a few epochs enough; at inference it is a fixed affine map.
            x = layers.Conv2D(filters, 3, use_bias=False)(x)
            x = layers.BatchNormalization()(x)
            x = layers.ReLU()(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(feature_dim, name=FEATURE_LAYER)(x)  # linear: the features
    x = layers.ReLU()(x)
    x = layers.Dropout(dropout)(x)
    probabilities = layers.Dense(num_classes, activation="softmax", name=PROBABILITY_LAYER)(x)
    return keras.Model(image, probabilities, name="fashion_mnist_classifier")


def train_classifier(x_train, y_train, *, seed=0, epochs=4, batch_size=128, learning_rate=2e-3,
                     validation_data=None, verbose=2):
    """Trains a fresh classifier with Adam and sparse categorical cross-entropy.

    The learning rate decays from `learning_rate` to 0 along a cosine over
    the whole run, which gains about a point of accuracy in a 4-epoch run.

    Args:
        x_train: `(n, 28, 28, 1)` float32 images in [-1, 1].
        y_train: `(n,)` integer labels.
        seed: Seed of the initial weights, the dropout and the batch order
            (`keras.utils.set_random_seed`).
        epochs: Passes over the training data.
        batch_size: Images per step.
        learning_rate: Adam's initial learning rate.
        validation_data: Optional `(x, y)` reported after each epoch.
        verbose: Keras' `fit` verbosity.

    Returns:
        The trained, compiled `keras.Model`.
    """
    keras.utils.set_random_seed(seed)
    model = build_classifier()
    steps = epochs * int(np.ceil(len(x_train) / batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, np.asarray(y_train, np.int32), batch_size=batch_size, epochs=epochs, shuffle=True,
              validation_data=validation_data, verbose=verbose)
    return model


def save_classifier(model, path=WEIGHTS_PATH):
    """Saves the weights of `model` (a `build_classifier` network) to a `.weights.h5` file."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    # A compiled model's weights file also holds the optimizer's moments (3x the size): save a bare copy.
    bare = build_classifier()
    bare.set_weights(model.get_weights())
    with fileio.atomic_path(path) as tmp:
        bare.save_weights(tmp)


def load_classifier(path=None):
    """Builds the classifier and loads its weights.

    Args:
        path: A `.weights.h5` file written by `save_classifier`; None for the
            one shipped with the package.

    Returns:
        The `keras.Model` of `build_classifier`, uncompiled, ready for inference.

    Raises:
        UserError: if the weights file is missing or does not fit the network.
    """
    path = WEIGHTS_PATH if path is None else os.fspath(path)
    if not os.path.isfile(path):
        raise UserError(f"no classifier weights at {path}: reinstall gan_keras or run gan-keras train-classifier")
    model = build_classifier()
    try:
        model.load_weights(path)
    except Exception as error:  # h5py and keras raise many types for a bad file
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise UserError(f"cannot load classifier weights from {path}: {first_line}; "
                        f"rerun gan-keras train-classifier") from None
    return model


def feature_model(classifier):
    """The classifier with two outputs: `(n, 128)` pre-ReLU features and `(n, 10)` probabilities."""
    return keras.Model(classifier.input,
                       [classifier.get_layer(FEATURE_LAYER).output, classifier.get_layer(PROBABILITY_LAYER).output],
                       name="fashion_mnist_features")


def accuracy(classifier, images, labels, batch_size=1000):
    """Share of `images` ((n, 28, 28, 1) in [-1, 1]) whose most probable class is the label."""
    probabilities = classifier.predict(images, batch_size=batch_size, verbose=0)
    return float(np.mean(np.argmax(probabilities, axis=1) == np.asarray(labels)))
