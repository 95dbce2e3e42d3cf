"""The frozen classifier, the evaluation pipeline, its callback and scripts/evaluate.py.

These tests need the real Fashion-MNIST (installed by `make data`): the
classifier and the floor only mean something on it.
"""

import json
import math
import os

import keras
import numpy as np
import pytest

from gan_keras.training import callbacks as cb
from gan_keras.evaluation import classifier
from gan_keras import evaluation
from gan_keras.runs import scoring
from gan_keras.core.errors import UserError
from gan_keras.sampling import artifact
from gan_keras.runs.config import RunConfig
from gan_keras.runs.run import run_training
from gan_keras.recipes.build.cgan import build_cgan
from gan_keras.recipes.build.mlp import build_mlp_gan
from gan_keras.data.sources import ArraySource
from gan_keras.training.loop import TrainingRun
from tests.conftest import ROOT, assert_one_line_error, call_command, run

EVALUATE = os.path.join(ROOT, "scripts", "evaluate.py")
N = 1000  # images per set in the metric tests: enough for stable numbers, a second or two each


@pytest.fixture(scope="module")
def evaluator(fashion):
    return evaluation.Evaluator("test", n=N, kid_subsets=20)


@pytest.fixture(scope="module")
def floor(evaluator):
    return evaluator.floor()


@pytest.fixture(scope="module")
def noise(evaluator):
    return evaluator.evaluate(np.clip(np.random.default_rng(0).standard_normal((N, 28, 28, 1)), -1, 1))


def test_shipped_classifier_is_small_and_accurate_on_the_test_split(fashion):
    _, _, x_test, y_test = fashion
    assert os.path.getsize(classifier.WEIGHTS_PATH) < 2_000_000
    model = classifier.load_classifier()
    assert classifier.accuracy(model, x_test, y_test) >= 0.92


def test_trained_weights_save_small_and_load_back(tmp_path, fashion):
    x_train, y_train, x_test, _ = fashion
    model = classifier.train_classifier(x_train[:128], y_train[:128], epochs=1, batch_size=64, verbose=0)
    path = str(tmp_path / "c.weights.h5")
    classifier.save_classifier(model, path)
    assert os.path.getsize(path) < 1_000_000  # the weights without the optimizer's moments
    np.testing.assert_allclose(classifier.load_classifier(path).predict(x_test[:8], verbose=0),
                               model.predict(x_test[:8], verbose=0), atol=1e-6)
    with pytest.raises(UserError, match="train-classifier"):
        classifier.load_classifier(str(tmp_path / "missing.weights.h5"))


def test_features_are_the_linear_layer_before_the_relu(fashion):
    model = classifier.load_classifier()
    features, probabilities = evaluation.ClassifierNetwork()(fashion[2][:64])
    assert features.shape == (64, classifier.FEATURE_DIM) and probabilities.shape == (64, 10)
    assert (features < 0).any(), "pre-activation features take negative values"
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(probabilities, model.predict(fashion[2][:64], verbose=0), atol=1e-5)


def test_real_images_against_themselves(evaluator, noise):
    images, _ = evaluation.real_images("test", N, seed=0)  # the evaluator's own reference images
    result = evaluator.evaluate(images)
    assert result["fd"] < 1e-6
    # The unbiased estimate for two identical sets is slightly negative: -2/n (mean k(x, x) - mean k(x, y)).
    assert abs(result["kid"]) < 0.01 * noise["kid"]
    assert result["precision"] == result["recall"] == result["coverage"] == 1.0
    assert result["n"] == result["n_reference"] == N and result["features"] == "classifier"


def test_floor_is_small_and_positive_and_noise_is_far_worse(floor, noise):
    assert 0 < floor["fd"] and noise["fd"] > 50 * floor["fd"]
    assert noise["kid"] > 100 * abs(floor["kid"])
    assert floor["precision"] > 0.9 and floor["recall"] > 0.9 and floor["coverage"] > 0.9
    assert 0.9 < floor["density"] < 1.1
    # Noise lands near a few real images (the classifier calls it a bag or a shirt), so precision alone
    # can be fooled (0.89 here); density, recall and coverage are not.
    assert noise["density"] < 0.3 and noise["recall"] < 0.05 and noise["coverage"] < 0.05
    assert floor["classifier_score"] > 7 and noise["classifier_score"] < 2


