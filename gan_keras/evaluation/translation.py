"""Scoring image-to-image generators on held-out pairs: pix2pix (edges -> images) and SRGAN (small -> large).

At the end of a run `TranslationEvaluation` translates every held-out input,
writes the arrays (`test_outputs.npz`: `inputs`, `outputs`, `targets`,
`labels`, uint8, so anyone can recompute the numbers), scores the outputs
and honest baselines side by side (`test_metrics.json`) and adds the table to
`report.md`. A run with an averaged generator (`--ema`) has it scored too,
in a row of its own (`ema_outputs` in the arrays).
"""

import json
import math
import os

import numpy as np

from gan_keras.core.pixels import to_uint8
from gan_keras.core import fileio
from gan_keras.sampling import plotting
from gan_keras.evaluation import image_quality
from gan_keras.evaluation.evaluator import Evaluator
from gan_keras.training.callbacks import generator_of
from gan_keras.training.loop import Callback

OUTPUTS_FILE = "test_outputs.npz"
OUTPUTS_FOLDER = "test_outputs"  # PNGs, for held-out images of different sizes
METRICS_FILE = "test_metrics.json"


def fashion_translation_metrics(outputs, targets, labels=None, classes=None, seed=0, data_dir=None,
                                evaluator=None, ssim_border=0):
    """Metrics of 28x28 grey outputs against their targets and against the real test images.

    Args:
        outputs: `(n, 28, 28, 1)` generated images in [-1, 1].
        targets: `(n, 28, 28, 1)` the real images the inputs were made from.
        labels: `(n,)` classes of the targets; adds "class_accuracy" (the
            shipped classifier's accuracy on them).
        classes: Classes of the reference test images for FD/KID (None: all).
        seed: Seed of the reference subset and KID.
        data_dir: Where Fashion-MNIST is (see `gan_keras.data.datasets`).
        evaluator: An `Evaluator` to reuse (built from the other arguments otherwise).
        ssim_border: Pixels cropped from each side before PSNR/SSIM.

    Returns:
        dict of floats: l1 (mean absolute error on the [0, 1] scale), psnr
        (dB), ssim, fd, kid, class_accuracy (with labels), n.
    """
    outputs = np.clip(np.asarray(outputs, np.float32), -1, 1)
    targets = np.asarray(targets, np.float32)
    evaluator = evaluator or Evaluator("test", n=len(outputs), classes=classes, seed=seed, data_dir=data_dir,
                                       kid_subsets=20)
    scores = evaluator.evaluate(outputs, labels)
    result = {
        "l1": float(np.mean(np.abs(outputs - targets)) / 2.0),
        "psnr": image_quality.psnr(targets, outputs, border=ssim_border),
        "ssim": image_quality.ssim(targets, outputs, border=ssim_border),
        "fd": scores["fd"],
        "kid": scores["kid"],
        "n": len(outputs),
    }
    if labels is not None:
        result["class_accuracy"] = scores["conditional_accuracy"]
    return result


def fashion_measure(classes=None, seed=0, data_dir=None):
    """A `measure` for `TranslationEvaluation` of 28x28 outputs (`fashion_translation_metrics`).

    Its `Evaluator` (classifier and reference features) is built at the first
    call, at the end of the run, and reused for the baselines.

    Args:
        classes, seed, data_dir: As for `fashion_translation_metrics`.

    Returns:
        `(images, reference, labels=None) -> dict of floats`.
    """
    evaluators = []

    def measure(images, reference, labels=None):
        if not evaluators:
            evaluators.append(Evaluator("test", n=len(images), classes=classes, seed=seed, data_dir=data_dir,
                                        kid_subsets=20))
        return fashion_translation_metrics(images, reference, labels, evaluator=evaluators[0])

    return measure


