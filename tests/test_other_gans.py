"""The conditional GAN and the MLP "police vs. faker" GAN, and their scripts.

Both run through the one training loop; these tests check what is particular
to each: architecture, labels through the frozen-discriminator contract, the
one-side schedule, the [0, 1] pixel range, and the scripts' flags.
"""

import os
import struct

import keras
import numpy as np
import pytest

from gan_keras.training import callbacks as cb
from gan_keras.training import checkpoint
from gan_keras.models.cgan import build_cgan_discriminator, build_cgan_generator
from gan_keras.recipes.build.cgan import build_cgan
from gan_keras.models.mlp import build_mlp_discriminator, build_mlp_generator
from gan_keras.recipes.build.mlp import build_mlp_gan
from gan_keras.core.conditions import Unconditional
from gan_keras.data.sources import ArraySource
from gan_keras.training.loop import Callback, LoopConfig, train
from gan_keras.cli import build_parser
from gan_keras.cli.commands import train as train_command
from gan_keras.recipes import MLP_SCHEDULES, RECIPES, TrainingData
from tests.conftest import ROOT, assert_one_line_error, call_command, changed, run, snapshot

BATCH = 4


def count(weights):
    return int(sum(np.prod(w.shape) for w in weights))


def layers_of(model, kind):
    return [layer for layer in model.layers if isinstance(layer, kind)]


# --- architecture -------------------------------------------------------------


def test_cgan_generator_architecture():
    generator = build_cgan_generator(latent_dim=100, num_classes=10)
    assert generator.name == "cgan_generator"
    assert [tuple(i.shape) for i in generator.inputs] == [(None, 100), (None, 1)]
    assert generator.inputs[1].dtype == "int32"
    assert generator.output_shape == (None, 28, 28, 1)
    # Embedding 10*10 = 100; Dense (100+10)*128+128 = 14_208; Dense 128*256+256 = 33_024;
    # Dense 256*512+512 = 131_584; Dense 512*1024+1024 = 525_312; Dense 1024*784+784 = 803_600;
    # BatchNormalization 4 * (256+512+1024) = 7_168, of which the moving mean and
    # variance, 2 * 1_792 = 3_584, are not trainable. Total 1_514_996.
    assert count(generator.weights) == 1_514_996
    assert count(generator.trainable_weights) == 1_511_412  # = PyTorch's parameter count
    assert [layer.units for layer in layers_of(generator, keras.layers.Dense)] == [128, 256, 512, 1024, 784]
    (embedding,) = layers_of(generator, keras.layers.Embedding)
    assert (embedding.input_dim, embedding.output_dim) == (10, 10)
    norms = layers_of(generator, keras.layers.BatchNormalization)
    # PyTorch BatchNorm1d(n, 0.8): eps 0.8, momentum 0.1 -> Keras momentum 1 - 0.1.
    assert [(n.momentum, n.epsilon) for n in norms] == [(0.9, 0.8)] * 3
    leaks = layers_of(generator, keras.layers.LeakyReLU)
    assert [leak.negative_slope for leak in leaks] == [0.2] * 4


def test_cgan_discriminator_architecture():
    discriminator = build_cgan_discriminator(img_shape=(28, 28, 1), num_classes=10)
    assert discriminator.name == "cgan_discriminator"
    assert [tuple(i.shape) for i in discriminator.inputs] == [(None, 28, 28, 1), (None, 1)]
    assert discriminator.output_shape == (None, 1)
    # Embedding 10*10 = 100; Dense (784+10)*512+512 = 407_040; 2 x Dense 512*512+512 = 525_312;
    # Dense 512+1 = 513. Total 932_965, all trainable (no BatchNormalization).
    assert count(discriminator.weights) == count(discriminator.trainable_weights) == 932_965
    (embedding,) = layers_of(discriminator, keras.layers.Embedding)
    assert (embedding.input_dim, embedding.output_dim) == (10, 10)
    assert [d.rate for d in layers_of(discriminator, keras.layers.Dropout)] == [0.4, 0.4]
    assert layers_of(discriminator, keras.layers.BatchNormalization) == []


def test_mlp_architecture_and_pixel_range():
    generator, discriminator = build_mlp_generator(latent_dim=4), build_mlp_discriminator()
    # Generator: 4*64+64 = 320; 64*64+64 = 4_160; 64*784+784 = 50_960. Total 55_440.
    assert count(generator.weights) == 55_440
    # Discriminator: 784*64+64 = 50_240; 64*30+30 = 1_950; 30+1 = 31. Total 52_221.
    assert count(discriminator.weights) == 52_221
    noise = np.random.default_rng(0).standard_normal((5, 4)).astype("float32") * 10
    images = np.asarray(generator(noise, training=False))
    assert images.shape == (5, 28, 28, 1) and images.min() >= 0.0 and images.max() <= 1.0
    gan = build_mlp_gan(4, jit_compile=False)
    assert gan.pixel_range == (0.0, 1.0) and gan.condition == Unconditional()
    np.testing.assert_allclose(gan.to_tanh_range(np.array([0.0, 0.5, 1.0])), [-1.0, 0.0, 1.0])


