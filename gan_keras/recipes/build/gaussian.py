"""The 1-D Gaussian GAN's build part: its compiled `GAN`, and its run as a study over seeds."""

import keras

from gan_keras.core.combined import build_combined, default_optimizer
from gan_keras.core.gan import GAN
from gan_keras.models.dcgan import require_positive
from gan_keras.models.gaussian import HIDDEN, LATENT_DIM, build_gaussian_discriminator, build_gaussian_generator
from gan_keras.recipes.build.gaussian_study import study_phases
from gan_keras.recipes.gaussian import GAUSSIAN_STEPS_PER_EPOCH, gaussian_loop


D_LEARNING_RATE = 1e-3
G_LEARNING_RATE = 3e-4
FINAL_RATE_FRACTION = 0.1  # of the start rates, reached at the end of the run along a cosine


def build_gaussian_gan(center=0.0, scale=1.0, *, latent_dim=None, hidden=None, batch_statistics=True,
                       d_learning_rate=D_LEARNING_RATE, g_learning_rate=G_LEARNING_RATE, decay_steps=None,
                       d_steps=1, g_steps=1, jit_compile="auto"):
    """Builds and compiles the 1-D Gaussian GAN with uniform noise.

    Both optimizers are Adam with beta_1 0.5; the discriminator learns faster
    than the generator (1e-3 against 3e-4), and with `decay_steps` both rates
    fall along a cosine to 10% of their start by the end of the run, which
    damps the oscillation of the two players around the equilibrium.

    Args:
        center: The fixed data offset of both models (pass the target's mean).
        scale: The fixed data scale of both models (pass the target's std).
        latent_dim: Size of the uniform noise vector (None: `models.gaussian.LATENT_DIM`, 4).
        hidden: Units of the hidden layers of both models (None: `models.gaussian.HIDDEN`, 50).
        batch_statistics: Whether the discriminator sees batch statistics.
        d_learning_rate: Initial learning rate of the discriminator.
        g_learning_rate: Initial learning rate of the generator.
        decay_steps: Training-loop steps over which the rates decay (then
            they stay at 10%); None keeps them constant.
        d_steps: Discriminator updates per loop step (each is two optimizer
            updates, on a real and on a fake batch); used with `decay_steps`.
        g_steps: Generator updates per loop step; used with `decay_steps`.
        jit_compile: XLA setting of the train steps (see `build_combined`).

    Returns:
        A `gan_keras.core.gan.GAN` with `noise="uniform"`.
    """
    latent_dim = LATENT_DIM if latent_dim is None else latent_dim
    hidden = HIDDEN if hidden is None else hidden

    generator = build_gaussian_generator(latent_dim, hidden, center, scale)
    discriminator = build_gaussian_discriminator(hidden, center, scale, batch_statistics)
    if decay_steps is not None:
        require_positive(decay_steps=decay_steps, d_steps=d_steps, g_steps=g_steps)
        d_learning_rate = _cosine_decay(d_learning_rate, decay_steps * 2 * d_steps)
        g_learning_rate = _cosine_decay(g_learning_rate, decay_steps * g_steps)
    combined = build_combined(
        generator, discriminator,
        d_optimizer=default_optimizer(d_learning_rate),
        g_optimizer=default_optimizer(g_learning_rate),
        jit_compile=jit_compile,
    )
    return GAN(generator, discriminator, combined, latent_dim=latent_dim, noise="uniform")


def _cosine_decay(rate, updates):
    return keras.optimizers.schedules.CosineDecay(rate, decay_steps=updates, alpha=FINAL_RATE_FRACTION)


def build(config, run, total_steps):
    return build_gaussian_gan(config.target_mean, config.target_std, latent_dim=config.latent_dim,
                              batch_statistics=config.batch_statistics, decay_steps=total_steps,
                              d_steps=config.d_steps, g_steps=config.g_steps, jit_compile=run.jit_compile)


def phases(model_config, run, data, study):
    """The Gaussian GAN's run: `study.runs` seeds, then their table (`gaussian_study.study_phases`)."""
    return study_phases(run, model_config, study, build, gaussian_loop(model_config),
                        GAUSSIAN_STEPS_PER_EPOCH, name="gaussian")
