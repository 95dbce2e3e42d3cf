"""How good are generated Fashion-MNIST images? Offline and during training.

The pipeline: images in [-1, 1] -> a frozen network -> features (and class
probabilities) -> the numpy metrics of `gan_keras.evaluation.metrics`, against the
features of real images (the test split by default).

* Features: the shipped Fashion-MNIST classifier's 128 pre-ReLU penultimate
  units (`features="classifier"`, the default), or InceptionV3's 2048 pooled
  units (`features="inception"`, the classic FID network; it needs its
  ImageNet weights file, as nothing is downloaded here). Numbers from the two
  are not comparable with each other, and neither is comparable with
  published FIDs of other datasets.
* Probabilities always come from the Fashion-MNIST classifier: they give the
  classifier score (the Inception-Score analogue; at most 10) and, for a
  conditional generator, the conditional accuracy (share of samples the
  classifier puts in the class they were asked for).
* The floor: the same metrics for *real* images (a train subset) against the
  reference at the same count. A generator cannot be expected to beat it;
  FD is biased upwards at small counts, so only numbers at the same `n` can
  be compared.
* KID is large with the classifier's features (hundreds to tens of
  thousands): they are pre-ReLU values with mean |x| of about 5, so x.y/d is
  about 20 and the cubic kernel (x.y/d + 1)^3 is about 10^4. The estimator
  is unbiased, so real images score about 0 and may score below it; with
  `n` <= `kid_subset_size` every subset is the whole set and `kid_std` is 0.
* Precision alone can be fooled: samples far from every real image can still
  fall inside the large nearest-neighbour ball of an outlying real one (pure
  noise scores 0.77, an untrained generator up to 1.0). Density and coverage
  are the robust versions (Naeem et al., 2020): read them with it.

`Evaluator` holds the networks and the reference features, so repeated
evaluations (`EvaluationCallback`, every `interval` training steps) only pay
for the new images; `evaluate_images` is the one-call version.
"""


import math

import numpy as np

from gan_keras.evaluation import metrics
from gan_keras.data.datasets import CLASS_SIZES, SPLIT_SIZES
from gan_keras.evaluation.features import ClassifierNetwork, InceptionNetwork, check_images
from gan_keras.evaluation.reference import MAX_REFERENCE, real_images

FIELDS = ("fd", "kid", "kid_std", "classifier_score", "classifier_score_std",
          "precision", "recall", "density", "coverage", "conditional_accuracy")
FEATURES = ("classifier", "inception")
TABLE_COLUMNS = (  # (metric, heading, format) of `metrics_table`
    ("fd", "FD", "{:.3f}"),
    ("kid", "KID", "{:.5g}"),
    ("classifier_score", "score", "{:.2f}"),
    ("precision", "precision", "{:.3f}"),
    ("recall", "recall", "{:.3f}"),
    ("density", "density", "{:.3f}"),
    ("coverage", "coverage", "{:.3f}"),
    ("conditional_accuracy", "cond. acc.", "{:.3f}"),
)


