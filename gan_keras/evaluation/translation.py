"""Scoring image-to-image generators on held-out pairs: pix2pix (edges -> images) and SRGAN (small -> large).

At the end of a run `TranslationEvaluation` translates every held-out input,
writes the arrays (`test_outputs.npz`: `inputs`, `outputs`, `targets`,
`labels`, uint8, so anyone can recompute the numbers), scores the outputs
and honest baselines side by side (`test_metrics.json`) and adds the table to
`report.md`. A run with an averaged generator (`--ema`) has it scored too,
in a row of its own (`ema_outputs` in the arrays).
"""

import math

import numpy as np

from gan_keras.evaluation import image_quality
from gan_keras.evaluation.evaluator import Evaluator

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


COLUMNS = (("l1", "L1", "{:.4f}"), ("psnr", "PSNR (dB)", "{:.2f}"), ("ssim", "SSIM", "{:.4f}"),
           ("class_accuracy", "class acc.", "{:.3f}"), ("brightness_agreement", "brightness agr.", "{:.3f}"),
           ("width_agreement", "width agr.", "{:.3f}"), ("fd", "FD", "{:.2f}"), ("kid", "KID", "{:.4g}"),
           ("diversity", "diversity", "{:.2f}"), ("sharpness", "sharpness", "{:.3f}"),
           ("precision", "precision", "{:.3f}"), ("recall", "recall", "{:.3f}"), ("coverage", "coverage", "{:.3f}"))


def finite_or_none(metrics):
    """`metrics` with non-finite numbers as None (JSON's null)."""
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
