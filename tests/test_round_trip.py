"""Every saved model of every GAN works in a fresh process, through every command that consumes it.

One tiny run of each recipe (DCGAN with its averaged, kept and best generators; cGAN with its averaged
one; MLP; the 1-D Gaussian GAN; pix2pix; SRResNet then SRGAN; StackGAN's two stages) is trained once
per session, in this process (`conftest.tiny_runs`). What they saved is then loaded in fresh Python processes, where nothing of the package
was imported before: through `gan-keras sample`, `evaluate`, `upscale`, `translate`, `animate`,
`compare` and `sample --caption`, and through plain `keras.models.load_model` after `import gan_keras`,
as in a user's notebook (with either import first).
"""

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import TINY_RUNS

@pytest.fixture(scope="module")
def runs(tiny_runs):
    """`(folder of the runs, data folder)`: the session's tiny run of every recipe (`conftest.TINY_RUNS`)."""
    return tiny_runs


def saved_generators(root):
    """Every `.keras` generator the runs saved, relative to `root`."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*.keras")
                  if path.name != "text_encoder.keras")


def fresh(root, commands):
    """Runs `gan-keras` commands, in order, in one fresh Python process; returns their exit statuses.

    The process imports nothing of the package before the first command runs, so the first command
    loads its generator exactly as a new user's process does.
    """
    script = ("import json, sys\n"
              "from gan_keras.cli import build_parser, flags\n"
              "statuses = []\n"
              "for argv in json.loads(sys.argv[1]):\n"
              "    args = build_parser().parse_args(argv)\n"
              "    statuses.append(flags.run_guarded(lambda: args._run(args), prog='gan-keras'))\n"
              "print('STATUSES', json.dumps(statuses))\n")
    argv = json.dumps([[str(a) for a in command] for command in commands])
    result = subprocess.run([sys.executable, "-c", script, argv], capture_output=True, text=True, cwd=root,
                            timeout=600)
    lines = [line for line in result.stdout.splitlines() if line.startswith("STATUSES ")]
    assert result.returncode == 0 and lines, result.stderr[-3000:]
    return json.loads(lines[-1].split(" ", 1)[1])


def test_the_runs_saved_every_kind_of_generator(runs):
    root, _ = runs
    found = saved_generators(root)
    for name in ("dcgan/generator.keras", "dcgan/ema_generator.keras", "dcgan/best_generator.keras",
                 "dcgan/generators/step_0000002.keras", "dcgan/generators/ema_step_0000002.keras",
                 "cgan/generator.keras", "cgan/ema_generator.keras", "mlp/generator.keras", "gaussian/generator.keras",
                 "pix2pix/generator.keras", "srgan/srresnet/generator.keras", "srgan/srgan/generator.keras",
                 "stackgan/stage1/generator.keras", "stackgan/stage2/generator.keras"):
        assert name in found


@pytest.mark.parametrize("keras_first", [False, True], ids=["gan_keras_then_keras", "keras_then_gan_keras"])
def test_plain_keras_loads_every_saved_generator_after_import_gan_keras(runs, keras_first):
    root, _ = runs
    paths = saved_generators(root)
    imports = "import keras\nimport gan_keras\n" if keras_first else "import gan_keras\nimport keras\n"
    script = imports + ("import json, sys\n"
                        "for path in json.loads(sys.argv[1]):\n"
                        "    model = keras.models.load_model(path, compile=False)\n"
                        "    print('LOADED', path, model.count_params())\n")
    result = subprocess.run([sys.executable, "-c", script, json.dumps(paths)], capture_output=True, text=True,
                            cwd=root, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("LOADED ")]
    assert loaded == paths


def test_noise_generators_sample_and_evaluate_in_a_fresh_process(runs):
    root, data = runs
    dcgan = ["dcgan/generator.keras", "dcgan/ema_generator.keras", "dcgan/best_generator.keras",
             "dcgan/generators/step_0000002.keras", "dcgan/generators/ema_step_0000002.keras"]
    commands = [["sample", "--generator", "gaussian/generator.keras", "--out", "gaussian.npz", "--n", 50]]  # first
    commands += [["sample", "--generator", path, "--out", f"sample_{i}.png", "--n", 4] for i, path in enumerate(dcgan)]
    commands += [
        ["sample", "--generator", "dcgan/generator.keras", "--out", "walk.png", "--interpolate", 3, "--rows", 2],
        ["evaluate", "--generator", "dcgan/best_generator.keras", "--n", 10, "--data-dir", data, "--json",
         "dcgan_eval.json"],
        ["sample", "--generator", "cgan/generator.keras", "--out", "cgan.png", "--n", 4, "--label", 3],
        ["sample", "--generator", "cgan/ema_generator.keras", "--out", "cgan_sweep.npz", "--sweep-classes"],
        ["evaluate", "--generator", "cgan/generator.keras", "--n", 10, "--data-dir", data],
        ["sample", "--generator", "mlp/generator.keras", "--out", "mlp.png", "--n", 4],
        ["evaluate", "--generator", "mlp/generator.keras", "--n", 10, "--data-dir", data],
    ]
    assert fresh(root, commands) == [0] * len(commands)
    assert np.load(root / "gaussian.npz")["samples"].shape[0] == 50
    assert json.loads((root / "dcgan_eval.json").read_text())["metrics"]["fd"] >= 0
    assert (root / "walk.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("first", ["srgan/srgan", "srgan/srresnet"])
def test_image_to_image_generators_upscale_and_translate_in_a_fresh_process(runs, first):
    root, _ = runs
    from gan_keras.sampling.plotting import save_image

    save_image(np.random.default_rng(1).uniform(-1, 1, (12, 16, 1)).astype("float32"), str(root / "small.png"))
    save_image(np.random.default_rng(2).uniform(-1, 1, (28, 28, 1)).astype("float32"), str(root / "edges.png"))
    name = first.split("/")[1]
    commands = [["upscale", "--generator", f"{first}/generator.keras", "--input", "small.png", "--out",
                 f"{name}_big.png"],
                ["translate", "--generator", f"{first}/generator.keras", "--input", "small.png",
                 "--out", f"{name}_translated.png"],
                ["translate", "--generator", "pix2pix/generator.keras", "--input", "edges.png", "--out", "p2p.png"]]
    assert fresh(root, commands) == [0, 1, 0]  # translate refuses an upscaler and names `gan-keras upscale`
    assert (root / f"{name}_big.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (root / f"{name}_translated.png").exists()


@pytest.mark.parametrize("first", ["stage1", "stage2"])
def test_captioned_generators_draw_from_captions_in_a_fresh_process(runs, first):
    root, _ = runs
    stages = [first] + [stage for stage in ("stage1", "stage2") if stage != first]
    commands = [["sample", "--generator", f"stackgan/{stage}/generator.keras", "--caption", "a light, narrow sneaker",
                 "--n", 3, "--out", f"{stage}.npz"] for stage in stages]
    assert fresh(root, commands) == [0, 0]
    for stage in stages:
        size = 14 if stage == "stage1" else 28
        assert np.load(root / f"{stage}.npz")["images"].shape == (3, size, size, 1)


def test_runs_animate_and_compare_in_a_fresh_process(runs):
    root, _ = runs
    commands = [["animate", "dcgan", "--out", "dcgan.gif", "--no-mp4"],
                ["animate", "srgan/srgan", "--out", "srgan.gif", "--no-mp4"],
                ["compare", "dcgan", "cgan", "mlp", "--out", "runs_compared"],
                ["compare", "srgan", "--out", "phases_compared"]]  # a run of phases: its phases side by side
    assert fresh(root, commands) == [0, 0, 0, 0]
    assert (root / "dcgan.gif").read_bytes()[:6] == b"GIF89a"
    assert "dcgan" in (root / "runs_compared.md").read_text()
    phases = (root / "phases_compared.md").read_text()
    assert "srresnet" in phases and "srgan" in phases


def test_the_round_trip_covers_every_recipe():
    from gan_keras.recipes import RECIPES

    assert set(RECIPES) == set(TINY_RUNS), "every recipe needs its tiny run (conftest.TINY_RUNS) and commands here"
