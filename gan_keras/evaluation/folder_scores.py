"""The end-of-run scores of a GAN trained on a folder of pictures, and its memorisation check.

At the end of a `--dataset folder` run of the DCGAN or the conditional GAN,
`FolderEvaluation`:

* draws `n` samples of the generator (and of the averaged generator, with
  `--ema`; a conditional GAN draws the training set's labels) and scores them
  against `n` training pictures in a picture network's features
  (`gan_keras.evaluation.pictures.PictureNetwork`: InceptionV3 where its
  weights file is, else the named random-conv fallback): FD, KID, precision,
  recall, density, coverage; a conditional GAN also gets its class accuracy
  by the nearest class mean of those features;
* scores `n` other training pictures the same way, the honest floor (what
  real pictures of the folder get);
* makes the memorisation check of the last generator scored: the distances
  of its samples to their nearest training picture beside those of training
  pictures to their nearest other one (`pictures.memorisation`), and
  `nearest.png`: each of 8 samples (left) beside its 5 nearest training
  pictures.

Everything goes to `test_metrics.json`, `memorisation.json`, `nearest.png`
and the run's report.
"""


import numpy as np

from gan_keras.core.pixels import from_uint8, to_uint8
from gan_keras.evaluation import pictures
from gan_keras.sampling import plotting

NEAREST_FILE = "nearest.png"
MEMORISATION_FILE = "memorisation.json"
NEAREST_ROWS = 8
NEIGHBOURS = 5


def score_folder(images, labels, samplers, noise_of, n, seed=0, weights="auto"):
    """Scores generators against a folder's pictures in picture features, with the real floor and memorisation.

    Args:
        images: uint8 `(N, s, s, c)` training pictures.
        labels: `(N,)` int class labels of a conditional generator, else None.
        samplers: `[(name, draw)]`, `draw(noise, labels) -> (n, s, s, c)` images in [-1, 1].
        noise_of: `(rng, n) -> (n, latent_dim)` noise.
        n: Samples per generator and training pictures per reference (at most N // 2).
        seed: Seed of the noise and of the pictures drawn.
        weights: `PictureNetwork` weights.

    Returns:
        `(network name, rows, last generator's samples, memorisation of them)`; rows are
        `[(name, metrics)]`, the real floor first; without samplers the last two are None.
    """
    n = scored_count(n, len(images))
    network = pictures.PictureNetwork(weights)
    order = np.random.default_rng([seed, 13]).permutation(len(images))
    reference, floor = np.sort(order[:n]), np.sort(order[n:2 * n])
    real = network(from_uint8(np.asarray(images[reference])))
    centroids = None if labels is None else _centroids(real, labels[reference])

    def scores(fake, fake_labels):
        result = pictures.distribution_scores(real, fake, seed=seed)
        if centroids is not None:
            right = _nearest_class(fake, centroids) == fake_labels
            result["class_accuracy"] = float(np.mean(right))
            result["per_class"] = [float(np.mean(right[fake_labels == c])) if np.any(fake_labels == c) else None
                                   for c in range(len(centroids))]
        return result

    rows = [(f"training pictures, another {n:,}",
             scores(network(from_uint8(np.asarray(images[floor]))), None if labels is None else labels[floor]))]
    asked = None if labels is None else labels[reference].astype(np.int32)  # the training set's class shares
    noise = noise_of(np.random.default_rng([seed, 14]), n)
    samples = None
    for name, draw in samplers:
        samples = np.clip(draw(noise, asked), -1.0, 1.0)
        rows.append((name, scores(network(samples), asked)))
    memorised = None if samples is None else pictures.memorisation(to_uint8(samples), images, seed=seed,
                                                                   neighbours=NEIGHBOURS)
    return network.name, rows, samples, memorised


def scored_count(n, pictures_in_folder):
    """Samples scored per generator: `n`, at most half the pictures (the reference and the floor are disjoint)."""
    return max(2, min(int(n), pictures_in_folder // 2))


def save_nearest(samples, images, memorised, path):
    """`path` (PNG): each sample (left) beside its nearest training pictures (`memorised["rows"]`), in pixels."""
    tiles = []
    for sample, near in zip(samples, memorised["rows"]):
        tiles.append(sample)
        tiles.extend(from_uint8(np.asarray(images[near])))
    plotting.save_image_grid(np.stack(tiles), path, rows=len(samples), cols=memorised["rows"].shape[1] + 1)


def memorisation_json(result, generator, features):
    """The memorisation check as JSON-ready data (`memorisation.json`)."""
    return {"generator": generator, "features": features, "threshold": result["threshold"],
            "near_share": result["near_share"], "sample_distances": result["samples"].round(6).tolist(),
            "training_distances": result["training"].round(6).tolist()}


def _centroids(features, labels):
    """`(classes, d)` mean features of each class (NaN rows for a class with no picture)."""
    classes = int(labels.max()) + 1
    return np.stack([features[labels == c].mean(axis=0) if np.any(labels == c) else
                     np.full(features.shape[1], np.nan) for c in range(classes)])


def _nearest_class(features, centroids):
    distances = np.sum((features[:, None, :] - centroids[None]) ** 2, axis=-1)
    return np.argmin(np.where(np.isnan(distances), np.inf, distances), axis=1)
