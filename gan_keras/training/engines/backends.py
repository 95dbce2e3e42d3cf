"""What differs per Keras backend in the compiled engine: one model update, the generator's pass, a loop, compilation.

The compiled engine's step is written once with Keras' stateless API; each
backend class here supplies the parts that cannot be written once: on JAX
(`Jax`) the values of all variables are threaded through the step and
updated functionally; on TensorFlow and PyTorch, whose optimizers update
variables in place, the state is a placeholder.
"""

import numpy as np

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
        name = keras.config.backend()
        return {"tensorflow": TensorFlow, "jax": Jax, "torch": Torch}[name](variables, gan)

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


def _unrolled(fn, carry, xs):
    """`lax.scan` written out: `fn` on each entry of `xs`' (static) first axis, outputs stacked."""
    # Only the running Keras backend's library is imported.
    import jax.numpy as jnp

    outputs = []
    for i in range(tree.flatten(xs)[0].shape[0]):
        carry, step = fn(carry, index(xs, i))
        outputs.append(step)
    return carry, {name: jnp.stack([jnp.asarray(step[name], "float32") for step in outputs]) for name in outputs[0]}


class Jax(Backend):
    """Stateless: the state is the list of all variables' values (`CompiledEngine.variables`' order).

    One program loops over the call's steps on the device (`fori_loop`,
    calls padded to `steps_per_call` so one program serves every call).
    Except on a CPU for GANs with convolutions: XLA's CPU backend runs
    convolutions inside loops an order of magnitude slower than outside them
    (measured: 3.3 s vs 0.27 s per DCGAN step at batch 16), so there the
    program is one step with its updates unrolled, run once per step of the
    call. (Dense-only GANs keep the loop: the Gaussian GAN's 20 + 20 updates
    ran in 18 ms per step in it, 34 ms unrolled.)
    """

    def __init__(self, variables, gan):
        # Only the running Keras backend's library is imported.
        import jax

        super().__init__(variables, gan)
        self.index = {id(v): i for i, v in enumerate(variables)}
        self.on_cpu = jax.default_backend() == "cpu" and _has_convolutions(gan)
        self.fixed_shapes = not self.on_cpu

    def pick(self, values, variables):
        return [values[self.index[id(v)]] for v in variables]

    def put(self, values, variables, new):
        values = list(values)
        for v, value in zip(variables, new):
            values[self.index[id(v)]] = value
        return values

    def generate(self, values, generator, inputs):
        images, _ = generator.stateless_call(self.pick(values, generator.trainable_variables),
                                             self.pick(values, generator.non_trainable_variables),
                                             inputs, training=False)
        return images

    def update(self, values, model, optimizer, x, y, sample_weight):
        """One `model.train_on_batch(x, y, sample_weight)`: returns values, loss, per-output losses, y_pred."""
        # Only the running Keras backend's library is imported.
        import jax

        trainable = self.pick(values, model.trainable_variables)
        frozen = self.pick(values, model.non_trainable_variables)

        slots = self.pick(values, optimizer.variables)

        def loss_fn(trainable):
            y_pred, new_frozen, losses = model.stateless_call(trainable, frozen, x, training=True,
                                                              return_losses=True)
            total, parts = _compiled_loss(model, y, y_pred, sample_weight, losses)
            # mixed_float16: the loss scale is an optimizer variable, read from this step's values.
            with keras.StatelessScope(state_mapping=list(zip(optimizer.variables, slots))):
                scaled = optimizer.scale_loss(total)
            return scaled, (total, parts, y_pred, new_frozen)

        (_, (loss, parts, y_pred, new_frozen)), grads = jax.value_and_grad(loss_fn, has_aux=True)(trainable)
        new_trainable, new_slots = optimizer.stateless_apply(slots, grads, trainable)
        values = self.put(values, model.non_trainable_variables, new_frozen)
        values = self.put(values, model.trainable_variables, new_trainable)
        values = self.put(values, optimizer.variables, new_slots)
        return values, loss, parts, y_pred

    def scan(self, fn, carry, xs, names):
        # Only the running Keras backend's library is imported.
        import jax

        if self.on_cpu:
            return _unrolled(fn, carry, xs)
        return jax.lax.scan(fn, carry, xs)

    def loop(self, fn, carry, xs, count, shapes):
        """`fn` over the first `count` entries of `xs` (a while loop: `count` is a run-time value)."""
        # Only the running Keras backend's library is imported.
        import jax
        import jax.numpy as jnp

        if self.on_cpu:  # one step per program (see the class)
            return _unrolled(fn, carry, xs)
        length = tree.flatten(xs)[0].shape[0]
        outputs = {name: jnp.zeros((length, *shape), "float32") for name, shape in shapes.items()}

        def body(i, state):
            carry, outputs = state
            carry, step = fn(carry, index(xs, i))
            return carry, {name: outputs[name].at[i].set(jnp.asarray(step[name], "float32")) for name in outputs}

        return jax.lax.fori_loop(0, count, body, (carry, outputs))

    def compile(self, fn, distribution=None, jit_compile=True):
        # Only the running Keras backend's library is imported.
        import jax

        variables = self.variables
        jitted = jax.jit(fn, donate_argnums=(0,) if jax.default_backend() != "cpu" else ())

        def call(blocks, count):
            values = [v.value for v in variables]
            if self.on_cpu:  # one program call per step
                steps = []
                for i in range(int(count)):
                    block = tree.map_structure(lambda a: a[i:i + 1], blocks)
                    if distribution is not None:
                        values, block = distribution.place(values, block)
                    values, outputs = jitted(values, block, 1)
                    if distribution is not None:
                        values, outputs = distribution.local((values, outputs))
                    steps.append(outputs)
                outputs = {name: jax.numpy.concatenate([step[name] for step in steps]) for name in steps[0]}
            else:
                if distribution is not None:
                    values, blocks = distribution.place(values, blocks)
                values, outputs = jitted(values, blocks, count)
                if distribution is not None:
                    values, outputs = distribution.local((values, outputs))
            for variable, value in zip(variables, values):
                variable.assign(value)
            return outputs

        return call


