"""The end-of-run scores of a GAN trained on a folder of pictures, with its memorisation check.

At the end of a `--dataset folder` run of the DCGAN or the conditional GAN,
`FolderEvaluation` scores the generator (and the averaged one) and the
honest floor in picture features, and makes the memorisation check
(`gan_keras.evaluation.folder_scores.score_folder`); everything goes to
`test_metrics.json`, `memorisation.json`, `nearest.png` and the run's report.
"""

import json
import os

import numpy as np

from gan_keras.core import fileio
from gan_keras.evaluation import pictures
from gan_keras.evaluation.folder_scores import (MEMORISATION_FILE, NEAREST_FILE, NEAREST_ROWS, NEIGHBOURS,
                                                memorisation_json, save_nearest, score_folder, scored_count)
from gan_keras.evaluation.translation import metrics_markdown
from gan_keras.runs.scoring.held_out import HeldOutEvaluation


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
