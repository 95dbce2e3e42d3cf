"""How good are generated Fashion-MNIST images? Offline and during training.

The pipeline: images in [-1, 1] -> a frozen network -> features (and class
probabilities) -> the numpy metrics of `gan_keras.metrics`, against the
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

import functools
import json
import math
import os
import warnings

import keras
import numpy as np

from gan_keras import classifier as fashion_classifier
from gan_keras import metrics
from gan_keras.callbacks import generator_info_path, save_generator
from gan_keras.errors import UserError
from gan_keras.training import Callback

FIELDS = ("fd", "kid", "kid_std", "classifier_score", "classifier_score_std",
          "precision", "recall", "density", "coverage", "conditional_accuracy")
FEATURES = ("classifier", "inception")
INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_SIZE = 299
SPLIT_SIZES = {"train": 60000, "test": 10000}
CLASS_SIZES = {"train": 6000, "test": 1000}  # images of each class
MAX_REFERENCE = 10000
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
BEST_GENERATOR_FILE = "best_generator.keras"
BEST_METRICS_FILE = "best_generator_metrics.json"  # best_generator.json is the generator's sidecar
_RANGE_TOLERANCE = 1e-3


def check_images(images, name="images"):
    """Returns `images` as float32 `(n, 28, 28, 1)`, checking that they lie in [-1, 1].

    Args:
        images: `(n, 28, 28)` or `(n, 28, 28, 1)` array in [-1, 1] (a small
            excess, up to 1e-3, is clipped).
        name: How error messages call the array.

    Raises:
        ValueError: on another shape, non-finite values, or values outside
            [-1, 1] such as uint8 pixels. Images in [0, 1] pass unnoticed:
            map them first (`GAN.to_tanh_range`, `gan_keras.sampling.to_tanh_range`).
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[1:] != (28, 28, 1):
        raise ValueError(f"{name} must have shape (n, 28, 28) or (n, 28, 28, 1), got {images.shape}")
    if not np.all(np.isfinite(images)):
        raise ValueError(f"{name} contain NaN or infinite values")
    if images.size and (images.min() < -1 - _RANGE_TOLERANCE or images.max() > 1 + _RANGE_TOLERANCE):
        raise ValueError(f"{name} must lie in [-1, 1] (scale_images / GAN.to_tanh_range), "
                         f"got values in [{images.min():.3g}, {images.max():.3g}]")
    return np.clip(images, -1.0, 1.0)


class ClassifierNetwork:
    """The frozen Fashion-MNIST classifier as a function: images -> (features, probabilities).

    Args:
        weights: Its `.weights.h5` file; None for the one shipped in the package.
        batch_size: Images per forward pass.
    """

    name = "classifier"

    def __init__(self, weights=None, batch_size=1000):
        self.model = fashion_classifier.feature_model(fashion_classifier.load_classifier(weights))
        self.batch_size = batch_size

    def __call__(self, images):
        """`(n, 28, 28, 1)` images in [-1, 1] -> float64 `(n, 128)` features and `(n, 10)` probabilities."""
        features, probabilities = _predict(self.model, images, self.batch_size)
        return features, probabilities


class InceptionNetwork:
    """InceptionV3's average-pooled last block (2048 units), the network of the classic FID.

    Images are resized bilinearly from 28x28 to 299x299 and their grey channel
    is repeated three times; [-1, 1] is already InceptionV3's input range.

    Args:
        weights: A `inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`
            file, "auto" for the one in keras' cache (`~/.keras/models/`), or
            None for random weights (only to test the plumbing: its numbers
            mean nothing).
        batch_size: Images per forward pass (each 299x299x3 image takes 1 MB).

    Raises:
        UserError: if the weights file is not there (nothing is downloaded).
    """

    name = "inception"

    def __init__(self, weights="auto", batch_size=50):
        path = find_inception_weights(weights)
        image = keras.Input(shape=(28, 28, 1), name="image")
        x = keras.layers.Resizing(INCEPTION_SIZE, INCEPTION_SIZE, interpolation="bilinear")(image)
        x = keras.layers.Concatenate()([x, x, x])
        inception = keras.applications.InceptionV3(weights=None, include_top=False, pooling="avg",
                                                   input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3))
        if path is not None:
            try:
                with warnings.catch_warnings():  # a wrong file makes keras warn once per layer before it raises
                    warnings.simplefilter("ignore")
                    inception.load_weights(path)
            except Exception as error:  # h5py and keras raise many types for a bad file
                first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
                raise UserError(f"cannot load InceptionV3 weights from {path}: {first_line}; "
                                f"pass the 'notop' file {INCEPTION_WEIGHTS_FILE}") from None
        self.model = keras.Model(image, inception(x), name="inception_features")
        self.weights = path
        self.batch_size = batch_size

    def __call__(self, images):
        """`(n, 28, 28, 1)` images in [-1, 1] -> float64 `(n, 2048)` features."""
        (features,) = _predict(self.model, images, self.batch_size)
        return features


