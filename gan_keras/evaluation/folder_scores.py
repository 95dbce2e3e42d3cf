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
        self.n = max(2, min(int(n), len(images) // 2))
        self.seed = seed
        self.weights = weights
        self.rows = None
        self.network_name = None
        self.memorised = None

    def on_train_end(self, run):
        network = pictures.PictureNetwork(self.weights)
        self.network_name = network.name
        order = np.random.default_rng([self.seed, 13]).permutation(len(self.images))
        reference, floor = np.sort(order[:self.n]), np.sort(order[self.n:2 * self.n])
        real = network(from_uint8(np.asarray(self.images[reference])))
        centroids = None if self.labels is None else _centroids(real, self.labels[reference])
        floor_features = network(from_uint8(np.asarray(self.images[floor])))
        self.rows = [(f"training pictures, another {self.n:,} ({network.name})",
                      self._scores(real, floor_features, centroids, None if self.labels is None
                                   else self.labels[floor]))]
        rng = np.random.default_rng([self.seed, 14])
        labels = None if self.labels is None else self.labels[reference].astype(np.int32)
        noise = run.gan.sample_noise(rng, self.n)
        samples = None
        for name, _, gan in self.generators(run, run.gan.name):
            samples = np.clip(gan.to_tanh_range(gan.generate(noise, labels, batch_size=250)), -1.0, 1.0)
            self.rows.append((name, self._scores(real, network(samples), centroids, labels)))
        self.memorised = pictures.memorisation(to_uint8(samples), self.images, seed=self.seed)
        self._save_nearest(samples[:NEAREST_ROWS])
        fileio.write_text(os.path.join(self.output_dir, MEMORISATION_FILE), json.dumps({
            "generator": self.rows[-1][0], "features": network.name,
            "sample_distances": self.memorised["samples"].round(6).tolist(),
            "training_distances": self.memorised["training"].round(6).tolist(),
            "threshold": self.memorised["threshold"], "near_share": self.memorised["near_share"]}))
        self.save_rows(run)
        print(f"memorisation check: {self.memorised['near_share']:.1%} of the samples are nearer to a training "
              f"picture than 95% of the training pictures are to another one (about 5%: no copying); "
              f"{os.path.join(self.output_dir, NEAREST_FILE)}, {MEMORISATION_FILE}")

    def _scores(self, real, fake, centroids, labels):
        scores = pictures.distribution_scores(real, fake, seed=self.seed)
        if centroids is not None:
            scores["class_accuracy"] = float(np.mean(_nearest_class(fake, centroids) == labels))
        return scores

    def _save_nearest(self, samples):
        _, rows = pictures.nearest_training(samples, self.images, count=NEIGHBOURS)
        tiles = []
        for sample, near in zip(samples, rows):
            tiles.append(sample)
            tiles.extend(from_uint8(np.asarray(self.images[near])))
        plotting.save_image_grid(np.stack(tiles), os.path.join(self.output_dir, NEAREST_FILE), rows=len(samples),
                                 cols=NEIGHBOURS + 1)

    def report_lines(self):
        if not self.rows:
            return []
        lines = ["", f"## {self.title}", "", f"Features: **{self.network_name}** (compare FD and KID only within "
                 f"one feature network and one n). n = {self.n:,} samples against {self.n:,} training pictures.", "",
                 metrics_markdown(self.rows)]
        if self.labels is not None:
            lines += ["", "class acc.: the share of samples whose nearest class mean (of the training pictures' "
                          "features) is the class asked for; the first row is that of real pictures."]
        lines += ["", "## Memorisation check", "", f"Of `{self.rows[-1][0]}`:", ""]
        lines += pictures.distance_table(self.memorised)
        lines += ["", f"![nearest training pictures]({NEAREST_FILE})", "",
                  f"`{NEAREST_FILE}`: each row, one sample (left) and its {NEIGHBOURS} nearest training pictures "
                  f"(in pixels). Distances: `{MEMORISATION_FILE}`."]
        return lines


def _centroids(features, labels):
    """`(classes, d)` mean features of each class (NaN rows for a class with no picture)."""
    classes = int(labels.max()) + 1
    return np.stack([features[labels == c].mean(axis=0) if np.any(labels == c) else
                     np.full(features.shape[1], np.nan) for c in range(classes)])


def _nearest_class(features, centroids):
    distances = np.sum((features[:, None, :] - centroids[None]) ** 2, axis=-1)
    return np.argmin(np.where(np.isnan(distances), np.inf, distances), axis=1)