def picture_measure(seed=0, weights="auto"):
    """A `measure` for `TranslationEvaluation` of a folder's picture pairs: L1, PSNR, SSIM, and FD/KID in features.

    FD and KID compare the outputs with the held-out targets in a picture
    network's features (`gan_keras.evaluation.pictures.PictureNetwork`,
    built at the first call; its name is added to every row as "features").

    Returns:
        `(images, reference, labels=None) -> dict`.
    """
    # The feature network loads at the end of the run, not while flags are parsed.
    from gan_keras.evaluation import pictures

    networks = []

    def measure(images, reference, labels=None):
        if not networks:
            networks.append(pictures.PictureNetwork(weights))
        network = networks[0]
        images, reference = np.clip(np.asarray(images, np.float32), -1, 1), np.asarray(reference, np.float32)
        result = {"l1": float(np.mean(np.abs(images - reference)) / 2.0),
                  "psnr": image_quality.psnr(reference, images), "ssim": image_quality.ssim(reference, images),
                  "n": len(images), "features": network.name}
        if len(images) >= 2:
            result.update(pictures.distribution_scores(network(reference), network(images), seed=seed))
        return result

    return measure


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
                          json.dumps({"step": run.step, "rows": [{"name": n, **_finite_or_none(m)}
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


COLUMNS = (("l1", "L1", "{:.4f}"), ("psnr", "PSNR (dB)", "{:.2f}"), ("ssim", "SSIM", "{:.4f}"),
           ("class_accuracy", "class acc.", "{:.3f}"), ("brightness_agreement", "brightness agr.", "{:.3f}"),
           ("width_agreement", "width agr.", "{:.3f}"), ("fd", "FD", "{:.2f}"), ("kid", "KID", "{:.4g}"),
           ("diversity", "diversity", "{:.2f}"), ("sharpness", "sharpness", "{:.3f}"),
           ("precision", "precision", "{:.3f}"), ("recall", "recall", "{:.3f}"), ("coverage", "coverage", "{:.3f}"))


def _finite_or_none(metrics):
    return {k: (float(v) if math.isfinite(v) else None) if isinstance(v, (float, np.floating)) else v
            for k, v in metrics.items()}


def metrics_markdown(rows):
    """A markdown table of `(name, metrics)` rows; columns no row has are left out."""
    columns = [c for c in COLUMNS if any(c[0] in m for _, m in rows)]
    lines = ["| images | " + " | ".join(h for _, h, _ in columns) + " |", "|---|" + "---:|" * len(columns)]
    for name, metrics in rows:
        cells = [fmt.format(metrics[key]) if key in metrics and math.isfinite(metrics[key]) else "-"
                 for key, _, fmt in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def combine_phase_reports(output_dir, phases):
    """One table of every phase's held-out metrics (baselines once), in `DIR/report.md` and `DIR/test_metrics.json`.

    Args:
        output_dir: The folder holding one run folder per phase.
        phases: The phases' folder names, in order (e.g. "srresnet", "srgan").

    Returns:
        The rows `(name, metrics)`.
    """
    rows, seen = [], set()
    for phase in phases:
        with open(os.path.join(output_dir, phase, METRICS_FILE)) as f:
            for row in json.load(f)["rows"]:
                name = row.pop("name")
                if name not in seen:
                    seen.add(name)
                    rows.append((name, {k: (math.nan if v is None else v) for k, v in row.items()}))
    fileio.write_text(os.path.join(output_dir, METRICS_FILE),
                      json.dumps({"rows": [{"name": n, **_finite_or_none(m)} for n, m in rows]}, indent=1))
    lines = ["# Held-out results of every phase", "", metrics_markdown(rows), "",
             "Each phase's run (history, grids, checkpoint, generator, report) is in its folder: "
             + ", ".join(f"[{p}]({p}/report.md)" for p in phases) + "."]
    fileio.write_text(os.path.join(output_dir, "report.md"), "\n".join(lines) + "\n")
    print(metrics_markdown(rows))
    return rows
