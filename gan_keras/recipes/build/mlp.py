"""The MLP GAN's build part: the police and the faker with the notebook's optimizers."""

from gan_keras.core.combined import build_combined, default_optimizer
from gan_keras.core.gan import GAN
from gan_keras.models.mlp import build_mlp_discriminator, build_mlp_generator


D_LEARNING_RATE = 1e-3
G_LEARNING_RATE = 2e-3


def build_mlp_gan(latent_dim=4, jit_compile="auto"):
    """Builds and compiles the MLP GAN with the notebook's optimizers.

    Adam with beta_1 0.5: learning rate 1e-3 for the police, 2e-3 for the
    faker. Noise is standard normal.

    Returns:
        A `gan_keras.core.gan.GAN`.
    """
    generator = build_mlp_generator(latent_dim)
    discriminator = build_mlp_discriminator()
    combined = build_combined(
        generator, discriminator,
        d_optimizer=default_optimizer(D_LEARNING_RATE),
        g_optimizer=default_optimizer(G_LEARNING_RATE),
        jit_compile=jit_compile,
    )
    return GAN(generator, discriminator, combined, latent_dim=latent_dim, noise="normal", pixel_range=(0.0, 1.0))


def build(config, run, total_steps):
    return build_mlp_gan(config.latent_dim, jit_compile=run.jit_compile)