def test_cgan_images_depend_on_the_label_and_are_in_tanh_range():
    keras.utils.set_random_seed(0)
    generator = build_cgan_generator(latent_dim=8)
    noise = np.tile(np.random.default_rng(0).standard_normal((1, 8)).astype("float32") * 10, (10, 1))
    images = np.asarray(generator([noise, np.arange(10).reshape(10, 1)], training=False))
    assert images.min() >= -1.0 and images.max() <= 1.0
    assert len({image.tobytes() for image in images}) == 10  # same noise, ten labels, ten images


@pytest.mark.parametrize("bad", [0, -3, 2.5])
def test_cgan_builders_reject_bad_dimensions(bad):
    with pytest.raises(ValueError):
        build_cgan_generator(latent_dim=bad)
    with pytest.raises(ValueError):
        build_cgan_discriminator(num_classes=bad)


# --- training -------------------------------------------------------------------


@pytest.fixture(scope="module")
def cgan():
    keras.utils.set_random_seed(3)
    return build_cgan(latent_dim=8, jit_compile=False)


def tiny_data(pixel_range=(-1.0, 1.0), n=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(*pixel_range, (n, 28, 28, 1)).astype("float32"), np.arange(n) % 10


def test_frozen_discriminator_contract_with_labels(cgan):
    generator, discriminator, combined = cgan.generator, cgan.discriminator, cgan.combined
    rng = np.random.default_rng(1)
    noise, labels = cgan.fake_inputs(rng, BATCH)
    images, _ = tiny_data(n=BATCH)
    ones = np.ones((BATCH, 1), "float32")

    g_before, d_before = snapshot(generator), snapshot(discriminator)
    combined.train_on_batch([noise, labels], ones)
    # Every generator weight moves (embedding, kernels, BatchNormalization statistics);
    # nothing of the discriminator does.
    assert len(changed(g_before, snapshot(generator))) == len(g_before)
    assert changed(d_before, snapshot(discriminator)) == []

    g_before, d_before = snapshot(generator), snapshot(discriminator)
    discriminator.train_on_batch([images, labels], ones)
    assert changed(g_before, snapshot(generator)) == []
    assert len(changed(d_before, snapshot(discriminator))) == len(d_before)


class Snapshots(Callback):
    """Keeps the generator's and discriminator's weights at the start and after every step."""

    def __init__(self):
        self.generator, self.discriminator = [], []

    def on_train_begin(self, run):
        self.on_step_end(run, None)

    def on_step_end(self, run, logs):
        self.generator.append(snapshot(run.gan.generator))
        self.discriminator.append(snapshot(run.gan.discriminator))

    def moved(self, step):
        """(generator moved, discriminator moved) during 1-based `step`."""
        return (bool(changed(self.generator[step - 1], self.generator[step])),
                bool(changed(self.discriminator[step - 1], self.discriminator[step])))


@pytest.mark.parametrize("name", ["cgan", "mlp"])
def test_each_step_of_the_loop_trains_the_models_it_should(name, cgan):
    if name == "cgan":
        gan, (images, labels) = cgan, tiny_data()
    else:
        keras.utils.set_random_seed(3)
        gan, (images, labels) = build_mlp_gan(4, jit_compile=False), (tiny_data((0.0, 1.0))[0], None)
    snapshots = Snapshots()
    source = ArraySource(images, labels, batch_size=BATCH, seed=0)
    # Step 1: discriminator only; step 2: generator only; step 3: both.
    train(gan, source, LoopConfig(total_steps=3, d_only_steps=1, g_only_steps=1, progress=False), [snapshots])
    assert [snapshots.moved(step) for step in (1, 2, 3)] == [(False, True), (True, False), (True, True)]


def test_one_side_schedule_leaves_the_generator_alone_for_30_steps():
    schedule = MLP_SCHEDULES["one-side"]
    keras.utils.set_random_seed(4)
    gan = build_mlp_gan(4, jit_compile=False)
    snapshots = Snapshots()
    source = ArraySource(tiny_data((0.0, 1.0), n=BATCH)[0], batch_size=BATCH)  # full batch, as in the notebook
    train(gan, source, LoopConfig(total_steps=31, progress=False, **schedule), [snapshots])
    assert changed(snapshots.generator[0], snapshots.generator[30]) == []
    assert all(changed(a, b) for a, b in zip(snapshots.discriminator[:30], snapshots.discriminator[1:31]))
    assert snapshots.moved(31) == (True, False)


# --- scripts ----------------------------------------------------------------------


def configs(*argv, data=None):
    """The configs of `gan-keras train ARGV...`, the run config's open defaults filled in from `data`."""
    args = build_parser().parse_args(["train", *argv])
    recipe = RECIPES[args.gan]
    model, options, run_config = train_command.configs_from_args(args, recipe)
    return model, options, recipe.with_batch_size(run_config, data)


def test_command_defaults_follow_the_dataset_and_schedule():
    cgan, _, run = configs("cgan", "--dataset", "mnist")
    assert (run.output_dir, run.batch_size, cgan.latent_dim) == ("outputs/mnist_cgan", 64, 100)
    mlp, _, run = configs("mlp", "--schedule", "one-side")
    assert (run.output_dir, mlp.label, mlp.latent_dim) == ("outputs/fashion_mlp_one-side", 1, 4)
    whole_class = TrainingData(np.zeros((9, 28, 28, 1), np.float32), batch_size=9)
    assert configs("mlp", "--schedule", "one-side", data=whole_class)[2].batch_size == 9
    assert configs("mlp", "--output-dir", "x", "--batch-size", "7", data=whole_class)[2].batch_size == 7
    assert configs("mlp")[2].batch_size == 64
    # The flags become configs once: the data-dependent default stays open until the data is there.
    args = build_parser().parse_args(["train", "mlp", "--schedule", "one-side"])
    assert train_command.configs_from_args(args, RECIPES["mlp"])[2].batch_size is None


def test_mlp_script_one_side_run_uses_the_whole_class_as_one_batch(tiny_fashion_dir, tmp_path):
    out = tmp_path / "run"
    status = call_command(
        "train", "mlp", "--data-dir", tiny_fashion_dir, "--schedule", "one-side", "--steps", "32", "--label", "3",
        "--save-interval", "100", "--checkpoint-interval", "100", "--output-dir", out, "--no-progress")
    assert status == 0
    rows = cb.read_history(str(out / "history.csv"))
    trained = [(row["d_loss_real"] != "nan", row["g_loss"] != "nan") for row in rows]
    assert trained == [(True, False)] * 30 + [(False, True)] * 2
    settings = checkpoint.read_checkpoint_header(str(out / "checkpoint.npz"))["settings"]
    # The tiny set has 64 images with labels i % 10: class 3 has 7 of them.
    assert settings["batch_size"] == 7 and settings["label"] == 3 and settings["schedule"] == "one-side"


def test_cgan_script_trains_with_labels(tiny_fashion_dir, tmp_path):
    out = tmp_path / "run"
    status = call_command(
        "train", "cgan", "--data-dir", tiny_fashion_dir, "--steps", "2", "--batch-size", "8", "--latent-dim", "8",
        "--output-dir", out, "--no-progress", "--xla", "off", "--no-eval")  # 20 test images: too few to score
    assert status == 0
    rows = cb.read_history(str(out / "history.csv"))
    assert [int(row["step"]) for row in rows] == [1, 2]
    # The defaults: a matching-aware discriminator (its loss on mismatched pairs logged) and an averaged generator.
    assert all(float(row["d_loss_wrong"]) > 0 for row in rows)
    settings = checkpoint.read_checkpoint_header(str(out / "checkpoint.npz"))["settings"]
    assert settings["matching_aware"] is True and settings["ema"] == 0.999
    assert (out / "ema_generator.keras").exists() and (out / "samples_ema" / "step_0000002.png").exists()
    generator = keras.models.load_model(str(out / "generator.keras"), compile=False)
    assert len(generator.inputs) == 2 and generator.output_shape == (None, 28, 28, 1)
    # One row per class and ten columns of 2x upscaled images: 10 * 56 + 9 gaps of 2 = 578 pixels.
    png = (out / "samples" / "step_0000002.png").read_bytes()
    assert struct.unpack(">II", png[16:24]) == (578, 578)  # the IHDR chunk's width and height


def run_script(name, *args):
    return run(os.path.join(ROOT, "scripts", f"{name}.py"), *args)


def test_bad_dataset_flag_exits_2_with_one_line():
    assert_one_line_error(run_script("train_cgan", "--dataset", "cifar10"), 2, "--dataset", "cifar10")


def test_batch_larger_than_the_class_exits_2_with_one_line(tiny_fashion_dir, tmp_path):
    result = run_script("train_mlp_gan", "--data-dir", tiny_fashion_dir, "--batch-size", 8,
                        "--output-dir", tmp_path / "o")
    assert_one_line_error(result, 2, "--batch-size 8", "7 training images of class 1")


def test_mismatched_labels_are_always_another_class(cgan):
    labels = np.random.default_rng(0).integers(0, 10, 1000).astype(np.int32)
    wrong = cgan.condition.mismatched(labels)
    assert wrong.dtype == np.int32 and wrong.min() >= 0 and wrong.max() <= 9
    assert not np.any(wrong == labels)
    assert len(np.unique(wrong[labels == 3])) == 9  # every other class occurs
