"""`--precision auto` and runs under a mixed policy: the choice (CPU flags faked), resume, the saved generator."""

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from gan_keras.training.devices import BFLOAT16_CPU_FLAGS, choose_precision, cpu_flags
from tests.conftest import FLOAT32_CPUINFO, write_tiny_fashion

BF16_CPUINFO = """processor\t: 0
model name\t: a CPU with AVX-512 BF16
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16
processor\t: 1
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16
"""
ARM_CPUINFO = "processor\t: 0\nFeatures\t: fp asimd bf16 sve\n"


@pytest.mark.parametrize("requested, backend, device, flags, chosen, words", [
    ("auto", "tensorflow", "CPU", {"avx2", "avx512_bf16"}, "mixed_bfloat16", "avx512_bf16"),
    ("auto", "tensorflow", "CPU", {"avx2", "amx_bf16", "amx_tile"}, "mixed_bfloat16", "amx_bf16"),
    ("auto", "tensorflow", "CPU", {"avx2", "avx512f"}, "float32", "no bfloat16 instructions"),
    ("auto", "tensorflow", "CPU", set(), "float32", "no bfloat16 instructions"),
    ("auto", "jax", "CPU", {"avx512_bf16"}, "float32", "not measured with jax"),
    ("auto", "jax", "GPU (NVIDIA H200)", set(), "mixed_bfloat16", "on a GPU"),
    ("auto", "tensorflow", "GPU (NVIDIA H100 80GB HBM3)", set(), "mixed_bfloat16", "on a GPU"),
    ("float32", "tensorflow", "CPU", {"avx512_bf16"}, "float32", "as asked"),
    ("mixed_float16", "tensorflow", "CPU", set(), "mixed_float16", "as asked"),
])
def test_auto_chooses_bfloat16_where_the_processor_computes_in_it(requested, backend, device, flags, chosen, words):
    policy, reason = choose_precision(requested, backend, device, flags)
    assert policy == chosen and words in reason


def test_the_cpu_flags_are_read_from_cpuinfo_on_x86_and_arm(tmp_path):
    (tmp_path / "x86").write_text(BF16_CPUINFO)
    (tmp_path / "arm").write_text(ARM_CPUINFO)
    assert {"avx2", "avx512_bf16"} <= cpu_flags(str(tmp_path / "x86"))
    assert "bf16" in cpu_flags(str(tmp_path / "arm"))  # ARM's name: not one of BFLOAT16_CPU_FLAGS
    assert not set(BFLOAT16_CPU_FLAGS) & cpu_flags(FLOAT32_CPUINFO)
    assert cpu_flags(str(tmp_path / "missing")) == set()  # another system: no bfloat16 assumed


def gan_keras(*args, cpuinfo=FLOAT32_CPUINFO):
    env = {**os.environ, "GAN_KERAS_CPUINFO": str(cpuinfo), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "gan_keras", *map(str, args)], capture_output=True, text=True,
                          timeout=600, env=env)


def history(folder):
    with open(os.path.join(folder, "history.csv")) as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def bf16_runs(tmp_path_factory):
    """On a faked bfloat16 CPU, `auto`: a run of 4 steps, and one of 2 steps resumed to 4 (DCGAN, average, eval)."""
    root = tmp_path_factory.mktemp("precision")
    data = write_tiny_fashion(root / "fashion")
    cpuinfo = root / "cpuinfo"
    cpuinfo.write_text(BF16_CPUINFO)
    flags = ["train", "dcgan", "--data-dir", data, "--batch-size", 8, "--ema", 0.9, "--eval-interval", 2,
             "--eval-n", 10, "--save-interval", 2, "--deterministic", "--no-progress"]
    whole = gan_keras(*flags, "--steps", 4, "--output-dir", root / "whole", cpuinfo=cpuinfo)
    half = gan_keras(*flags, "--steps", 2, "--output-dir", root / "half", cpuinfo=cpuinfo)
    return root, flags, cpuinfo, whole, half


