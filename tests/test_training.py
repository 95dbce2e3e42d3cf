"""The training loop, its outputs, checkpoints and resume, on a tiny DCGAN run."""

import errno
import os

import keras
import numpy as np
import pytest

from gan_keras.training import callbacks as cb
from gan_keras.training import checkpoint
from gan_keras.cli.flags import UserError
from gan_keras.runs.config import RunConfig
from gan_keras.runs.run import run_training
from gan_keras.recipes import DCGANConfig, MLPConfig
from gan_keras.recipes.build.dcgan import build_dcgan
from gan_keras.recipes.build.mlp import build_mlp_gan
from gan_keras.data.sources import ArraySource
from gan_keras.training.loop import Callback, LoopConfig, train

LATENT = 8


def tiny_images(n=24, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 28, 28, 1)).astype("float32")


def tiny_run(output_dir, steps, **overrides):
    """A few steps of the MLP GAN: the loop is the same for every GAN, and this one is fast."""
    settings = dict(output_dir=str(output_dir), batch_size=4, steps=steps, save_interval=3,
                    checkpoint_interval=2, seed=5, progress=False)
    settings.update(overrides)
    config = RunConfig(**settings)
    source = ArraySource(tiny_images(), batch_size=config.batch_size, seed=config.seed)
    return run_training(config, lambda: build_mlp_gan(LATENT, jit_compile=False), source, model="mlp_gan",
                        model_config=MLPConfig(latent_dim=LATENT))


def history(output_dir):
    return cb.read_history(os.path.join(output_dir, "history.csv"))


def test_array_source_epochs_are_permutations_without_replacement():
    images = np.arange(10, dtype=np.float32).reshape(10, 1)
    source = ArraySource(images, batch_size=3, seed=1)
    assert source.batches_per_epoch == 3
    epoch0 = np.concatenate([source.batch(i)[0] for i in range(3)]).ravel()
    epoch1 = np.concatenate([source.batch(i)[0] for i in range(3, 6)]).ravel()
    assert len(set(epoch0)) == 9 and len(set(epoch1)) == 9
    assert not np.array_equal(epoch0, epoch1)
    np.testing.assert_array_equal(source.batch(4)[0], ArraySource(images, batch_size=3, seed=1).batch(4)[0])


def test_array_source_rejects_batch_larger_than_data():
    with pytest.raises(ValueError, match="larger than the 5"):
        ArraySource(np.zeros((5, 1)), batch_size=6)


def test_one_step_updates_both_models_and_logs_the_book_columns():
    keras.utils.set_random_seed(0)
    gan = build_dcgan(LATENT, jit_compile=False)
    before_g = [keras.ops.convert_to_numpy(v).copy() for v in gan.generator.trainable_variables]
    before_d = [keras.ops.convert_to_numpy(v).copy() for v in gan.discriminator.trainable_variables]
    logs = []

    class Collect(Callback):
        def on_step_end(self, run, step_logs):
            logs.append(step_logs)

    source = ArraySource(tiny_images(), batch_size=4)
    run = train(gan, source, LoopConfig(total_steps=1, progress=False), [Collect()])
    assert run.step == 1 and not run.interrupted
    assert set(logs[0]) >= {"step", "epoch", "d_loss_real", "d_loss_fake", "d_acc", "g_loss", "scam_ratio"}
    assert all(np.isfinite(logs[0][k]) for k in ("d_loss_real", "d_loss_fake", "d_acc", "g_loss"))
    assert 0 <= logs[0]["d_acc"] <= 1 and 0 <= logs[0]["scam_ratio"] <= 1
    after_g = [keras.ops.convert_to_numpy(v) for v in gan.generator.trainable_variables]
    after_d = [keras.ops.convert_to_numpy(v) for v in gan.discriminator.trainable_variables]
    assert all(not np.array_equal(a, b) for a, b in zip(before_g, after_g))
    assert all(not np.array_equal(a, b) for a, b in zip(before_d, after_d))


