"""GANs of Deep Learning for Vision Systems, chapter 8, on Keras 3.

The public names are imported lazily, so that `gan_keras.cli` can check a
script's flags before Keras (and TensorFlow) is loaded.
"""

import importlib

_EXPORTS = {
    "FrozenDiscriminatorGAN": "gan_keras.combined",
    "build_combined": "gan_keras.combined",
    "default_optimizer": "gan_keras.combined",
    "build_generator": "gan_keras.models.dcgan",
    "build_discriminator": "gan_keras.models.dcgan",
    "GAN": "gan_keras.gan",
    "train": "gan_keras.training",
    "LoopConfig": "gan_keras.training",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'gan_keras' has no attribute {name!r}")


def __dir__():
    return __all__
