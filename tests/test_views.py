"""Ways to look at runs: the progress animation, latent walks, run comparison."""

import csv
import json
import os

import numpy as np
import pytest
from PIL import Image

from gan_keras.core.noise import sample_noise
from gan_keras.core.pixels import to_tanh_range
from gan_keras.runs import animation
from gan_keras.sampling import artifact
from gan_keras.cli.views import comparison
from gan_keras.sampling import latent
from gan_keras.recipes.build.cgan import build_cgan
from gan_keras.recipes.build.dcgan import build_dcgan
from gan_keras.sampling.plotting import save_image_grid
from tests.conftest import call_command
from tests.test_training import tiny_run

LATENT = 8


def test_slerp_keeps_the_ends_exactly_and_moves_the_norm_linearly():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(16).astype(np.float32), 2 * rng.standard_normal(16).astype(np.float32)
    t = np.linspace(0, 1, 7)
    path = latent.slerp(a, b, t)
    np.testing.assert_array_equal(path[0], a)
    np.testing.assert_array_equal(path[-1], b)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1),
                               (1 - t) * np.linalg.norm(a) + t * np.linalg.norm(b), rtol=1e-5)
    # Two orthogonal unit vectors: the midpoint is on the unit circle, at 45 degrees.
    np.testing.assert_allclose(latent.slerp([1, 0], [0, 1], [0.5])[0], [np.sqrt(0.5)] * 2, rtol=1e-6)


@pytest.fixture(scope="module")
def saved_generators(tmp_path_factory):
    import keras

    folder = tmp_path_factory.mktemp("generators")
    keras.utils.set_random_seed(0)
    artifact.save_gan_generator(str(folder / "cgan.keras"), build_cgan(LATENT, jit_compile=False))
    artifact.save_gan_generator(str(folder / "dcgan.keras"), build_dcgan(LATENT, jit_compile=False))
    return folder


def test_interpolation_ends_are_the_samples_of_the_end_points(saved_generators):
    generator = artifact.load_generator(str(saved_generators / "cgan.keras"))
    walk = latent.interpolation(generator, np.random.default_rng(3), rows=3, steps=5)
    assert walk["images"].shape == (15, 28, 28, 1)
    np.testing.assert_array_equal(walk["labels"], np.repeat([0, 1, 2], 5))
    ends = sample_noise(np.random.default_rng(3), 6, LATENT, "normal")
    np.testing.assert_array_equal(walk["noise"][[0, 4, 5, 9]], ends[[0, 1, 2, 3]])
    for row in range(3):
        first, last = row * 5, row * 5 + 4
        alone = to_tanh_range(generator.generate(ends[2 * row:2 * row + 2], np.array([row, row])),
                                       generator.info.pixel_range)
        np.testing.assert_allclose(walk["images"][[first, last]], alone, atol=1e-5)
    inner = walk["images"][1:4]
    assert not np.allclose(inner, walk["images"][0]) and not np.allclose(inner, walk["images"][4])


def test_class_sweep_keeps_the_noise_and_changes_the_class(saved_generators):
    generator = artifact.load_generator(str(saved_generators / "cgan.keras"))
    sweep = latent.class_sweep(generator, np.random.default_rng(1), rows=2)
    np.testing.assert_array_equal(sweep["labels"], np.tile(np.arange(10), 2))
    np.testing.assert_array_equal(sweep["noise"][:10], np.repeat(sweep["noise"][:1], 10, axis=0))
    assert not np.array_equal(sweep["noise"][0], sweep["noise"][10])
    assert len({img.tobytes() for img in sweep["images"][:10]}) == 10


def test_sample_command_writes_walks_as_png_and_npz(saved_generators, tmp_path):
    cgan, dcgan = str(saved_generators / "cgan.keras"), str(saved_generators / "dcgan.keras")
    assert call_command("sample", "--generator", dcgan, "--interpolate", 6, "--rows", 3,
                        "--out", tmp_path / "walk.png") == 0
    with Image.open(tmp_path / "walk.png") as image:
        assert image.width > 1.8 * image.height  # 3 rows of 6
    assert call_command("sample", "--generator", cgan, "--sweep-classes", "--rows", 2, "--out", tmp_path / "s.npz") == 0
    data = np.load(tmp_path / "s.npz")
    assert data["images"].shape == (20, 28, 28, 1) and data["images"].dtype == np.uint8
    assert data["noise"].shape == (20, LATENT)
    assert call_command("sample", "--generator", dcgan, "--sweep-classes", "--out", tmp_path / "x.png") == 2
    assert call_command("sample", "--generator", dcgan, "--interpolate", 1, "--out", tmp_path / "x.png") == 2
    assert call_command("sample", "--generator", dcgan, "--rows", 3, "--out", tmp_path / "x.png") == 2
    assert not (tmp_path / "x.png").exists()


