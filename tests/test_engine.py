"""The compiled engine runs the book's step: same losses, same weights, same outputs.

Proof of sameness: both engines run the same plans (batches, noise, labels
from `(seed, step)`), so for a shared starting state each step must give the
same losses and weights up to float rounding. On TensorFlow and PyTorch the
two engines agree bit for bit here; on JAX the compiled program is fused
differently by XLA, and the biases of the layers before a BatchNormalization
(whose exact gradient is zero: the normalisation removes them) take Adam steps
of up to one learning rate (2e-4) driven by rounding noise in either engine,
so a whole trajectory drifts apart chaotically after a few steps. The tests
therefore compare every step from a shared state (losses 1e-4, weights two
learning rates) on every backend, and whole runs where the dynamics allow it.
"""

import json
import os
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest

from gan_keras.training import callbacks as cb
from gan_keras.training import checkpoint, loop
from gan_keras.runs.config import RunConfig
from gan_keras.training.engines.compiled import CompiledEngine
from gan_keras.core.errors import UserError
from gan_keras.runs.run import run_training
from gan_keras.recipes.build.cgan import build_cgan
from gan_keras.recipes.build.dcgan import build_dcgan
from gan_keras.recipes.build.mlp import build_mlp_gan
from gan_keras.recipes import MLPConfig
from gan_keras.data.sources import ArraySource
from gan_keras.training.engines.book import BookEngine
from gan_keras.training.loop import Callback, LoopConfig

STEPS = 20
# Adam moves a weight whose gradient is pure rounding noise by up to one learning rate (2e-4) in either
# direction, so the two engines can leave such a weight up to two learning rates apart.
ADAM_NOISE = 2 * 2e-4
# Adam's moments hold the gradients themselves (0.1 of one step's), whose float32 rounding differs between
# the engines' separately compiled programs: on JAX on a CPU with AMX units the DCGAN discriminator's
# convolution gradients differed by up to 1.5e-2 in one step (momentum 1.5e-3), the losses by under 1e-4.
MOMENT_NOISE = 4e-3
BUILDERS = {
    # The DCGAN has BatchNormalization in both models and dropout in the discriminator.
    "dcgan": lambda: build_dcgan(latent_dim=16, jit_compile=False),
    "cgan": lambda: build_cgan(latent_dim=16, jit_compile=False),
    "mlp": lambda: build_mlp_gan(8, jit_compile=False),
}


def source_for(name, batch_size=8):
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (96, 28, 28, 1)).astype("float32")
    labels = rng.integers(0, 10, 96).astype("int32") if name == "cgan" else None
    return ArraySource(images, labels, batch_size=batch_size, seed=1)


def state(variables):
    return [keras.ops.convert_to_numpy(v).copy() for v in variables]


def full_state(variables):
    """The variables, and on PyTorch the global random state: Keras' PyTorch dropout without a seed draws from it."""
    if keras.config.backend() == "torch":
        import torch

        return state(variables), torch.random.get_rng_state()
    return state(variables), None


def restore(variables, saved):
    values, rng = saved
    for variable, value in zip(variables, values):
        variable.assign(value)
    if rng is not None:
        import torch

        torch.random.set_rng_state(rng)


def assert_same_step(book_logs, compiled_logs, book_state, compiled_state, variables):
    fields = [f for f in ("d_loss_real", "d_loss_fake", "d_loss_wrong", "d_acc", "g_loss", "scam_ratio", "g_content")
              if f in book_logs]
    for field in fields:
        np.testing.assert_allclose(compiled_logs[field], book_logs[field], rtol=1e-4, atol=1e-4,
                                   err_msg=f"step {book_logs['step']}: {field}")
    for variable, a, b in zip(variables, book_state, compiled_state):
        moment = variable.path.endswith(("_momentum", "_velocity"))
        np.testing.assert_allclose(b.astype(np.float64), a.astype(np.float64), rtol=0,
                                   atol=MOMENT_NOISE if moment else ADAM_NOISE,
                                   err_msg=f"step {book_logs['step']}: {variable.path}")


