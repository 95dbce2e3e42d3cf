"""The book's DCGAN (section 8.4): its assembly from the builders of `gan_keras.models.dcgan`."""


def build_dcgan(latent_dim=100, img_shape=(28, 28, 1), jit_compile="auto", discriminator_norm="batch"):
    """Builds and compiles the book's DCGAN as a `gan_keras.core.gan.GAN`.

    Args:
        latent_dim: Size of the standard-normal noise vector.
        img_shape: `(28, 28, channels)` of the images.
        jit_compile: Whether the train steps use XLA ("auto": Keras decides).
        discriminator_norm: How D's BatchNormalization normalises in the
            generator step: "batch" (the book's) or "moving" (Keras 3's).

    Returns:
        A `GAN` with compiled discriminator and combined model.
    """
    # Keras loads when a run builds its GAN, not while flags are parsed.
    from gan_keras.core.combined import build_combined
    from gan_keras.core.gan import GAN
    from gan_keras.models.dcgan import build_discriminator, build_generator

    generator = build_generator(latent_dim, channels=img_shape[-1])
    discriminator = build_discriminator(img_shape)
    combined = build_combined(generator, discriminator, jit_compile=jit_compile, discriminator_norm=discriminator_norm)
    return GAN(generator, discriminator, combined, latent_dim=latent_dim, noise="normal")
