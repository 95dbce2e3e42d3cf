"""Timing the DCGAN train step: the book's loop, this package's default, XLA.

    gan-keras benchmark [--batch-sizes 32 128] [--steps 10] [--json OUT]

For each batch size it builds the models once per variant, warms them up, then
times the variants interleaved (one step of each in turn) and reports the
median. A large float32 matmul timed in the same run gives the machine's
practical roofline; FLOPs per step are counted from the layers.
"""

import time

import keras
import numpy as np

from gan_keras.recipes.build.dcgan import build_dcgan
from gan_keras.data.sources import ArraySource
from gan_keras.training.devices import dtype_policy
from gan_keras.training.engines import make_engine
from gan_keras.training.loop import LoopConfig


def forward_flops(model):
    """Multiply-adds x 2 of one forward pass of one sample (Conv2D and Dense layers)."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            k_h, k_w, c_in, _ = layer.kernel.shape
            total += 2 * h * w * c_out * k_h * k_w * c_in
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
    return total


def step_flops_per_image(gan):
    """FLOPs of one book step per image: G forward for the fakes, D trained twice
    (forward + two backward passes each), G trained through D (G: 3 passes;
    D: forward + input gradients)."""
    g, d = forward_flops(gan.generator), forward_flops(gan.discriminator)
    return g + 2 * 3 * d + 3 * g + 2 * d


def matmul_roofline(n=2048, repeats=10, dtype="float32"):
    """GFLOP/s of an n x n matmul in `dtype` through the active Keras backend."""
    a = keras.ops.cast(np.random.default_rng(0).standard_normal((n, n), dtype=np.float32), dtype)

    def product():
        # One scalar comes back per product (on a GPU, copying the whole product would be timed instead), as
        # float32: numpy cannot take TensorFlow's bfloat16 tensors.
        return float(keras.ops.convert_to_numpy(keras.ops.cast(keras.ops.matmul(a, a)[0, 0], "float32")))

    product()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        product()
        times.append(time.perf_counter() - start)
    return 2 * n**3 / np.median(times) / 1e9


class BookLoop:
    """The book's step: `generator.predict`, two D `train_on_batch`, one combined."""

    def __init__(self, gan, source, seed=0):
        self.gan, self.source, self.seed = gan, source, seed

    def __call__(self, step):
        gan, n = self.gan, self.source.batch_size
        rng = np.random.default_rng([self.seed, step])
        images, _ = self.source.batch(step - 1)
        noise = rng.standard_normal((n, gan.latent_dim), dtype=np.float32)
        fakes = gan.generator.predict(noise, verbose=0)
        valid, fake = np.ones((n, 1), np.float32), np.zeros((n, 1), np.float32)
        gan.discriminator.train_on_batch(images, valid)
        gan.discriminator.train_on_batch(fakes, fake)
        gan.combined.train_on_batch(noise, valid)


class EngineSteps:
    """Steps of `gan_keras.training.loop`'s engines (what the scripts run): `steps_per_call` steps per call."""

    def __init__(self, gan, source, seed=0, engine="book", steps_per_call=1):
        self.steps_per_call = steps_per_call
        config = LoopConfig(total_steps=10**9, seed=seed, progress=False, engine=engine,
                            steps_per_call=steps_per_call)
        self.engine = make_engine(gan, source, config)

    def __call__(self, step):
        """Runs the call starting at `step`; returns how many steps it ran."""
        logs = list(self.engine.run(range(step, step + self.steps_per_call)))
        float(logs[-1]["g_loss"])  # the results are on the host
        return len(logs)


VARIANTS = {
    # name: (runner, XLA setting, runner options)
    "book": (BookLoop, "auto", {}),
    "default": (EngineSteps, "auto", {}),
    "xla": (EngineSteps, True, {}),
    "compiled": (EngineSteps, "auto", {"engine": "compiled"}),
    "compiled_k": (EngineSteps, "auto", {"engine": "compiled", "steps_per_call": None}),
}


def benchmark(batch_size, steps, warmup, variants, steps_per_call=(16,), precision="float32"):
    """Median seconds per training step of each variant, and the FLOPs per image of one step.

    Each variant gets its own freshly built DCGAN (latent 100) under the
    dtype policy `precision`; after `warmup` untimed calls the variants are
    timed interleaved, one call each in turn, `steps` calls each.
    """
    images = np.random.default_rng(0).uniform(-1, 1, (max(4096, batch_size * 4), 28, 28, 1)).astype(np.float32)
    runners, flops = {}, None
    for variant in variants:
        cls, jit, options = VARIANTS[variant]
        for k in steps_per_call if variant == "compiled_k" else [None]:
            name = variant if k is None else f"compiled_k{k}"
            keras.utils.set_random_seed(0)
            with dtype_policy(precision):
                gan = build_dcgan(100, jit_compile=jit)
            flops = step_flops_per_image(gan)
            runners[name] = cls(gan, ArraySource(images, batch_size=batch_size, seed=0),
                                **{key: (k if value is None else value) for key, value in options.items()})
    step = {name: 1 for name in runners}
    for _ in range(warmup):
        for name, runner in runners.items():
            step[name] += runner(step[name]) or 1
    times = {name: [] for name in runners}
    for _ in range(steps):
        for name, runner in runners.items():
            start = time.perf_counter()
            done = runner(step[name]) or 1
            times[name].append((time.perf_counter() - start) / done)
            step[name] += done
    return {name: float(np.median(t)) for name, t in times.items()}, flops


def call_breakdown(batch_size, steps, warmup):
    """Median seconds of each call of the default step, and the FLOPs each does per image."""
    keras.utils.set_random_seed(0)
    gan = build_dcgan(100)
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (batch_size, 28, 28, 1)).astype(np.float32)
    noise = rng.standard_normal((batch_size, 100), dtype=np.float32)
    ones, zeros = np.ones((batch_size, 1), np.float32), np.zeros((batch_size, 1), np.float32)
    g, d = forward_flops(gan.generator), forward_flops(gan.discriminator)
    calls = {
        "generator.predict_on_batch (fakes)": (lambda: gan.generator.predict_on_batch(noise), g),
        "discriminator.train_on_batch (real)": (lambda: gan.discriminator.train_on_batch(real, ones), 3 * d),
        "discriminator.train_on_batch (fake)": (lambda: gan.discriminator.train_on_batch(real, zeros), 3 * d),
        "combined.train_on_batch": (lambda: gan.combined.train_on_batch(noise, ones), 3 * g + 2 * d),
    }
    times = {name: [] for name in calls}
    for i in range(warmup + steps):
        for name, (call, _) in calls.items():
            start = time.perf_counter()
            call()
            if i >= warmup:
                times[name].append(time.perf_counter() - start)
    return {name: (float(np.median(times[name])), calls[name][1]) for name in calls}
