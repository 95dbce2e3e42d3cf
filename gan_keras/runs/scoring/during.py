"""Evaluation during training: metrics into the history, the best generator kept."""

import json
import math
import os

import numpy as np
from tqdm import tqdm

from gan_keras.core import fileio
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.data.datasets import FASHION_CLASSES
from gan_keras.evaluation.evaluator import FIELDS, Evaluator
from gan_keras.sampling import artifact
from gan_keras.training.callbacks import generator_of
from gan_keras.training.loop import Callback

EMA_FIELDS = tuple(f"ema_{name}" for name in FIELDS)  # the averaged generator's metrics (`--ema`)

BEST_GENERATOR_FILE = "best_generator.keras"
BEST_METRICS_FILE = "best_generator_metrics.json"  # best_generator.json is the generator's sidecar


class EvaluationCallback(Callback):
    """Every `interval` steps: metrics of `n` samples into the step's logs, and the best generator so far.

    The samples come from one fixed noise batch (balanced labels, `i % classes`,
    for a conditional GAN), drawn once from `(seed, 0, 1)`, so successive
    evaluations differ only by the generator. The metrics (`fields`; NaN in
    other steps, and "conditional_accuracy" NaN for an unconditional GAN) go
    into the step's logs, hence into `history.csv`: put this callback before
    `History`. The generator with the lowest FD so far is saved atomically
    as `best_generator.keras` in `output_dir` (with the usual `.json`
    sidecar, `best_generator.json`), and its step and metrics in
    `best_generator_metrics.json`. A resumed run keeps the best FD of that
    file; a fresh run (step 0) removes those files first.

    With `averaged` the averaged generator (`--ema`) is scored too, on the
    same noise, into the `ema_` columns (`ema_fd`, ...), and the best of the
    run is the lowest FD of either; `best_generator_metrics.json` says which
    ("generator": "generator" or "ema_generator").

    Args:
        interval: Evaluate every this many steps.
        n: Samples (and reference images) per evaluation; FD and KID depend
            on `n`, so compare runs at the same `n` only.
        output_dir: Folder of `best_generator.keras`.
        batch_size: Samples per generator pass.
        verbose: Print one line per evaluation.
        evaluator: An `Evaluator` to use (built in `on_train_begin` otherwise).
        averaged: Also score the averaged generator.
        **evaluator_kwargs: `Evaluator` arguments (reference, features, seed,
            data_dir, ...); `kid_subsets` defaults to 20 here.
    """

    def __init__(self, interval, n=2000, *, output_dir, batch_size=500, verbose=True, evaluator=None,
                 averaged=False, **evaluator_kwargs):
        if int(interval) < 1:
            raise ValueError(f"interval must be >= 1, got {interval}")
        self.interval = int(interval)
        self.n = int(n)
        self.output_dir = output_dir
        self.batch_size = batch_size
        self.verbose = verbose
        self.evaluator = evaluator
        self.averaged = averaged
        self.fields = FIELDS + (EMA_FIELDS if averaged else ())
        # 20 KID subsets instead of 100: the mean barely moves and an evaluation of 2000 samples takes seconds.
        self.evaluator_kwargs = {"kid_subsets": 20, **evaluator_kwargs}
        self.best_path = os.path.join(output_dir, BEST_GENERATOR_FILE)
        self.best_metrics_path = os.path.join(output_dir, BEST_METRICS_FILE)
        self.best_fd = math.inf
        self.results = []  # (step, metrics, the averaged generator's or None) of every evaluation of this process

    def on_train_begin(self, run):
        if self.evaluator is None:
            try:
                self.evaluator = Evaluator(n=self.n, **self.evaluator_kwargs)
            except ValueError as error:  # e.g. fewer test images than samples per evaluation
                raise UserError(f"cannot evaluate {self.n} samples: {error}; lower --eval-n", EXIT_USAGE) from None
        os.makedirs(self.output_dir, exist_ok=True)
        gan = run.gan
        rng = np.random.default_rng([self.evaluator.seed, 0, 1])  # steps draw from (seed, step), grids (seed, 0)
        self.noise = gan.sample_noise(rng, self.n)
        self.labels = gan.condition.evaluation_conditions(self.n)
        self.best_fd = math.inf
        if run.step == 0:
            for path in (self.best_path, artifact.sidecar_path(self.best_path), self.best_metrics_path):
                if os.path.exists(path):
                    os.unlink(path)
        elif os.path.exists(self.best_metrics_path):
            with open(self.best_metrics_path) as f:
                self.best_fd = float(json.load(f)["fd"])

    def saves_at(self, step):
        return step % self.interval == 0

    def on_step_end(self, run, logs):
        if not self.saves_at(run.step):
            return
        result = self.evaluate(run.gan)
        logs.update({name: result.get(name, math.nan) for name in FIELDS})
        candidates = [("generator", result, run.gan)]
        if self.averaged:
            averaged = generator_of(run, True)
            ema = self.evaluate(averaged)
            logs.update({f"ema_{name}": ema.get(name, math.nan) for name in FIELDS})
            candidates.append(("ema_generator", ema, averaged))
        self.results.append((run.step, result, ema if self.averaged else None))
        which, best, gan = min(candidates, key=lambda candidate: candidate[1]["fd"])
        improved = best["fd"] < self.best_fd
        if improved:
            self.best_fd = best["fd"]
            self._save_best(run.step, gan, which, best)
        if self.verbose:

            saved = f"{which}; saved {self.best_path}"
            tqdm.write(f"step {run.step}: {_summary(result)}"
                       + (f"; averaged: {_summary(ema)}" if self.averaged else "")
                       + (f" (best: {saved})" if improved else f" (best FD {self.best_fd:.3f})"))

    def report_lines(self):
        """For a conditional GAN, the conditional accuracy of each class at the last evaluation (Markdown)."""
        if not self.results or "class_accuracy" not in self.results[-1][1]:
            return []
        step, result, ema = self.results[-1]
        generators = [("generator", result)] + ([("averaged generator", ema)] if ema is not None else [])
        lines = ["", f"## Conditional accuracy per class (step {step})", "",
                 "How often the evaluation classifier sees the asked class in the samples drawn for it.", "",
                 "| class | " + " | ".join(name for name, _ in generators) + " |",
                 "|---|" + "---:|" * len(generators)]
        for label in sorted(result["class_accuracy"]):
            name = FASHION_CLASSES[label] if label < len(FASHION_CLASSES) else str(label)
            lines.append(f"| {label} {name} | "
                         + " | ".join(f"{metrics['class_accuracy'][label]:.3f}" for _, metrics in generators) + " |")
        lines.append("| all | " + " | ".join(f"{metrics['conditional_accuracy']:.3f}" for _, metrics in generators)
                     + " |")
        return lines

    def evaluate(self, gan):
        """Metrics of the `n` fixed-noise samples of `gan`'s current generator."""
        images = []
        for start in range(0, self.n, self.batch_size):
            stop = start + self.batch_size
            labels = None if self.labels is None else self.labels[start:stop]
            images.append(gan.to_tanh_range(gan.generate(self.noise[start:stop], labels)))
        return self.evaluator.evaluate(np.clip(np.concatenate(images), -1.0, 1.0), self.labels)

    def _save_best(self, step, gan, which, result):
        # With its sidecar, so that `gan-keras sample` and `evaluate` can use it.
        artifact.save_gan_generator(self.best_path, gan)
        fileio.write_text(self.best_metrics_path, json.dumps({"step": step, "generator": which, **result}, indent=1))


def _summary(result):
    """One line of the main metrics."""
    accuracy = result.get("conditional_accuracy")
    return (f"FD {result['fd']:.3f}, KID {result['kid']:.4f}, score {result['classifier_score']:.2f}, "
            f"precision {result['precision']:.3f}, recall {result['recall']:.3f}, coverage {result['coverage']:.3f}"
            + (f", conditional accuracy {accuracy:.3f}" if accuracy is not None else ""))