def test_evaluate_images_uses_the_first_n_images_and_conditional_labels(fashion):
    _, _, x_test, y_test = fashion
    result = evaluation.evaluate_images(x_test[:300], reference=x_test[:300], n=200, labels=y_test[:300],
                                        kid_subsets=5)
    assert result["n"] == result["n_reference"] == 200
    assert result["fd"] < 1e-6
    assert result["conditional_accuracy"] > 0.85  # the classifier's accuracy on these test images
    with pytest.raises(ValueError, match="n=400"):
        evaluation.evaluate_images(x_test[:300], reference=x_test, n=400)


def test_classes_restrict_the_reference_and_the_floor(fashion):
    x_train, y_train, _, _ = fashion
    trousers = x_train[y_train == 1][:500]
    one_class = evaluation.Evaluator("test", n=500, classes=[1], kid_subsets=5)
    everything = evaluation.Evaluator("test", n=500, kid_subsets=5)
    assert one_class.floor()["coverage"] > 0.8
    assert one_class.evaluate(trousers)["coverage"] > 0.8
    assert everything.evaluate(trousers)["coverage"] < 0.3  # one class of ten: the collapse shows
    with pytest.raises(ValueError, match="1..1000"):
        evaluation.Evaluator("test", n=1001, classes=[1])


@pytest.mark.parametrize("bad, match", [
    (np.zeros((4, 28, 28, 3)), "shape"),
    (np.full((4, 28, 28), 255.0), r"\[-1, 1\]"),
    (np.full((4, 28, 28), np.nan), "NaN"),
])
def test_images_must_be_28x28_grey_in_the_tanh_range(bad, match):
    with pytest.raises(ValueError, match=match):
        evaluation.check_images(bad)


def test_evaluation_callback_writes_fields_and_the_best_generator(tmp_path, fashion):
    images = fashion[0][:64] * 0.5 + 0.5  # the MLP GAN's pixel range is (0, 1)
    config = RunConfig(output_dir=str(tmp_path), batch_size=8, steps=4, save_interval=4, checkpoint_interval=4,
                       seed=3, progress=False)
    callback = scoring.EvaluationCallback(2, n=40, output_dir=str(tmp_path), kid_subsets=3, verbose=False)
    run_training(config, lambda: build_mlp_gan(4, jit_compile=False), ArraySource(images, batch_size=8, seed=3),
                 model="mlp_gan", evaluation=callback, image_grid=False)
    rows = cb.read_history(tmp_path / "history.csv")
    assert set(evaluation.FIELDS) <= set(rows[0])
    fds = {int(row["step"]): float(row["fd"]) for row in rows}
    assert math.isnan(fds[1]) and math.isnan(fds[3]) and fds[2] > 0 and fds[4] > 0
    assert all(math.isnan(float(row["conditional_accuracy"])) for row in rows)
    best = json.loads((tmp_path / scoring.BEST_METRICS_FILE).read_text())
    assert best["fd"] == pytest.approx(min(fds[2], fds[4]), rel=1e-4)
    assert best["step"] == min((2, 4), key=fds.get)
    generator = keras.models.load_model(tmp_path / scoring.BEST_GENERATOR_FILE, compile=False)
    assert generator.name == "mlp_generator"
    assert json.loads((tmp_path / "best_generator.json").read_text())["pixel_range"] == [0.0, 1.0]  # the sidecar
    assert not list(tmp_path.glob("*.tmp*"))


def test_evaluation_callback_on_a_conditional_gan_uses_balanced_labels(tmp_path, fashion):
    keras.utils.set_random_seed(0)
    gan = build_cgan(8, jit_compile=False)
    run = TrainingRun(gan=gan, source=None, config=None, step=0)
    callback = scoring.EvaluationCallback(1, n=30, output_dir=str(tmp_path), kid_subsets=3, verbose=False)
    callback.on_train_begin(run)
    np.testing.assert_array_equal(np.bincount(callback.labels), [3] * 10)
    run.step, logs = 1, {}
    callback.on_step_end(run, logs)
    assert 0.0 <= logs["conditional_accuracy"] <= 1.0
    assert set(logs) == set(evaluation.FIELDS)
    assert (tmp_path / scoring.BEST_GENERATOR_FILE).exists()
    # The report's table: one row per class; with balanced labels their mean is the overall accuracy.
    per_class = callback.results[-1][1]["class_accuracy"]
    assert sorted(per_class) == list(range(10))
    assert np.mean(list(per_class.values())) == pytest.approx(logs["conditional_accuracy"])
    table = [line for line in callback.report_lines() if line.startswith("| ")]
    assert len(table) == 12 and table[2].startswith("| 1 Trouser | ") and table[-1].startswith("| all | ")