def test_schedule_trains_one_side_at_a_time():
    config = LoopConfig(total_steps=10, d_only_steps=3, g_only_steps=2)
    assert [config.trains(s) for s in (1, 3, 4, 5, 6, 10)] == [
        (True, False), (True, False), (False, True), (False, True), (True, True), (True, True)]


def test_run_writes_grids_history_plot_checkpoint_and_generator(tmp_path):
    run = tiny_run(tmp_path, steps=5)
    assert run.step == 5
    rows = history(tmp_path)
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4, 5]
    assert [int(r["epoch"]) for r in rows] == [1, 1, 1, 1, 1]
    samples = sorted(os.listdir(tmp_path / "samples"))
    assert samples == ["last.png", "step_0000000.png", "step_0000003.png", "step_0000005.png"]
    for name in ("losses.png", "checkpoint.npz", "generator.keras"):
        assert (tmp_path / name).stat().st_size > 0
    assert checkpoint.read_checkpoint_header(str(tmp_path / "checkpoint.npz"))["step"] == 5
    generator = keras.models.load_model(str(tmp_path / "generator.keras"), compile=False)
    assert generator.output_shape == (None, 28, 28, 1)


def test_grids_use_the_same_noise_at_every_save(tmp_path):
    tiny_run(tmp_path, steps=3)
    grid = cb.SampleGrid(str(tmp_path / "again"), interval=1, seed=5)

    class FakeRun:
        step = 1
        gan = None

    run = FakeRun()
    keras.utils.set_random_seed(0)
    run.gan = build_mlp_gan(LATENT, jit_compile=False)
    grid.on_train_begin(run)
    first = grid.noise.copy()
    grid.on_train_begin(run)
    np.testing.assert_array_equal(first, grid.noise)
    assert first.shape == (100, LATENT)


def test_same_seed_gives_the_same_history(tmp_path):
    tiny_run(tmp_path / "a", steps=3)
    tiny_run(tmp_path / "b", steps=3)
    assert history(tmp_path / "a") == history(tmp_path / "b")


def test_resume_continues_exactly_like_an_uninterrupted_run(tmp_path):
    tiny_run(tmp_path / "full", steps=6)
    tiny_run(tmp_path / "parts", steps=3)
    # The history also holds a row written after the last checkpoint would
    # have been taken in a crash: simulate with a checkpoint at step 2.
    tiny_run(tmp_path / "parts", steps=6, resume=True)
    full, parts = history(tmp_path / "full"), history(tmp_path / "parts")
    assert [int(r["step"]) for r in parts] == [1, 2, 3, 4, 5, 6]
    assert parts == full


def test_resume_after_a_crash_drops_rows_after_the_checkpoint(tmp_path):
    tiny_run(tmp_path, steps=4, checkpoint_interval=10)  # checkpoint only at the end (step 4)
    checkpoint_path = str(tmp_path / "checkpoint.npz")
    # Pretend the run crashed at step 4 after checkpointing step 2.
    tiny_run(tmp_path / "two", steps=2)
    os.replace(tmp_path / "two" / "checkpoint.npz", checkpoint_path)
    tiny_run(tmp_path, steps=5, resume=True)
    assert [int(r["step"]) for r in history(tmp_path)] == [1, 2, 3, 4, 5]


class InterruptAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_step_end(self, run, logs):
        if run.step == self.step:
            os.kill(os.getpid(), __import__("signal").SIGINT)


