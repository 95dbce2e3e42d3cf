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

import numpy as np
from scipy.spatial.distance import pdist

from gan_keras.data import resize

DIVERSITY_SAMPLES = 100


def attribute_agreement(levels, wanted):
    """Share of images whose measured level equals the caption's, per attribute: `(n, k)` x2 -> `(k,)` floats."""
    return np.mean(np.asarray(levels) == np.asarray(wanted), axis=0)


def mean_pairwise_distance(features):
    """Mean Euclidean distance between all pairs of rows of `(n, d)` features (n >= 2)."""

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
    rows.insert(1, (f"{name}, at 14x14 (enlarged)", enlarged(resize.downscale_mean(chosen, 2)),
                    [enlarged(resize.downscale_mean(g, 2)) for g in groups]))
    return rows


def enlarged(images):
    """14x14 images enlarged bicubically to 28x28 (28x28 images unchanged)."""
    images = np.asarray(images, np.float32)
    if images.shape[1] == 28:
        return images
    return np.clip(resize.bicubic_upscale(images, 28 // images.shape[1]), -1.0, 1.0)