def test_inception_plumbing_with_random_weights():
    network = evaluation.InceptionNetwork(weights=None)
    features = network(np.linspace(-1, 1, 2 * 28 * 28).reshape(2, 28, 28, 1))
    assert features.shape == (2, 2048) and np.all(np.isfinite(features))
    assert network.model.get_layer("resizing").output.shape[1:] == (299, 299, 1)


def test_missing_inception_weights_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(evaluation, "inception_cache_paths", lambda: [str(tmp_path / "models" / "w.h5")])
    with pytest.raises(UserError, match="no InceptionV3 weights found.*--inception-weights"):
        evaluation.find_inception_weights("auto")
    with pytest.raises(UserError, match="no InceptionV3 weights file at .*nope.h5"):
        evaluation.InceptionNetwork(weights=str(tmp_path / "nope.h5"))


def test_gaussian_blur_matches_scipy():
    from scipy import ndimage

    from gan_keras.cli.commands import sanity_table

    images = np.random.default_rng(0).uniform(-1, 1, (2, 28, 28, 1))
    for sigma in (0.5, 1.0, 2.0):
        expected = ndimage.gaussian_filter(images, (0, sigma, sigma, 0))
        np.testing.assert_allclose(sanity_table.gaussian_blur(images, sigma), expected, atol=1e-6)


def test_evaluate_script_scores_a_saved_generator(tmp_path, fashion, capsys):
    keras.utils.set_random_seed(0)
    # The pixel range goes into g.json.
    artifact.save_gan_generator(str(tmp_path / "g.keras"), build_mlp_gan(4, jit_compile=False))
    # In this process (TensorFlow is loaded already); the one-line errors below run the script as a user does.
    status = call_command("evaluate", "--generator", tmp_path / "g.keras", "--n", 200, "--json", tmp_path / "out.json")
    stdout = capsys.readouterr().out
    assert status == 0
    assert f"| {tmp_path / 'g.keras'} | 200 |" in stdout and "| real train images (floor) | 200 |" in stdout
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["metrics"]["fd"] > 10 * report["floor"]["fd"] > 0


def test_pixel_range_of_a_generator_without_sidecar_comes_from_its_last_activation():
    assert artifact.pixel_range_of(build_mlp_gan(4, jit_compile=False).generator) == (0.0, 1.0)
    assert artifact.pixel_range_of(build_cgan(8, jit_compile=False).generator) == (-1.0, 1.0)
    linear = keras.Sequential([keras.Input((4,)), keras.layers.Dense(784), keras.layers.Reshape((28, 28, 1))])
    with pytest.raises(UserError, match="--pixel-range"):
        artifact.pixel_range_of(linear)


@pytest.mark.parametrize("args, code, words", [
    (["--real", "--n", "20000"], 2, ["--n", "10000"]),
    (["--real", "--n", "2000", "--classes", "1"], 2, ["--n", "1000"]),
    (["--real", "--classes", "1,12"], 2, ["--classes"]),
    (["--real", "--generator", "g.keras"], 2, ["not allowed"]),
    ([], 2, ["--generator", "--real"]),
    (["--real", "--inception-weights", "w.h5"], 2, ["--features inception"]),
    (["--generator", "nowhere.keras"], 1, ["nowhere.keras"]),
    (["--real", "--json", "no/such/dir/out.json"], 1, ["--json"]),
    (["--real", "--features", "inception", "--inception-weights", "nope.h5"], 1, ["nope.h5"]),
])
def test_evaluate_script_bad_input_is_one_line(tmp_path, args, code, words):
    assert_one_line_error(run(EVALUATE, *args, cwd=tmp_path), code, *words)