class TensorFlow(Backend):
    """Stateful, as Keras' own TensorFlow trainer: a tape, then `optimizer.apply` on the variables."""

    def update(self, state, model, optimizer, x, y, sample_weight):
        # Only the running Keras backend's library is imported.
        import tensorflow as tf

        with tf.GradientTape() as tape:
            y_pred = model(x, training=True)
            loss, parts = _compiled_loss(model, y, y_pred, sample_weight, model.losses)
            scaled = optimizer.scale_loss(loss)  # mixed_float16's loss scaling; the loss itself otherwise
        variables = model.trainable_variables
        optimizer.apply(tape.gradient(scaled, variables), variables)
        # Under a MirroredStrategy Keras' losses come divided by the replicas (the optimizer sums the
        # replicas' gradients); the logs show each replica's own mean.
        unscale = _keras_internals.unscale_loss_for_distribution
        return state, unscale(loss), [unscale(p) for p in parts], y_pred

    strategy = None

    def loop(self, fn, carry, xs, count, shapes):
        """`fn` over the steps of `xs`; with a strategy, each step under `strategy.run` on the replicas' shares."""
        if self.strategy is None:
            return self.scan(fn, carry, xs, tuple(shapes))
        # Only the running Keras backend's library is imported.
        import tensorflow as tf

        strategy, names = self.strategy, tuple(shapes)

        def body(i, arrays):
            def replica_step(shares):
                _, outputs = fn(carry, index(shares, i))
                return [tf.cast(outputs[name], tf.float32) for name in names]

            outputs = strategy.run(replica_step, args=(xs,))
            return i + 1, [array.write(i, strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None))
                           for array, value in zip(arrays, outputs)]

        arrays = [tf.TensorArray(tf.float32, size=count) for _ in names]
        _, arrays = tf.while_loop(lambda i, _: i < count, body, (tf.constant(0), arrays))
        return carry, {name: array.stack() for name, array in zip(names, arrays)}

    def scan(self, fn, carry, xs, names):
        # Only the running Keras backend's library is imported.
        import tensorflow as tf

        if self.strategy is not None:  # inside strategy.run: no gradient sync inside a while loop, so unrolled
            outputs = []
            for i in range(tree.flatten(xs)[0].shape[0]):
                carry, step = fn(carry, index(xs, i))
                outputs.append([tf.cast(step[name], tf.float32) for name in names])
            return carry, {name: tf.stack([o[k] for o in outputs]) for k, name in enumerate(names)}
        n = tf.shape(tree.flatten(xs)[0])[0]
        arrays = [tf.TensorArray(tf.float32, size=n) for _ in names]

        def body(i, carry, arrays):
            carry, outputs = fn(carry, index(xs, i))
            return i + 1, carry, [array.write(i, tf.cast(outputs[name], tf.float32))
                                  for array, name in zip(arrays, names)]

        _, carry, arrays = tf.while_loop(lambda i, *_: i < n, body, (tf.constant(0), carry, arrays))
        return carry, {name: array.stack() for name, array in zip(names, arrays)}

    def compile(self, fn, distribution=None, jit_compile=False):
        """A `tf.function` of the steps; compiled with XLA as the models are (`--xla`; off on a CPU by default).

        With a `MirroredStrategy` (`distribution`), the loop over steps runs
        in the cross-replica context and each step under `strategy.run` on
        every replica's share of the batch (as Keras' `fit` with
        `steps_per_execution`); the logs are the replicas' mean.
        """
        # Only the running Keras backend's library is imported.
        import tensorflow as tf

        if distribution is None:
            @tf.function(reduce_retracing=True, jit_compile=jit_compile)
            def run(blocks):
                _, outputs = fn(tf.constant(0), blocks, None)
                return outputs

            return lambda blocks, count: run(blocks)
        self.strategy = strategy = distribution
        replicas = strategy.num_replicas_in_sync

        @tf.function(reduce_retracing=True)
        def run_distributed(shares, count):
            _, outputs = fn(tf.constant(0), shares, count)
            return outputs

        def call(blocks, count):
            # Each replica gets its share of every batch (axis 2 of the plan blocks: steps, updates, batch).
            shares = strategy.experimental_distribute_values_from_function(
                lambda context: tree.map_structure(
                    lambda a: np.array_split(a, replicas, axis=2)[context.replica_id_in_sync_group], blocks))
            return run_distributed(shares, tf.constant(count))

        return call


