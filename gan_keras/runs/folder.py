"""A run's folder: one run at a time, the files its runs wrote, and `--overwrite`.

`RunFolder.lock` holds an exclusive `flock` on `DIR/.lock` for the whole
run: a second run on the same folder is refused with one line naming the
holder. The kernel drops the lock when its process ends, however it ends, so
a crashed run never blocks the next one; the lock file's note tells whether
the previous holder finished cleanly. A run ends cleanly when it returns,
when Ctrl-C stops it, or when it stops with a one-line error (a `UserError`:
a refused `--resume`, non-finite values, a full disk); it leaves the
"unclean" mark only when its process dies (SIGKILL, a crash) or an
unexpected exception escapes. A run of several phases
(`gan_keras.runs.phases`) holds its folder's lock once; each phase's
sub-folder is a `part` of it, covered by that lock.

While the lock is held, every file the process writes into the folder (all
files go through `gan_keras.core.fileio`) is listed in `DIR/.run_files`, one
path per line, appended and forced to disk before the file takes its place,
so even a killed run's files are listed. `--overwrite` removes what that
list names and the files with the run's own names (`RUN_FILES`, and
`RUN_FOLDERS`' patterns, which also cover a folder written before the list
existed), then the folders that left empty; anything else stays.
"""

import fcntl
import os
import re
import sys
import time

from gan_keras.core import fileio
from gan_keras.core.errors import EXIT_DATA_OR_IO, EXIT_USAGE, UserError

LOCK_FILE = ".lock"
MANIFEST_FILE = ".run_files"  # the files the runs in the folder wrote (paths relative to it), one per line
CHECKPOINT_FILE = "checkpoint.npz"  # its presence means the folder holds a run that --resume can continue
# Files a run writes into its folder (or a phase's folder) under these fixed names.
RUN_FILES = (CHECKPOINT_FILE, "history.csv", "losses.png", "generator.keras", "generator.json",
             "best_generator.keras", "best_generator.json", "best_generator_metrics.json", "report.md",
             "trajectory.png", "histogram.png", "study.png", "test_outputs.npz", "test_metrics.json",
             "text_encoder.keras", "captions.json", "ema_generator.keras", "ema_generator.json", "progress.gif",
             "progress.mp4", "progress_ema.gif", "progress_ema.mp4")
_GRIDS = re.compile(r"step_\d{7}\.png|last\.png")
# Folders a run writes into, and the names it gives its files there (None: names it does not choose, e.g.
# the held-out photographs': `MANIFEST_FILE` alone lists those).
RUN_FOLDERS = {
    "samples": _GRIDS,
    "samples_ema": _GRIDS,
    "generators": re.compile(r"(ema_)?step_\d{7}\.(keras|json)|step_\d{7}_metrics\.json"),
    "test_outputs": None,
}
_OLD_TEMP_PREFIXES = (".checkpoint-",)  # temporary files of earlier versions
_MANIFEST_HEADER = b"# Files written by gan_keras runs in this folder; --overwrite removes these (and only these)\n"


class RunFolderError(UserError):
    """The folder is in use by another run, or holds files that a new run would overwrite."""


