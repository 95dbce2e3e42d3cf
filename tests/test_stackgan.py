"""StackGAN (8.3.1): captions from pixels, the text encoder, conditioning augmentation, both stages, the command."""

import json
import math
import os
import signal

import numpy as np
import pytest

from gan_keras.data import captions
from gan_keras.core.errors import UserError
from tests.conftest import assert_one_line_error, call_command, changed, run, snapshot, tiny_run_args


def blank(n=1):
    return -np.ones((n, 28, 28, 1), np.float32)


def test_attributes_of_hand_made_images_are_exact():
    images = blank(3)
    images[0, 5:15, 10:14] = 0.2  # 10 rows x 4 columns at 0.6 on [0, 1]
    for row, width in enumerate((1, 2, 3, 4)):  # a triangle: area 10 over 4 rows
        images[1, row, :width] = 1.0
    images[1, 20, 0] = 2 * 0.09 - 1  # 0.09 on [0, 1]: below INK, not part of the garment
    values = captions.measure_attributes(images)
    np.testing.assert_allclose(values, [[0.6, 4.0], [1.0, 2.5], [0.0, 0.0]], atol=1e-12)


def test_terciles_per_class_and_levels():
    images = blank(6)
    for i, value in enumerate((0.2, 0.5, 0.8)):  # class 0: three brightnesses, width 2
        images[i, :4, :2] = 2 * value - 1
    for i, width in enumerate((2, 4, 6)):  # class 1: three widths, brightness 1
        images[3 + i, :4, :width] = 1.0
    labels = np.array([0, 0, 0, 1, 1, 1])
    thresholds = captions.AttributeThresholds.fit(images, labels, num_classes=2)
    np.testing.assert_allclose(thresholds.bounds[0, 0], [0.4, 0.6], atol=1e-12)
    np.testing.assert_allclose(thresholds.bounds[1, 1], [10 / 3, 14 / 3], atol=1e-12)
    levels = thresholds.levels(images, labels)
    assert levels[:3, 0].tolist() == [0, 1, 2] and levels[3:, 1].tolist() == [0, 1, 2]
    # The same image is "wide" for one class and "narrow" for another.
    assert thresholds.levels(images[4:5].repeat(2, 0), [0, 1])[:, 1].tolist() == [2, 1]


def test_captions_templates_and_vocabulary():
    assert captions.caption(9, (2, 0), 2) == "an ankle boot, light and narrow"
    assert captions.caption(2, (0, 2), 0) == "a dark, wide pullover"
    assert captions.caption(1, (1, 1), 3) == "this pair of trousers is grey and regular"
    assert captions.captions_of([7], [(0, 1)]) == [[
        "a dark, regular sneaker", "a regular, dark sneaker", "a sneaker, dark and regular",
        "this sneaker is dark and regular"]]
    words = captions.vocabulary()
    assert "t-shirt" in words and "shirt" in words and len(words) == len(set(words)) == 24
    assert captions.tokenize("A T-shirt, LIGHT.") == ["a", "t-shirt", "light"]
    ids = captions.encode(["a light sneaker", "an ankle boot"], words)
    assert ids.shape == (2, captions.MAX_WORDS) and ids.dtype == np.int32
    assert [words[i - 1] for i in ids[0] if i] == ["a", "light", "sneaker"]


@pytest.mark.parametrize("text, words", [("", ["no words"]), ("...", ["no words"]),
                                         ("a purple sneaker", ["purple", "known words"]),
                                         ("a " * 17, ["17 words", "at most 16"])])
def test_bad_captions_are_usage_errors(text, words):
    with pytest.raises(UserError) as error:
        captions.encode([text], captions.vocabulary())
    assert error.value.exit_code == 2 and all(w in str(error.value) for w in words)


def test_kl_divergence_of_a_known_gaussian():
    from keras import ops

    from gan_keras.models.stackgan import kl_divergence

    mean = np.array([[1.0, 0.0], [0.0, 0.0]], np.float32)
    log_sigma = np.array([[0.0, math.log(2.0)], [0.0, 0.0]], np.float32)
    # 0.5 * ((1 + 1 - 1 - 0) + (0 + 4 - 1 - 2 ln 2)) = 2 - ln 2; N(0, I) itself: 0.
    np.testing.assert_allclose(ops.convert_to_numpy(kl_divergence(mean, log_sigma)), [2 - math.log(2), 0],
                               rtol=1e-6)


