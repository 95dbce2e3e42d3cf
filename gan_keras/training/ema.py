"""An exponential moving average of the generator's weights (`--ema DECAY`).

After every training step the averaged generator's trainable weights move a
little towards the generator's:

    w_ema <- decay * w_ema + (1 - decay) * w

so they average the last ~1 / (1 - decay) steps (StyleGAN, BigGAN and
keras-io's `gan_ada` keep such a generator).

Warm-up: the average starts as a copy of the untrained generator, and with
a fixed decay of 0.999 that copy still weighs 0.999**468 = 63% after a
whole epoch of Fashion-MNIST at batch 128, so short runs would show noise
under the averaged name. So the decay of the update after step t (1-based)
ramps up in the form of TensorFlow's `ExponentialMovingAverage(num_updates=t)`:

    decay_t = min(decay, (1 + t) / (warmup + t))      (warmup = 20 by default)

The average then spans about the last (warmup + t) / (warmup - 1) steps:
with 20, 5% of the run so far, the share StyleGAN2-ADA's `ema_rampup`
(0.05) allows, until it reaches `decay` (0.999: after 18,980 steps, the
length of the 10-epoch main job at batch 32). TensorFlow's own 10 (11%)
lagged more in the first epoch (README, "Averaged generator"); `warmup=0`
turns the ramp off. The decay depends on the step alone, so a resumed run
continues it exactly, and the compiled engine's K updates of one call use
the decays of their own K steps.

A BatchNormalization layer's
moving statistics describe the activations of the weights that produced
them, not of averaged weights, so they are not averaged: before the averaged
generator is used (grids, evaluation, saving) they are re-estimated from
`BN_SAMPLES` generator inputs run through it in training mode, as
PyTorch's `torch.optim.swa_utils.update_bn` does.

The compiled engine hands back the weights once per call of K steps; the
K updates of that call then all see the call's last weights, which is the
average updated once per call with decay**K (StyleGAN updates its average
once per minibatch group the same way). The book's engine updates after
every step.
"""

import dataclasses

import keras
import numpy as np

from gan_keras.core.combined import all_layers

BN_SAMPLES = 2048  # generator inputs per re-estimation (noise GANs)
BN_SAMPLES_DATA = 256  # for GANs whose inputs are images or captions from the data (larger images)
BN_CHUNK = 256  # inputs per forward pass of a re-estimation
WARMUP = 20  # decay_t = min(decay, (1 + t) / (20 + t)): a horizon of 5% of the steps so far (README, measured)


def warmed_decay(decay, step, warmup=WARMUP):
    """The decay of the averaging update after `step`: `min(decay, (1 + step) / (warmup + step))`.

    Args:
        decay: The long-run decay, in (0, 1).
        step: The 1-based training step just done (None: `decay` itself).
        warmup: The ramp's offset, an integer >= 2; 0 for no ramp.

    Returns:
        The decay as a float, e.g. `warmed_decay(0.999, 1) == 2 / 21`,
        `warmed_decay(0.999, 100) == 101 / 120`, `warmed_decay(0.999, 18980) == 0.999`.
    """
    if not warmup or step is None:
        return float(decay)
    return min(float(decay), (1.0 + step) / (warmup + step))