class RunFolder:
    """The folder of one run, locked while the run lasts.

    Args:
        path: The run's output folder (created if needed).

    Use as a context manager: `with RunFolder(path) as folder: ...`; the
    lock is released as cleanly ended unless an exception other than a
    `UserError` or `KeyboardInterrupt` leaves the block.

    Raises:
        RunFolderError: (exit status 1) if another live process holds the folder.
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        self._fd = None
        self._root = self  # the locked folder whose list of files this one's are in (see `part`)
        self._listed = set()  # paths in the root's list, relative to the root (while locked)
        self._created = []  # the folders `lock` made, deepest first (removed again after a refusal)
        self.previous_owner_crashed = False

    def __enter__(self):
        self.lock()
        return self

    def __exit__(self, kind, error, trace):
        self.release(clean=kind is None or issubclass(kind, (UserError, KeyboardInterrupt)))
        if kind is not None and issubclass(kind, UserError):  # a refusal: the folders it made go again
            self._remove_if_unused()
        return False

    def lock(self):
        """Takes the folder's lock (see the module docstring) and starts listing the files written into it."""
        missing, folder = [], os.path.abspath(self.path)
        while not os.path.exists(folder):
            missing.append(folder)
            folder = os.path.dirname(folder)
        os.makedirs(self.path, exist_ok=True)
        self._created = missing
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
        self._listed = set(self._read_list(repair=True))
        fileio.add_write_observer(self._record)

    def part(self, name):
        """The folder of one phase of this run, `path/name`, under this folder's lock.

        Creates it and removes the temporary files an interrupted write left
        in it; it takes no lock of its own (the run holds this folder's), and
        its files are listed in this folder's list.

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
        part._root = self
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
        """Stops listing written files, marks the lock file (cleanly released or not) and drops the lock."""
        if self._fd is None:
            return
        fileio.remove_write_observer(self._record)
        try:
            if clean:
                os.pwrite(self._fd, b"released\n", os.fstat(self._fd).st_size)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def _remove_if_unused(self):
        if not self._created or set(os.listdir(self.path)) - {LOCK_FILE}:
            return
        try:
            os.unlink(os.path.join(self.path, LOCK_FILE))
            for folder in self._created:
                os.rmdir(folder)
        except OSError:
            pass  # something else appeared meanwhile: it stays

    # --- the list of files written ---------------------------------------------------------------

    def _record(self, path):
        """Lists `path` (a file about to be written) if it is in this folder and not listed yet."""
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(self.path))
        if (relative == os.pardir or relative.startswith(os.pardir + os.sep) or "\n" in relative
                or relative in (LOCK_FILE, MANIFEST_FILE) or relative in self._listed):
            return
        list_path = os.path.join(self.path, MANIFEST_FILE)
        try:
            fd = os.open(list_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
            try:
                header = _MANIFEST_HEADER if os.fstat(fd).st_size == 0 else b""
                os.write(fd, header + os.fsencode(relative) + b"\n")
                os.fsync(fd)  # listed on disk before the file exists: a killed run's files are listed too
            finally:
                os.close(fd)
        except OSError as error:
            raise UserError(f"cannot write {list_path}: {error.strerror or error}", EXIT_DATA_OR_IO) from None
        self._listed.add(relative)

    def _read_list(self, repair=False):
        """The paths in the root's list, relative to the root, in order; with `repair`, a cut-off last line goes.

        A line cut off by a crash names a file that was never written (a
        path is listed before its file appears), so it is dropped.
        """
        list_path = os.path.join(self.path, MANIFEST_FILE)
        try:
            fd = os.open(list_path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return []
        try:
            with os.fdopen(fd, "rb") as f:
                data = f.read()
        except OSError:
            return []
        complete = data[:data.rfind(b"\n") + 1]
        if repair and complete != data:
            try:
                os.truncate(list_path, len(complete))
            except OSError:
                pass
        entries = []
        for line in complete.split(b"\n"):
            relative = os.path.normpath(os.fsdecode(line)) if line and not line.startswith(b"#") else None
            if relative and _is_inside(relative) and relative not in entries:
                entries.append(relative)
        return entries

    def _prefix(self):
        """This folder's path relative to its root ("" for the root itself)."""
        relative = os.path.relpath(os.path.abspath(self.path), os.path.abspath(self._root.path))
        return "" if relative == os.curdir else relative

    def _listed_here(self):
        """The root's listed paths inside this folder, relative to this folder."""
        prefix = self._prefix()
        start = prefix + os.sep if prefix else ""
        return [entry[len(start):] for entry in self._root._read_list() if entry.startswith(start)]

    # --- the run's files -------------------------------------------------------------------------

    def run_files(self, parts=()):
        """The files of earlier runs present here (paths relative to this folder, sorted).

        Those the folder's list names, and those with the run's own names:
        `RUN_FILES` here and in the phases' sub-folders `parts`, and files
        matching `RUN_FOLDERS`' patterns in those folders. Nothing is followed
        through a symbolic link.

        Args:
            parts: Sub-folders of the run's phases, e.g. `("srresnet", "srgan")`.
        """
        found = {relative for relative in self._listed_here() if self._is_file(relative)}
        for part in ("", *parts):
            found.update(os.path.join(part, name) for name in RUN_FILES if self._is_file(os.path.join(part, name)))
            for folder, pattern in RUN_FOLDERS.items():
                where = os.path.join(part, folder)
                if pattern is None or not self._is_dir(where):
                    continue
                try:
                    names = os.listdir(os.path.join(self.path, where))
                except OSError:
                    continue
                found.update(os.path.join(where, name) for name in names
                             if pattern.fullmatch(name) and self._is_file(os.path.join(where, name)))
        return sorted(found)

    def _is_file(self, relative):
        """Whether `relative` is a file or a link (not a folder), reached through no link."""
        path = os.path.join(self.path, relative)
        return self._is_dir(os.path.dirname(relative)) and os.path.lexists(path) and (
            os.path.islink(path) or not os.path.isdir(path))

    def _is_dir(self, relative):
        """Whether `relative` ("" for this folder) is a folder reached through no link."""
        path = self.path
        for name in [n for n in relative.split(os.sep) if n]:
            path = os.path.join(path, name)
            if os.path.islink(path) or not os.path.isdir(path):
                return False
        return True

    def clear(self, parts=()):
        """Removes the files of earlier runs (`run_files(parts)`), then the folders they leave empty.

        A user's files stay, and so do the folders that hold them. The
        removed files leave the folder's list.

        Args:
            parts: As `run_files`.

        Returns:
            The removed paths, relative to this folder.

        Raises:
            RunFolderError: (exit status 1) naming a file that cannot be removed.
        """
        removed = self.run_files(parts)
        for relative in removed:
            path = os.path.join(self.path, relative)
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError as error:
                raise RunFolderError(f"cannot remove {path} for --overwrite: {error.strerror or error}") from None
        folders = {os.path.join(part, folder) for part in ("", *parts) for folder in RUN_FOLDERS}
        folders.update(part for part in parts)
        for relative in removed:
            parent = os.path.dirname(relative)
            while parent:
                folders.add(parent)
                parent = os.path.dirname(parent)
        for relative in sorted(folders, key=lambda f: -f.count(os.sep)):  # the deepest first
            if self._is_dir(relative):
                try:
                    os.rmdir(os.path.join(self.path, relative))  # only if empty: a user's files keep theirs
                except OSError:
                    pass
        self._root._forget(self._prefix(), removed)
        return removed

    def _forget(self, prefix, removed):
        """Drops from the list the removed paths (relative to `prefix`) and the listed files no longer there."""
        gone = {os.path.join(prefix, relative) for relative in removed}
        entries = self._read_list()
        kept = [entry for entry in entries if entry not in gone and self._is_file(entry)]
        if kept != entries:
            list_path = os.path.join(self.path, MANIFEST_FILE)
            if kept:
                fileio.write_text(list_path, os.fsdecode(_MANIFEST_HEADER) + "".join(e + "\n" for e in kept))
            elif os.path.lexists(list_path):
                try:
                    os.unlink(list_path)
                except OSError as error:
                    raise RunFolderError(f"cannot remove {list_path} for --overwrite: "
                                         f"{error.strerror or error}") from None
        self._listed = set(kept)

    def restart_unfinished(self):
        """`--resume` in a folder without a checkpoint: starts afresh if nothing of the earlier run was kept.

        A run killed before its first checkpoint leaves only what it rewrites
        from step 0 (grids, a partial history): they go and the run starts
        afresh. A saved generator (a run that ended, its checkpoint gone) is
        refused, so that no finished work is replaced.

        Raises:
            RunFolderError: (exit status 2) if the folder holds a saved
                generator but no checkpoint; `--overwrite` replaces it.
        """
        found = self.run_files()
        if not found:
            return
        kept = [name for name in found if name.endswith(".keras")]
        if kept:
            raise RunFolderError(f"{self.path} holds {_describe(kept)} of an earlier run but no checkpoint to resume "
                                 f"from: pass --overwrite to replace it, or choose another --output-dir", EXIT_USAGE)
        self.clear()
        print(f"--resume: {self.path} has no checkpoint (its run stopped before the first one): starting it afresh; "
              f"removed {_describe(found)}")

    def check_fresh_start(self, overwrite, parts=()):
        """Before a run from step 0: refuses a folder holding run files, unless `overwrite` (then clears them).

        Args:
            overwrite: Remove the earlier run's files (`clear`) instead of refusing.
            parts: Sub-folders of the run's phases, checked too (see `run_files`).

        Raises:
            RunFolderError: (exit status 2) naming the files found.
        """
        found = self.run_files(parts)
        if not found:
            return
        if overwrite:
            self.clear(parts)
            print(f"--overwrite: removed the previous run's {_describe(found)} from {self.path} (other files stay)")
            return
        raise RunFolderError(f"{self.path} holds files of an earlier run ({_describe(found)}) but no checkpoint to "
                             f"resume from: pass --overwrite to replace them, or choose another --output-dir",
                             EXIT_USAGE)


def _describe(paths):
    """Files for a message: the names of those at the top, a count per sub-folder ("samples/ (5 files)")."""
    counts = {}
    for path in paths:
        top = path.split(os.sep)[0]
        counts[top] = counts.get(top, 0) + (os.sep in path)
    return ", ".join(name if not n else f"{name}/ ({n} file{'s' if n > 1 else ''})" for name, n in sorted(
        counts.items()))


def _is_inside(relative):
    return not os.path.isabs(relative) and relative != os.pardir and not relative.startswith(os.pardir + os.sep)


def _read(fd):
    try:
        return os.pread(fd, 4096, 0).decode(errors="replace").strip()
    except OSError:
        return ""
