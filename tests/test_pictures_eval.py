"""Evaluation that fits a user's pictures: the feature networks, nearest training pictures, the memorisation check."""

import numpy as np

from gan_keras.evaluation import pictures


def blobs(n, size=16, seed=0):
    """uint8 pictures of one soft disc each, at random places and colours: similar, never equal."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:size, :size]
    out = np.empty((n, size, size, 3), np.uint8)
    for i in range(n):
        cy, cx, r = rng.uniform(4, size - 4), rng.uniform(4, size - 4), rng.uniform(2, 5)
        disc = np.clip(r - np.hypot(y - cy, x - cx), 0, 1)[..., None]
        out[i] = np.rint(255 * (1 - disc) + disc * rng.integers(0, 256, 3)).astype(np.uint8)
    return out


def test_nearest_training_pictures_match_a_brute_force_search_across_blocks(monkeypatch):
    monkeypatch.setattr(pictures, "DISTANCE_ROWS", 7)  # several blocks of training pictures
    train, queries = blobs(30), blobs(5, seed=1)
    distances, rows = pictures.nearest_training(queries, train, count=3)
    flat = lambda a: a.reshape(len(a), -1).astype(np.float64) / 255.0  # noqa: E731
    brute = np.sqrt(((flat(queries)[:, None] - flat(train)[None]) ** 2).mean(axis=-1))
    assert np.array_equal(rows, np.argsort(brute, axis=1, kind="stable")[:, :3])
    assert np.allclose(distances, np.sort(brute, axis=1)[:, :3], atol=1e-5)


def test_the_memorisation_check_tells_copies_from_new_pictures():
    train = blobs(200)
    copies = pictures.memorisation(train[:40], train)
    fresh = pictures.memorisation(blobs(40, seed=5), train)
    assert copies["near_share"] == 1.0 and np.all(copies["samples"] < 1e-3)  # 0 up to float32 rounding
    assert fresh["near_share"] < 0.3 and len(fresh["training"]) == 200
    assert any("nearer to a training picture" in line for line in pictures.distance_table(fresh))


def test_the_random_conv_fallback_is_named_fixed_and_takes_any_size_and_grey():
    first, second = pictures.PictureNetwork("random"), pictures.PictureNetwork("random")
    images = blobs(4, size=24).astype(np.float32) / 127.5 - 1
    assert first.name.startswith("random-conv (fallback")
    features = first(images)
    assert features.shape == (4, 1024) and np.array_equal(features, second(images))
    assert first(images[..., :1]).shape == (4, 1024)


def test_inception_features_of_colour_pictures_of_any_size():
    network = pictures._inception(None)  # random weights: the plumbing only
    assert network(blobs(2, size=32).astype(np.float32) / 127.5 - 1).shape == (2, 2048)
    real, fake = np.random.default_rng(0).normal(size=(2, 40, 8))
    scores = pictures.distribution_scores(real, fake)
    assert {"fd", "kid", "precision", "recall", "coverage"} <= set(scores)
