"""The compiled engine's parts on TensorFlow: optimizers update variables in place inside one `tf.function`."""

import numpy as np
import tensorflow as tf
from keras import tree

from gan_keras.training.engines import _keras_internals
from gan_keras.training.engines.backends import Backend, _compiled_loss, index


class TensorFlow(Backend):
    """Stateful, as Keras' own TensorFlow trainer: a tape, then `optimizer.apply` on the variables."""

    def update(self, state, model, optimizer, x, y, sample_weight):
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


BACKEND = TensorFlow
