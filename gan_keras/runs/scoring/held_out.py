"""Scoring at the end of a run on held-out data: what every end-of-run scorer shares, and image-to-image GANs'.

At the end of a run `TranslationEvaluation` translates every held-out input,
writes the arrays (`test_outputs.npz`: `inputs`, `outputs`, `targets`,
`labels`, uint8, so anyone can recompute the numbers), scores the outputs
and honest baselines side by side (`test_metrics.json`, with the measures of
`gan_keras.evaluation.translation`) and adds the table to `report.md`. A run
with an averaged generator (`--ema`) has it scored too, in a row of its own
(`ema_outputs` in the arrays).
"""

import json
import os

import numpy as np

from gan_keras.core import fileio
from gan_keras.core.pixels import to_uint8
from gan_keras.evaluation.translation import (METRICS_FILE, OUTPUTS_FILE, OUTPUTS_FOLDER, finite_or_none,
                                              metrics_markdown)
from gan_keras.sampling import plotting
from gan_keras.training.callbacks import generator_of
from gan_keras.training.loop import Callback


class HeldOutEvaluation(Callback):
    """What every end-of-run scorer shares: its `rows` of `(name, metrics)`, in `test_metrics.json` and `report.md`.

    Attributes:
        output_dir: The run folder.
        title: Heading of the report section.
        rows: The scored rows, once the run has ended.
    """

    output_dir = None
    title = "Held-out test"
    rows = None

    @staticmethod
    def generators(run, name):
        """The generators to score at the end of `run`: `[(row name, array prefix, GAN)]`.

        The generator (prefix "") and, with `--ema`, the averaged generator
        (prefix "ema_", its BatchNormalization statistics re-estimated, see
        `generator_of`), so both are scored by one code path.

        Args:
            run: The finished `TrainingRun`.
            name: The generator's row name, e.g. "Stage-II" or "pix2pix";
                the step is added.
        """
        scored = [(f"{name} (step {run.step})", "", run.gan)]
        if run.gan.ema is not None:
            scored.append((f"{name}, averaged generator (step {run.step})", "ema_", generator_of(run, True)))
        return scored

    def save_rows(self, run):
        """Writes `rows` to `test_metrics.json` (non-finite numbers as null) and prints their table."""
        fileio.write_text(os.path.join(self.output_dir, METRICS_FILE),
                          json.dumps({"step": run.step, "rows": [{"name": n, **finite_or_none(m)}
                                                                 for n, m in self.rows]}, indent=1))
        print(metrics_markdown(self.rows))

    def report_lines(self):
        if not self.rows:
            return []
        return ["", f"## {self.title}", "", metrics_markdown(self.rows), "",
                f"Arrays: `{OUTPUTS_FILE}`; numbers: `{METRICS_FILE}`."]


class TranslationEvaluation(HeldOutEvaluation):
    """At the end of a finished run: translate held-out inputs, save them, score them and the baselines.

    With `--ema` the averaged generator translates them too and gets its own
    row (`ema_outputs` in `test_outputs.npz`; `ema_NAME.png` for whole
    photographs).

    Args:
        output_dir: The run folder.
        inputs: `(n, ...)` held-out generator inputs in [-1, 1].
        targets: `(n, ...)` the real images they were made from, in [-1, 1].
        measure: `(outputs, targets) -> dict of floats`.
        baselines: `(name, images)` pairs scored the same way (e.g. the inputs
            enlarged bicubically, or the targets themselves), in report order.
        labels: Optional `(n,)` classes, saved and passed to `measure` as
            `labels=`; for lists of images (of different sizes) their names,
            used for the output PNGs.
        title: Heading of the report section.
    """

    def __init__(self, output_dir, inputs, targets, measure, baselines=(), labels=None, title="Held-out test"):
        self.output_dir = output_dir
        self.inputs = inputs
        self.targets = targets
        self.measure = measure
        self.baselines = list(baselines)
        self.labels = labels
        self.title = title
        self.rows = None

    def on_train_end(self, run):
        kwargs = {} if self.labels is None or isinstance(self.inputs, list) else {"labels": self.labels}
        arrays = {} if isinstance(self.inputs, list) else {"inputs": to_uint8(self.inputs),
                                                          "targets": to_uint8(self.targets)}
        self.rows = [(name, self.measure(images, self.targets, **kwargs)) for name, images in self.baselines]
        for name, prefix, gan in self.generators(run, run.gan.name):
            if isinstance(self.inputs, list):  # images of different sizes (whole photographs): one at a time, PNGs
                outputs = [gan.to_tanh_range(gan.generate(None, image[None]))[0] for image in self.inputs]
                folder = os.path.join(self.output_dir, OUTPUTS_FOLDER)
                os.makedirs(folder, exist_ok=True)
                for label, image in zip(self.labels, outputs):
                    plotting.save_image(image, os.path.join(folder, f"{prefix}{label}.png"))
            else:
                outputs = gan.to_tanh_range(gan.generate(None, self.inputs))
                arrays[prefix + "outputs"] = to_uint8(outputs)
            self.rows.append((name, self.measure(outputs, self.targets, **kwargs)))
        if arrays:
            if self.labels is not None:
                arrays["labels"] = np.asarray(self.labels, np.int32)
            with fileio.atomic_write(os.path.join(self.output_dir, OUTPUTS_FILE), "wb") as f:
                np.savez_compressed(f, **arrays)
        self.save_rows(run)
