"""Evaluation that fits a user's pictures: features of colour images of any size, and a memorisation check.

The shipped Fashion-MNIST classifier means nothing on a folder of emoji or
faces, so a folder run is scored in a network's features that do not depend
on the data:

* `inception`: InceptionV3's 2048 pooled features (the network of the
  classic FID) when its ImageNet 'notop' weights file is on this machine
  (`gan_keras.evaluation.features.find_inception_weights`; nothing is
  downloaded);
* else `random-conv`, a clearly named fallback: a fixed, seeded, untrained
  convolutional network (4 stride-2 3x3 layers, 64 to 512 filters, ReLU,
  mean- and max-pooled: 1024 features) on the pictures resized to 64x64.
  Random features separate image distributions usefully (Naeem et al. 2020
  use them for precision and recall), but their FD has its own scale: compare
  numbers only within one feature network, and its name is printed beside
  every figure.

The memorisation check (`memorisation`) measures, in pixels, how near each
sample is to its nearest training picture, beside how near training pictures
are to each other: a GAN that copies its data draws samples nearer to a
training picture than training pictures are to one another.
"""

import keras
import numpy as np

from gan_keras.core.errors import UserError
from gan_keras.evaluation import features, metrics

RANDOM_SIZE = 64
RANDOM_FILTERS = (64, 128, 256, 512)
RANDOM_SEED = 20250101
NEAR_QUANTILE = 0.05  # a sample is "near" a training picture when nearer than 95% of the training pictures are
DISTANCE_ROWS = 2048  # training pictures compared at a time


class PictureNetwork:
    """Images of any size and 1 or 3 channels in [-1, 1] -> float64 features.

    Args:
        weights: "auto" (InceptionV3 where its weights file is found, else the
            random-conv fallback), "random" (the fallback), or an InceptionV3
            'notop' weights file.
        batch_size: Images per forward pass.

    Attributes:
        name: "inception" or "random-conv (fallback: no InceptionV3 weights file)".
    """

    def __init__(self, weights="auto", batch_size=50):
        self.batch_size = batch_size
        path = None
        if weights not in ("auto", "random"):
            path = features.find_inception_weights(weights)
        elif weights == "auto":
            try:
                path = features.find_inception_weights("auto")
            except UserError:
                path = None
        if path is not None:
            self.name = "inception"
            self.model = _inception(path)
        else:
            self.name = "random-conv (fallback: no InceptionV3 weights file)"
            self.model = _random_conv()

    def __call__(self, images):
        """`(n, h, w, c)` images in [-1, 1] -> float64 `(n, d)` features."""
        images = np.asarray(images, np.float32)
        if images.ndim != 4 or images.shape[-1] not in (1, 3):
            raise ValueError(f"images must be (n, h, w, 1 or 3), got shape {images.shape}")
        parts = []
        for start in range(0, len(images), self.batch_size):
            batch = images[start:start + self.batch_size]
            if batch.shape[-1] == 1:
                batch = np.repeat(batch, 3, axis=-1)
            parts.append(keras.ops.convert_to_numpy(self.model(batch, training=False)).astype(np.float64))
        return np.concatenate(parts)


def _inception(path):
    """InceptionV3's pooled features of images resized (bilinear) to 299x299."""
    return _resized(features.InceptionNetwork(path).model.layers[-1], features.INCEPTION_SIZE)


def _random_conv():
    """The fallback network: fixed He-normal weights drawn from `RANDOM_SEED`, never trained."""
    rng = np.random.default_rng(RANDOM_SEED)
    image = keras.Input(shape=(RANDOM_SIZE, RANDOM_SIZE, 3))
    x, channels = image, 3
    for filters in RANDOM_FILTERS:
        conv = keras.layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")
        x = conv(x)
        kernel = rng.normal(0.0, np.sqrt(2.0 / (9 * channels)), (3, 3, channels, filters)).astype(np.float32)
        conv.set_weights([kernel, np.zeros(filters, np.float32)])
        channels = filters
    pooled = keras.layers.Concatenate()([keras.layers.GlobalAveragePooling2D()(x),
                                         keras.layers.GlobalMaxPooling2D()(x)])
    return _resized(keras.Model(image, pooled), RANDOM_SIZE)


def _resized(network, size):
    """`network` behind a bilinear resize of any input size to `size` x `size` x 3."""
    image = keras.Input(shape=(None, None, 3))
    return keras.Model(image, network(keras.layers.Resizing(size, size, interpolation="bilinear")(image)))


def distribution_scores(real_features, fake_features, seed=0):
    """FD, KID and precision/recall/density/coverage of fake against real features (same network)."""
    kid, _ = metrics.kernel_distance(real_features, fake_features, num_subsets=20,
                                     subset_size=min(1000, len(real_features), len(fake_features)), seed=seed)
    scores = {"fd": metrics.frechet_distance(real_features, fake_features), "kid": kid}
    k = min(5, len(real_features) - 1, len(fake_features) - 1)
    scores.update(metrics.precision_recall_density_coverage(real_features, fake_features, k=k))
    return scores


