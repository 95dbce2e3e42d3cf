"""The compiled engine: the book's training step as one compiled function, K steps per call.

The book's engine makes four Keras calls per step (the generator's
`predict_on_batch`, then `train_on_batch` of the discriminator on the real
and on the fake batch and of the combined model), each with its host round
trip. This engine runs the same step, in the same order and with the same
semantics, inside one compiled function that loops over `steps_per_call`
steps:

1. fakes from the generator in inference mode;
2. a discriminator update on the real batch, then on the fake batch (then on
   mismatched pairs for a matching-aware discriminator), each with the
   discriminator's compiled loss and optimizer;
3. a generator update through the combined model (frozen discriminator,
   whose BatchNormalization layers use the fake batch's statistics without
   changing their moving statistics, see `gan_keras.core.combined`).

It is written once with Keras' stateless API (`stateless_call`,
`Optimizer.stateless_apply`): every variable of both models and both
optimizers (dropout seeds included) is carried through the loop as a value
and written back after the call. Only the gradient, the loop and the
compilation differ per backend (`_Backend`): `tf.function` with a
`tf.while_loop`, `jax.jit` with `lax.scan`, or eager PyTorch.

The inputs come from the same `plan_step` as the book's engine: batches,
noise and labels are drawn on the host from `(seed, step)` for all K steps
of a call and transferred as one block. Both engines therefore see identical
inputs, a resumed run repeats an uninterrupted one exactly, and any data
source works; what remains on the host per step is a batch gather and one
normal draw (measured in `benchmarks/train_step.py`).
"""

import contextlib
import dataclasses

import numpy as np

import keras
from keras import ops
from keras import tree

from keras.src.losses.loss import scale_loss_for_distribution, unscale_loss_for_distribution

from gan_keras.training.loop import StepResults, fake_weight, plan_step, step_logs, with_images


