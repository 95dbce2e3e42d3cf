"""Checks of what a user names before anything runs: memory and disk for the asked sizes, folders, input files."""

import os
import shutil
import sys

from gan_keras.core.errors import EXIT_DATA_OR_IO, EXIT_USAGE, UserError


def available_memory():
    """Bytes of memory available to a new allocation (Linux's MemAvailable), or None where unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_memory(needed, what, flags):
    """Refuses sizes whose estimated memory exceeds what is available, before anything is allocated.

    Args:
        needed: Estimated bytes.
        what: What needs them, e.g. "the DCGAN with --latent-dim 100000".
        flags: The flags to lower, for the message.

    Raises:
        UserError: (exit status 2) if `needed` exceeds 90% of the available memory.
    """
    available = available_memory()
    if available is not None and needed > 0.9 * available:
        raise UserError(f"{what} needs about {needed / 2**30:.1f} GiB of memory, {available / 2**30:.1f} GiB are "
                        f"available: lower {flags}", EXIT_USAGE)


def free_disk_space(path):
    """Bytes free to this user on the disk that holds `path` (`shutil.disk_usage`), or None where unknown."""
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def check_disk(needed, path, what, remedy):
    """Refuses a run whose files would not fit on the disk of `path`; warns when they would take most of it.

    Args:
        needed: Estimated bytes the run will write.
        path: A folder on the disk it writes to.
        what: What writes them, with the estimate's parts, e.g. "the run
            would write about 2.1 GiB to outputs/x (kept generators ...)".
        remedy: The flags to change, e.g. "raise --keep-generators".

    Returns:
        The warning line written to stderr (when `needed` exceeds half of the
        free space), or None.

    Raises:
        UserError: (exit status 2) if `needed` exceeds the free space.
    """
    free = free_disk_space(path)
    if free is None:
        return None
    if needed > free:
        raise UserError(f"{what}, but only {format_bytes(free)} are free there: {remedy}", EXIT_USAGE)
    if needed > free / 2:
        warning = f"warning: {what}, more than half of the {format_bytes(free)} free there ({remedy} if need be)"
        print(warning, file=sys.stderr)
        return warning
    return None


def format_bytes(n):
    """Bytes for a message: "812 B", "3.4 KiB", "151.2 MiB", "1.3 GiB", "2.0 TiB"."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def check_output_dir(path, data_dirs=()):
    """Checks that `path` can be the run's folder, without making it (the run makes it once its data loaded).

    Args:
        path: The run's `--output-dir`.
        data_dirs: Folders of the user's data (`--data-dir`, `--test-dir`): the
            run's folder may be neither one of them nor inside one, since a
            user's data folder is only ever read.

    Raises:
        UserError: (exit status 1) if `path` is a file, or it or the nearest
            folder above it that exists is not a writable folder; (exit
            status 2) if it is or lies inside a data folder.
    """
    if os.path.exists(path) and not os.path.isdir(path):
        raise UserError(f"--output-dir {path} exists and is not a directory")
    target = os.path.realpath(path)
    for data in data_dirs:
        if data is not None and os.path.isdir(data):
            inside = os.path.relpath(target, os.path.realpath(data))
            if inside == os.curdir or not inside.startswith(os.pardir):
                raise UserError(f"--output-dir {path} is inside the data folder {data}, which is only ever read: "
                                f"choose an --output-dir outside it", EXIT_USAGE)
    existing = target
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise UserError(f"cannot create --output-dir {path}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"--output-dir {path} is not writable" if existing == target else
                        f"cannot create --output-dir {path}: {existing} is not writable")


def require_file(path, what):
    """Checks that an input file exists (None passes).

    Raises:
        UserError: (exit status 1) "no {what} file at {path}", or "... is a
            folder / not a regular file" (a named pipe would never be read).
    """
    if path is None or os.path.isfile(path):
        return
    if os.path.isdir(path):
        raise UserError(f"the {what} {path} is a folder, not a file")
    if os.path.exists(path):
        raise UserError(f"the {what} {path} is not a regular file (a named pipe, socket or device): give a file")
    raise UserError(f"no {what} file at {path}")


def require_parent_dir(path, flag, exit_code=EXIT_DATA_OR_IO):
    """Checks that the folder an output file goes to exists (None passes).

    Raises:
        UserError: "folder of {flag} does not exist: ..." with `exit_code`.
    """
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UserError(f"folder of {flag} does not exist: {folder}", exit_code)