def assert_engines_agree_step_by_step(gan, source, steps, **loop):
    """Each step from the same state: the book's and the compiled engine's losses and new weights agree."""
    config = LoopConfig(total_steps=steps, seed=2, progress=False, engine="compiled", steps_per_call=1, **loop)
    book, compiled = BookEngine(gan, source, config), CompiledEngine(gan, source, config)
    variables = compiled.variables  # both models' and both optimizers' (dropout seeds included)
    first = state(variables)
    for step in range(1, steps + 1):
        before = full_state(variables)
        [book_logs] = book.run([step])
        after_book = full_state(variables)
        restore(variables, before)
        [compiled_logs] = compiled.run([step])
        assert compiled_logs["step"] == book_logs["step"] == step
        assert_same_step(book_logs, compiled_logs, after_book[0], state(variables), variables)
        restore(variables, after_book)
    moved = [i for i, (a, b) in enumerate(zip(first, state(variables))) if not np.array_equal(a, b)]
    # The steps trained both models and both optimizers (the generator alone without the adversary).
    assert len(moved) > len(variables) // (2 if loop.get("adversarial", True) else 4)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_step_matches_the_book_engine_from_the_same_state(name):
    keras.utils.set_random_seed(3)
    assert_engines_agree_step_by_step(BUILDERS[name](), source_for(name), STEPS)


@pytest.mark.parametrize("name", ["pix2pix", "srgan", "srresnet", "stackgan"])
def test_image_to_image_and_captioned_gans_match_the_book_engine(name):
    """Paired inputs, PatchGAN labels, reconstruction losses, generator-only steps, matching-aware
    discriminators with the KL term: a few steps each."""
    from tests.test_image_to_image import pairs, tiny_pix2pix, tiny_srgan
    from tests.test_stackgan import tiny_stage

    keras.utils.set_random_seed(5)
    loop = {}
    if name == "stackgan":
        from gan_keras.data.sources import CaptionSource

        gan = tiny_stage()
        rng = np.random.default_rng(0)
        source = CaptionSource(rng.uniform(-1, 1, (8, 14, 14, 1)).astype(np.float32),
                               rng.uniform(-1, 1, (8, 2, 5)).astype(np.float32), batch_size=4)
    else:
        gan = tiny_pix2pix() if name == "pix2pix" else tiny_srgan()
        targets, inputs = pairs(small=name != "pix2pix")
        source = ArraySource(targets, inputs, batch_size=4, seed=0)
        loop = {"adversarial": name != "srresnet"}
    assert_engines_agree_step_by_step(gan, source, 3, **loop)


@pytest.mark.parametrize("name", ["mlp", "cgan"])
def test_twenty_steps_in_calls_of_eight_match_twenty_book_steps(name):
    runs = {}
    for engine in ("book", "compiled"):
        keras.utils.set_random_seed(3)
        gan = BUILDERS[name]()
        config = LoopConfig(total_steps=STEPS, seed=2, progress=False, engine=engine, steps_per_call=8)
        runner = BookEngine if engine == "book" else CompiledEngine
        logs = list(runner(gan, source_for(name), config).run(range(1, STEPS + 1)))  # calls of 8, 8, 4
        runs[engine] = logs, state(gan.generator.weights + gan.discriminator.weights)
    (book_logs, book_weights), (compiled_logs, compiled_weights) = runs["book"], runs["compiled"]
    assert [row["step"] for row in compiled_logs] == list(range(1, STEPS + 1))
    for a, b in zip(book_logs, compiled_logs):
        for field in ("d_loss_real", "d_loss_fake", "g_loss", "d_acc", "scam_ratio", "epoch"):
            np.testing.assert_allclose(b[field], a[field], rtol=1e-4, atol=1e-4, err_msg=f"step {a['step']} {field}")
    for a, b in zip(book_weights, compiled_weights):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-4)


def tiny_run(output_dir, steps, engine, **overrides):
    settings = dict(output_dir=str(output_dir), batch_size=4, steps=steps, save_interval=3, checkpoint_interval=5,
                    seed=5, progress=False, engine=engine)
    if engine == "compiled":
        settings["steps_per_call"] = 4
    settings.update(overrides)
    config = RunConfig(**settings)
    images = np.random.default_rng(0).uniform(-1, 1, (24, 28, 28, 1)).astype("float32")
    source = ArraySource(images, batch_size=config.batch_size, seed=config.seed)
    return run_training(config, lambda: build_mlp_gan(8, jit_compile=False), source, model="mlp_gan",
                        model_config=MLPConfig(latent_dim=8))


