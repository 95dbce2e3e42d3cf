"""The private Keras API the compiled engine needs, in one place, with the Keras versions it was checked on.

The compiled engine (`gan_keras.training.engines.compiled`) runs what
`Model.train_on_batch` runs, inside its own compiled loop. Three things of
`train_on_batch` have no public API in Keras 3:

* building a compiled model's losses, metrics and optimizer slots from one
  batch without training on it (`Model._symbolic_build`);
* the compiled losses, each with its output path and weight
  (`model._compile_loss._flat_losses`), so the engine computes exactly the
  loss `train_on_batch` minimises;
* dividing (and multiplying back) a loss by the replicas of a
  `tf.distribute` strategy, as Keras' own trainer does
  (`keras.src.losses.loss.scale_loss_for_distribution`).

Each is wrapped here; `check_keras_version` says whether the installed
Keras is one these were checked on (`CHECKED_KERAS`, also pinned in
requirements.txt and pyproject.toml), and the tests fail with one clear line
on any other version.
"""

import keras
from keras.src.losses import loss as _loss

from gan_keras.core.errors import UserError

# Keras versions whose private API below was read and tested: [low, high).
CHECKED_KERAS = ((3, 15), (3, 16))


def keras_version():
    """The installed Keras version as `(major, minor)`."""
    major, minor = keras.__version__.split(".")[:2]
    return int(major), int(minor)


def check_keras_version(version=None):
    """Raises if the Keras version is outside `CHECKED_KERAS`.

    Args:
        version: `(major, minor)` to check (default: the installed one).

    Raises:
        UserError: (exit status 1) naming the version and the checked range.
    """
    version = version or keras_version()
    low, high = CHECKED_KERAS
    if not low <= tuple(version) < high:
        raise UserError(f"Keras {version[0]}.{version[1]} is outside the versions the compiled engine's use of "
                           f"Keras' private API was checked on (>= {low[0]}.{low[1]}, < {high[0]}.{high[1]}); "
                           f"install keras>={low[0]}.{low[1]},<{high[0]}.{high[1]} or use --engine book")


def symbolic_build(model, data_batch):
    """Builds a compiled model's losses, metrics and optimizer as its first `train_on_batch` would.

    No public API builds them without training a step: `Model.build` builds
    the layers alone.

    Args:
        model: A compiled `keras.Model`.
        data_batch: `(x, y, sample_weight)` of one batch.
    """
    model._symbolic_build(data_batch=data_batch)


def compiled_losses(model):
    """The losses `model.compile` set up, as `(output path, loss function, weight)` in output order.

    `model.compute_loss` is public but also updates the model's loss
    trackers and sums the parts; the engine needs each part and no tracker.

    Args:
        model: A compiled, built `keras.Model` (see `symbolic_build`).

    Returns:
        A list of `(path, loss_fn, loss_weight)`; `loss_fn(y_true, y_pred, sample_weight)`
        gives the loss of the outputs at `path`; `loss_weight` may be None (1).
    """
    return [(path, loss_fn, weight) for path, loss_fn, weight, _ in model._compile_loss._flat_losses]


def scale_loss_for_distribution(value):
    """A loss divided by the replicas of the current `tf.distribute` strategy (itself outside one)."""
    return _loss.scale_loss_for_distribution(value)


def unscale_loss_for_distribution(value):
    """The inverse of `scale_loss_for_distribution`: one replica's own mean loss."""
    return _loss.unscale_loss_for_distribution(value)
