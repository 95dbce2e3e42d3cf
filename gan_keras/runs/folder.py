"""A run's folder: one run at a time, and what counts as a run's files.

`RunFolder.lock` holds an exclusive `flock` on `DIR/.lock` for the whole
run: a second run on the same folder is refused with one line naming the
holder. The kernel drops the lock when its process ends, however it ends, so
a crashed run never blocks the next one; the lock file's note tells whether
the previous holder finished cleanly. A run of several phases
(`gan_keras.runs.phases`) holds its folder's lock once; each phase's
sub-folder is a `part` of it, covered by that lock.
"""

import fcntl
import os
import shutil
import sys
import time

from gan_keras.core import fileio
from gan_keras.core.errors import EXIT_DATA_OR_IO, EXIT_USAGE, UserError

LOCK_FILE = ".lock"
CHECKPOINT_FILE = "checkpoint.npz"  # its presence means the folder holds a run that --resume can continue
# Files and folders a training run writes into its folder (`--overwrite` removes these, nothing else).
RUN_FILES = (CHECKPOINT_FILE, "history.csv", "losses.png", "generator.keras", "generator.json",
             "best_generator.keras", "best_generator.json", "best_generator_metrics.json", "report.md",
             "trajectory.png", "histogram.png", "study.png", "test_outputs.npz", "test_metrics.json",
             "text_encoder.keras", "captions.json", "ema_generator.keras", "ema_generator.json", "progress.gif",
             "progress.mp4", "progress_ema.gif", "progress_ema.mp4")
RUN_FOLDERS = ("samples", "samples_ema", "generators", "test_outputs")
_OLD_TEMP_PREFIXES = (".checkpoint-",)  # temporary files of earlier versions


class RunFolderError(UserError):
    """The folder is in use by another run, or holds files that a new run would overwrite."""


class RunFolder:
    """The folder of one run, locked while the run lasts.

    Args:
        path: The run's output folder (created if needed).

    Use as a context manager: `with RunFolder(path) as folder: ...`.

    Raises:
        RunFolderError: (exit status 1) if another live process holds the folder.
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        self._fd = None
        self.previous_owner_crashed = False

    def __enter__(self):
        self.lock()
        return self

    def __exit__(self, *exc):
        self.release(clean=exc[0] is None)
        return False

    def lock(self):
        """Takes the folder's lock (see the class docstring)."""
        os.makedirs(self.path, exist_ok=True)
        lock_path = os.path.join(self.path, LOCK_FILE)
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as error:
            raise RunFolderError(f"cannot open the lock file {lock_path}: {error.strerror or error}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            note = _read(fd)
            os.close(fd)
            holder = note.split("\n")[0] or "another process"
            raise RunFolderError(f"{self.path} is in use by another run ({holder}): wait for it to end, stop it, "
                                 f"or choose another --output-dir", EXIT_DATA_OR_IO) from None
        note = _read(fd)
        self.previous_owner_crashed = bool(note) and "released" not in note
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}: "
                      f"{' '.join(sys.argv)[:200]}\n".encode(), 0)
        self._fd = fd
        self._remove_temp_files()

    def part(self, name):
        """The folder of one phase of this run, `path/name`, under this folder's lock.

        Creates it and removes the temporary files an interrupted write left
        in it; it takes no lock of its own (the run holds this folder's).

        Args:
            name: The sub-folder, e.g. "srresnet".

        Returns:
            A `RunFolder` for the sub-folder (`run_files`, `check_fresh_start`).

        Raises:
            RuntimeError: if this folder's lock is not held.
        """
        if self._fd is None:
            raise RuntimeError(f"{self.path} is not locked: a part of a run needs the run's lock")
        part = RunFolder(os.path.join(self.path, name))
        os.makedirs(part.path, exist_ok=True)
        part._remove_temp_files()
        return part

    def _remove_temp_files(self):
        removed = fileio.remove_stale_temp_files(self.path, _OLD_TEMP_PREFIXES)
        for folder in RUN_FOLDERS:
            removed += fileio.remove_stale_temp_files(os.path.join(self.path, folder))
        if removed:
            print(f"Removed {removed} temporary file(s) left by an interrupted write in {self.path}")

    def release(self, clean=True):
        """Marks the lock file (cleanly released or not) and drops the lock."""
        if self._fd is None:
            return
        try:
            if clean:
                os.pwrite(self._fd, b"released\n", os.fstat(self._fd).st_size)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def run_files(self):
        """The run files present in the folder (names, sorted)."""
        names = [n for n in RUN_FILES + RUN_FOLDERS if os.path.lexists(os.path.join(self.path, n))]
        return sorted(names)

    def clear(self):
        """Removes the previous run's files (only `RUN_FILES` and `RUN_FOLDERS`; anything else stays)."""
        for name in self.run_files():
            path = os.path.join(self.path, name)
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
            except OSError as error:
                raise RunFolderError(f"cannot remove {path} for --overwrite: {error.strerror or error}") from None

    def check_fresh_start(self, overwrite):
        """Before a run from step 0: refuses a folder holding run files, unless `overwrite` (then clears them).

        Raises:
            RunFolderError: (exit status 2) naming the files found.
        """
        found = self.run_files()
        if not found:
            return
        if overwrite:
            self.clear()
            print(f"--overwrite: removed the previous run's {', '.join(found)} from {self.path}")
            return
        raise RunFolderError(f"{self.path} holds files of an earlier run ({', '.join(found)}) but no checkpoint to "
                             f"resume from: pass --overwrite to replace them, or choose another --output-dir",
                             EXIT_USAGE)


def _read(fd):
    try:
        return os.pread(fd, 4096, 0).decode(errors="replace").strip()
    except OSError:
        return ""
