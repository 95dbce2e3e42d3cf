"""The notebooks in notebooks/: each committed one is executed and small; each re-executes without errors.

Re-executing runs a notebook with nbclient in a fresh `python3` kernel of this interpreter, with the
repository root as working directory, `GAN_KERAS_NOTEBOOK_SMALL=1` (each notebook's first cell then
picks settings that run in seconds) and its outputs in pytest's tmp_path (`GAN_KERAS_NOTEBOOK_OUT`).
Each notebook's execution is a test of its own, spread over this file and test_notebooks_apps.py so
that `pytest -n 2 --dist loadfile` runs them on two workers.
"""

import glob
import json
import os
import sys

import nbclient
import nbformat
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK_DIR = os.path.join(ROOT, "notebooks")
NOTEBOOKS = ("8.1-8.4-dcgan-fashion-mnist.ipynb", "8.2-evaluation.ipynb", "8.3-applications.ipynb",
             "small-gans.ipynb")
MAX_BYTES = 1_000_000
CELL_TIMEOUT_S = 300


def execute_notebook(name, tmp_path, monkeypatch):
    """Executes notebooks/`name` with the small settings; fails on the first cell that raises.

    Returns:
        The executed notebook (nbformat's node).
    """
    _need_fashion_mnist()
    # Kernel "python3" is this interpreter, whatever kernels the machine has installed elsewhere.
    kernels = tmp_path / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)", "language": "python"}
    (kernels / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("GAN_KERAS_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("GAN_KERAS_NOTEBOOK_OUT", str(tmp_path / "outputs"))
    monkeypatch.setenv("GAN_KERAS_NO_DOWNLOAD", "1")
    notebook = nbformat.read(os.path.join(NOTEBOOK_DIR, name), as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                     resources={"metadata": {"path": ROOT}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on an error
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code)
    assert not [output for cell in code for output in cell.outputs if output.output_type == "error"]
    assert _images(notebook), f"{name} showed no image"
    assert os.listdir(tmp_path / "outputs"), "the notebook wrote nothing under GAN_KERAS_NOTEBOOK_OUT"
    return notebook


def _need_fashion_mnist():
    from gan_keras.core.errors import UserError
    from gan_keras.data.datasets import load_fashion_mnist

    try:
        load_fashion_mnist(allow_download=False)
    except UserError as error:  # `make test` installs it (make data)
        pytest.fail(f"the notebooks train on the real Fashion-MNIST, which is not installed: {error}")


def _images(notebook):
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
            if "image/png" in output.get("data", {})]


def test_the_notebooks_are_the_chapters():
    assert sorted(os.path.basename(path) for path in glob.glob(os.path.join(NOTEBOOK_DIR, "*.ipynb"))) == sorted(
        NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_is_executed_and_small(name):
    path = os.path.join(NOTEBOOK_DIR, name)
    size = os.path.getsize(path)
    assert size < MAX_BYTES, f"{name} is {size:,} bytes: keep each notebook under 1 MB"
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    # Executed top to bottom in one kernel: counts 1, 2, 3, ...
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    outputs = [output for cell in code for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    assert not [output.text for output in outputs if output.get("name") == "stderr"]
    assert _images(notebook), f"{name} holds no image output"
    # Committed with the full settings; CI switches to the small ones through the first code cell.
    assert "GAN_KERAS_NOTEBOOK_SMALL" in code[0].source
    assert "GAN_KERAS_NOTEBOOK_OUT" in code[0].source
    assert all(cell.cell_type != "markdown" or cell.source.strip() for cell in notebook.cells)


def test_dcgan_notebook_runs(tmp_path, monkeypatch):
    notebook = execute_notebook("8.1-8.4-dcgan-fashion-mnist.ipynb", tmp_path, monkeypatch)
    text = "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.outputs)
    assert "every step logged once, in order: True" in text
    assert "all of them the generator's: True" in text


def test_small_gans_notebook_runs(tmp_path, monkeypatch):
    execute_notebook("small-gans.ipynb", tmp_path, monkeypatch)