def inception_cache_paths():
    """Where keras keeps a downloaded InceptionV3 'notop' weights file, in the order searched."""
    homes = [os.environ.get("KERAS_HOME"), os.path.expanduser("~/.keras"), "/tmp/.keras"]
    return [os.path.join(home, "models", INCEPTION_WEIGHTS_FILE) for home in homes if home]


def find_inception_weights(weights="auto"):
    """Resolves the `weights` argument of `InceptionNetwork` to a file (or None for random weights).

    Raises:
        UserError: if the file is not there; the message says where to get it.
    """
    if weights is None:
        return None
    if weights == "auto":
        for path in inception_cache_paths():
            if os.path.isfile(path):
                return path
        raise UserError(f"no InceptionV3 weights found (looked for {' and '.join(inception_cache_paths())}); "
                        f"nothing is downloaded here: copy {INCEPTION_WEIGHTS_FILE} (keras' ImageNet 'notop' "
                        f"weights) into one of those places or pass --inception-weights PATH, "
                        f"or use --features classifier")
    path = os.fspath(weights)
    if not os.path.isfile(path):
        raise UserError(f"no InceptionV3 weights file at {path}: pass keras' ImageNet 'notop' file "
                        f"{INCEPTION_WEIGHTS_FILE}, or use --features classifier")
    return path


def _predict(model, images, batch_size):
    """Runs `model` on `images` in batches; returns a list of float64 arrays, one per output."""
    images = check_images(images)
    outputs = []
    for start in range(0, len(images), batch_size):
        # A plain call, not predict(): no tf.function to trace, which for InceptionV3 takes longer than a batch.
        batch = model(images[start:start + batch_size], training=False)
        batch = batch if isinstance(batch, (list, tuple)) else [batch]
        outputs.append([keras.ops.convert_to_numpy(b).astype(np.float64) for b in batch])
    return [np.concatenate(parts) for parts in zip(*outputs)]


def real_images(split, n=None, seed=0, data_dir=None, classes=None):
    """Real Fashion-MNIST images in [-1, 1]: a seeded random subset of a split (in order when all are taken).

    Args:
        split: "train" (60,000 images) or "test" (10,000).
        n: Number of images; None for all of them, at most 10,000.
        seed: Seed of the subset.
        data_dir: As for `gan_keras.data.load_fashion_mnist`.
        classes: Optional labels to keep (e.g. `[1]` for a GAN of trousers);
            each class has 6,000 training and 1,000 test images.

    Returns:
        `(images, labels)`: float32 `(n, 28, 28, 1)` and int `(n,)`.

    Raises:
        ValueError: if `split` is unknown or `n` exceeds the images there are.
        DataError: if the data is missing or corrupt, or no image has one of `classes`.
    """
    from gan_keras.data import scale_images, select_classes

    if split not in SPLIT_SIZES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    (x_train, y_train), (x_test, y_test) = _load_fashion_mnist(data_dir)
    x, y = (x_train, y_train) if split == "train" else (x_test, y_test)
    if classes is not None:
        x, y = select_classes(x, y, classes)
    n = min(len(x), MAX_REFERENCE) if n is None else int(n)
    if not 0 < n <= len(x):
        which = "" if classes is None else f" of classes {sorted(set(int(c) for c in classes))}"
        raise ValueError(f"n must be in 1..{len(x)} for the {split} images{which}, got {n}")
    index = np.arange(len(x)) if n == len(x) else np.sort(np.random.default_rng(seed).choice(len(x), n, replace=False))
    return scale_images(x[index]), y[index].astype(np.int64)


@functools.lru_cache(maxsize=2)
def _load_fashion_mnist(data_dir):
    """The dataset, decompressed once per process (an evaluator needs it twice: reference and floor)."""
    from gan_keras.data import load_fashion_mnist

    return load_fashion_mnist(data_dir)


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
        data_dir: As for `gan_keras.data.load_fashion_mnist`.
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
            "coverage" (and "conditional_accuracy"), plus "n" (m),
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
            result["conditional_accuracy"] = float(np.mean(np.argmax(probabilities, axis=1) == labels))
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


def generator_pixel_range(generator):
    """The output range of a generator from its last activation: (0, 1) for sigmoid, (-1, 1) for tanh.

    For generators saved without a `.json` sidecar (see `gan_keras.sampling.load_generator_info`).

    Raises:
        UserError: if the last activation is neither (the range must then be given).
    """
    for layer in reversed(generator.layers):
        activation = getattr(layer, "activation", None)
        if activation is None:
            continue  # Reshape and friends
        name = getattr(activation, "__name__", str(activation))
        if name == "sigmoid":
            return (0.0, 1.0)
        if name == "tanh":
            return (-1.0, 1.0)
        break
    raise UserError(f"cannot tell the output range of {generator.name} from its last layer; "
                    f"pass --pixel-range tanh or sigmoid")