def test_conditioning_augmentation_samples_and_adds_the_weighted_kl():
    import keras

    from gan_keras.models.stackgan import ConditioningAugmentation

    layer = ConditioningAugmentation(2, kl_weight=2.0)
    text, epsilon = keras.Input((1,)), keras.Input((2,))
    model = keras.Model([text, epsilon], layer([text, epsilon]))
    # mean = (t, 0), log-sigma = (t / 2, 0)
    layer.dense.set_weights([np.array([[1.0, 0.0, 0.5, 0.0]], np.float32), np.zeros(4, np.float32)])
    t = np.array([[2.0], [0.0]], np.float32)
    e = np.array([[1.0, 1.0], [3.0, -2.0]], np.float32)
    c = model([t, e], training=True)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(c), [[2.0 + math.e, 1.0], [3.0, -2.0]], rtol=1e-6)
    kl_first = 0.5 * (4.0 + math.e ** 2 - 1.0 - 2.0)  # mean 2, sigma e; the other number and row: N(0, 1)
    # weight 2 x the KL averaged over the 2 rows and the 2 numbers of c (the authors' reduce_mean)
    np.testing.assert_allclose(float(keras.ops.convert_to_numpy(sum(model.losses))), 2.0 * kl_first / 2 / 2,
                               rtol=1e-6)


def test_text_encoder_tells_class_and_attributes_and_is_frozen():
    from gan_keras.models.stackgan import build_text_encoder, train_text_encoder

    words = captions.vocabulary()
    combos = np.array(list(np.ndindex(10, 3, 3, len(captions.TEMPLATES))))
    ids = captions.encode([captions.caption(c, (b, w), t) for c, b, w, t in combos], words)
    encoder = build_text_encoder(len(words), captions.MAX_WORDS, text_dim=16)
    right = train_text_encoder(encoder, ids, combos[:, :3], epochs=30)
    assert right.mean(axis=0).min() > 0.95 and not encoder.trainable_weights
    vectors = encoder.predict(ids[:3], verbose=0)
    assert vectors.shape == (3, 16) and np.abs(vectors).max() < 1
    # Padding does not count: the same words give the same vector wherever the caption ends.
    np.testing.assert_allclose(encoder.predict(captions.encode(["a bag"], words, length=16), verbose=0),
                               encoder.predict(captions.encode(["bag a"], words, length=16), verbose=0), atol=1e-6)


def tiny_stage(stage=1, stage1=None, kl_weight=2.0):
    from gan_keras.core.combined import build_combined
    from gan_keras.core.conditions import Caption
    from gan_keras.core.gan import GAN
    from gan_keras.models import stackgan as models

    sizes = dict(latent_dim=4, condition_dim=3, kl_weight=kl_weight)
    if stage == 1:
        generator = models.build_stage1_generator(text_dim=5, filters=8, **sizes)
    else:
        generator = models.build_stage2_generator(stage1, filters=8, residual_blocks=1, **sizes)
    discriminator = models.build_stack_discriminator(14 if stage == 1 else 28, 5, filters=8, compressed_dim=4)
    combined = build_combined(generator, discriminator, condition=Caption())
    return GAN(generator, discriminator, combined, latent_dim=int(generator.inputs[0].shape[-1]),
               condition=Caption(), previous_stage=stage1)


class Recorder:
    """A stand-in discriminator method that records what the trainer passes to `train_on_batch`."""

    def __init__(self, method):
        self.method = method
        self.calls = []

    def __call__(self, x, y, sample_weight=None):
        self.calls.append((x, y, sample_weight))
        return self.method(x, y, sample_weight=sample_weight)


