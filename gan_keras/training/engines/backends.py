"""What differs per Keras backend in the compiled engine: one model update, the generator's pass, a loop, compilation.

The compiled engine's step is written once with Keras' stateless API; each
backend class here supplies the parts that cannot be written once: on JAX
(`Jax`) the values of all variables are threaded through the step and
updated functionally; on TensorFlow and PyTorch, whose optimizers update
variables in place, the state is a placeholder.
"""

import importlib

import keras
from keras import ops
from keras import tree

from gan_keras.core.combined import all_layers
from gan_keras.training.engines import _keras_internals


def index(structure, i):
    """Entry `i` of every array of a nested structure."""
    return tree.map_structure(lambda array: array[i], structure)


def _compiled_loss(model, y_true, y_pred, sample_weight, added_losses):
    """The loss `model.train_on_batch` minimises, without touching its metric trackers.

    Returns:
        `(total, parts)`: the weighted sum of the compiled losses plus the
        layers' added losses (e.g. StackGAN's KL term), and each compiled
        loss unweighted, in the model's output order.
    """
    parts, total = [], 0.0
    for path, loss_fn, loss_weight in _keras_internals.compiled_losses(model):
        y_t, y_p = _resolve(path, y_true), _resolve(path, y_pred)
        value = ops.cast(loss_fn(y_t, y_p, sample_weight), "float32")
        parts.append(value)
        total = total + (value * loss_weight if loss_weight is not None else value)
    for loss in added_losses:  # divided by the replicas under a MirroredStrategy, as the compiled losses are
        total = total + _keras_internals.scale_loss_for_distribution(ops.cast(ops.sum(loss), "float32"))
    return total, parts


def _resolve(path, structure):
    for key in path:
        structure = structure[key]
    return structure


class Backend:
    """What differs per backend: one model update, the generator's forward pass, a loop, compilation.

    The step threads a `state` through these: on JAX (`Jax`) the values of
    all variables, updated functionally; on TensorFlow and PyTorch, whose
    optimizers update variables in place, a placeholder.
    """

    @staticmethod
    def current(variables, gan):
        # One module per backend (`jax_backend`, `tensorflow_backend`, `torch_backend`), each importing its
        # library at its top: only the running backend's loads.
        module = importlib.import_module(f"gan_keras.training.engines.{keras.config.backend()}_backend")
        return module.BACKEND(variables, gan)

    fixed_shapes = False  # whether every call must have the same shapes (else: one program per length)

    def __init__(self, variables, gan):
        self.variables = variables

    def generate(self, state, generator, inputs):
        """The generator's images for `inputs`, in inference mode."""
        return generator(inputs, training=False)


def _has_convolutions(gan):
    """Whether the generator or the discriminator has a convolution layer (at any depth)."""
    kinds = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv2DTranspose)
    return any(isinstance(layer, kinds) for model in (gan.generator, gan.discriminator) for layer in all_layers(model))


