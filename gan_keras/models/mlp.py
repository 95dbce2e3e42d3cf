"""The "police vs. faker" MLP GAN of the lecture notebook.

The faker (generator) turns 4 numbers of noise into a 28x28 image in [0, 1]
through two hidden layers of 64 units; the police (discriminator) is a
784-64-30-1 perceptron. The notebook labelled real images 0 and fakes 1;
this package labels real images 1 everywhere, which only flips the sign of
the logit and changes nothing else.
"""

import keras
from keras import layers

from gan_keras.models.dcgan import require_positive



def build_mlp_generator(latent_dim=4, hidden=64, img_shape=(28, 28, 1)):
    """Builds the faker: noise -> Dense(64) -> Dense(64) -> Dense(784, sigmoid).

    Args:
        latent_dim: Size of the noise vector.
        hidden: Units of both hidden layers.
        img_shape: Shape of one image.

    Returns:
        Uncompiled `keras.Model` "mlp_generator": `(n, latent_dim)` ->
        `(n, *img_shape)` in [0, 1].
    """
    require_positive(latent_dim=latent_dim, hidden=hidden)
    noise = keras.Input(shape=(latent_dim,), name="noise")
    x = layers.Dense(hidden, activation="relu")(noise)
    x = layers.Dense(hidden, activation="relu")(x)
    x = layers.Dense(int(img_shape[0] * img_shape[1] * img_shape[2]), activation="sigmoid")(x)
    image = layers.Reshape(tuple(img_shape))(x)
    return keras.Model(noise, image, name="mlp_generator")


def build_mlp_discriminator(img_shape=(28, 28, 1), hidden=(64, 30)):
    """Builds the police: Flatten -> Dense(64) -> Dense(30) -> Dense(1, sigmoid).

    Args:
        img_shape: Shape of one image.
        hidden: Units of the hidden layers.

    Returns:
        Uncompiled `keras.Model` "mlp_discriminator": `(n, *img_shape)` ->
        `(n, 1)` probability of being real.
    """
    image = keras.Input(shape=tuple(img_shape), name="image")
    x = layers.Flatten()(image)
    for units in hidden:
        x = layers.Dense(units, activation="relu")(x)
    validity = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(image, validity, name="mlp_discriminator")