def test_matching_aware_discriminator_sees_right_fake_and_wrong_pairs():
    from gan_keras.data.sources import CaptionSource
    from gan_keras.training.engines.book import train_step
    from gan_keras.training.loop import LoopConfig

    gan = tiny_stage()
    rng = np.random.default_rng(0)
    source = CaptionSource(rng.uniform(-1, 1, (8, 14, 14, 1)).astype(np.float32),
                           rng.uniform(-1, 1, (8, 2, 5)).astype(np.float32), batch_size=4)
    recorder = Recorder(gan.discriminator.train_on_batch)
    gan.discriminator.train_on_batch = recorder
    ones, zeros = np.ones((4, 1), np.float32), np.zeros((4, 1), np.float32)
    logs = train_step(gan, source, LoopConfig(total_steps=1), 1, ones, zeros)
    images, texts = source.batch(0)
    (real, y_real, w_real), (fake, y_fake, w_fake), (wrong, y_wrong, w_wrong) = recorder.calls
    np.testing.assert_array_equal(real[0], images)
    np.testing.assert_array_equal(real[1], texts)
    assert y_real.min() == 1 and w_real is None
    assert not np.array_equal(fake[0], images) and fake[0].shape == images.shape
    np.testing.assert_array_equal(fake[1], texts)  # fakes are drawn for the real batch's captions
    np.testing.assert_array_equal(wrong[0], images)
    np.testing.assert_array_equal(wrong[1], np.roll(texts, 1, axis=0))  # real images, another image's caption
    assert y_fake.max() == 0 and y_wrong.max() == 0
    assert w_fake.tolist() == w_wrong.tolist() == [0.5] * 4
    assert all(np.isfinite(logs[k]) for k in ("d_loss_real", "d_loss_fake", "d_loss_wrong", "g_loss"))
    assert logs["d_loss"] == pytest.approx(0.5 * (logs["d_loss_real"]
                                                  + 0.5 * (logs["d_loss_fake"] + logs["d_loss_wrong"])))


@pytest.mark.parametrize("stage", [1, 2])
def test_each_stage_d_steps_change_d_only_and_combined_steps_g_only(stage):
    gan = tiny_stage(1)
    if stage == 2:
        gan = tiny_stage(2, stage1=gan.generator)
    rng = np.random.default_rng(1)
    size = 14 if stage == 1 else 28
    images = rng.uniform(-1, 1, (4, size, size, 1)).astype(np.float32)
    texts = rng.uniform(-1, 1, (4, 5)).astype(np.float32)
    noise = rng.standard_normal((4, gan.latent_dim)).astype(np.float32)
    assert gan.generate(noise, texts).shape == (4, size, size, 1)
    g, d = snapshot(gan.generator), snapshot(gan.discriminator)
    gan.discriminator.train_on_batch([images, texts], np.ones((4, 1)))
    assert not changed(g, snapshot(gan.generator)) and changed(d, snapshot(gan.discriminator))
    d = snapshot(gan.discriminator)
    loss = gan.combined.train_on_batch([noise, texts], np.ones((4, 1)))[0]
    assert not changed(d, snapshot(gan.discriminator)) and changed(g, snapshot(gan.generator))
    assert np.isfinite(loss)
    if stage == 2:  # the frozen Stage-I is part of the generator's weights but never changes
        stage1 = gan.previous_stage
        assert not stage1.trainable and not changed(snapshot(stage1), [w for w in snapshot(stage1)])
        before = snapshot(stage1)
        gan.combined.train_on_batch([noise, texts], np.ones((4, 1)))
        assert not changed(before, snapshot(stage1))
        np.testing.assert_array_equal(gan.generate_previous_stage(noise, texts),
                                      stage1.predict_on_batch([noise[:, :stage1.inputs[0].shape[-1]], texts]))


def test_the_generator_loss_holds_the_kl_term():
    rng = np.random.default_rng(2)
    noise, texts = rng.standard_normal((4, 7)).astype(np.float32), rng.uniform(-1, 1, (4, 5)).astype(np.float32)
    losses = []
    for weight in (0.0, 100.0):
        import keras

        keras.utils.set_random_seed(0)
        gan = tiny_stage(kl_weight=weight)
        losses.append(gan.combined.test_on_batch([noise, texts], np.ones((4, 1)))[0])
    assert losses[1] > losses[0] + 1.0


def history(path):
    from gan_keras.training import callbacks as cb

    return cb.read_history(path)


