"""pix2pix and SRGAN on the shared trainer: the contract, a step, resume, grids, held-out outputs, commands."""

import json
import os

import keras
import numpy as np
import pytest

from gan_keras.sampling import artifact
from gan_keras.training import callbacks as cb
from gan_keras.core.combined import build_combined, default_optimizer
from gan_keras.runs.config import RunConfig
from gan_keras.runs.scoring import TranslationEvaluation
from gan_keras.runs.run import run_training
from gan_keras.core.conditions import InputImage
from gan_keras.core.gan import GAN
from gan_keras.models.pix2pix import build_patch_discriminator, build_unet_generator
from gan_keras.models.srgan import build_sr_discriminator, build_srresnet
from gan_keras.sampling.plotting import translation_rows
from gan_keras.recipes import Pix2PixConfig, SRGANConfig
from gan_keras.data.sources import ArraySource
from gan_keras.training.engines.book import train_step
from gan_keras.training.loop import LoopConfig
from tests.conftest import assert_one_line_error, call_command, changed, run, snapshot

BATCH = 4


def tiny_pix2pix(loss="gan+l1"):
    generator, discriminator = build_unet_generator(filters=8), build_patch_discriminator(filters=8)
    condition = InputImage(discriminator_sees_input=True, reconstruction=True)
    combined = build_combined(generator, discriminator, default_optimizer(), default_optimizer(), jit_compile=False,
                              condition=condition, reconstruction_loss="mae",
                              adversarial_weight=0.0 if loss == "l1" else 1.0,
                              reconstruction_weight=0.0 if loss == "gan" else 100.0)
    return GAN(generator, discriminator, combined, latent_dim=0, condition=condition, name="pix2pix")


def tiny_srgan(adversarial_weight=1e-3):
    generator = build_srresnet(channels=1, filters=8, blocks=1)
    discriminator = build_sr_discriminator((28, 28, 1), filters=(8, 16), dense=16)
    condition = InputImage(reconstruction=True)
    combined = build_combined(generator, discriminator, default_optimizer(), default_optimizer(), jit_compile=False,
                              condition=condition, reconstruction_loss="mse", adversarial_weight=adversarial_weight,
                              reconstruction_weight=1.0)
    return GAN(generator, discriminator, combined, latent_dim=0, condition=condition, name="srgan")


def pairs(n=16, seed=0, small=False):
    rng = np.random.default_rng(seed)
    targets = rng.uniform(-1, 1, (n, 28, 28, 1)).astype("float32")
    inputs = targets.reshape(n, 7, 4, 7, 4, 1).mean(axis=(2, 4)) if small else np.sign(targets).astype("float32")
    return targets, inputs


@pytest.mark.parametrize("build, small", [(tiny_pix2pix, False), (tiny_srgan, True)])
def test_d_steps_change_d_only_and_the_combined_step_g_only(build, small):
    keras.utils.set_random_seed(0)
    gan = build()
    targets, inputs = pairs(BATCH, small=small)
    patch = gan.discriminator.outputs[0].shape[1:]
    g0, d0 = snapshot(gan.generator), snapshot(gan.discriminator)
    gan.discriminator.train_on_batch(gan.discriminator_inputs(targets, inputs), np.ones((BATCH, *patch)))
    assert changed(g0, snapshot(gan.generator)) == [] and changed(d0, snapshot(gan.discriminator))
    g1, d1 = snapshot(gan.generator), snapshot(gan.discriminator)
    gan.combined.train_on_batch(inputs, gan.condition.generator_targets(np.ones((BATCH, *patch)), targets))
    assert changed(d1, snapshot(gan.discriminator)) == []  # weights and BatchNormalization statistics
    assert len(changed(g1, snapshot(gan.generator))) >= len(gan.generator.trainable_variables)


@pytest.mark.parametrize("build, small, adversarial", [(tiny_pix2pix, False, True), (tiny_srgan, True, True),
                                                       (tiny_srgan, True, False)])
def test_one_step_logs_the_reconstruction_loss(build, small, adversarial):
    keras.utils.set_random_seed(1)
    gan = build()
    targets, inputs = pairs(small=small)
    source = ArraySource(targets, inputs, batch_size=BATCH, seed=0)
    patch = gan.discriminator.outputs[0].shape[1:]
    ones, zeros = np.ones((BATCH, *patch), np.float32), np.zeros((BATCH, *patch), np.float32)
    d0 = snapshot(gan.discriminator)
    logs = train_step(gan, source, LoopConfig(total_steps=1, adversarial=adversarial), 1, ones, zeros)
    assert np.isfinite(logs["g_content"]) and logs["g_content"] > 0
    assert np.isfinite(logs["d_loss_real"]) == adversarial
    assert bool(changed(d0, snapshot(gan.discriminator))) == adversarial  # SRResNet: no discriminator step


