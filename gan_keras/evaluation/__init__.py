"""How good are generated images? Fashion-MNIST offline and during training; a folder's at the end of a run.

The pipeline, one module each: images in [-1, 1] -> a frozen network
(`features`) -> features, against those of real images (`reference`) -> the
numpy metrics of `gan_keras.evaluation.metrics` (`evaluator`). The callbacks that run these
measures during and at the end of a run are `gan_keras.runs.scoring`'s. See `gan_keras.evaluation.evaluator` for what the numbers mean.

Modules:
    metrics: numpy-only Fréchet distance, KID, classifier score, precision/recall/density/coverage.
    moments: the 1-D Gaussian GAN's target, moments, KS distance and convergence rule.
    image_quality: PSNR and SSIM against a reference, as the super-resolution papers measure them.
    classifier: the shipped frozen Fashion-MNIST classifier (weights in `assets/`) and how it was trained.
    features: the frozen networks that turn images into features (the classifier, InceptionV3).
    reference: real Fashion-MNIST images to compare with: seeded subsets of a split.
    evaluator: `Evaluator`: samples against the reference, and the real-data floor.
    translation: the measures of image-to-image generators (pix2pix, SRGAN) on held-out pairs, and their table.
    captioned: the measures and baselines of the text-to-image generator (StackGAN) on held-out captions.
    pictures: features of any pictures (InceptionV3, or the named random-conv fallback), nearest training
        pictures and the memorisation check.
    folder_scores: the scores of a folder's generator in picture features (`gan-keras evaluate --folder`).

A leaf below `gan_keras.training`: may import `gan_keras.sampling`, `gan_keras.data`, `gan_keras.models`,
`gan_keras.core`, never the training loop.
"""

from gan_keras.evaluation.evaluator import (
    FEATURES, FIELDS, TABLE_COLUMNS, Evaluator, evaluate_images, metrics_table, real_floor,
)
from gan_keras.evaluation.features import (
    INCEPTION_WEIGHTS_FILE, ClassifierNetwork, InceptionNetwork, check_images, find_inception_weights,
    inception_cache_paths,
)
from gan_keras.evaluation.reference import MAX_REFERENCE, real_images

__all__ = [
    "FEATURES", "FIELDS", "TABLE_COLUMNS",
    "Evaluator", "evaluate_images", "metrics_table", "real_floor", "INCEPTION_WEIGHTS_FILE", "ClassifierNetwork",
    "InceptionNetwork", "check_images", "find_inception_weights", "inception_cache_paths", "MAX_REFERENCE",
    "real_images",
]
