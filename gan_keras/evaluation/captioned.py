"""Scoring a text-to-image generator (StackGAN) on the held-out captions.

At the end of a run `CaptionEvaluation` draws one image for each caption of
the test split, writes the arrays (`test_outputs.npz`: `captions`, `labels`,
`outputs`, uint8, for Stage-II `stage1_outputs`, and with `--ema` the
averaged generator's `ema_outputs`, drawn from the same noise), and scores
them and honest baselines side by side (`test_metrics.json`, `report.md`):

* class accuracy: the shipped classifier names the caption's class;
* brightness / width agreement: the attribute levels measured on the image
  (`gan_keras.data.captions`) equal the caption's;
* FD / KID against the 10,000 real test images (classifier features);
* diversity: for each fixed caption of the sample grids, the mean pairwise
  distance of 100 samples' classifier features, averaged over the captions
  (what conditioning augmentation is for: without it one caption tends to
  give one image).

Baselines, drawn from the training split (images the FD reference does not
hold): real images of the caption's class with the caption's attributes
(what a perfect generator gets), the same at 14x14 enlarged back (what a
perfect Stage-I gets once enlarged: the classifier and FD see blur), and real
images of the caption's class with any attributes (attribute agreement at
chance: a generator that draws the class and ignores the attributes).
"""

import os

import numpy as np

from gan_keras.core.pixels import to_uint8
from gan_keras.core import fileio
from gan_keras.data import resize
from gan_keras.evaluation.translation import OUTPUTS_FILE, HeldOutEvaluation

DIVERSITY_SAMPLES = 100


def attribute_agreement(levels, wanted):
    """Share of images whose measured level equals the caption's, per attribute: `(n, k)` x2 -> `(k,)` floats."""
    return np.mean(np.asarray(levels) == np.asarray(wanted), axis=0)


def mean_pairwise_distance(features):
    """Mean Euclidean distance between all pairs of rows of `(n, d)` features (n >= 2)."""
    from scipy.spatial.distance import pdist

    return float(np.mean(pdist(np.asarray(features, np.float64))))


def real_baselines(train, test, preview, seed=0):
    """Real training images standing in for generated ones, as `(name, images, preview groups)`.

    Args:
        train: `(images, labels, levels)` of the training split.
        test: `(labels, levels)` of the held-out captions.
        preview: `(labels, levels)` of the grids' fixed captions.
        seed: Seed of the draws.

    Returns:
        Three baselines: "real, caption's class and attributes", the same
        images at 14x14 enlarged back (what Stage-I can reach), and "real,
        caption's class, any attributes"; each with one image per test
        caption and, per fixed caption, up to `DIVERSITY_SAMPLES` images.
    """
    images, labels, levels = train
    rng = np.random.default_rng([seed, 7])
    by_class = {c: np.flatnonzero(labels == c) for c in np.unique(labels)}
    by_caption = {}
    for i, key in enumerate(zip(labels.tolist(), map(tuple, levels.tolist()))):
        by_caption.setdefault(key, []).append(i)
    rows = []
    for name, match_levels in (("real images, caption's class and attributes", True),
                               ("real images, caption's class, any attributes", False)):
        def pool(label, level):  # falls back to the class where no image has the caption's attributes
            found = by_caption.get((int(label), tuple(int(v) for v in level))) if match_levels else None
            return found if found else by_class[label]

        chosen = np.array([rng.choice(pool(c, v)) for c, v in zip(*test)])
        groups = []
        for c, v in zip(*preview):
            candidates = pool(c, v)
            groups.append(images[rng.choice(candidates, min(DIVERSITY_SAMPLES, len(candidates)), replace=False)])
        rows.append((name, images[chosen], groups))
    # What Stage-I can reach: the same real images at its 14x14, enlarged as its samples are.
    name, chosen, groups = rows[0]
    rows.insert(1, (f"{name}, at 14x14 (enlarged)", _enlarged(resize.downscale_mean(chosen, 2)),
                    [_enlarged(resize.downscale_mean(g, 2)) for g in groups]))
    return rows


