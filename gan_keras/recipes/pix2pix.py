"""pix2pix as a recipe (8.3): "edges2fashion" (edge maps of Fashion-MNIST shoes and bags back to images), or pairs
of your own pictures (`--dataset folder --data-dir DIR`: DIR/A and DIR/B by file name, or side-by-side AB images,
`gan_keras.data.paired_folder`)."""

import dataclasses


from gan_keras.core.config import Config, positive, positive_number, setting
from gan_keras.data.paired_folder import DIRECTIONS
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.recipes.base import FolderImages, Recipe, class_list, memory_estimate, part, resolve_folder

TEST_SHARE, TEST_MAX = 10, 500  # without --test-dir: 1 pair in 10, at most 500, is held out


@dataclasses.dataclass(frozen=True)
class Pix2PixConfig(FolderImages, Config):
    """pix2pix: edges2fashion, or pairs of your own pictures (`FolderImages`)."""

    dataset: str = setting("fashion_mnist", "fashion_mnist (edges2fashion) or folder: pairs of your pictures in "
                                            "--data-dir (DIR/A and DIR/B by file name, or side-by-side AB images)",
                           choices=("fashion_mnist", "folder"))
    direction: str = setting("AtoB", "with --dataset folder: translate A into B, or B into A", choices=DIRECTIONS)
    test_dir: str | None = setting(None, "held-out pairs for --dataset folder, in the same layout (default: 1 pair "
                                         "in 10 of --data-dir, at most 500)", kind=str, metavar="DIR")

    classes: str = setting("5,7,8,9", "Fashion-MNIST classes to translate (5 sandal, 7 sneaker, 8 bag, 9 ankle boot)",
                           check=class_list)
    loss: str = setting("gan+l1", "generator loss: the paper's adversarial + lambda * L1, L1 alone (no "
                                  "discriminator), or adversarial alone (the paper's ablation)",
                        choices=("gan+l1", "l1", "gan"))
    l1_weight: float = setting(100.0, "lambda, the weight of the L1 loss (the paper's 100)", check=positive_number)
    filters: int = setting(32, "filters of the first U-Net and PatchGAN layers (the paper: 64)", check=positive)
    discriminator_norm: str = setting(
        "batch", "D's BatchNormalization in the generator step (as for the DCGAN)", choices=("batch", "moving"))

    def validate(self):
        super().validate()
        if self.dataset == "folder" and self.classes != "5,7,8,9":
            raise UserError("--classes needs --dataset fashion_mnist (a folder's pairs have no classes)", EXIT_USAGE)
        if self.dataset != "folder":
            for name, value, default in (("direction", self.direction, "AtoB"), ("test_dir", self.test_dir, None)):
                if value != default:
                    raise UserError(f"--{name.replace('_', '-')} needs --dataset folder", EXIT_USAGE)

    @property
    def class_labels(self):
        return tuple(int(part) for part in self.classes.split(","))


PREVIEW_PAIRS = 10


def _pixels(config):
    size, _, channels = config.image_shape
    return size * size * channels


def _output_dir(config):
    loss = config.loss.replace('+', '_')
    return f"outputs/pix2pix_{loss}" if config.dataset == "fashion_mnist" else f"outputs/folder_pix2pix_{loss}"


RECIPES = {
    "pix2pix": Recipe(
        name="pix2pix",
        summary="pix2pix: edge maps of Fashion-MNIST shoes and bags back to images, or your picture pairs (8.3)",
        config=Pix2PixConfig, output_dir=_output_dir,
        output_dir_help="outputs/pix2pix_<loss> (a folder: outputs/folder_pix2pix_<loss>)", batch_size=32, epochs=3,
        build=part("pix2pix", "build"), load=part("pix2pix", "load"), resolve=resolve_folder,
        loop=lambda config: {"adversarial": config.loss != "l1"},
        memory=lambda config, batch: memory_estimate(0, 2_000_000, 60_000 * _pixels(config) / 784)(config, batch),
        finish=part("pix2pix", "finish"),
        evaluable=False,  # scored at the end on the whole held-out test set instead (test_metrics.json)
    ),
}