def test_compiled_runs_save_at_the_asked_steps_and_resume_exactly(tmp_path):
    book, compiled, resumed = tmp_path / "book", tmp_path / "compiled", tmp_path / "resumed"
    tiny_run(book, 11, "book")
    tiny_run(compiled, 11, "compiled")
    # Grids every 3 steps and checkpoints every 5 fall inside calls of 4: each call stops at them.
    grids = sorted(os.listdir(compiled / "samples"))
    assert grids == sorted(os.listdir(book / "samples"))
    assert "step_0000003.png" in grids and "step_0000009.png" in grids
    tiny_run(resumed, 7, "compiled")
    tiny_run(resumed, 11, "compiled", resume=True)
    rows = {name: cb.read_history(os.path.join(folder, "history.csv"))
            for name, folder in (("book", book), ("compiled", compiled), ("resumed", resumed))}
    assert [int(r["step"]) for r in rows["resumed"]] == list(range(1, 12))
    for field in ("d_loss_real", "d_loss_fake", "g_loss"):
        column = {name: [float(r[field]) for r in table] for name, table in rows.items()}
        np.testing.assert_allclose(column["compiled"], column["book"], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(column["resumed"], column["compiled"], rtol=1e-4, atol=1e-5)


def test_book_engine_refuses_steps_per_call_and_devices(tmp_path):
    with pytest.raises(UserError, match="--steps-per-call needs --engine compiled"):
        RunConfig(output_dir=str(tmp_path), steps_per_call=4)
    with pytest.raises(UserError, match="--devices needs --engine compiled"):
        RunConfig(output_dir=str(tmp_path), devices=2)
    with pytest.raises(UserError, match="multiple of --devices 2"):
        RunConfig(output_dir=str(tmp_path), engine="compiled", devices=2, batch_size=5)


class InterruptAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_step_end(self, run, logs):
        if run.step == self.step:
            os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_stops_the_compiled_engine_at_the_end_of_its_call(tmp_path, monkeypatch):
    monkeypatch.setattr(loop, "CALL_SECONDS", 1e9)  # calls as long as --steps-per-call allows (not cut by time)
    config = RunConfig(output_dir=str(tmp_path), batch_size=4, steps=12, checkpoint_interval=100, seed=5,
                       progress=False, engine="compiled", steps_per_call=4)
    images = np.random.default_rng(0).uniform(-1, 1, (24, 28, 28, 1)).astype("float32")
    run = run_training(config, lambda: build_mlp_gan(8, jit_compile=False), ArraySource(images, batch_size=4, seed=5),
                       callbacks=[InterruptAt(2)], model="mlp_gan", model_config=MLPConfig(latent_dim=8))
    assert run.interrupted and run.step == 5  # the first call runs one step (it compiles), the next 2..5
    assert checkpoint.read_checkpoint_header(str(tmp_path / "checkpoint.npz"))["step"] == 5
    assert [int(r["step"]) for r in cb.read_history(str(tmp_path / "history.csv"))] == [1, 2, 3, 4, 5]


DATA_PARALLEL_TF = """
import json, sys
import keras, numpy as np
from gan_keras.training.devices import data_parallel_scope
from gan_keras.training.engines.compiled import CompiledEngine
from gan_keras.recipes.build.mlp import build_mlp_gan
from gan_keras.data.sources import ArraySource
from gan_keras.training.loop import LoopConfig

def run(devices):
    keras.utils.set_random_seed(4)
    with data_parallel_scope(devices):
        gan = build_mlp_gan(8, jit_compile=False)
    images = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    config = LoopConfig(total_steps=6, seed=1, progress=False, engine="compiled", steps_per_call=3, devices=devices)
    logs = CompiledEngine(gan, ArraySource(images, batch_size=8, seed=2), config).run(range(1, 7))
    weights = [keras.ops.convert_to_numpy(v) for v in gan.generator.weights + gan.discriminator.weights]
    return logs, weights

two, one = run(2), run(1)
print(json.dumps({"one": one[0], "two": two[0],
                  "weights": max(float(np.max(np.abs(a - b))) for a, b in zip(one[1], two[1]))}))
"""


def test_two_tensorflow_replicas_give_the_losses_of_one_device(tmp_path):
    """MirroredStrategy over 2 logical CPU devices (set before TensorFlow starts, so in a fresh process).

    The MLP GAN has no BatchNormalization; with it, each replica normalises its own share of the batch
    (as Keras' `fit` does under MirroredStrategy), so a one-device run is not repeated."""
    if keras.config.backend() != "tensorflow":
        pytest.fail("this test is for the TensorFlow backend (JAX: tests/data_parallel_jax.py)")
    script = tmp_path / "data_parallel.py"
    script.write_text(DATA_PARALLEL_TF)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600,
                            env={**os.environ, "KERAS_BACKEND": "tensorflow"})
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert [row["step"] for row in found["two"]] == list(range(1, 7))
    for a, b in zip(found["one"], found["two"]):
        for field in ("d_loss_real", "d_loss_fake", "g_loss", "d_acc", "scam_ratio"):
            np.testing.assert_allclose(b[field], a[field], rtol=1e-5, atol=1e-5, err_msg=f"step {a['step']}")
    assert found["weights"] < 1e-5
