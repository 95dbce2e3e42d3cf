"""The one directory walker: regular files only; pipes, broken links, loops and unreadable folders named."""

import os
import threading

import pytest

from gan_keras.core.errors import UserError
from gan_keras.data import walk
from gan_keras.data.photo_folder import load_folder
from tests.test_photo_folder import photo


def test_lists_regular_files_and_names_everything_left_out(tmp_path):
    photo(tmp_path / "a.png", 8, 8)
    photo(tmp_path / "sub" / "b.JPG", 8, 8)
    (tmp_path / "notes.txt").write_text("another extension: not looked at")
    os.mkfifo(tmp_path / "photo.png")
    os.symlink(tmp_path / "nowhere.png", tmp_path / "broken.png")
    os.symlink(tmp_path / "self.png", tmp_path / "self.png")
    os.symlink(tmp_path, tmp_path / "sub" / "up")  # a loop back to the top
    os.symlink(tmp_path / "a.png", tmp_path / "link.png")  # a link to a file is followed
    listing = walk.list_files(str(tmp_path), (".png", ".jpg"))
    assert listing.files == ["a.png", "link.png", "sub/b.JPG"]
    assert dict(listing.skipped) == {
        "broken.png": f"broken symbolic link (to {tmp_path / 'nowhere.png'})",
        "photo.png": "not a regular file (named pipe)",
        "self.png": "symbolic link loop",
        "sub/up": f"folder loop: a link back to {tmp_path}",
    }
    assert listing.ignored == 1


def test_a_folder_reached_twice_is_listed_once(tmp_path):
    photo(tmp_path / "real" / "a.png", 8, 8)
    os.symlink(tmp_path / "real", tmp_path / "z_link")
    listing = walk.list_files(str(tmp_path), (".png",))
    assert listing.files == ["real/a.png"]
    assert listing.skipped == [("z_link", "the same folder as real, listed once")]


def test_an_unlistable_subfolder_is_skipped_and_an_unlistable_top_is_one_line(tmp_path, monkeypatch):
    photo(tmp_path / "a.png", 8, 8)
    (tmp_path / "locked").mkdir()
    scandir = os.scandir

    def refusing(path):
        if str(path).endswith("locked") or str(path).endswith("top"):
            raise PermissionError(13, "Permission denied")
        return scandir(path)

    monkeypatch.setattr(walk.os, "scandir", refusing)
    listing = walk.list_files(str(tmp_path), (".png",))
    assert listing.files == ["a.png"] and listing.skipped == [("locked", "unreadable folder: permission denied")]
    (tmp_path / "top").mkdir()
    with pytest.raises(UserError, match="cannot list the folder .*top: permission denied") as caught:
        walk.list_files(str(tmp_path / "top"))
    assert caught.value.exit_code == 1


@pytest.mark.parametrize("make, words", [(lambda p: p / "missing", "cannot read the folder"),
                                         (lambda p: (p / "f").write_text("x") and p / "f", "is not a folder")])
def test_a_missing_top_or_a_file_is_one_line(tmp_path, make, words):
    with pytest.raises(UserError, match=words):
        walk.list_files(str(make(tmp_path)))


def test_a_photo_folder_with_a_named_pipe_reads_the_rest_without_waiting(tmp_path, capsys):
    photo(tmp_path / "good.png", 16, 16)
    os.mkfifo(tmp_path / "photo.png")
    done = {}
    reader = threading.Thread(target=lambda: done.update(folder=load_folder(str(tmp_path), min_size=8)), daemon=True)
    reader.start()
    reader.join(timeout=30)
    assert "folder" in done, "reading the folder waits on the named pipe"
    assert done["folder"].names == ["good.png"]
    assert done["folder"].skipped == [("photo.png", "not a regular file (named pipe)")]
    assert "skipped 1 (0 unreadable, 0 too small, 1 not regular files)" in capsys.readouterr().out


def test_a_folder_of_only_pipes_is_one_line(tmp_path):
    os.mkfifo(tmp_path / "photo.png")
    with pytest.raises(UserError, match="no usable training photo .* photo.png: not a regular file"):
        load_folder(str(tmp_path), min_size=8)
