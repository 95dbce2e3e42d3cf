"""Scoring during and at the end of a run: the callbacks that run `gan_keras.evaluation`'s measures.

Modules:
    during: `EvaluationCallback`: evaluations during training (Fashion-MNIST), the best generator kept.
    held_out: `HeldOutEvaluation`, what every end-of-run scorer shares, and `TranslationEvaluation`
        (pix2pix, SRGAN on held-out pairs).
    captions: `CaptionEvaluation` (StackGAN on the held-out captions).
    folder: `FolderEvaluation` (a folder run, in picture features, with the memorisation check).
"""

from gan_keras.runs.scoring.captions import CaptionEvaluation
from gan_keras.runs.scoring.during import BEST_GENERATOR_FILE, BEST_METRICS_FILE, EvaluationCallback
from gan_keras.runs.scoring.folder import FolderEvaluation
from gan_keras.runs.scoring.held_out import HeldOutEvaluation, TranslationEvaluation

__all__ = ["BEST_GENERATOR_FILE", "BEST_METRICS_FILE", "CaptionEvaluation", "EvaluationCallback",
           "FolderEvaluation", "HeldOutEvaluation", "TranslationEvaluation"]
