"""Files that are either wholly written or not there: every file the package writes goes through here.

A file is written to a fresh temporary file in its own folder (created with
`O_EXCL`, so a planted link or an old file of the same name is never followed
or reused), flushed to disk, then renamed over the target. A crash at any
moment leaves the old file or the new one, never half of one; the temporary
files of a killed process carry `TEMP_PREFIX` and are removed by
`remove_stale_temp_files` at the next run's start. Observers
(`add_write_observer`) hear of each file before it takes its place: a run's
folder lists the files its run writes that way (`gan_keras.runs.folder`).
"""

import contextlib
import os
import tempfile

from gan_keras.core.errors import EXIT_DATA_OR_IO, UserError

TEMP_PREFIX = ".gan_keras-tmp-"
_observers = []  # callables told of each file written here, before it takes its place


def add_write_observer(observer):
    """Calls `observer(path)` before each file written through this module replaces `path`.

    An observer that raises (a `UserError`) stops that write: the target is
    left as it was.

    Args:
        observer: `path -> None`, `path` as the writer named it.
    """
    _observers.append(observer)


def remove_write_observer(observer):
    """Stops calling an observer added by `add_write_observer` (one that is not there is ignored)."""
    if observer in _observers:
        _observers.remove(observer)


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path`; on success it replaces `path`.

    For writers that want a file name rather than a file object
    (`model.save`, `fig.savefig`). The temporary name keeps the target's
    extension, which such writers read.

    Args:
        path: The file to (re)place.

    Yields:
        The temporary file's path (an empty file, exclusively created).

    Raises:
        UserError: (exit status 1) if the folder cannot be written; names the file.
    """
    directory = os.path.dirname(os.path.abspath(path))
    suffix = _extension(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=suffix, dir=directory)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}", EXIT_DATA_OR_IO) from None
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 -> the mode a plain open() would give
        yield tmp
        _fsync_file(tmp)
        for observer in list(_observers):
            observer(path)
        os.replace(tmp, path)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}", EXIT_DATA_OR_IO) from None
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_write(path, mode="w", **open_kwargs):
    """Opens a temporary file for writing that replaces `path` when the block ends without error.

    Args:
        path: The file to (re)place.
        mode: "w" (text) or "wb" (bytes).
        **open_kwargs: Further `open` arguments (e.g. `newline=""`).

    Yields:
        The open file object.

    Raises:
        UserError: (exit status 1) if writing fails (disk full, no permission);
            the message names `path`, and `path` is left as it was.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    with atomic_path(path) as tmp:
        try:
            with open(tmp, mode, **open_kwargs) as f:
                yield f
                f.flush()
        except OSError as error:
            raise UserError(f"cannot write {path}: {error.strerror or error}", EXIT_DATA_OR_IO) from None


def write_text(path, text):
    """Writes `text` to `path` atomically."""
    with atomic_write(path) as f:
        f.write(text)


def remove_stale_temp_files(directory, extra_prefixes=()):
    """Removes the temporary files a killed run left in `directory` (not in subfolders).

    Call it only while holding the folder's lock (`gan_keras.runs.folder`): a
    running writer's temporary file looks the same.

    Args:
        directory: The folder.
        extra_prefixes: Further name prefixes of temporary files (of earlier versions).

    Returns:
        The number of files removed.
    """
    removed = 0
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    for name in names:
        path = os.path.join(directory, name)
        if name.startswith((TEMP_PREFIX, *extra_prefixes)) and os.path.isfile(path) and not os.path.islink(path):
            try:
                os.unlink(path)
                removed += 1
            except OSError:
                pass
    return removed


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_file(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _extension(path):
    name = os.path.basename(path)
    for double in (".weights.h5", ".npz.tmp"):
        if name.endswith(double):
            return double
    return os.path.splitext(name)[1]