class CompiledEngine:
    """Runs training steps of a `GAN` as compiled calls of up to `config.steps_per_call` steps.

    Args:
        gan: The compiled `GAN` (its discriminator and combined model
            compiled by `gan_keras.core.combined.build_combined`).
        source: The real-data source.
        config: `LoopConfig` (seed, d_steps, g_steps, schedule, steps_per_call).

    Raises:
        UserError: (exit status 2) if `config.devices` > 1 cannot be honoured
            (see `DataParallel`).
    """

    def __init__(self, gan, source, config):
        self.gan, self.source, self.config = gan, source, config
        self.distribution = None
        if config.devices > 1:
            self.distribution = (DataParallel(config.devices) if keras.config.backend() == "jax"
                                 else _mirrored_strategy(gan, config.devices))
        discriminator, combined = gan.discriminator, gan.combined
        self.d_optimizer, self.g_optimizer = discriminator.optimizer, combined.optimizer
        scope = getattr(self.distribution, "scope", contextlib.nullcontext)  # a MirroredStrategy's
        with scope():
            self._build(discriminator, combined)
        variables, seen = [], set()
        for variable in (*discriminator.variables, *combined.variables, *self.d_optimizer.variables,
                         *self.g_optimizer.variables):
            if id(variable) not in seen:
                seen.add(id(variable))
                variables.append(variable)
        self.variables = variables
        self.backend = _Backend.current(variables, gan)
        patch = tuple(discriminator.outputs[0].shape[1:])
        self.valid = np.ones((source.batch_size, *patch), np.float32)
        self.fake = np.zeros((source.batch_size, *patch), np.float32)
        self.weights = np.full(source.batch_size, fake_weight(gan), np.float32) if gan.matching_aware else None
        self._functions = {}

    def run(self, steps):
        """Runs `steps` (consecutive 1-based step numbers); returns their logs, in order.

        They run in calls of at most `steps_per_call` steps. A call's program
        loops over a step count given at run time, so shorter calls (before a
        step that saves) reuse it: one compilation per schedule phase.
        """
        steps, logs = list(steps), []
        while steps:
            logs += self._call(steps[:self.config.steps_per_call])
            steps = steps[self.config.steps_per_call:]
        return logs

    def _call(self, steps):
        plans = [plan_step(self.gan, self.source, self.config, step) for step in steps]
        key = (bool(plans[0].d), bool(plans[0].g))
        if key not in self._functions:
            self._functions[key] = self.backend.compile(self._steps_function(*key), self.distribution,
                                                        jit_compile=bool(self.gan.combined.jit_compile))
        arrays = [_plan_arrays(plan) for plan in plans]
        # JAX: padded to a fixed length (the padding is not run), so every call has the same shapes.
        padding = self.config.steps_per_call - len(arrays) if self.backend.fixed_shapes else 0
        blocks = _stack(arrays + [arrays[-1]] * padding)
        outputs = self._functions[key](blocks, np.int32(len(plans)))
        outputs = {name: np.asarray(ops.convert_to_numpy(value)) for name, value in outputs.items()}
        return [step_logs(self.gan, plan, self._results(outputs, i)) for i, plan in enumerate(plans)]

    def _results(self, outputs, i):
        results = StepResults()
        for field in ("real", "fake", "wrong", "accuracy", "g_loss", "fooled", "content"):
            if field in outputs:
                getattr(results, field).extend(float(v) for v in outputs[field][i])
        return results

    def _build(self, discriminator, combined):
        """Builds what the book's first `train_on_batch` calls would build (optimizer slots, loss objects)."""
        # Step 1 of a schedule that trains both models, to have an input of each.
        plan = plan_step(self.gan, self.source, dataclasses.replace(self.config, d_only_steps=0, g_only_steps=0), 1)
        patch = tuple(discriminator.outputs[0].shape[1:])
        valid = np.ones((self.source.batch_size, *patch), np.float32)
        if plan.d:
            discriminator._symbolic_build(data_batch=(plan.d[0]["real"], valid, None))
        targets = self.gan.generator_targets(valid, plan.g[0].get("targets"))
        combined._symbolic_build(data_batch=(plan.g[0]["inputs"], targets, None))
        for optimizer, model in ((self.d_optimizer, discriminator), (self.g_optimizer, combined)):
            if not optimizer.built:
                optimizer.build(model.trainable_variables)

    # The step, written once with Keras' stateless API.

    def _steps_function(self, train_d, train_g):
        """`f(state, blocks) -> (state, outputs)`: the steps of `blocks` (stacked plans) from `state`."""
        gan, backend = self.gan, self.backend
        discriminator, combined, generator = gan.discriminator, gan.combined, gan.generator
        valid, fake, weights = self.valid, self.fake, self.weights
        if self.distribution is not None and keras.config.backend() == "tensorflow":  # per-replica batches
            local = self.source.batch_size // self.config.devices
            valid, fake = valid[:local], fake[:local]
            weights = None if weights is None else weights[:local]
        update, generate = backend.update, backend.generate

        def d_update(values, block):
            fakes = ops.stop_gradient(generate(values, generator, block["generator"]))
            values, real_loss, _, real_pred = update(values, discriminator, self.d_optimizer, block["real"], valid,
                                                     None)
            values, fake_loss, _, fake_pred = update(values, discriminator, self.d_optimizer,
                                                     with_images(fakes, block["fake"]), fake, weights)
            out = {"real": real_loss, "fake": fake_loss}
            judged = [_accuracy(valid, real_pred), _accuracy(fake, fake_pred)]
            if "wrong" in block:
                values, wrong_loss, _, wrong_pred = update(values, discriminator, self.d_optimizer, block["wrong"],
                                                           fake, weights)
                out["wrong"] = wrong_loss
                judged.append(_accuracy(fake, wrong_pred))
            out["accuracy"] = sum(judged) / len(judged)
            return values, out

        def g_update(values, block):
            targets = gan.generator_targets(valid, block.get("targets"))
            values, loss, parts, y_pred = update(values, combined, self.g_optimizer, block["inputs"], targets, None)
            validity = y_pred[0] if gan.reconstruction else y_pred
            out = {"g_loss": parts[0] if gan.reconstruction else loss, "fooled": _accuracy(valid, validity)}
            if gan.reconstruction:
                out["content"] = parts[1]
            return values, out

        d_names = ("real", "fake", "accuracy") + (("wrong",) if gan.matching_aware else ())
        g_names = ("g_loss", "fooled") + (("content",) if gan.reconstruction else ())

        def one_step(values, blocks):
            outputs = {}
            if train_d:
                values, outputs = backend.scan(d_update, values, blocks["d"], d_names)
            if train_g:
                values, g_outputs = backend.scan(g_update, values, blocks["g"], g_names)
                outputs.update(g_outputs)
            return values, outputs

        shapes = {**({name: (self.config.d_steps,) for name in d_names} if train_d else {}),
                  **({name: (self.config.g_steps,) for name in g_names} if train_g else {})}

        def steps(values, blocks, count):
            return backend.loop(one_step, values, blocks, count, shapes)

        return steps


