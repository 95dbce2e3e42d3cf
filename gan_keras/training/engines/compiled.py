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
compilation differ per backend (`gan_keras.training.engines.backends`): `tf.function` with a
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

from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.training import processes
from gan_keras.training.engines import _keras_internals
from gan_keras.training.engines.backends import Backend
from gan_keras.training.plan import StepResults, fake_sample_weights, plan_step, step_logs, with_images


class CompiledEngine:
    """Runs training steps of a `GAN` as compiled calls of up to `config.steps_per_call` steps.

    Args:
        gan: The compiled `GAN` (its discriminator and combined model
            compiled by `gan_keras.core.combined.build_combined`).
        source: The real-data source.
        config: `LoopConfig` (seed, d_steps, g_steps, schedule, steps_per_call).

    Raises:
        UserError: (exit status 2) if `config.devices` > 1 cannot be honoured
            (see `DataParallel`); (exit status 1) on a Keras version whose
            private API was not checked (`_keras_internals.CHECKED_KERAS`).
    """

    def __init__(self, gan, source, config):
        _keras_internals.check_keras_version()
        self.gan, self.source, self.config = gan, source, config
        self.distribution = None
        self.group = processes.current()
        self.reader = source  # what the steps' batches are read through
        if self.group is not None:  # several processes: every device of every process
            self.distribution = DataParallel(config.devices, self.group)
            if hasattr(source, "own_rows"):  # each process reads only its own devices' rows of a batch
                self.reader = source.own_rows(self.distribution.local_rows(source.batch_size))
        elif config.devices > 1:
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
        self.backend = Backend.current(variables, gan)
        patch = tuple(discriminator.outputs[0].shape[1:])
        self.valid = np.ones((source.batch_size, *patch), np.float32)
        self.fake = np.zeros((source.batch_size, *patch), np.float32)
        self.weights = fake_sample_weights(gan, source.batch_size)
        self._functions = {}
        if self.group is not None:  # every process starts from the leader's state (its checkpoint or weights)
            processes.send(processes.START)
            for variable, value in zip(self.variables, processes.share([v.value for v in self.variables])):
                variable.assign(np.asarray(value))

    def follow(self):
        """A follower's run: the leader's calls until it stops; returns the leader's exit status."""
        while True:
            kind, first, count = processes.receive()
            if kind == processes.STOP:
                return first
            if kind != processes.CALL:
                raise UserError(f"process {self.group.index}: unexpected message {kind} from process 0")
            self._call(list(range(first, first + count)))

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
        processes.send(processes.CALL, steps[0], len(steps))  # the leader's, to the followers
        plans = [plan_step(self.gan, self.reader, self.config, step) for step in steps]
        key = (bool(plans[0].d), bool(plans[0].g))
        if key not in self._functions:
            self._functions[key] = self.backend.compile(self._steps_function(*key), self.distribution,
                                                        jit_compile=bool(self.gan.combined.jit_compile))
        arrays = [_plan_arrays(plan) for plan in plans]
        # JAX: padded to a fixed length (the padding is not run), so every call has the same shapes.
        padding = self.config.steps_per_call - len(arrays) if self.backend.fixed_shapes else 0
        blocks = _stack(arrays + [arrays[-1]] * padding)
        # In a job, a process gone shows when the step's values are read (JAX dispatches asynchronously).
        with processes.collective("a training step") if self.group is not None else contextlib.nullcontext():
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
            _keras_internals.symbolic_build(discriminator, (plan.d[0]["real"], valid, None))
        targets = self.gan.condition.generator_targets(valid, plan.g[0].get("targets"))
        _keras_internals.symbolic_build(combined, (plan.g[0]["inputs"], targets, None))
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
            targets = gan.condition.generator_targets(valid, block.get("targets"))
            values, loss, parts, y_pred = update(values, combined, self.g_optimizer, block["inputs"], targets, None)
            validity = y_pred[0] if gan.condition.reconstruction else y_pred
            out = {"g_loss": parts[0] if gan.condition.reconstruction else loss, "fooled": _accuracy(valid, validity)}
            if gan.condition.reconstruction:
                out["content"] = parts[1]
            return values, out

        d_names = ("real", "fake", "accuracy") + (("wrong",) if gan.condition.matching_aware else ())
        g_names = ("g_loss", "fooled") + (("content",) if gan.condition.reconstruction else ())

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
    """The `tf.distribute.MirroredStrategy` the models were built under (`devices.data_parallel_scope`)."""
    if keras.config.backend() != "tensorflow":
        raise UserError(f"--devices {devices} needs the JAX or TensorFlow backend", EXIT_USAGE)
    strategy = gan.discriminator.distribute_strategy
    if strategy.num_replicas_in_sync != devices:
        raise UserError(f"--devices {devices}: the models were built for {strategy.num_replicas_in_sync} "
                        f"device(s)", EXIT_USAGE)
    return strategy


