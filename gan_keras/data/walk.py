"""One directory walker for every folder the package reads: regular files only, everything else named.

    listing = list_files("my_photos", (".jpg", ".jpeg", ".png"))
    listing.files    # ["a.png", "holiday/b.JPG"]: relative, "/"-separated, sorted
    listing.skipped  # [("fifo.png", "not a regular file (named pipe)"), ("loop", "folder loop: ...")]

Every reader of a user's folder (the photo folders of `gan-keras train
srgan --dataset folder`, the image folders of the image GANs) finds its
files here, so that all of them skip the same things for the same reasons:

* entries that are not regular files (named pipes, sockets, devices): opening
  a named pipe would wait forever for a writer;
* symbolic links that lead nowhere (broken) or to themselves (a loop);
* folders that are reached again through a link (a loop, or the same folder
  twice) and folders that cannot be listed (no permission).

Links to files and folders are followed otherwise. Only entries whose name
ends in one of `extensions` (any case) are listed or skipped; other files
are not looked at (`ignored` counts them). Nothing is opened or written: the
walk only lists and stats.
"""

import dataclasses
import errno
import os
import stat

from gan_keras.core.errors import UserError

__all__ = ["FolderListing", "list_files"]

_KINDS = ((stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
          (stat.S_ISBLK, "block device"))


@dataclasses.dataclass(frozen=True)
class FolderListing:
    """The files of a folder tree and the entries left out.

    Attributes:
        directory: The folder, as given.
        files: The regular files with a wanted extension, relative to
            `directory`, "/"-separated, sorted.
        skipped: `(name, reason)` per entry left out, sorted by name; names are
            relative and "/"-separated like `files`.
        ignored: How many regular files had another extension.
    """

    directory: str
    files: list
    skipped: list
    ignored: int = 0


def list_files(directory, extensions=None):
    """Lists the regular files under `directory`, recursively, and what was left out and why.

    Args:
        directory: The folder (it must exist and be a folder).
        extensions: Lower-case endings such as `(".png", ".jpg")`; None for
            every file.

    Returns:
        A `FolderListing`.

    Raises:
        UserError: (exit status 1) if `directory` is missing, is not a folder,
            or cannot be listed.
    """
    try:
        top = os.stat(directory)
    except OSError as error:
        raise UserError(f"cannot read the folder {directory}: {_reason(error)}") from None
    if not stat.S_ISDIR(top.st_mode):
        raise UserError(f"{directory} is not a folder")
    files, skipped, ignored = [], [], [0]
    wanted = (lambda name: True) if extensions is None else (lambda name: name.lower().endswith(tuple(extensions)))
    seen = {(top.st_dev, top.st_ino): ""}

    def walk(path, relative, ancestors):
        try:
            with os.scandir(path) as entries:
                names = sorted(entry.name for entry in entries)
        except OSError as error:
            if not relative:
                raise UserError(f"cannot list the folder {directory}: {_reason(error)}") from None
            skipped.append((relative, f"unreadable folder: {_reason(error)}"))
            return
        for name in names:
            child = os.path.join(path, name)
            shown = f"{relative}/{name}" if relative else name
            try:
                info = os.stat(child)
            except OSError as error:
                if wanted(name) or os.path.islink(child):
                    skipped.append((shown, _broken(child, error)))
                continue
            if stat.S_ISDIR(info.st_mode):
                key = (info.st_dev, info.st_ino)
                if key in ancestors:
                    skipped.append((shown, f"folder loop: a link back to {ancestors[key] or directory}"))
                elif key in seen:
                    skipped.append((shown, f"the same folder as {seen[key] or directory}, listed once"))
                else:
                    seen[key] = shown
                    walk(child, shown, {**ancestors, key: shown})
            elif not wanted(name):
                ignored[0] += 1 if stat.S_ISREG(info.st_mode) else 0
            elif stat.S_ISREG(info.st_mode):
                files.append(shown)
            else:
                kind = next((what for test, what in _KINDS if test(info.st_mode)), "special file")
                skipped.append((shown, f"not a regular file ({kind})"))

    walk(directory, "", {(top.st_dev, top.st_ino): ""})
    return FolderListing(directory, sorted(files), sorted(skipped), ignored[0])


def _broken(path, error):
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    if error.errno == errno.ENOENT and os.path.islink(path):
        return f"broken symbolic link (to {os.readlink(path)})"
    return f"cannot read: {_reason(error)}"


def _reason(error):
    return (error.strerror or str(error)).lower()
