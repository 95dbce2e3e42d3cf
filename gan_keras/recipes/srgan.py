"""SRGAN as a recipe (8.3): 4x super-resolution, an SRResNet first and the GAN started from it."""

import dataclasses


from gan_keras.core.config import (
    Config, positive, positive_number, positive_number_or_none, positive_or_none, setting)
from gan_keras.recipes.base import Recipe, memory_estimate, part


@dataclasses.dataclass(frozen=True)
class SRGANConfig(Config):
    """SRGAN, 4x super-resolution: an MSE-trained SRResNet, then the GAN started from it."""

    dataset: str = setting("fashion_mnist", "fashion_mnist (7x7 block means -> 28x28), photos (the credited "
                                            "photographs of Debian's wallpaper packages, `make photos`) or folder "
                                            "(your own photographs: --data-dir DIR); photos are shrunk 4x by PIL's "
                                            "bicubic", choices=("fashion_mnist", "photos", "folder"))
    size: str = setting("auto", "auto (cpu for fashion_mnist, photo for photographs); cpu: SRResNet of 4 blocks x "
                                "32 filters, discriminator (32, 64, 128), 48-pixel crops; photo: 8 blocks x 64 "
                                "filters without BatchNormalization over a bicubic upscale, 96-pixel crops; paper: "
                                "16 x 64, (64, 128, 256, 512) + Dense 1024, 96-pixel crops",
                        choices=("auto", "cpu", "photo", "paper"))
    adversarial_weight: float = setting(1e-3, "weight of the adversarial loss against the content loss (the "
                                              "paper's 1e-3)", check=positive_number)
    crops: int = setting(16000, "random aligned crop pairs cut from the photographs, each flipped and turned at "
                                "random (photos and folder)", check=positive)
    test_dir: str | None = setting(None, "held-out photographs for --dataset folder (default: the test photos "
                                         "bundled with scikit-image and matplotlib)", kind=str, metavar="DIR")
    learning_rate: float = setting(1e-4, "Adam's learning rate (the paper's 1e-4; of both phases unless "
                                         "--gan-learning-rate)", check=positive_number)
    gan_learning_rate: float | None = setting(None, "Adam's learning rate of the SRGAN phase (default: "
                                                    "--learning-rate)", check=positive_number_or_none, kind=float,
                                              metavar="RATE")
    gan_steps: int | None = setting(None, "steps of the SRGAN phase (default: --steps, the SRResNet's); a length, "
                                          "like --steps: it may change on --resume",
                                    check=positive_or_none, kind=int, metavar="N", length=True)
    content: str = setting("auto", "content loss: vgg (VGG19 features, the paper's; needs ImageNet weights from "
                                   "--vgg-weights or keras' cache), mse (pixels), or auto (vgg when the weights "
                                   "are there, else mse; the report says which)", choices=("auto", "vgg", "mse"))
    vgg_weights: str | None = setting(None, "VGG19 'notop' ImageNet weights file (default: keras' cache, "
                                            "~/.keras/models); nothing is downloaded", kind=str, metavar="PATH")


SR_SCALE = 4
SR_PREVIEW = {"fashion_mnist": 10, "photos": 4}
TEST_MIN_SIZE = 4 * SR_SCALE  # a held-out photo must keep pixels after PSNR's border is cropped at both sides


def sr_size(config):
    """The size `config` names: "auto" resolves to "cpu" for Fashion-MNIST, "photo" for photographs."""
    if config.size != "auto":
        return config.size
    return "cpu" if config.dataset == "fashion_mnist" else "photo"


SR_PHASES = ("srresnet", "srgan")


RECIPES = {
    "srgan": Recipe(
        name="srgan", summary="SRGAN: 4x super-resolution of Fashion-MNIST or photographs, after an SRResNet (8.3)",
        config=SRGANConfig, output_dir=lambda config: f"outputs/srgan_{config.dataset}",
        output_dir_help="outputs/srgan_<dataset>", batch_size=16, epochs=1, steps=1000,
        build=part("srgan", "build"), load=part("srgan", "load"),
        memory=memory_estimate(0, 6_000_000, 200_000), evaluable=False,
        phases=part("srgan", "phases"),
    ),
}
