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

import json
import os

import numpy as np

from gan_keras.core import fileio
from gan_keras.core.pixels import from_uint8, to_uint8
from gan_keras.evaluation import pictures
from gan_keras.evaluation.translation import HeldOutEvaluation, metrics_markdown
from gan_keras.sampling import plotting

NEAREST_FILE = "nearest.png"
MEMORISATION_FILE = "memorisation.json"
NEAREST_ROWS = 8
NEIGHBOURS = 5


class FolderEvaluation(HeldOutEvaluation):
    """At the end of a folder run: scores in picture features, the real floor, and the memorisation check.

    Args:
        output_dir: The run folder.
        images: uint8 `(N, s, s, c)` training pictures (the folder's cache).
        labels: `(N,)` int class labels of a conditional GAN, else None.
        class_names: The classes' names, or None.
        n: Samples scored per generator (at most half the training pictures).
        seed: Seed of the samples and of the training pictures drawn.
        weights: `PictureNetwork` weights: "auto", "random" or a file.
    """

    title = "Scores in picture features"

    def __init__(self, output_dir, images, labels=None, class_names=None, n=2000, seed=0, weights="auto"):
        self.output_dir = output_dir
        self.images = images
        self.labels = None if labels is None else np.asarray(labels)
        self.class_names = class_names
        self.n = scored_count(n, len(images))
        self.seed = seed
        self.weights = weights
        self.rows = None
        self.network_name = None
        self.memorised = None

    def on_train_end(self, run):
        def sampler(gan):
            def draw(noise, labels):
                return gan.to_tanh_range(gan.generate(noise, labels, batch_size=250))
            return draw

        samplers = [(name, sampler(gan)) for name, _, gan in self.generators(run, run.gan.name)]
        scores = score_folder(self.images, self.labels, samplers, run.gan.sample_noise, n=self.n, seed=self.seed,
                              weights=self.weights)
        self.network_name, self.rows, samples, self.memorised = scores
        save_nearest(samples[:NEAREST_ROWS], self.images, self.memorised, os.path.join(self.output_dir, NEAREST_FILE))
        fileio.write_text(os.path.join(self.output_dir, MEMORISATION_FILE),
                          json.dumps(memorisation_json(self.memorised, self.rows[-1][0], self.network_name)))
        self.save_rows(run)
        print(f"memorisation check: {self.memorised['near_share']:.1%} of the samples are nearer to a training "
              f"picture than 95% of the training pictures are to another one (about 5% for new pictures); "
              f"{os.path.join(self.output_dir, NEAREST_FILE)}, {MEMORISATION_FILE}")

    def report_lines(self):
        if not self.rows:
            return []
        lines = ["", f"## {self.title}", "", f"Features: **{self.network_name}** (compare FD and KID only within "
                 f"one feature network and one n). n = {self.n:,} samples against {self.n:,} training pictures.", "",
                 metrics_markdown(self.rows)]
        if self.labels is not None:
            lines += ["", "class acc.: the share of samples whose nearest class mean (of the training pictures' "
                          "features) is the class asked for; the first row is that of real pictures.", "",
                      "| class | " + " | ".join(name for name, _ in self.rows) + " |",
                      "|---|" + "---:|" * len(self.rows)]
            for c, name in enumerate(self.class_names or range(len(self.rows[0][1]["per_class"]))):
                cells = [metrics["per_class"][c] for _, metrics in self.rows]
                lines.append(f"| {c} {name} | " + " | ".join("-" if v is None else f"{v:.3f}" for v in cells) + " |")
        lines += ["", "## Memorisation check", "", f"Of `{self.rows[-1][0]}`:", ""]
        lines += pictures.distance_table(self.memorised)
        lines += ["", f"![nearest training pictures]({NEAREST_FILE})", "",
                  f"`{NEAREST_FILE}`: each row, one sample (left) and its {NEIGHBOURS} nearest training pictures "
                  f"(in pixels). Distances: `{MEMORISATION_FILE}`."]
        return lines


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