class DataParallel:
    """Splits every batch of a compiled call across devices (JAX): of this process, or of every process of a job.

    The state is replicated and each batch sharded along its sample axis;
    XLA's SPMD partitioner turns the one-device program into a data-parallel
    one. The program is the same, so BatchNormalization normalises with the
    statistics of the whole batch and the losses match a one-device run up
    to float rounding (gradients summed across devices in another order).
    On a CPU-only machine, `XLA_FLAGS=--xla_force_host_platform_device_count=N`
    gives N logical devices.

    In a job of several processes (`gan_keras.training.processes`) the mesh
    holds every process's devices (`jax.devices()`); every process plans the
    same whole batch from `(seed, step)` and hands over the rows of its own
    devices (`jax.make_array_from_callback`), and after each call the
    replicated state comes back as this process's own copy (`local`), so
    that everything outside the engine (checkpoints, grids, evaluation)
    computes on one process alone.

    On TensorFlow the engine runs each step under the models'
    `tf.distribute.MirroredStrategy` instead: each replica updates on its
    share of the batch (its own BatchNormalization statistics, as Keras'
    `fit` does there) and the gradients are summed across replicas.

    Args:
        devices: Number of devices of this process (the first `devices` of
            `jax.devices()`); the batch must be a multiple of it (checked by
            `RunConfig`). In a job: each process's local devices, all used.
        group: The `ProcessGroup` of a job, or None.

    Raises:
        UserError: (exit status 2) with fewer JAX devices than asked, or a
            batch that does not split evenly over the job's devices.
    """

    def __init__(self, devices, group=None):
        # Only the running Keras backend's library is imported.
        import jax

        found = jax.devices()
        if group is None and len(found) < devices:
            raise UserError(f"--devices {devices}: only {len(found)} {found[0].platform} device(s) found "
                            f"(CPU: set XLA_FLAGS=--xla_force_host_platform_device_count={devices})", EXIT_USAGE)
        self.count = len(found) if group is not None else devices
        self.group = group
        mesh = jax.sharding.Mesh(np.array(found[:self.count]), ("batch",))
        self.replicated = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
        # Plan blocks are (steps, updates, batch, ...).
        self.sharded = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec(None, None, "batch"))

    def place(self, values, blocks):
        """Puts the state on every device and each batch split across them."""
        # Only the running Keras backend's library is imported.
        import jax

        if self.group is None:
            return jax.device_put(values, self.replicated), jax.device_put(blocks, self.sharded)

        def spread(array, sharding):
            array = np.asarray(array)
            if sharding is self.sharded and array.shape[2] % self.count:
                raise UserError(f"a batch of {array.shape[2]} does not split over the job's {self.count} devices: "
                                f"use a --batch-size that is a multiple of {self.count}", EXIT_USAGE)
            return jax.make_array_from_callback(array.shape, sharding, lambda index: array[index])

        return (tree.map_structure(lambda a: spread(a, self.replicated), values),
                tree.map_structure(lambda a: spread(a, self.sharded), blocks))

    def local_rows(self, batch_size):
        """The positions of a batch of `batch_size` that this process's devices take, as a slice.

        Raises:
            UserError: (exit status 2) if the batch does not split evenly over the job's devices.
        """
        if batch_size % self.count:
            raise UserError(f"a batch of {batch_size} does not split over the job's {self.count} devices: "
                            f"use a --batch-size that is a multiple of {self.count}", EXIT_USAGE)
        shards = self.sharded.addressable_devices_indices_map((1, 1, batch_size)).values()
        spans = sorted((index[2].start or 0, batch_size if index[2].stop is None else index[2].stop)
                       for index in shards)
        if any(a[1] != b[0] for a, b in zip(spans, spans[1:])):
            raise RuntimeError(f"this process's devices take rows {spans} of a batch, not one block")
        return slice(spans[0][0], spans[-1][1])

    def local(self, structure):
        """This process's copy of replicated arrays (itself without a job)."""
        if self.group is None:
            return structure
        return tree.map_structure(lambda a: a.addressable_data(0) if hasattr(a, "addressable_data") else a,
                                  structure)


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