class Evaluator:
    """Compares images with a fixed set of real images through frozen networks.

    Args:
        reference: "test" (the default: images no GAN trained on), "train",
            or an array of real images in [-1, 1].
        n: Reference images (a seeded random subset of the split, or the first
            `n` of an array); None: all of them, at most 10,000.
        features: "classifier" or "inception" (see the module docstring).
        classes: Optional labels the reference (and the floor) is restricted
            to, for a GAN trained on some classes only; test has 1,000 of each.
        seed: Seed of the reference subset, the floor's subset and KID's subsets.
        data_dir: As for `gan_keras.data.datasets.load_fashion_mnist`.
        classifier_weights: Weights of the classifier; None for the shipped ones.
        inception_weights: As for `InceptionNetwork` ("auto", a path or None).
        kid_subsets: KID's random subsets.
        kid_subset_size: KID's subset size (capped at the smaller count).
        k: Nearest neighbours of precision, recall, density and coverage.

    Raises:
        ValueError: on an unknown `features`/`reference` or a bad `n`.
        UserError: if a network's weights are missing.
        DataError: if the Fashion-MNIST data is missing.
    """

    def __init__(self, reference="test", n=None, features="classifier", classes=None, seed=0, data_dir=None,
                 classifier_weights=None, inception_weights="auto", kid_subsets=100, kid_subset_size=1000, k=5):
        if features not in FEATURES:
            raise ValueError(f"features must be one of {FEATURES}, got {features!r}")
        self.features = features
        self.classes = None if classes is None else sorted({int(c) for c in classes})
        self.seed = seed
        self.data_dir = data_dir
        self.kid_subsets = kid_subsets
        self.kid_subset_size = kid_subset_size
        self.k = k
        self.classifier = ClassifierNetwork(classifier_weights)
        self.inception = InceptionNetwork(inception_weights) if features == "inception" else None
        if isinstance(reference, str):
            if reference not in SPLIT_SIZES:
                raise ValueError(f"reference must be 'test', 'train' or an array of images, got {reference!r}")
            images, _ = real_images(reference, n, seed, data_dir, self.classes)
        else:
            if self.classes is not None:
                raise ValueError("classes applies to reference='test' or 'train', not to an array")
            images = check_images(reference, "reference")
            images = images if n is None else images[:int(n)]
        self.reference = reference if isinstance(reference, str) else "array"
        self.n = len(images)
        self.reference_features = self.embed(images)[0]

    def embed(self, images):
        """`(features, probabilities)` of images in [-1, 1]: float64 `(n, d)` and `(n, 10)`."""
        images = check_images(images)
        features, probabilities = self.classifier(images)
        if self.inception is not None:
            features = self.inception(images)
        return features, probabilities

    def evaluate(self, images, labels=None):
        """Metrics of `images` against the reference.

        Args:
            images: `(m, 28, 28[, 1])` images in [-1, 1], m > k (any m; for
                comparable numbers use the same m, ideally m = n).
            labels: Optional `(m,)` classes the images were generated for;
                adds "conditional_accuracy".

        Returns:
            Dict of floats: "fd", "kid", "kid_std", "classifier_score",
            "classifier_score_std", "precision", "recall", "density",
            "coverage" (and "conditional_accuracy", with "class_accuracy":
            a dict of label -> accuracy of that label's images), plus "n" (m),
            "n_reference" and "features" (the network's name).
        """
        features, probabilities = self.embed(images)
        return self._metrics(features, probabilities, labels)

    def floor(self):
        """The metrics of real images against the reference at the same count: what a perfect generator gets.

        Real images the reference does not hold: a seeded train subset for
        the "test" reference, a test subset for the "train" reference (of the
        same classes; capped at the images there are).

        Raises:
            ValueError: for an array reference (which real images would be disjoint from it is unknown).
        """
        if self.reference == "array":
            raise ValueError("the floor needs reference='test' or 'train'")
        other = "train" if self.reference == "test" else "test"
        available = SPLIT_SIZES[other] if self.classes is None else CLASS_SIZES[other] * len(self.classes)
        images, _ = real_images(other, min(self.n, available), self.seed + 1, self.data_dir, self.classes)
        return self.evaluate(images)

    def _metrics(self, features, probabilities, labels):
        kid, kid_std = metrics.kernel_distance(self.reference_features, features, num_subsets=self.kid_subsets,
                                               subset_size=self.kid_subset_size, seed=self.seed)
        score, score_std = metrics.classifier_score(probabilities, num_splits=min(10, len(probabilities)))
        result = {
            "fd": metrics.frechet_distance(self.reference_features, features),
            "kid": kid,
            "kid_std": kid_std,
            "classifier_score": score,
            "classifier_score_std": score_std,
            **metrics.precision_recall_density_coverage(self.reference_features, features, k=self.k),
        }
        if labels is not None:
            labels = np.asarray(labels).reshape(-1)
            if len(labels) != len(probabilities):
                raise ValueError(f"got {len(labels)} labels for {len(probabilities)} images")
            predicted = np.argmax(probabilities, axis=1)
            result["conditional_accuracy"] = float(np.mean(predicted == labels))
            result["class_accuracy"] = {int(c): float(np.mean(predicted[labels == c] == c)) for c in np.unique(labels)}
        result.update(n=len(features), n_reference=self.n, features=self.features)
        return result


def evaluate_images(images, reference="test", n=None, features="classifier", labels=None, seed=0, **kwargs):
    """Metrics of `images` against `n` real reference images (see `Evaluator`).

    Args:
        images: `(m, 28, 28[, 1])` images in [-1, 1].
        reference: "test", "train" or an array of real images in [-1, 1].
        n: Images of each set: the first `n` of `images` and `n` reference
            images; None: as many as `images` has, at most 10,000 (or the
            array's length).
        features: "classifier" or "inception".
        labels: Optional classes the images were generated for.
        seed: Seed of the reference subset and of KID.
        **kwargs: Further `Evaluator` arguments (data_dir, inception_weights, ...).

    Returns:
        The dict of `Evaluator.evaluate`.

    Raises:
        ValueError: if `images` has fewer than `n` images, or bad shapes/ranges.
    """
    images = check_images(images)
    n = min(len(images), MAX_REFERENCE if isinstance(reference, str) else len(reference)) if n is None else int(n)
    if len(images) < n:
        raise ValueError(f"need at least n={n} images, got {len(images)}")
    labels = None if labels is None else np.asarray(labels).reshape(-1)[:n]
    evaluator = Evaluator(reference, n=n, features=features, seed=seed, **kwargs)
    return evaluator.evaluate(images[:n], labels)


def real_floor(n=10000, reference="test", features="classifier", seed=0, **kwargs):
    """The real-vs-real floor at `n` images: a train subset against `n` test images (see `Evaluator.floor`)."""
    return Evaluator(reference, n=n, features=features, seed=seed, **kwargs).floor()


def metrics_table(rows):
    """A markdown table of `(name, metrics)` rows (dicts of `Evaluator.evaluate`).

    Columns a row lacks (e.g. the conditional accuracy of real images) show
    as "-"; a column no row has is left out.
    """
    columns = [c for c in TABLE_COLUMNS if any(c[0] in result for _, result in rows)]
    lines = ["| images | n | " + " | ".join(heading for _, heading, _ in columns) + " |",
             "|---|---:|" + "---:|" * len(columns)]
    for name, result in rows:
        cells = [fmt.format(result[key]) if key in result and not math.isnan(result[key]) else "-"
                 for key, _, fmt in columns]
        lines.append(f"| {name} | {result['n']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
