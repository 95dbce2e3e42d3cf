"""How good are generated Fashion-MNIST images? Offline and during training.

The pipeline, one module each: images in [-1, 1] -> a frozen network
(`features`) -> features, against those of real images (`reference`) -> the
numpy metrics of `gan_keras.evaluation.metrics` (`evaluator`); `callback` runs it during
training. See `gan_keras.evaluation.evaluator` for what the numbers mean.
"""

from gan_keras.evaluation.callback import BEST_GENERATOR_FILE, BEST_METRICS_FILE, EvaluationCallback
from gan_keras.evaluation.evaluator import (
    FEATURES, FIELDS, TABLE_COLUMNS, Evaluator, evaluate_images, metrics_table, real_floor,
)
from gan_keras.evaluation.features import (
    INCEPTION_WEIGHTS_FILE, ClassifierNetwork, InceptionNetwork, check_images, find_inception_weights,
    inception_cache_paths,
)
from gan_keras.evaluation.reference import MAX_REFERENCE, real_images

__all__ = [
    "BEST_GENERATOR_FILE", "BEST_METRICS_FILE", "EvaluationCallback", "FEATURES", "FIELDS", "TABLE_COLUMNS",
    "Evaluator", "evaluate_images", "metrics_table", "real_floor", "INCEPTION_WEIGHTS_FILE", "ClassifierNetwork",
    "InceptionNetwork", "check_images", "find_inception_weights", "inception_cache_paths", "MAX_REFERENCE",
    "real_images",
]