def nearest_training(queries, train, count=1, exclude=None):
    """The `count` nearest training pictures of each query, in pixels (RMS difference on the [0, 1] scale).

    Args:
        queries: uint8 or [-1, 1] float `(q, h, w, c)`.
        train: uint8 `(n, h, w, c)` (e.g. the folder's memory-mapped cache), read `DISTANCE_ROWS` at a time.
        count: Neighbours kept per query.
        exclude: `(q,)` training row of each query to leave out (the query itself), or None.

    Returns:
        `(distances, rows)`: float64 `(q, count)` ascending, int64 `(q, count)`.
    """
    flat = _unit(queries).reshape(len(queries), -1)
    query_sq = np.sum(flat * flat, axis=1)
    best_d = np.full((len(flat), count), np.inf)
    best_i = np.zeros((len(flat), count), np.int64)
    for start in range(0, len(train), DISTANCE_ROWS):
        block = _unit(train[start:start + DISTANCE_ROWS]).reshape(-1, flat.shape[1])
        d = np.maximum(query_sq[:, None] + np.sum(block * block, axis=1)[None] - 2.0 * flat @ block.T, 0.0)
        if exclude is not None:
            rows = np.arange(start, start + len(block))
            d[exclude[:, None] == rows[None]] = np.inf
        d_all = np.concatenate([best_d, d], axis=1)
        i_all = np.concatenate([best_i, np.arange(start, start + len(block))[None].repeat(len(flat), 0)], axis=1)
        order = np.argsort(d_all, axis=1, kind="stable")[:, :count]
        best_d, best_i = np.take_along_axis(d_all, order, 1), np.take_along_axis(i_all, order, 1)
    pixels = flat.shape[1]
    return np.sqrt(best_d / pixels), best_i


def memorisation(samples, train, seed=0, max_queries=500, neighbours=1):
    """Sample-to-training distances beside training-to-training distances (the memorisation check).

    Args:
        samples: `(m, h, w, c)` generated images (uint8 or [-1, 1]).
        train: uint8 `(n, h, w, c)` training pictures, n >= 2.
        seed: Seed of the training pictures used as queries.
        max_queries: At most this many training pictures are compared with all the others.
        neighbours: Nearest training pictures kept per sample (in "rows").

    Returns:
        dict: "samples" and "training" (float64 arrays of nearest distances,
        RMS on [0, 1]); "threshold" (the training distances' 5% quantile);
        "near_share" (the share of samples nearer to a training picture than
        that: about 0.05 for samples as far from the data as real pictures are,
        near 1 for copies, or for blurred averages of many pictures);
        "rows" (`(m, neighbours)` the nearest training rows of each sample, nearest first).
    """
    sample_d, sample_rows = nearest_training(samples, train, count=neighbours)
    picked = np.sort(np.random.default_rng([seed, 11]).choice(len(train), min(max_queries, len(train)),
                                                              replace=False))
    train_d, _ = nearest_training(np.asarray(train[picked]), train, exclude=picked)
    threshold = float(np.quantile(train_d[:, 0], NEAR_QUANTILE))
    return {"samples": sample_d[:, 0], "training": train_d[:, 0], "threshold": threshold,
            "near_share": float(np.mean(sample_d[:, 0] < threshold)), "rows": sample_rows}


def distance_table(result):
    """Markdown: quantiles of the two distance distributions and the share of near samples."""
    quantiles = (0.0, 0.05, 0.25, 0.5, 0.75)
    head = "| distance to the nearest training picture | n | " + " | ".join(
        "min" if q == 0 else f"{int(q * 100)}%" for q in quantiles) + " |"
    lines = [head, "|---|---:|" + "---:|" * len(quantiles)]
    for name, values in (("samples", result["samples"]), ("training pictures (to another one)", result["training"])):
        lines.append(f"| {name} | {len(values):,} | " + " | ".join(f"{np.quantile(values, q):.4f}"
                                                                    for q in quantiles) + " |")
    lines += ["", f"{result['near_share']:.1%} of the samples are nearer to a training picture than 95% of the "
                  f"training pictures are to their nearest other one ({result['threshold']:.4f}). A GAN that draws "
                  f"new pictures as far from its data as real pictures are gives about 5%; far more means its "
                  f"samples sit unusually near training pictures: copies, or blurred averages of many (early in "
                  f"training). The nearest pictures (`nearest.png`) show which."]
    return lines


def _unit(images):
    """uint8 or [-1, 1] images as float32 on [0, 1]."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    return (np.clip(images.astype(np.float32), -1.0, 1.0) + 1.0) / 2.0