def test_pix2pix_l1_only_trains_on_the_l1_loss_alone():
    keras.utils.set_random_seed(2)
    gan = tiny_pix2pix("l1")
    targets, inputs = pairs(BATCH)
    patch = gan.discriminator.outputs[0].shape[1:]
    result = gan.combined.train_on_batch(inputs, [np.ones((BATCH, *patch)), targets], return_dict=True)
    assert result["loss"] == pytest.approx(0.0 * result["binary_crossentropy_loss"] + 100 * result["mae_loss"],
                                           rel=1e-5)


def p2p_run(output_dir, steps, **overrides):
    targets, inputs = pairs(24)
    config = RunConfig(output_dir=str(output_dir), batch_size=BATCH, steps=steps, save_interval=2,
                       checkpoint_interval=2, seed=3, progress=False, **overrides)
    preview = (inputs[:3], targets[:3])
    finish = TranslationEvaluation(str(output_dir), inputs[:5], targets[:5],
                                   lambda images, reference, labels=None: {
                                       "l1": float(np.abs(images - reference).mean())},
                                   labels=np.arange(5), baselines=[("inputs", inputs[:5])])
    return run_training(config, tiny_pix2pix, ArraySource(targets, inputs, batch_size=BATCH, seed=3),
                        model="pix2pix", model_config=Pix2PixConfig(filters=8), callbacks=[finish], preview=preview)


def test_resume_continues_exactly_and_the_run_writes_grids_and_test_outputs(tmp_path):
    p2p_run(tmp_path / "full", 4)
    p2p_run(tmp_path / "parts", 2)
    p2p_run(tmp_path / "parts", 4, resume=True)
    full = cb.read_history(tmp_path / "full" / "history.csv")
    parts = cb.read_history(tmp_path / "parts" / "history.csv")
    assert [r["step"] for r in parts] == ["1", "2", "3", "4"] and "g_content" in parts[0]
    for a, b in zip(full, parts):
        for column in ("d_loss_real", "d_loss_fake", "g_loss", "g_content"):
            assert float(a[column]) == pytest.approx(float(b[column]), rel=1e-4, abs=1e-6), column
    out = tmp_path / "full"
    arrays = np.load(out / "test_outputs.npz")
    assert {k: arrays[k].shape for k in arrays.files} == {
        "inputs": (5, 28, 28, 1), "outputs": (5, 28, 28, 1), "targets": (5, 28, 28, 1), "labels": (5,)}
    assert arrays["outputs"].dtype == np.uint8
    metrics = json.loads((out / "test_metrics.json").read_text())
    assert [row["name"] for row in metrics["rows"]] == ["inputs", "pix2pix (step 4)"]
    assert "## Held-out test" in (out / "report.md").read_text()
    # Grid: three rows (input | output | target) of three pairs, 2x upscaled 28-pixel images with 2-pixel gaps.
    png = (out / "samples" / "step_0000004.png").read_bytes()
    assert int.from_bytes(png[16:20], "big") == 3 * 56 + 2 * 2 and int.from_bytes(png[20:24], "big") == 3 * 56 + 4
    loaded = artifact.load_generator(str(out / "generator.keras"))
    assert loaded.info.image_conditioned and loaded.info.condition_shape == (28, 28, 1)


def test_translation_rows_enlarge_small_grey_inputs():
    inputs = np.zeros((4, 7, 7, 1), np.float32)
    outputs = np.ones((4, 28, 28, 3), np.float32)
    images, rows = translation_rows(inputs, outputs, outputs, cols=2)
    assert rows == 6 and images.shape == (12, 28, 28, 3)
    assert (images[:2] == 0).all() and (images[2:4] == 1).all()