def _mirrored_strategy(gan, devices):
    """The `tf.distribute.MirroredStrategy` the models were built under (`gan_keras.training.devices.data_parallel_scope`)."""
    from gan_keras.core.errors import EXIT_USAGE, UserError

    if keras.config.backend() != "tensorflow":
        raise UserError(f"--devices {devices} needs the JAX or TensorFlow backend", EXIT_USAGE)
    strategy = gan.discriminator.distribute_strategy
    if strategy.num_replicas_in_sync != devices:
        raise UserError(f"--devices {devices}: the models were built for {strategy.num_replicas_in_sync} "
                        f"device(s)", EXIT_USAGE)
    return strategy


class DataParallel:
    """Splits every batch of a compiled call across `devices` devices (JAX).

    The state is replicated and each batch sharded along its sample axis;
    XLA's SPMD partitioner turns the one-device program into a data-parallel
    one. The program is the same, so BatchNormalization normalises with the
    statistics of the whole batch and the losses match a one-device run up
    to float rounding (gradients summed across devices in another order).
    On a CPU-only machine, `XLA_FLAGS=--xla_force_host_platform_device_count=N`
    gives N logical devices.

    On TensorFlow the engine runs each step under the models'
    `tf.distribute.MirroredStrategy` instead: each replica updates on its
    share of the batch (its own BatchNormalization statistics, as Keras'
    `fit` does there) and the gradients are summed across replicas.

    Args:
        devices: Number of devices (the first `devices` of `jax.devices()`);
            the batch must be a multiple of it (checked by `RunConfig`).

    Raises:
        UserError: (exit status 2) with fewer JAX devices than asked.
    """

    def __init__(self, devices):
        from gan_keras.core.errors import EXIT_USAGE, UserError

        import jax

        found = jax.devices()
        if len(found) < devices:
            raise UserError(f"--devices {devices}: only {len(found)} {found[0].platform} device(s) found "
                            f"(CPU: set XLA_FLAGS=--xla_force_host_platform_device_count={devices})", EXIT_USAGE)
        mesh = jax.sharding.Mesh(np.array(found[:devices]), ("batch",))
        self.replicated = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
        # Plan blocks are (steps, updates, batch, ...).
        self.sharded = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec(None, None, "batch"))

    def place(self, values, blocks):
        """Puts the state on every device and each batch split across them."""
        import jax

        return jax.device_put(values, self.replicated), jax.device_put(blocks, self.sharded)