class GeneratorAverage:
    """The averaged copy of a generator and its bookkeeping.

    Args:
        generator: The GAN's generator (a functional or Sequential model).
        decay: In (0, 1): the weight of the old average at each update, in
            the long run.
        seed: Seed of the re-estimation inputs (drawn from `(seed, 0, 2)`,
            the same at every re-estimation).
        warmup: The ramp of the decay over the first steps (`warmed_decay`);
            0: the fixed `decay` from the first step.

    Attributes:
        model: The averaged generator, same architecture; starts equal to
            `generator`.
        decay: As given.
        warmup: As given.
    """

    def __init__(self, generator, decay, seed=0, warmup=WARMUP):
        if not 0.0 < decay < 1.0:
            raise ValueError(f"decay must be in (0, 1), got {decay}")
        if warmup != 0 and (not isinstance(warmup, int) or warmup < 2):
            raise ValueError(f"warmup must be 0 (off) or an integer >= 2, got {warmup!r}")
        self.model = keras.models.clone_model(generator)
        self.decay = float(decay)
        self.warmup = warmup
        self.seed = seed
        if [tuple(v.shape) for v in self.model.variables] != [tuple(v.shape) for v in generator.variables]:
            raise ValueError("the averaged generator's variables do not match the generator's")
        for copy, original in zip(self.model.variables, generator.variables):  # weights, statistics, seed states
            # A copy, not the same array: Keras' JAX backend donates (deletes) a model's arrays in its calls.
            copy.assign(keras.ops.convert_to_numpy(original))
        # The weights the generator trains; a frozen part (e.g. StackGAN's previous stage) stays as it is.
        trained = {id(v) for v in generator.trainable_variables}
        self._pairs = [(copy, original) for copy, original in zip(self.model.variables, generator.variables)
                       if id(original) in trained]
        self._norms = [copy for copy, original in zip(all_layers(self.model), all_layers(generator))
                       if isinstance(original, keras.layers.BatchNormalization) and original.trainable]
        self._estimated = False

    def update(self, step=None):
        """One averaging step: `w_ema <- d * w_ema + (1 - d) * w` for every trainable weight.

        Args:
            step: The 1-based training step just done; `d` is
                `warmed_decay(decay, step, warmup)` (None: `decay`).
        """
        decay = np.float32(warmed_decay(self.decay, step, self.warmup))
        rest = np.float32(1.0) - decay
        for average, weight in self._pairs:
            average.assign(keras.ops.add(keras.ops.multiply(average.value, decay),
                                         keras.ops.multiply(weight.value, rest)))
        self._estimated = False

    def view(self, gan, source):
        """`gan` with the averaged generator in place of its own, statistics re-estimated if needed.

        Args:
            gan: The `GAN` whose generator is averaged.
            source: Its real-data source (the inputs of an image-conditioned
                or captioned generator come from there).

        Returns:
            A `GAN` (a copy sharing every model but the generator).
        """
        if not self._estimated:
            self.reestimate(gan, source)
        return dataclasses.replace(gan, generator=self.model)

    def reestimate(self, gan, source):
        """Sets every BatchNormalization's moving mean and variance to those of the averaged weights.

        Runs `BN_SAMPLES` (noise GANs) or `BN_SAMPLES_DATA` fixed inputs
        through the averaged generator in training mode, `BN_CHUNK` at a
        time; each layer's statistics become the mean over the chunks of its
        batch mean and batch variance (momentum `k / (k + 1)` at chunk `k`).
        Layers of a frozen part (e.g. StackGAN's previous stage) keep their
        statistics. Other variables (weights, random seeds) are left as they
        were.
        """
        self._estimated = True
        if not self._norms:
            return
        kept = [(v, keras.ops.convert_to_numpy(v)) for v in self.model.non_trainable_variables
                if not any(v is n.moving_mean or v is n.moving_variance for n in self._norms)]
        momentum = [layer.momentum for layer in self._norms]
        try:
            for k, inputs in enumerate(_inputs(gan, source, self.seed)):
                for layer in self._norms:
                    layer.momentum = k / (k + 1)
                self.model(inputs, training=True)
        finally:
            for layer, value in zip(self._norms, momentum):
                layer.momentum = value
            for variable, value in kept:
                variable.assign(value)

    @property
    def variables(self):
        """Every variable of the averaged generator (saved in checkpoints)."""
        return self.model.variables


def _inputs(gan, source, seed):
    """The fixed generator inputs of a re-estimation, `BN_CHUNK` rows at a time."""
    rng = np.random.default_rng([seed, 0, 2])
    if not gan.condition.from_data:
        for _ in range(BN_SAMPLES // BN_CHUNK):
            noise, labels = gan.fake_inputs(rng, BN_CHUNK)
            yield gan.generator_inputs(noise, labels)
        return
    conditions, rows, index = [], 0, 0
    while rows < BN_SAMPLES_DATA:
        _, condition = source.batch(index)
        conditions.append(np.asarray(condition))
        rows += len(condition)
        index += 1
    condition = np.concatenate(conditions)[:BN_SAMPLES_DATA]
    for start in range(0, BN_SAMPLES_DATA, BN_CHUNK):
        part = condition[start:start + BN_CHUNK]
        noise, part = gan.fake_inputs(rng, len(part), part)
        yield gan.generator_inputs(noise, part)