class EvaluationCallback(Callback):
    """Every `interval` steps: metrics of `n` samples into the step's logs, and the best generator so far.

    The samples come from one fixed noise batch (balanced labels, `i % classes`,
    for a conditional GAN), drawn once from `(seed, 0, 1)`, so successive
    evaluations differ only by the generator. The metrics (`fields`; NaN in
    other steps, and "conditional_accuracy" NaN for an unconditional GAN) go
    into the step's logs, hence into `history.csv`: put this callback before
    `History`. The generator with the lowest FD so far is saved atomically
    as `best_generator.keras` in `output_dir` (with the usual `.json`
    sidecar, `best_generator.json`), and its step and metrics in
    `best_generator_metrics.json`. A resumed run keeps the best FD of that
    file; a fresh run (step 0) removes those files first.

    Args:
        interval: Evaluate every this many steps.
        n: Samples (and reference images) per evaluation; FD and KID depend
            on `n`, so compare runs at the same `n` only.
        output_dir: Folder of `best_generator.keras`.
        batch_size: Samples per generator pass.
        verbose: Print one line per evaluation.
        evaluator: An `Evaluator` to use (built in `on_train_begin` otherwise).
        **evaluator_kwargs: `Evaluator` arguments (reference, features, seed,
            data_dir, ...); `kid_subsets` defaults to 20 here.
    """

    fields = FIELDS

    def __init__(self, interval, n=2000, *, output_dir, batch_size=500, verbose=True, evaluator=None,
                 **evaluator_kwargs):
        if int(interval) < 1:
            raise ValueError(f"interval must be >= 1, got {interval}")
        self.interval = int(interval)
        self.n = int(n)
        self.output_dir = output_dir
        self.batch_size = batch_size
        self.verbose = verbose
        self.evaluator = evaluator
        # 20 KID subsets instead of 100: the mean barely moves and an evaluation of 2000 samples takes seconds.
        self.evaluator_kwargs = {"kid_subsets": 20, **evaluator_kwargs}
        self.best_path = os.path.join(output_dir, BEST_GENERATOR_FILE)
        self.best_metrics_path = os.path.join(output_dir, BEST_METRICS_FILE)
        self.best_fd = math.inf
        self.results = []  # (step, metrics) of every evaluation of this process

    def on_train_begin(self, run):
        if self.evaluator is None:
            self.evaluator = Evaluator(n=self.n, **self.evaluator_kwargs)
        os.makedirs(self.output_dir, exist_ok=True)
        gan = run.gan
        rng = np.random.default_rng([self.evaluator.seed, 0, 1])  # steps draw from (seed, step), grids (seed, 0)
        self.noise = gan.sample_noise(rng, self.n)
        self.labels = np.arange(self.n) % gan.num_classes if gan.conditional else None
        self.best_fd = math.inf
        if run.step == 0:
            for path in (self.best_path, generator_info_path(self.best_path), self.best_metrics_path):
                if os.path.exists(path):
                    os.unlink(path)
        elif os.path.exists(self.best_metrics_path):
            with open(self.best_metrics_path) as f:
                self.best_fd = float(json.load(f)["fd"])

    def on_step_end(self, run, logs):
        if run.step % self.interval != 0:
            return
        result = self.evaluate(run.gan)
        logs.update({name: result.get(name, math.nan) for name in self.fields})
        self.results.append((run.step, result))
        improved = result["fd"] < self.best_fd
        if improved:
            self.best_fd = result["fd"]
            self._save_best(run, result)
        if self.verbose:
            from tqdm import tqdm

            accuracy = result.get("conditional_accuracy")
            tqdm.write(f"step {run.step}: FD {result['fd']:.3f}, KID {result['kid']:.4f}, "
                       f"score {result['classifier_score']:.2f}, precision {result['precision']:.3f}, "
                       f"recall {result['recall']:.3f}, coverage {result['coverage']:.3f}"
                       + (f", conditional accuracy {accuracy:.3f}" if accuracy is not None else "")
                       + (f" (best; saved {self.best_path})" if improved else f" (best FD {self.best_fd:.3f})"))

    def evaluate(self, gan):
        """Metrics of the `n` fixed-noise samples of `gan`'s current generator."""
        images = []
        for start in range(0, self.n, self.batch_size):
            stop = start + self.batch_size
            labels = None if self.labels is None else self.labels[start:stop]
            images.append(gan.to_tanh_range(gan.generate(self.noise[start:stop], labels)))
        return self.evaluator.evaluate(np.clip(np.concatenate(images), -1.0, 1.0), self.labels)

    def _save_best(self, run, result):
        save_generator(run.gan, self.best_path)  # with its sidecar, so scripts/sample.py and evaluate.py can use it
        tmp = self.best_metrics_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"step": run.step, **result}, f, indent=1)
        os.replace(tmp, self.best_metrics_path)