def _compiled_loss(model, y_true, y_pred, sample_weight, added_losses):
    """The loss `model.train_on_batch` minimises, without touching its metric trackers.

    Returns:
        `(total, parts)`: the weighted sum of the compiled losses plus the
        layers' added losses (e.g. StackGAN's KL term), and each compiled
        loss unweighted, in the model's output order.
    """
    parts, total = [], 0.0
    for path, loss_fn, loss_weight, _ in model._compile_loss._flat_losses:
        y_t, y_p = _resolve(path, y_true), _resolve(path, y_pred)
        value = ops.cast(loss_fn(y_t, y_p, sample_weight), "float32")
        parts.append(value)
        total = total + (value * loss_weight if loss_weight is not None else value)
    for loss in added_losses:  # divided by the replicas under a MirroredStrategy, as the compiled losses are
        total = total + scale_loss_for_distribution(ops.cast(ops.sum(loss), "float32"))
    return total, parts


def _resolve(path, structure):
    for key in path:
        structure = structure[key]
    return structure


def _accuracy(y_true, y_pred):
    """Keras' binary "accuracy" of one batch: the share of outputs on the right side of 0.5."""
    return ops.mean(keras.metrics.binary_accuracy(y_true, ops.cast(y_pred, "float32")))


def _plan_arrays(plan):
    """A `StepPlan` as a nested dict of arrays: `d` and `g` each stacked over their updates."""
    blocks = {}
    if plan.d:
        blocks["d"] = _stack(plan.d)
    if plan.g:
        blocks["g"] = _stack(plan.g)
    return blocks


def _stack(items):
    """Stacks a list of equal nested structures (dicts/lists of arrays) along a new first axis."""
    return tree.map_structure(lambda *leaves: np.stack([np.asarray(leaf) for leaf in leaves]), *items)


def _index(structure, i):
    """Entry `i` of every array of a nested structure."""
    return tree.map_structure(lambda array: array[i], structure)


class _Backend:
    """What differs per backend: one model update, the generator's forward pass, a loop, compilation.

    The step threads a `state` through these: on JAX (`_Jax`) the values of
    all variables, updated functionally; on TensorFlow and PyTorch, whose
    optimizers update variables in place, a placeholder.
    """

    @staticmethod
    def current(variables, gan):
        name = keras.config.backend()
        return {"tensorflow": _TensorFlow, "jax": _Jax, "torch": _Torch}[name](variables, gan)

    fixed_shapes = False  # whether every call must have the same shapes (else: one program per length)

    def __init__(self, variables, gan):
        self.variables = variables

    def generate(self, state, generator, inputs):
        """The generator's images for `inputs`, in inference mode."""
        return generator(inputs, training=False)


def _has_convolutions(gan):
    """Whether the generator or the discriminator has a convolution layer (at any depth)."""
    from gan_keras.core.combined import all_layers

    kinds = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv2DTranspose)
    return any(isinstance(layer, kinds) for model in (gan.generator, gan.discriminator) for layer in all_layers(model))


def _unrolled(fn, carry, xs):
    """`lax.scan` written out: `fn` on each entry of `xs`' (static) first axis, outputs stacked."""
    import jax.numpy as jnp

    outputs = []
    for i in range(tree.flatten(xs)[0].shape[0]):
        carry, step = fn(carry, _index(xs, i))
        outputs.append(step)
    return carry, {name: jnp.stack([jnp.asarray(step[name], "float32") for step in outputs]) for name in outputs[0]}


class _Jax(_Backend):
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
        import jax

        if self.on_cpu:
            return _unrolled(fn, carry, xs)
        return jax.lax.scan(fn, carry, xs)

    def loop(self, fn, carry, xs, count, shapes):
        """`fn` over the first `count` entries of `xs` (a while loop: `count` is a run-time value)."""
        import jax
        import jax.numpy as jnp

        if self.on_cpu:  # one step per program (see the class)
            return _unrolled(fn, carry, xs)
        length = tree.flatten(xs)[0].shape[0]
        outputs = {name: jnp.zeros((length, *shape), "float32") for name, shape in shapes.items()}

        def body(i, state):
            carry, outputs = state
            carry, step = fn(carry, _index(xs, i))
            return carry, {name: outputs[name].at[i].set(jnp.asarray(step[name], "float32")) for name in outputs}

        return jax.lax.fori_loop(0, count, body, (carry, outputs))

    def compile(self, fn, distribution=None, jit_compile=True):
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
                    steps.append(outputs)
                outputs = {name: jax.numpy.concatenate([step[name] for step in steps]) for name in steps[0]}
            else:
                if distribution is not None:
                    values, blocks = distribution.place(values, blocks)
                values, outputs = jitted(values, blocks, count)
            for variable, value in zip(variables, values):
                variable.assign(value)
            return outputs

        return call


