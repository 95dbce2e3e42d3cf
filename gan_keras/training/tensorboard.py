"""Losses, metrics and sample grids of a run, also as TensorBoard summaries.

TensorBoard ships with TensorFlow; this is the package's one TensorFlow-only
corner, used only with `--tensorboard DIR`.
"""

import math
import os

from gan_keras.core.errors import UserError
from gan_keras.training.loop import Callback


class TensorBoardLogger(Callback):
    """Writes every numeric log of every step as a scalar, and each new grid as an image.

    Put it after `SampleGrid` so that the grid of a step exists when it runs.

    Args:
        log_dir: TensorBoard log folder.
        samples_dir: Folder where `SampleGrid` writes `step_NNNNNNN.png`.

    Raises:
        UserError: at the start of training if TensorFlow is not installed.
    """

    def __init__(self, log_dir, samples_dir):
        self.log_dir = log_dir
        self.samples_dir = samples_dir

    def on_train_begin(self, run):
        try:
            # Optional: TensorBoard summaries need TensorFlow, and the tensorboard package for tf.summary to write.
            import tensorflow as tf
            import tensorboard  # noqa: F401
        except ImportError:
            raise UserError(
                "--tensorboard needs TensorFlow and TensorBoard (pip install tensorflow-cpu tensorboard)") from None
        self._tf = tf
        self.writer = tf.summary.create_file_writer(self.log_dir)

    def on_step_end(self, run, logs):
        tf = self._tf
        with self.writer.as_default(step=run.step):
            for name, value in logs.items():
                if name not in ("step", "epoch") and isinstance(value, (int, float)) and math.isfinite(value):
                    tf.summary.scalar(name, value)
            grid = os.path.join(self.samples_dir, f"step_{run.step:07d}.png")
            if os.path.exists(grid):
                with open(grid, "rb") as f:
                    image = tf.io.decode_png(f.read(), channels=3)
                tf.summary.image("samples", image[None], max_outputs=1)

    def on_train_end(self, run):
        self.writer.flush()
        self.writer.close()

    on_interrupt = on_train_end