def test_upscale_any_size_rgb_or_grey(tmp_path):
    import matplotlib.pyplot as plt

    keras.utils.set_random_seed(0)
    generator = build_srresnet(channels=3, filters=8, blocks=1)
    info = artifact.GeneratorInfo(latent_dim=0, image_shape=(0, 0, 3), condition_shape=(0, 0, 3), model="srgan")
    artifact.save_generator(str(tmp_path / "g.keras"), generator, info)
    plt.imsave(tmp_path / "rgb.png", np.random.default_rng(0).uniform(0, 1, (10, 13, 3)))
    plt.imsave(tmp_path / "grey.png", np.random.default_rng(1).uniform(0, 1, (9, 5)), cmap="gray")
    for name in ("rgb", "grey"):
        assert call_command("upscale", "--generator", tmp_path / "g.keras", "--input", tmp_path / f"{name}.png",
                            "--out", tmp_path / f"{name}_x4.png") == 0
    assert plt.imread(tmp_path / "rgb_x4.png").shape[:2] == (40, 52)
    assert plt.imread(tmp_path / "grey_x4.png").shape[:2] == (36, 20)
    (tmp_path / "bad.png").write_bytes(b"not an image")
    assert call_command("upscale", "--generator", tmp_path / "g.keras", "--input", tmp_path / "bad.png",
                        "--out", tmp_path / "x.png") == 1
    assert call_command("sample", "--generator", tmp_path / "g.keras", "--out", tmp_path / "s.png") == 1


@pytest.mark.parametrize("args, words", [
    (["train", "pix2pix", "--classes", "5,12"], ["--classes", "0..9"]),
    (["train", "pix2pix", "--classes", "5,5"], ["--classes", "distinct"]),
    (["train", "pix2pix", "--loss", "wgan"], ["--loss"]),
    (["train", "pix2pix", "--l1-weight", "-1"], ["--l1-weight", "positive"]),
    (["train", "srgan", "--dataset", "div2k"], ["--dataset"]),
    (["train", "srgan", "--crops", "0"], ["--crops", "positive"]),
    (["train", "srgan", "--gan-steps", "0"], ["--gan-steps", "positive"]),
    (["train", "srgan", "--learning-rate", "0"], ["--learning-rate", "positive"]),
    (["train", "srgan", "--dataset", "folder", "--steps", "2"], ["--dataset folder", "--data-dir"]),
    (["train", "srgan", "--steps", "10", "--epochs", "2"], ["not allowed"]),
    (["train", "pix2pix", "--eval-interval", "5"], ["unrecognized", "--eval-interval"]),
    (["upscale", "--generator", "g.keras", "--input", "x.png", "--out", "y.jpg"], ["--out", ".png"]),
])
def test_bad_flags_exit_2_with_one_line(tmp_path, args, words):
    assert_one_line_error(run(args, cwd=tmp_path), 2, *words)


def test_configs_are_stored_and_defaults_documented():
    assert Pix2PixConfig().class_labels == (5, 7, 8, 9)
    assert SRGANConfig().to_json() == {"dataset": "fashion_mnist", "size": "auto", "adversarial_weight": 1e-3,
                                       "crops": 16000, "test_dir": None, "learning_rate": 1e-4,
                                       "gan_learning_rate": None, "gan_steps": None, "content": "auto",
                                       "vgg_weights": None}
    assert os.path.exists(os.path.join(os.path.dirname(__file__), "..", "scripts", "train_srgan.py"))


def test_vgg_content_loss_plumbing_with_random_weights():
    from gan_keras.models.srgan import vgg_content_loss

    keras.utils.set_random_seed(0)
    loss = vgg_content_loss(None, layer="block2_conv2", channels=1)
    real = np.random.default_rng(0).uniform(-1, 1, (2, 28, 28, 1)).astype("float32")
    same = keras.ops.convert_to_numpy(loss(real, real))
    other = keras.ops.convert_to_numpy(loss(real, -real))
    assert same.shape == (2,) and np.allclose(same, 0) and (other > 0).all()
    generator = build_srresnet(channels=1, filters=8, blocks=1)
    discriminator = build_sr_discriminator((28, 28, 1), filters=(8,), dense=8)
    combined = build_combined(generator, discriminator, default_optimizer(), default_optimizer(), jit_compile=False,
                              condition=InputImage(), reconstruction_loss=loss, adversarial_weight=1e-3,
                              reconstruction_weight=1.0)
    result = combined.train_on_batch(real[:, ::4, ::4], [np.ones((2, 1)), real], return_dict=True)
    assert np.isfinite(result["vgg_content_loss"])


def test_vgg_weights_are_found_only_where_they_are(tmp_path, monkeypatch):
    from gan_keras.core.errors import UserError
    from gan_keras.models.srgan import VGG_WEIGHTS_FILE, find_vgg_weights

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert find_vgg_weights() is None
    with pytest.raises(UserError, match="--vgg-weights PATH"):
        find_vgg_weights(required=True)
    with pytest.raises(UserError, match="no VGG19 weights file at .*nope.h5"):
        find_vgg_weights(str(tmp_path / "nope.h5"))
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / VGG_WEIGHTS_FILE).write_bytes(b"weights")
    assert find_vgg_weights() == str(tmp_path / "models" / VGG_WEIGHTS_FILE)