def _grid_folder(folder, steps):
    os.makedirs(folder)
    for step in steps:  # brighter with the step
        grid = np.full((4, 28, 28, 1), -1 + step / 10, np.float32)
        save_image_grid(grid, os.path.join(folder, f"step_{step:07d}.png"), 2, 2)
    save_image_grid(np.zeros((4, 28, 28, 1), np.float32), os.path.join(folder, "last.png"), 2, 2)


def test_animation_has_one_frame_per_grid_in_step_order(tmp_path):
    _grid_folder(tmp_path / "samples", [10, 0, 5])
    steps, _ = animation.make_animation(str(tmp_path / "samples"), str(tmp_path / "p.gif"), epoch_of=lambda s: s / 10)
    assert steps == [0, 5, 10]
    with Image.open(tmp_path / "p.gif") as gif:
        assert gif.n_frames == 3
        means = []
        for i in range(3):
            gif.seek(i)
            frame = np.asarray(gif.convert("L"), np.float32)
            means.append(frame[animation.BAND:].mean())
            assert frame[:animation.BAND].min() < 128  # the printed step
    assert means[0] < means[1] < means[2]  # the grids in step order (each brighter than the last)
    assert animation._caption(1875, lambda s: s / 1875) == "step 1,875  (epoch 1)"


def test_every_run_ends_with_its_animation_and_the_command_remakes_it(tmp_path):
    tiny_run(tmp_path, steps=6)  # grids at steps 0, 3, 6
    with Image.open(tmp_path / "progress.gif") as gif:
        assert gif.n_frames == 3
    os.unlink(tmp_path / "progress.gif")
    assert call_command("animate", tmp_path, "--fps", 2, "--no-mp4") == 0
    with Image.open(tmp_path / "progress.gif") as gif:
        assert gif.n_frames == 3
    assert call_command("animate", tmp_path / "missing") == 2
    os.makedirs(tmp_path / "empty")
    assert call_command("animate", tmp_path / "empty") == 1


def _fake_run(folder, fds, ema_fds=None, per_epoch=10):
    os.makedirs(folder)
    fields = ["step", "epoch", "fd", "kid", "classifier_score", "ema_fd"]
    with open(folder / "history.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        for step in range(1, per_epoch * len(fds) + 1):
            row = {"step": step, "epoch": (step - 1) // per_epoch + 1, "fd": "nan", "kid": "nan",
                   "classifier_score": "nan", "ema_fd": "nan"}
            if step % per_epoch == 0:
                i = step // per_epoch - 1
                row.update(fd=fds[i], kid=fds[i] / 100, classifier_score=5 + i,
                           ema_fd=ema_fds[i] if ema_fds else "nan")
            writer.writerow(row)
    best = min(range(len(fds)), key=fds.__getitem__)
    (folder / "best_generator_metrics.json").write_text(json.dumps({"step": (best + 1) * per_epoch, "fd": fds[best]}))


def test_compare_writes_a_table_and_a_plot_of_the_runs(tmp_path):
    tiny_run(tmp_path / "batch4", steps=2)
    tiny_run(tmp_path / "batch8", steps=2, batch_size=8)
    _fake_run(tmp_path / "curves_a", [100.0, 50.0, 60.0], ema_fds=[120.0, 45.0, 40.0])
    _fake_run(tmp_path / "curves_b", [90.0, 70.0])
    runs = [tmp_path / name for name in ("batch4", "batch8", "curves_a", "curves_b")]
    assert call_command("compare", *runs, "--out", tmp_path / "cmp") == 0
    text = (tmp_path / "cmp.md").read_text()
    assert "| **batch_size** | **4** | **8** | **-** | **-** |" in text
    assert "| curves_a | 30 | 60.00 |" in text and "| curves_a (EMA) | 30 | 40.00 |" in text
    assert "| curves_b | 20 | 70.00 |" in text and "curves_b (EMA)" not in text
    assert "| curves_a | 20 | generator | 50.00 |" in text
    with Image.open(tmp_path / "cmp.png") as image:
        assert image.width > 1000
    summary = comparison.read_run(str(tmp_path / "curves_a"))
    assert summary.steps_per_epoch == 10 and [r["step"] for r in summary.evaluations] == [10, 20, 30]
    assert call_command("compare", tmp_path / "nothing", "--out", tmp_path / "x") == 2
    os.makedirs(tmp_path / "not_a_run")
    assert call_command("compare", tmp_path / "not_a_run", "--out", tmp_path / "x") == 1
    assert call_command("compare", runs[0], "--out", tmp_path / "x.md") == 2