class CaptionEvaluation(HeldOutEvaluation):
    """At the end of a finished run: one image per held-out caption, saved and scored with the baselines.

    Args:
        output_dir: The run folder.
        texts: `(n,)` held-out captions.
        vectors: `(n, d)` their text vectors.
        labels: `(n,)` their classes.
        levels: `(n, 2)` their attribute levels.
        thresholds: `AttributeThresholds` to measure the images' levels with.
        preview: `(vectors (r, d), labels (r,))` of the grids' fixed captions (diversity).
        baselines: `(name, images (n, 28, 28, 1), groups)` rows (`real_baselines`).
        evaluator: A callable returning the `Evaluator` on the test split
            (called at the end of the run, so that it is built only then and
            can be shared by both stages).
        seed: Seed of the noise.
        names: `(this stage's row, the previous stage's row)` names in the table.
        title: Heading of the report section.
    """

    def __init__(self, output_dir, texts, vectors, labels, levels, thresholds, preview, baselines, evaluator, seed=0,
                 names=("generator", "previous stage"), title="Held-out test captions"):
        self.output_dir = output_dir
        self.texts = np.asarray(texts)
        self.vectors = np.asarray(vectors, np.float32)
        self.labels = np.asarray(labels, np.int32)
        self.levels = np.asarray(levels, np.int32)
        self.thresholds = thresholds
        self.preview = preview
        self.baselines = baselines
        self.evaluator = evaluator
        self.seed = seed
        self.names = names
        self.title = title
        self.rows = None

    def measure(self, images, groups):
        """Metrics of `(n, 28, 28, 1)` images for the held-out captions, and diversity of the per-caption groups."""
        evaluator = self.evaluator()
        scores = evaluator.evaluate(images, self.labels)
        agreement = attribute_agreement(self.thresholds.levels(images, self.labels), self.levels)
        diversity = [mean_pairwise_distance(evaluator.embed(group)[0]) for group in groups if len(group) > 1]
        return {"class_accuracy": scores["conditional_accuracy"], "brightness_agreement": float(agreement[0]),
                "width_agreement": float(agreement[1]), "fd": scores["fd"], "kid": scores["kid"],
                "diversity": float(np.mean(diversity)) if diversity else float("nan"), "n": len(images)}

    def on_train_end(self, run):
        gan = run.gan
        rng = np.random.default_rng([self.seed, 0, 1])  # training draws from (seed, step >= 1)
        noise = gan.sample_noise(rng, len(self.vectors))
        group_noise = gan.sample_noise(rng, DIVERSITY_SAMPLES)
        group_vectors = [np.repeat(v[None], DIVERSITY_SAMPLES, axis=0) for v in np.asarray(self.preview[0], np.float32)]
        arrays = {"captions": self.texts, "labels": self.labels}
        scored = []
        if gan.previous_stage is not None:  # frozen: the same for the generator and its average
            before = gan.to_tanh_range(gan.generate_previous_stage(noise, self.vectors, batch_size=1000))
            arrays["stage1_outputs"] = to_uint8(before)
            scored.append((f"{self.names[1]} (same noise)", before,
                           [gan.to_tanh_range(gan.generate_previous_stage(group_noise, v)) for v in group_vectors]))
        for name, prefix, drawing in self.generators(run, self.names[0]):  # the same noise for each
            outputs = drawing.to_tanh_range(drawing.generate(noise, self.vectors, batch_size=1000))
            arrays[prefix + "outputs"] = to_uint8(outputs)
            scored.append((name, outputs, [drawing.to_tanh_range(drawing.generate(group_noise, v))
                                           for v in group_vectors]))
        with fileio.atomic_write(os.path.join(self.output_dir, OUTPUTS_FILE), "wb") as f:
            np.savez_compressed(f, **arrays)
        self.rows = [(name, self.measure(images, groups)) for name, images, groups in self.baselines]
        self.rows += [(name, self.measure(_enlarged(images), [_enlarged(g) for g in groups]))
                      for name, images, groups in scored]
        self.save_rows(run)


def _enlarged(images):
    """14x14 images enlarged bicubically to 28x28 (28x28 images unchanged)."""
    images = np.asarray(images, np.float32)
    if images.shape[1] == 28:
        return images
    return np.clip(resize.bicubic_upscale(images, 28 // images.shape[1]), -1.0, 1.0)
