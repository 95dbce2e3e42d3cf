"""The DCGAN's build part: its compiled `GAN` from the book's or the paper's builders (Keras loads here)."""

from gan_keras.core.combined import build_combined
from gan_keras.core.gan import GAN
from gan_keras.models import dcgan


def build_dcgan(latent_dim=100, img_shape=(28, 28, 1), jit_compile="auto", discriminator_norm="batch",
                architecture="book", augment=False):
    """Builds and compiles the DCGAN as a `gan_keras.core.gan.GAN`.

    Args:
        latent_dim: Size of the standard-normal noise vector.
        img_shape: `(size, size, channels)` of the images: the book's
            `(28, 28, 1)`, or any size `gan_keras.models.dcgan.stages` takes
            (`PAPER_SIZES` for the paper's networks).
        jit_compile: Whether the train steps use XLA ("auto": Keras decides).
        discriminator_norm: How D's BatchNormalization normalises in the
            generator step: "batch" (the book's) or "moving" (Keras 3's).
        architecture: "book" (`build_generator`, `build_discriminator`) or
            "paper" (`build_paper_generator`, `build_paper_discriminator`).
        augment: Whether the discriminator sees every image through DiffAugment.

    Returns:
        A `GAN` with compiled discriminator and combined model.
    """
    if architecture == "paper":
        generator = dcgan.build_paper_generator(latent_dim, channels=img_shape[-1], image_size=img_shape[0])
        discriminator = dcgan.build_paper_discriminator(img_shape, augment=augment)
    else:
        generator = dcgan.build_generator(latent_dim, channels=img_shape[-1], image_size=img_shape[0])
        discriminator = dcgan.build_discriminator(img_shape, augment=augment)
    combined = build_combined(generator, discriminator, jit_compile=jit_compile, discriminator_norm=discriminator_norm)
    return GAN(generator, discriminator, combined, latent_dim=latent_dim, noise="normal")


def build(config, run, total_steps):
    return build_dcgan(config.latent_dim, config.image_shape, jit_compile=run.jit_compile,
                       discriminator_norm=config.discriminator_norm, architecture=config.architecture,
                       augment=config.augmented(False))
