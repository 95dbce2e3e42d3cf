"""Scoring a text-to-image generator (StackGAN) on the held-out captions, at the end of its run.

`CaptionEvaluation` draws one image for each caption of the test split,
writes the arrays (`test_outputs.npz`: `captions`, `labels`, `outputs`,
uint8, for Stage-II `stage1_outputs`, and with `--ema` the averaged
generator's `ema_outputs`, drawn from the same noise), and scores them and
honest baselines side by side (`test_metrics.json`, `report.md`); the
measures and baselines are `gan_keras.evaluation.captioned`'s.
"""

import os

import numpy as np

from gan_keras.core import fileio
from gan_keras.core.pixels import to_uint8
from gan_keras.evaluation.captioned import (DIVERSITY_SAMPLES, attribute_agreement, enlarged,
                                            mean_pairwise_distance)
from gan_keras.evaluation.translation import OUTPUTS_FILE
from gan_keras.runs.scoring.held_out import HeldOutEvaluation


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
        self.rows += [(name, self.measure(enlarged(images), [enlarged(g) for g in groups]))
                      for name, images, groups in scored]
        self.save_rows(run)