def test_both_stages_run_resume_exactly_and_sample_from_captions(tmp_path, tiny_runs, monkeypatch):
    from gan_keras.sampling import artifact
    from gan_keras.training import callbacks as cb

    runs, data = tiny_runs
    full, parts = runs / "stackgan", tmp_path / "parts"  # full: the session's uninterrupted run (2 steps a stage)
    # Ctrl-C during Stage-II's first step, then --resume: the same history as the uninterrupted run. (Sent from
    # the step's end, not from the first batch: the averaged generator reads batches before the first step.)
    original = cb.History.on_step_end

    def on_step_end(self, run, logs):
        if run.gan.previous_stage is not None and run.step == 1:
            os.kill(os.getpid(), signal.SIGINT)
        original(self, run, logs)

    monkeypatch.setattr(cb.History, "on_step_end", on_step_end)
    assert call_command(*tiny_run_args("stackgan", parts, data)) == 130
    monkeypatch.setattr(cb.History, "on_step_end", original)
    assert [r["step"] for r in history(parts / "stage2" / "history.csv")] == ["1"]
    assert call_command(*tiny_run_args("stackgan", parts, data)) == 2  # a run is there: --resume or --overwrite
    assert call_command(*tiny_run_args("stackgan", parts, data, "--resume")) == 0
    # Without its text encoder a run cannot be resumed: the checkpoints' caption vectors would change.
    (parts / "text_encoder.keras").rename(tmp_path / "encoder.keras")
    assert call_command(*tiny_run_args("stackgan", parts, data, "--resume")) == 1
    (tmp_path / "encoder.keras").rename(parts / "text_encoder.keras")
    for stage in ("stage1", "stage2"):
        a, b = history(full / stage / "history.csv"), history(parts / stage / "history.csv")
        assert [r["step"] for r in b] == ["1", "2"] and "d_loss_wrong" in b[0]
        for x, y in zip(a, b):
            for column in ("d_loss_real", "d_loss_fake", "d_loss_wrong", "g_loss"):
                assert float(x[column]) == pytest.approx(float(y[column]), rel=1e-4, abs=1e-6), (stage, column)
    # Outputs: the encoder and caption rules, grids, held-out arrays and one report of both stages.
    assert json.loads((full / "captions.json").read_text())["vocabulary"] == list(captions.vocabulary())
    arrays = np.load(full / "stage2" / "test_outputs.npz")
    assert {k: arrays[k].shape for k in arrays.files} == {  # the averaged generator's too: --ema by default
        "captions": (20,), "labels": (20,), "outputs": (20, 28, 28, 1), "ema_outputs": (20, 28, 28, 1),
        "stage1_outputs": (20, 14, 14, 1)}
    assert arrays["outputs"].dtype == np.uint8 and arrays["captions"][0].startswith(("a ", "an ", "this "))
    rows = json.loads((full / "test_metrics.json").read_text())["rows"]
    names = [row["name"] for row in rows]
    assert names[0] == "real images, caption's class and attributes"
    assert names[-2:] == ["Stage-II (step 2)", "Stage-II, averaged generator (step 2)"]
    assert {"class_accuracy", "brightness_agreement", "width_agreement", "fd", "kid", "diversity"} <= set(rows[-1])
    assert rows[0]["brightness_agreement"] >= 0.9  # real images with the caption's attributes (tiny data: ties)
    report = (full / "report.md").read_text()
    assert "brightness agr." in report and "[stage2](stage2/report.md)" in report
    assert (full / "stage2" / "samples" / "step_0000002.png").exists()
    # The saved Stage-II generator draws from captions alone (its text encoder inside).
    generator = artifact.load_generator(str(full / "stage2" / "generator.keras"))
    assert generator.info.captioned and generator.info.model == "stackgan_stage2"
    images = generator.draw(["a light, narrow sneaker"] * 3, np.random.default_rng(0))
    assert images.shape == (3, 28, 28, 1) and -1 <= images.min() and images.max() <= 1
    out = tmp_path / "x.npz"
    assert call_command("sample", "--generator", full / "stage2" / "generator.keras", "--caption",
                        "an ankle boot, dark and wide", "--n", 5, "--out", out) == 0
    saved = np.load(out)
    assert saved["images"].shape == (5, 28, 28, 1)
    assert saved["captions"].tolist() == ["an ankle boot, dark and wide"] * 5
    # (A fresh process loads it too: tests/test_round_trip.py.)
    assert_one_line_error(run(["sample", "--generator", full / "stage2" / "generator.keras", "--caption",
                               "a purple sneaker", "--out", tmp_path / "y.png"]), 2, "purple", "known words")
    assert_one_line_error(run(["sample", "--generator", full / "stage2" / "generator.keras", "--out",
                               tmp_path / "y.png"]), 2, "--caption")


@pytest.mark.parametrize("args, words", [
    (["train", "stackgan", "--kl-weight", "-1"], ["--kl-weight", ">= 0"]),
    (["train", "stackgan", "--conditioning", "none"], ["--conditioning"]),
    (["train", "stackgan", "--condition-dim", "0"], ["--condition-dim", "positive"]),
    (["train", "stackgan", "--eval-interval", "5"], ["unrecognized", "--eval-interval"]),
    (["sample", "--generator", "g.keras", "--caption", "", "--out", "x.png"], ["--caption"]),
])
def test_bad_flags_exit_2_with_one_line(tmp_path, args, words):
    assert_one_line_error(run(args, cwd=tmp_path), 2, *words)
