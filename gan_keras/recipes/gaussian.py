"""The 1-D Gaussian GAN ("GANs in 50 lines") as a recipe: config, assembly, schedule, and the study over seeds."""

import dataclasses

from gan_keras.core.config import Config, ConfigError, finite_number, latent_size, positive, positive_number, setting
from gan_keras.recipes.base import Recipe, memory_estimate, part


@dataclasses.dataclass(frozen=True)
class GaussianConfig(Config):
    """The 1-D Gaussian GAN ("GANs in 50 lines")."""

    target_mean: float = setting(4.0, "mean of the target", check=finite_number)
    target_std: float = setting(1.25, "standard deviation of the target, > 0", check=positive_number)
    latent_dim: int = setting(4, "size of the uniform noise vector", check=latent_size)
    batch_statistics: bool = setting(True, "judge samples with their batch's mean and std (not single samples "
                                           "only, the write-up's discriminator)")
    d_steps: int = setting(1, "discriminator updates (a real and a fake batch each) per step", check=positive)
    g_steps: int = setting(1, "generator updates per step", check=positive)

    # The models compute in float32 (largest value 3.4e38): samples out to 8 standard deviations must fit.
    MAX_MAGNITUDE = 1e30

    def validate(self):
        if abs(self.target_mean) + 8 * self.target_std > self.MAX_MAGNITUDE:
            raise ConfigError("target_std" if self.target_std > abs(self.target_mean) else "target_mean",
                              f"is too large: |mean| + 8 std must stay below {self.MAX_MAGNITUDE:g} "
                              f"(the models compute in float32)")


@dataclasses.dataclass(frozen=True)
class StudyConfig(Config):
    """How many seeds of the Gaussian GAN to train, and what to measure (not stored in checkpoints)."""

    runs: int = setting(1, "seeds to train (seed, seed+1, ...); with more than one, each run gets "
                           "--output-dir/run_NN", check=positive)
    json: str | None = setting(None, "write the table of runs as JSON: a list of {run, seed, mean, std, ks, "
                                     "converged}", kind=str, metavar="OUT")
    trajectory_interval: int = setting(100, "steps between mean/std measurements", check=positive)


GAUSSIAN_STEPS_PER_EPOCH = 500  # an "epoch" of the endless Gaussian stream


def gaussian_loop(config):
    """The `LoopConfig` fields of a `GaussianConfig`: its D and G updates per step."""
    return dict(d_steps=config.d_steps, g_steps=config.g_steps)


RECIPES = {
    "gaussian": Recipe(
        name="gaussian", summary="the 1-D Gaussian GAN, once or as a stability study over seeds",
        config=GaussianConfig, output_dir=lambda config: "outputs/gaussian", output_dir_help="outputs/gaussian",
        batch_size=512, epochs=3, build=part("gaussian", "build"), evaluable=False, images=False, options=StudyConfig,
        phases=part("gaussian", "phases"), loop=gaussian_loop,
        memory=memory_estimate(50, 6_000, 500),
    ),
}
