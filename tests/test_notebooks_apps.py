"""Re-executes the notebooks of 8.2 and 8.3 with the small settings (see test_notebooks.py).

A file of its own, so that `pytest -n 2 --dist loadfile` runs these two on one worker while the other
two notebooks run on another.
"""

import os

from tests.test_notebooks import execute_notebook

# The photograph the 8.3 notebook enlarges (Debian's lomiri-wallpapers-16.04; `make photos` installs it).
PHOTO = "/usr/share/backgrounds/greentock_by_Peter_Nerlich.jpg"


def test_evaluation_notebook_runs(tmp_path, monkeypatch):
    execute_notebook("8.2-evaluation.ipynb", tmp_path, monkeypatch)


def test_applications_notebook_runs(tmp_path, monkeypatch):
    assert os.path.isfile(PHOTO), f"{PHOTO} is missing: apt-get install lomiri-wallpapers-16.04 (or make photos)"
    execute_notebook("8.3-applications.ipynb", tmp_path, monkeypatch)
