"""Pure Keras builders: every dimension an argument, every model named; no training, no data.

Modules:
    dcgan: the book's DCGAN (project 8.4): `build_generator`, `build_discriminator`, one stage per
        doubling at any size; the DCGAN paper's networks (`build_paper_generator`, `build_paper_discriminator`).
    augment: DiffAugment (`--augment`), the discriminator's differentiable colour, translation and cutout.
    cgan: the conditional GAN with label embeddings (PyTorch-GAN's `cgan.py`).
    mlp: the "police vs. faker" MLP GAN of the lecture notebook.
    gaussian: the 1-D Gaussian GAN ("GANs in 50 lines"), a sampler of one real number.
    pix2pix: the U-Net generator and PatchGAN discriminator (Isola et al., 2017), 28x28 and up.
    srgan: SRResNet (sub-pixel upsampling), the SRGAN discriminator, the VGG19 content loss.
    upsampling: the layers of the SR generators (sub-pixel rearrangement, bicubic residual).
    stackgan: the text encoder, conditioning augmentation, Stage-I/II generators, the matching-aware
        discriminator.
    policy: a model built under a mixed dtype policy, copied into float32 for the files a user loads.

Importing this package registers every custom layer of the package with Keras
(`keras.saving.register_keras_serializable`, package "gan_keras"), so that a
saved generator of any GAN loads with `keras.models.load_model`.

May import: `gan_keras.core` only.
"""

# The modules that define custom layers: importing them registers the layers.
from gan_keras.models import augment, gaussian, srgan, stackgan, upsampling  # noqa: F401