class Torch(Backend):
    """Stateful and eager, as Keras' own PyTorch trainer (gradients by `torch.autograd.grad`)."""

    def update(self, state, model, optimizer, x, y, sample_weight):
        # Only the running Keras backend's library is imported.
        import torch

        with torch.enable_grad():
            y_pred = model(x, training=True)
            loss, parts = _compiled_loss(model, y, y_pred, sample_weight, model.losses)
            variables = model.trainable_variables
            grads = torch.autograd.grad(optimizer.scale_loss(loss), [v.value for v in variables])
        with torch.no_grad():
            optimizer.apply(list(grads), variables)
        return state, loss.detach(), [part.detach() for part in parts], tree.map_structure(lambda t: t.detach(), y_pred)

    def loop(self, fn, carry, xs, count, shapes):
        return self.scan(fn, carry, xs, tuple(shapes))

    def scan(self, fn, carry, xs, names):
        # Only the running Keras backend's library is imported.
        import torch

        n = len(tree.flatten(xs)[0])
        collected = []
        for i in range(n):
            carry, outputs = fn(carry, index(xs, i))
            collected.append(outputs)
        return carry, {name: torch.stack([ops.convert_to_tensor(o[name], "float32") for o in collected])
                       for name in names}

    def compile(self, fn, distribution=None, jit_compile=False):
        # Only the running Keras backend's library is imported.
        import torch

        def call(blocks, count):
            blocks = tree.map_structure(ops.convert_to_tensor, blocks)
            with torch.no_grad():
                _, outputs = fn(0, blocks, count)
            return outputs

        return call
