"""The compiled engine's parts on JAX: the values of all variables threaded through the step, updated functionally."""

import jax
import jax.numpy as jnp
import keras
from keras import tree

from gan_keras.training.engines.backends import Backend, _compiled_loss, _has_convolutions, index


def _unrolled(fn, carry, xs):
    """`lax.scan` written out: `fn` on each entry of `xs`' (static) first axis, outputs stacked."""
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
        if self.on_cpu:
            return _unrolled(fn, carry, xs)
        return jax.lax.scan(fn, carry, xs)

    def loop(self, fn, carry, xs, count, shapes):
        """`fn` over the first `count` entries of `xs` (a while loop: `count` is a run-time value)."""
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


BACKEND = Jax
