"""The conditional GAN: its assembly from the builders of `gan_keras.models.cgan`, conditioned on class labels."""


def build_cgan(latent_dim=100, num_classes=10, jit_compile="auto", matching_aware=False):
    """Builds and compiles the conditional GAN of 28x28x1 images as a `gan_keras.core.gan.GAN`.

    Both models use the default Adam(2e-4, beta_1=0.5) optimizer, each its
    own instance, as in the original. The noise is standard normal.

    Args:
        latent_dim: Size of the noise vector.
        num_classes: Number of classes.
        jit_compile: Whether the train steps use XLA ("auto": Keras decides).
        matching_aware: Whether the discriminator also learns that real
            images paired with another class's label are fake (the
            matching-aware discriminator of Reed et al. 2016, which StackGAN
            uses): the models stay the same, the discriminator's loss
            becomes real + (fake + mismatched) / 2. Without it the
            discriminator can judge the images alone and leave the label to
            chance.

    Returns:
        A conditional `GAN` (`num_classes` set) with a compiled discriminator
        and combined model; the combined model takes `[noise, labels]`.
    """
    # Keras loads when a run builds its GAN, not while flags are parsed.
    from gan_keras.core.combined import build_combined
    from gan_keras.core.conditions import ClassLabels
    from gan_keras.core.gan import GAN
    from gan_keras.models.cgan import build_cgan_discriminator, build_cgan_generator

    generator = build_cgan_generator(latent_dim, num_classes)
    discriminator = build_cgan_discriminator(num_classes=num_classes)
    condition = ClassLabels(num_classes, matching_aware=matching_aware)
    combined = build_combined(generator, discriminator, jit_compile=jit_compile, condition=condition)
    return GAN(generator, discriminator, combined, latent_dim=latent_dim, noise="normal", condition=condition)