def test_ctrl_c_saves_a_checkpoint_and_stops_cleanly(tmp_path):
    config = RunConfig(output_dir=str(tmp_path), batch_size=4, steps=10, checkpoint_interval=100,
                       seed=5, progress=False)
    source = ArraySource(tiny_images(), batch_size=4, seed=5)
    run = run_training(config, lambda: build_mlp_gan(LATENT, jit_compile=False), source, callbacks=[InterruptAt(2)],
                       model="mlp_gan", model_config=MLPConfig(latent_dim=LATENT))
    assert run.interrupted and run.step == 2
    assert checkpoint.read_checkpoint_header(str(tmp_path / "checkpoint.npz"))["step"] == 2
    assert [int(r["step"]) for r in history(tmp_path)] == [1, 2]
    assert (tmp_path / "generator.keras").exists()


def test_a_new_run_refuses_to_overwrite_an_old_one(tmp_path):
    tiny_run(tmp_path, steps=1)
    with pytest.raises(UserError, match="--resume"):
        tiny_run(tmp_path, steps=1)
    tiny_run(tmp_path, steps=1, overwrite=True)


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    tiny_run(tmp_path, steps=2)
    path = tmp_path / "checkpoint.npz"
    original = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(UserError, match="cannot write .*checkpoint.npz: No space left on device"):
        checkpoint.save_checkpoint(str(path), build_mlp_gan(LATENT, jit_compile=False), 99, {})
    assert path.read_bytes() == original
    assert [p for p in os.listdir(tmp_path) if "tmp" in p] == []


def test_checkpoint_of_another_architecture_or_settings_is_refused(tmp_path):
    tiny_run(tmp_path, steps=1)
    path = str(tmp_path / "checkpoint.npz")
    keras.utils.set_random_seed(0)
    with pytest.raises(checkpoint.CheckpointError, match="different architecture"):
        checkpoint.load_checkpoint(path, build_dcgan(LATENT, jit_compile=False), {})
    with pytest.raises(checkpoint.CheckpointError, match="batch_size"):
        checkpoint.load_checkpoint(path, build_mlp_gan(LATENT, jit_compile=False), {"batch_size": 64})


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupt_checkpoint_is_refused(tmp_path, damage):
    tiny_run(tmp_path, steps=1)
    path = tmp_path / "checkpoint.npz"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"not a checkpoint" * 10)
    with pytest.raises(checkpoint.CheckpointError, match="corrupt"):
        checkpoint.load_checkpoint(str(path), build_mlp_gan(LATENT, jit_compile=False), {})


def test_tensorboard_gets_losses_and_grids(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    tiny_run(tmp_path, steps=3, tensorboard=str(tmp_path / "tb"))
    (events,) = list((tmp_path / "tb").iterdir())
    accumulator = EventAccumulator(str(events), size_guidance={"tensors": 0})
    accumulator.Reload()
    tags = accumulator.Tags()["tensors"]
    assert {"d_loss_real", "d_loss_fake", "g_loss", "scam_ratio", "samples"} <= set(tags)
    assert [event.step for event in accumulator.Tensors("g_loss")] == [1, 2, 3]
    assert [event.step for event in accumulator.Tensors("samples")] == [3]


def test_resume_is_exact_for_the_dcgan_with_dropout_and_batch_norm(tmp_path):
    def dcgan_run(output_dir, steps, **overrides):
        config = RunConfig(output_dir=str(output_dir), batch_size=4, steps=steps, save_interval=10,
                           checkpoint_interval=10, seed=3, progress=False, **overrides)
        source = ArraySource(tiny_images(), batch_size=4, seed=3)
        run_training(config, lambda: build_dcgan(LATENT, jit_compile=False), source, model="dcgan",
                     model_config=DCGANConfig(latent_dim=LATENT))

    dcgan_run(tmp_path / "full", 4)
    dcgan_run(tmp_path / "parts", 2)
    dcgan_run(tmp_path / "parts", 4, resume=True)
    assert history(tmp_path / "parts") == history(tmp_path / "full")
    full = keras.models.load_model(str(tmp_path / "full" / "generator.keras"), compile=False)
    parts = keras.models.load_model(str(tmp_path / "parts" / "generator.keras"), compile=False)
    for a, b in zip(full.weights, parts.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
