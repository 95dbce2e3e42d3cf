import gzip
import os
import shutil
import struct

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Every run of the tests (in this process and in the commands they start) sees a CPU without bfloat16
# instructions, so that `--precision auto` is float32 and the histories they compare are the book's float32
# ones on any machine; tests/test_precision.py fakes other CPUs.
FLOAT32_CPUINFO = os.path.join(ROOT, "tests", "data", "cpuinfo_avx2")
os.environ["GAN_KERAS_CPUINFO"] = FLOAT32_CPUINFO


def write_idx(path, array, compress=True):
    """Writes a uint8 array as an IDX file (gzipped if `compress`)."""
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.tobytes()
    opener = gzip.open if compress else open
    with opener(path, "wb") as f:
        f.write(payload)


def write_tiny_fashion(folder):
    """Writes Fashion-MNIST-shaped IDX files into the new folder `folder`: 64 train and 20 test images."""
    rng = np.random.default_rng(0)
    folder.mkdir()
    for split, n in (("train", 64), ("t10k", 20)):
        labels = np.arange(n) % 10
        # Class-dependent blobs so the data is not pure noise.
        images = rng.integers(0, 40, (n, 28, 28))
        for i, label in enumerate(labels):
            images[i, 4 + label:14 + label, 6:22] += 200
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", np.clip(images, 0, 255))
        write_idx(folder / f"{split}-labels-idx1-ubyte.gz", labels)
    return folder


@pytest.fixture
def tiny_fashion_dir(tmp_path):
    """A folder with Fashion-MNIST-shaped IDX files: 64 train and 20 test images."""
    return write_tiny_fashion(tmp_path / "fashion")


@pytest.fixture(scope="session")
def fashion():
    """Real Fashion-MNIST scaled to [-1, 1]: `(x_train, y_train, x_test, y_test)`."""
    from gan_keras.data.datasets import load_fashion_mnist, scale_images
    from gan_keras.core.errors import UserError

    try:
        (x_train, y_train), (x_test, y_test) = load_fashion_mnist(allow_download=False)
    except UserError as error:  # `make test` installs it (make data)
        pytest.fail(f"real Fashion-MNIST is not installed: {error}")
    return scale_images(x_train), y_train, scale_images(x_test), y_test


def run(script, *args, cwd=None):
    """Runs a script (a path) or the `gan-keras` command (a list) as a user does; returns the CompletedProcess."""
    import subprocess
    import sys

    env = dict(os.environ, GAN_KERAS_NO_DOWNLOAD="1", TF_CPP_MIN_LOG_LEVEL="3")
    command = [sys.executable, "-m", "gan_keras", *script] if isinstance(script, list) else [sys.executable, script]
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True, timeout=300, env=env, cwd=cwd)


def assert_one_line_error(result, code, *words):
    """The process failed with `code` and one error line holding every word, and no traceback."""
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]


def call_command(*argv):
    """Runs `gan-keras ARGV...` in this process (Keras already loaded, so fast); returns its exit status."""
    from gan_keras.cli import flags
    from gan_keras.cli import build_parser

    args = build_parser().parse_args([str(a) for a in argv])
    return flags.run_guarded(lambda: args._run(args), prog="gan-keras")


def snapshot(model):
    """Copies of a model's weights as numpy arrays (to compare before and after a step)."""
    import keras

    return [keras.ops.convert_to_numpy(v).copy() for v in model.weights]


def changed(before, after):
    """Indices of the arrays that differ between two snapshots."""
    return [i for i, (a, b) in enumerate(zip(before, after)) if not np.array_equal(a, b)]


# One tiny run of every recipe (tests/test_round_trip.py loads what they save; other tests copy them).
TINY_RUNS = {
    "dcgan": ("dcgan", "--steps", 4, "--batch-size", 8, "--latent-dim", 8, "--save-interval", 2,
              "--keep-generators", 2, "--ema", 0.9, "--eval-interval", 2, "--eval-n", 10),
    "cgan": ("cgan", "--steps", 2, "--batch-size", 8, "--latent-dim", 8, "--no-eval", "--ema", 0.9),
    "mlp": ("mlp", "--steps", 2, "--batch-size", 4),
    "gaussian": ("gaussian", "--steps", 4, "--batch-size", 16),
    "pix2pix": ("pix2pix", "--steps", 2, "--batch-size", 4, "--filters", 8),
    "srgan": ("srgan", "--steps", 2, "--batch-size", 4),
    "stackgan": ("stackgan", "--steps", 2, "--batch-size", 8, "--latent-dim", 4, "--text-dim", 8,
                 "--condition-dim", 4, "--save-interval", 2),
}


def tiny_run_args(name, out, data, *extra):
    """The `gan-keras` arguments of the tiny run `name` of `TINY_RUNS` into `out` on the data folder `data`."""
    data_flags = () if name == "gaussian" else ("--data-dir", data)  # its data is drawn, not loaded
    return ["train", *TINY_RUNS[name], *data_flags, "--output-dir", out, "--no-progress", "--seed", 3, *extra]


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory):
    """`(folder of the runs, data folder)` after one tiny run of every recipe (`TINY_RUNS`), each in
    `folder/NAME`. Read them, or copy one before changing it: other tests share them.

    Made once per test session, also under pytest-xdist: the first worker that needs them trains them
    (under a lock, in the workers' shared temporary folder) and the others read them."""
    import fcntl

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the folder every worker's own temporary folder is in
    root, data = shared / "shared_tiny_runs", shared / "shared_tiny_runs_data"
    with open(shared / "shared_tiny_runs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "done").exists():
            shutil.rmtree(root, ignore_errors=True)
            shutil.rmtree(data, ignore_errors=True)
            write_tiny_fashion(data)
            root.mkdir()
            for name in TINY_RUNS:
                assert call_command(*tiny_run_args(name, root / name, data)) == 0, name
            (root / "done").write_text("")
    return root, data
