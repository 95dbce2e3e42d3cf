"""gan_keras.data.datasets on tiny IDX/npz files written here: parsing, validation, search order, helpers."""

import gzip
import os
import struct
import subprocess
import sys

import numpy as np
import pytest

from gan_keras.data import datasets as data
from gan_keras.data.datasets import (DataError, load_dataset, load_fashion_mnist, load_mnist, read_idx, scale_images,
                            select_classes)

N_TRAIN, N_TEST = 12, 5


def idx_bytes(array, dtype_code=0x08):
    """The IDX encoding of a uint8 array: magic (0, 0, type, ndim), big-endian dims, payload."""
    array = np.asarray(array, dtype=np.uint8)
    return bytes([0, 0, dtype_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def write_idx(path, array, compress=True):
    """Writes `array` as an IDX file, gzipped or raw whatever the file name says."""
    payload = idx_bytes(array)
    path.write_bytes(gzip.compress(payload) if compress else payload)
    return path


def tiny_arrays(n_train=N_TRAIN, n_test=N_TEST, seed=0):
    """Fashion-MNIST-shaped uint8 arrays with labels cycling through 0..9."""
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test) % 10).astype(np.uint8),
    }


def write_dataset(folder, n_train=N_TRAIN, compress=True, **overrides):
    """Writes the four standard IDX files into `folder`; `overrides` replace arrays by key."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {**tiny_arrays(n_train), **overrides}
    suffix = ".gz" if compress else ""
    for key, stem in data.IDX_FILES.items():
        write_idx(folder / (stem + suffix), arrays[key], compress)
    return arrays


def n_train_of(result):
    (x_train, _), _ = result
    return len(x_train)


def assert_one_line(excinfo, *words):
    message = str(excinfo.value)
    assert "\n" not in message and "\r" not in message, message
    assert excinfo.value.exit_code == 1
    for word in words:
        assert word in message, message


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """No real data and no network: empty keras cache and Debian root, no $GAN_KERAS_DATA, no download."""
    monkeypatch.setattr(data, "KERAS_CACHE_DIR", str(tmp_path / "keras-cache"))
    monkeypatch.setattr(data, "DEBIAN_ROOT", str(tmp_path / "debian"))
    monkeypatch.delenv("GAN_KERAS_DATA", raising=False)
    monkeypatch.setenv("GAN_KERAS_NO_DOWNLOAD", "1")
    return tmp_path


# --- read_idx -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("shape", [(N_TRAIN, 28, 28), (N_TEST,)])
def test_idx_round_trip(tmp_path, compress, shape):
    array = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    result = read_idx(write_idx(tmp_path / "array", array, compress))
    assert result.dtype == np.uint8 and result.shape == shape
    np.testing.assert_array_equal(result, array)
    result[...] = 0  # writable, like keras' arrays


def test_gzip_is_detected_by_content_not_name(tmp_path):
    array = np.arange(6, dtype=np.uint8).reshape(2, 3)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "gzipped-without-suffix", array, True)), array)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "raw-with-suffix.gz", array, False)), array)


def test_bad_magic_number(tmp_path):
    (tmp_path / "bad-magic").write_bytes(b"\x01\x02\x08\x01" + struct.pack(">I", 3) + b"abc")
    with pytest.raises(DataError, match="magic") as excinfo:
        read_idx(tmp_path / "bad-magic")
    assert_one_line(excinfo, "bad-magic")


def test_unsupported_dtype_code(tmp_path):
    (tmp_path / "floats.idx").write_bytes(idx_bytes(np.zeros(3), dtype_code=0x0D))
    with pytest.raises(DataError, match="0x0d") as excinfo:
        read_idx(tmp_path / "floats.idx")
    assert_one_line(excinfo, "floats.idx")


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("change, word", [(-7, "truncated"), (+3, "trailing")])
def test_payload_length_must_match_the_header(tmp_path, compress, change, word):
    payload = idx_bytes(np.zeros((4, 28, 28)))
    payload = payload[:change] if change < 0 else payload + b"\x00" * change
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(payload) if compress else payload)
    with pytest.raises(DataError, match=word) as excinfo:
        read_idx(path)
    assert_one_line(excinfo, "images.gz", str(4 * 28 * 28), str(4 * 28 * 28 + change))


def test_truncated_header(tmp_path):
    (tmp_path / "short").write_bytes(b"\x00\x00\x08\x03" + b"\x00" * 5)
    with pytest.raises(DataError, match="header") as excinfo:
        read_idx(tmp_path / "short")
    assert_one_line(excinfo, "short")


@pytest.mark.parametrize("damage", ["cut", "garbage"])
def test_corrupt_gzip(tmp_path, damage):
    compressed = gzip.compress(idx_bytes(np.zeros((3, 28, 28))))
    broken = compressed[: len(compressed) // 2] if damage == "cut" else b"\x1f\x8b" + b"\xff" * 40
    (tmp_path / "broken.gz").write_bytes(broken)
    with pytest.raises(DataError) as excinfo:
        read_idx(tmp_path / "broken.gz")
    assert_one_line(excinfo, "broken.gz")


def test_missing_file(tmp_path):
    with pytest.raises(DataError) as excinfo:
        read_idx(tmp_path / "absent-idx")
    assert_one_line(excinfo, "absent-idx")


# --- search order -------------------------------------------------------------------------------------------------

def test_search_order_data_dir_env_cache_debian(isolated, monkeypatch):
    write_dataset(isolated / "debian" / "fashion-mnist", n_train=11)
    assert n_train_of(load_fashion_mnist()) == 11
    write_dataset(isolated / "keras-cache" / "fashion-mnist", n_train=12)
    assert n_train_of(load_fashion_mnist()) == 12
    write_dataset(isolated / "env", n_train=13)
    monkeypatch.setenv("GAN_KERAS_DATA", str(isolated / "env"))
    assert n_train_of(load_fashion_mnist()) == 13
    write_dataset(isolated / "mine", n_train=14, compress=False)
    assert n_train_of(load_fashion_mnist(isolated / "mine")) == 14


def test_env_may_name_a_parent_folder(isolated, monkeypatch):
    write_dataset(isolated / "parent" / "fashion-mnist", n_train=15)
    write_dataset(isolated / "parent" / "mnist", n_train=16)
    monkeypatch.setenv("GAN_KERAS_DATA", str(isolated / "parent"))
    assert n_train_of(load_dataset("fashion_mnist")) == 15
    assert n_train_of(load_dataset("mnist")) == 16


def test_env_without_data_falls_through(isolated, monkeypatch):
    (isolated / "empty-env").mkdir()
    monkeypatch.setenv("GAN_KERAS_DATA", str(isolated / "empty-env"))
    write_dataset(isolated / "debian" / "mnist", n_train=17)
    assert n_train_of(load_mnist()) == 17


@pytest.mark.parametrize("make_dir", [True, False])
def test_data_dir_without_data_does_not_fall_through(isolated, make_dir):
    write_dataset(isolated / "keras-cache" / "fashion-mnist")
    if make_dir:
        (isolated / "empty-dir").mkdir()
    with pytest.raises(DataError) as excinfo:
        load_fashion_mnist(isolated / "empty-dir")
    assert_one_line(excinfo, "empty-dir", "train-images-idx3-ubyte")


def test_incomplete_folder_names_the_missing_file(isolated):
    write_dataset(isolated / "partial")
    (isolated / "partial" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError) as excinfo:
        load_fashion_mnist(isolated / "partial")
    assert_one_line(excinfo, "partial", "t10k-labels-idx1-ubyte")


def test_corrupt_file_in_a_search_place_is_reported(isolated):
    write_dataset(isolated / "debian" / "fashion-mnist")
    path = isolated / "debian" / "fashion-mnist" / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DataError) as excinfo:
        load_fashion_mnist()
    assert_one_line(excinfo, "train-images-idx3-ubyte.gz")


@pytest.mark.parametrize("override, words", [
    ({"y_train": np.zeros(N_TRAIN - 1)}, ["train-labels-idx1-ubyte", "shape"]),
    ({"y_test": np.full(N_TEST, 10)}, ["t10k-labels-idx1-ubyte", "0..9"]),
    ({"x_train": np.zeros((N_TRAIN, 28, 27))}, ["train-images-idx3-ubyte", "28, 28"]),
    ({"x_test": np.zeros((N_TEST, 784))}, ["t10k-images-idx3-ubyte", "28, 28"]),
])
def test_inconsistent_files_are_reported(isolated, override, words):
    write_dataset(isolated / "odd", **override)
    with pytest.raises(DataError) as excinfo:
        load_fashion_mnist(isolated / "odd")
    assert_one_line(excinfo, *words)


# --- MNIST npz ----------------------------------------------------------------------------------------------------

def test_mnist_from_keras_npz_in_cache(isolated):
    (isolated / "keras-cache").mkdir()
    arrays = tiny_arrays(n_train=9)
    np.savez(isolated / "keras-cache" / "mnist.npz", **arrays)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert y_train.shape == (9,) and x_test.shape == (N_TEST, 28, 28) and x_train.dtype == np.uint8


def test_mnist_npz_in_data_dir_but_not_for_fashion(isolated):
    (isolated / "npz-dir").mkdir()
    np.savez_compressed(isolated / "npz-dir" / "mnist.npz", **tiny_arrays(n_train=8))
    assert n_train_of(load_mnist(isolated / "npz-dir")) == 8
    with pytest.raises(DataError):
        load_fashion_mnist(isolated / "npz-dir")


@pytest.mark.parametrize("write, words", [
    (lambda p: np.savez(p, x_train=np.zeros((2, 28, 28), np.uint8)), ["y_train"]),
    (lambda p: np.savez(p, **{**tiny_arrays(), "x_train": np.zeros((N_TRAIN, 28, 28), np.float32)}), ["float32"]),
    (lambda p: np.savez(p, **{**tiny_arrays(), "y_test": np.zeros(N_TEST + 1, np.uint8)}), ["y_test"]),
    (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), []),
    (lambda p: p.write_bytes(b"plain text"), []),
    (lambda p: np.save(p.open("wb"), np.zeros(3)), ["not an .npz"]),
])
def test_bad_mnist_npz_is_reported(isolated, write, words):
    (isolated / "keras-cache").mkdir()
    write(isolated / "keras-cache" / "mnist.npz")
    with pytest.raises(DataError) as excinfo:
        load_mnist()
    assert_one_line(excinfo, "mnist.npz", *words)


# --- last resorts -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, apt", [("fashion_mnist", True), ("mnist", False)])
def test_nothing_found_lists_the_remedies(name, apt):
    with pytest.raises(DataError) as excinfo:
        load_dataset(name)
    assert_one_line(excinfo, "--data-dir", "GAN_KERAS_DATA", "downloader")
    assert ("apt-get install dataset-fashion-mnist" in str(excinfo.value)) == apt


def test_downloader_is_last_and_its_failure_becomes_data_error(monkeypatch):
    calls = []

    def fake_download(name):
        calls.append(name)
        if name == "mnist":
            raise OSError("network is unreachable\nsecond line")
        return tiny_arrays(n_train=7)

    monkeypatch.setattr(data, "_download", fake_download)
    with pytest.raises(DataError, match="disabled"):
        load_fashion_mnist()  # $GAN_KERAS_NO_DOWNLOAD=1 from the fixture
    assert calls == []
    assert n_train_of(load_fashion_mnist(allow_download=True)) == 7
    monkeypatch.setenv("GAN_KERAS_NO_DOWNLOAD", "0")
    with pytest.raises(DataError):
        load_fashion_mnist(allow_download=False)
    assert calls == ["fashion_mnist"]
    with pytest.raises(DataError) as excinfo:
        load_mnist()
    assert_one_line(excinfo, "network is unreachable", "--data-dir")
    assert calls == ["fashion_mnist", "mnist"]


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="fashion_mnist.*mnist"):
        load_dataset("cifar10")


def test_importing_does_not_load_keras_or_tensorflow():
    code = "import sys, gan_keras.data.datasets; print(sorted({'keras', 'tensorflow'} & set(sys.modules)))"
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(data.__file__)))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=package_parent)
    assert result.stdout.strip() == "[]"


# --- helpers ------------------------------------------------------------------------------------------------------

def test_scale_images_exact_values():
    images = np.array([[[0, 255, 127, 128]], [[51, 204, 1, 254]]], dtype=np.uint8)
    scaled = scale_images(images)
    assert scaled.shape == (2, 1, 4, 1) and scaled.dtype == np.float32
    np.testing.assert_array_equal(scaled[0, 0, :2, 0], [-1.0, 1.0])
    np.testing.assert_allclose(scaled[..., 0], images / 127.5 - 1.0, rtol=0, atol=1e-7)
    assert scaled.min() >= -1.0 and scaled.max() <= 1.0


def test_scale_images_full_byte_range():
    scaled = scale_images(np.arange(256, dtype=np.uint8).reshape(1, 16, 16))
    assert scaled.shape == (1, 16, 16, 1)
    assert scaled.min() == -1.0 and scaled.max() == 1.0


def test_select_classes():
    x, y = np.arange(10) * 10, (np.arange(10) % 3).astype(np.uint8)
    kept_x, kept_y = select_classes(x, y, [2])
    assert kept_x.tolist() == [20, 50, 80] and kept_y.tolist() == [2, 2, 2]
    kept_x, kept_y = select_classes(x, y, (c for c in (0, 2)))
    assert kept_x.tolist() == [0, 20, 30, 50, 60, 80, 90] and set(kept_y.tolist()) == {0, 2}
    with pytest.raises(DataError) as excinfo:
        select_classes(x, y, range(5, 8))
    assert_one_line(excinfo, "[5, 6, 7]")
