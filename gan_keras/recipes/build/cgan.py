"""The conditional GAN's build part: MLPs at 28x28x1, the DCGAN's stages conditioned on the label on a folder."""

from gan_keras.core.combined import build_combined
from gan_keras.core.conditions import ClassLabels
from gan_keras.core.gan import GAN
from gan_keras.models import cgan
from gan_keras.recipes.cgan import augmented


def build_cgan(latent_dim=100, num_classes=10, jit_compile="auto", matching_aware=False, img_shape=None,
               class_names=None, augment=False):
    """Builds and compiles the conditional GAN as a `gan_keras.core.gan.GAN`: MLPs at 28x28x1, else convolutions.

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
        img_shape: `(size, size, channels)` of a folder's pictures: the
            convolutional models (`build_conv_cgan_generator`); None for the
            MLPs of 28x28x1 images.
        class_names: The classes' names, kept in the generator's file; or None.
        augment: Whether the discriminator sees every image through DiffAugment.

    Returns:
        A conditional `GAN` (`num_classes` set) with a compiled discriminator
        and combined model; the combined model takes `[noise, labels]`.
    """
    if img_shape is None:
        generator = cgan.build_cgan_generator(latent_dim, num_classes)
        discriminator = cgan.build_cgan_discriminator(num_classes=num_classes, augment=augment)
    else:
        generator = cgan.build_conv_cgan_generator(latent_dim, num_classes, img_shape)
        discriminator = cgan.build_conv_cgan_discriminator(img_shape, num_classes, augment=augment)
    condition = ClassLabels(num_classes, matching_aware=matching_aware,
                            class_names=None if class_names is None else tuple(class_names))
    combined = build_combined(generator, discriminator, jit_compile=jit_compile, condition=condition)
    return GAN(generator, discriminator, combined, latent_dim=latent_dim, noise="normal", condition=condition)


def build(config, run, total_steps):
    if config.dataset != "folder":
        return build_cgan(config.latent_dim, jit_compile=run.jit_compile, matching_aware=config.matching_aware,
                          augment=augmented(config))
    names = config.class_names
    return build_cgan(config.latent_dim, len(names), jit_compile=run.jit_compile,
                      matching_aware=config.matching_aware, img_shape=config.image_shape, class_names=names,
                      augment=augmented(config))