class _TensorFlow(_Backend):
    """Stateful, as Keras' own TensorFlow trainer: a tape, then `optimizer.apply` on the variables."""

    def update(self, state, model, optimizer, x, y, sample_weight):
        import tensorflow as tf

        with tf.GradientTape() as tape:
            y_pred = model(x, training=True)
            loss, parts = _compiled_loss(model, y, y_pred, sample_weight, model.losses)
            scaled = optimizer.scale_loss(loss)  # mixed_float16's loss scaling; the loss itself otherwise
        variables = model.trainable_variables
        optimizer.apply(tape.gradient(scaled, variables), variables)
        # Under a MirroredStrategy Keras' losses come divided by the replicas (the optimizer sums the
        # replicas' gradients); the logs show each replica's own mean.
        return state, unscale_loss_for_distribution(loss), [unscale_loss_for_distribution(p) for p in parts], y_pred

    strategy = None

    def loop(self, fn, carry, xs, count, shapes):
        """`fn` over the steps of `xs`; with a strategy, each step under `strategy.run` on the replicas' shares."""
        if self.strategy is None:
            return self.scan(fn, carry, xs, tuple(shapes))
        import tensorflow as tf

        strategy, names = self.strategy, tuple(shapes)

        def body(i, arrays):
            def replica_step(shares):
                _, outputs = fn(carry, _index(shares, i))
                return [tf.cast(outputs[name], tf.float32) for name in names]

            outputs = strategy.run(replica_step, args=(xs,))
            return i + 1, [array.write(i, strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None))
                           for array, value in zip(arrays, outputs)]

        arrays = [tf.TensorArray(tf.float32, size=count) for _ in names]
        _, arrays = tf.while_loop(lambda i, _: i < count, body, (tf.constant(0), arrays))
        return carry, {name: array.stack() for name, array in zip(names, arrays)}

    def scan(self, fn, carry, xs, names):
        import tensorflow as tf

        if self.strategy is not None:  # inside strategy.run: no gradient sync inside a while loop, so unrolled
            outputs = []
            for i in range(tree.flatten(xs)[0].shape[0]):
                carry, step = fn(carry, _index(xs, i))
                outputs.append([tf.cast(step[name], tf.float32) for name in names])
            return carry, {name: tf.stack([o[k] for o in outputs]) for k, name in enumerate(names)}
        n = tf.shape(tree.flatten(xs)[0])[0]
        arrays = [tf.TensorArray(tf.float32, size=n) for _ in names]

        def body(i, carry, arrays):
            carry, outputs = fn(carry, _index(xs, i))
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


class _Torch(_Backend):
    """Stateful and eager, as Keras' own PyTorch trainer (gradients by `torch.autograd.grad`)."""

    def update(self, state, model, optimizer, x, y, sample_weight):
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
        import torch

        n = len(tree.flatten(xs)[0])
        collected = []
        for i in range(n):
            carry, outputs = fn(carry, _index(xs, i))
            collected.append(outputs)
        return carry, {name: torch.stack([ops.convert_to_tensor(o[name], "float32") for o in collected])
                       for name in names}

    def compile(self, fn, distribution=None, jit_compile=False):
        import torch

        def call(blocks, count):
            blocks = tree.map_structure(ops.convert_to_tensor, blocks)
            with torch.no_grad():
                _, outputs = fn(0, blocks, count)
            return outputs

        return call