def test_auto_on_a_bfloat16_cpu_trains_in_mixed_bfloat16_and_says_why_first(bf16_runs):
    root, _, _, whole, _ = bf16_runs
    assert whole.returncode == 0, whole.stderr[-3000:]
    first = whole.stdout.splitlines()[0]
    assert first == "Precision: mixed_bfloat16 (auto: this CPU computes in bfloat16 (avx512_bf16))"
    report = (root / "whole" / "report.md").read_text()
    assert "| precision | mixed_bfloat16 |" in report
    rows = history(root / "whole")
    assert [row["step"] for row in rows] == ["1", "2", "3", "4"]
    for column in ("d_loss_real", "g_loss", "fd", "ema_fd"):  # losses, evaluation and the averaged generator
        assert all(np.isfinite(float(row[column])) for row in rows if row[column] not in ("", "nan")), column
    assert np.isfinite(float(rows[-1]["ema_fd"]))
    assert (root / "whole" / "samples_ema" / "step_0000004.png").exists()


def test_a_resume_keeps_its_checkpoint_s_precision_and_repeats_the_run(bf16_runs):
    root, flags, _, whole, half = bf16_runs
    assert half.returncode == 0, half.stderr[-3000:]
    # On a machine without bfloat16 instructions, auto resumes in the checkpoint's precision, exactly.
    resumed = gan_keras(*flags, "--steps", 4, "--output-dir", root / "half", "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert resumed.stdout.splitlines()[0].startswith("Precision: mixed_bfloat16 (auto on --resume: that of ")
    assert history(root / "half") == history(root / "whole")
    # Another precision, asked for, is refused in one line before anything is touched.
    before = (root / "half" / "history.csv").read_bytes()
    refused = gan_keras(*flags, "--steps", 6, "--output-dir", root / "half", "--resume", "--precision", "float32")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1].startswith(
        f"gan-keras: error: --precision float32: {root / 'half' / 'checkpoint.npz'} was trained in mixed_bfloat16; "
        f"resume with --precision mixed_bfloat16")
    assert (root / "half" / "history.csv").read_bytes() == before


CHECK_FLOAT32 = r"""
import json, sys
import numpy as np
import keras
import gan_keras
from gan_keras.core.combined import all_layers
generator = gan_keras.load_generator(sys.argv[1])
images = generator.sample(6, seed=2)
policies = sorted({layer.dtype_policy.name for layer in all_layers(generator.model)})
print(json.dumps({"global": keras.config.dtype_policy().name, "policies": policies, "dtype": str(images.dtype),
                  "finite": bool(np.isfinite(images).all()), "shape": list(images.shape)}))
"""


@pytest.mark.parametrize("name", ["generator.keras", "ema_generator.keras"])
def test_a_generator_trained_in_bfloat16_loads_and_samples_in_float32_in_a_fresh_process(bf16_runs, name):
    root, _, _, whole, _ = bf16_runs
    assert whole.returncode == 0, whole.stderr[-3000:]
    result = subprocess.run([sys.executable, "-c", CHECK_FLOAT32, str(root / "whole" / name)], capture_output=True,
                            text=True, timeout=300, env={**os.environ, "GAN_KERAS_CPUINFO": FLOAT32_CPUINFO})
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {"global": "float32", "policies": ["float32"], "dtype": "float32", "finite": True,
                    "shape": [6, 28, 28, 1]}


def test_float32_copy_keeps_the_weights_and_computes_in_float32():
    import keras

    from gan_keras.models.dcgan import build_generator
    from gan_keras.models.policy import float32_copy, is_mixed
    from gan_keras.training.devices import dtype_policy

    keras.utils.set_random_seed(0)
    with dtype_policy("mixed_bfloat16"):
        mixed = build_generator(8)
    copy = float32_copy(mixed)
    assert is_mixed(mixed) and not is_mixed(copy) and float32_copy(copy) is copy
    for a, b in zip(mixed.get_weights(), copy.get_weights()):
        np.testing.assert_array_equal(a, b)
    noise = np.random.default_rng(0).standard_normal((4, 8)).astype(np.float32)
    exact = np.asarray(copy(noise, training=False))
    rounded = np.asarray(keras.ops.cast(mixed(noise, training=False), "float32"))
    assert exact.dtype == np.float32 and np.abs(exact - rounded).max() < 0.1  # bfloat16's rounding, no more
