"""A folder of your own photos: every JPEG and PNG in it, read as 8-bit RGB, the unusable ones listed.

    folder = load_folder("my_photos", min_size=48)
    # my_photos: 212 photos (1,843.2 megapixels); skipped 3 (1 unreadable, 2 too small)
    #   holiday/broken.jpg: unreadable: image file is truncated
    #   ...

Files are found recursively by `gan_keras.data.walk` (`*.jpg`, `*.jpeg` and
`*.png` in any case, regular files only), in the order of their relative
paths, so that a folder gives the same list on every machine. An entry that
is not a regular file (a named pipe, a broken link, a loop), a file that
cannot be read, or one whose shorter side is under `min_size` pixels is
skipped and named; only a folder with no usable photo at all is an error. Images are read by `gan_keras.data.image_file`
(EXIF orientation applied, grey repeated, alpha dropped, 16-bit scaled).
"""

import dataclasses
import os

from gan_keras.core.errors import UserError
from gan_keras.data.image_file import UnreadableImageError, read_rgb_uint8
from gan_keras.data.walk import list_files

__all__ = ["EXTENSIONS", "PhotoFolder", "find_photos", "load_folder"]

EXTENSIONS = (".jpg", ".jpeg", ".png")
MAX_LISTED = 10  # skipped files named one per line; the rest are counted


@dataclasses.dataclass(frozen=True)
class PhotoFolder:
    """The photos of a folder and the files left out.

    Attributes:
        directory: The folder, as given.
        photos: uint8 `(h, w, 3)` arrays, one per usable file.
        names: Their paths relative to `directory` ("/"-separated), in the same order.
        skipped: `(name, reason)` per file left out: "unreadable: ...",
            "too small: WxH < min_size", or the walker's reason for an entry
            that is not a regular file (`gan_keras.data.walk`).
    """

    directory: str
    photos: list
    names: list
    skipped: list

    @property
    def megapixels(self):
        """Millions of pixels in all the photos together."""
        return sum(photo.shape[0] * photo.shape[1] for photo in self.photos) / 1e6

    def summary(self):
        """One line: "DIR: N photos (M megapixels); skipped K (U unreadable, S too small[, O other])"."""
        unreadable = sum(reason.startswith("unreadable") for _, reason in self.skipped)
        small = sum(reason.startswith("too small") for _, reason in self.skipped)
        other = len(self.skipped) - unreadable - small
        return (f"{self.directory}: {len(self.photos)} photo{'' if len(self.photos) == 1 else 's'} "
                f"({self.megapixels:,.1f} megapixels); skipped {len(self.skipped)} "
                f"({unreadable} unreadable, {small} too small{f', {other} not regular files' if other else ''})")


def find_photos(directory):
    """The JPEG and PNG files under `directory`, recursively (`gan_keras.data.walk.list_files`).

    Args:
        directory: An existing folder.

    Returns:
        A `gan_keras.data.walk.FolderListing`: the regular files' paths
        relative to `directory`, "/"-separated, sorted, and the entries
        skipped with their reasons.
    """
    return list_files(directory, EXTENSIONS)


def load_folder(directory, min_size, role="training"):
    """Reads every usable photo of a folder and prints what it found.

    Prints `PhotoFolder.summary()`, then one line per skipped file (the first
    `MAX_LISTED`, then how many more).

    Args:
        directory: The folder of photos.
        min_size: Smallest height and width a photo may have, in pixels
            (e.g. the training crop's size).
        role: What the photos are for, in messages ("training", "test").

    Returns:
        A `PhotoFolder` with at least one photo.

    Raises:
        ValueError: if `min_size` is not a positive integer.
        UserError: (exit status 1) if `directory` does not exist, is a file,
            or holds no usable photo.
    """
    if not isinstance(min_size, int) or isinstance(min_size, bool) or min_size < 1:
        raise ValueError(f"min_size must be a positive integer, got {min_size!r}")
    if not os.path.exists(directory):
        raise UserError(f"no folder of {role} photos at {directory}: create it and put JPEG or PNG photos in it")
    if not os.path.isdir(directory):
        raise UserError(f"{directory} is a file, not a folder: give the folder that holds the {role} photos")
    listing = find_photos(directory)
    names = listing.files
    if not names and not listing.skipped:
        raise UserError(f"{directory} holds no .jpg, .jpeg or .png file: put {role} photos in it "
                        f"(at least {min_size}x{min_size} pixels)")
    photos, kept, skipped = [], [], list(listing.skipped)
    for name in names:
        try:
            photo = read_rgb_uint8(os.path.join(directory, name))
        except UnreadableImageError as error:
            skipped.append((name, f"unreadable: {error.reason}"))
            continue
        height, width = photo.shape[:2]
        if min(height, width) < min_size:
            skipped.append((name, f"too small: {width}x{height} < {min_size}"))
            continue
        photos.append(photo)
        kept.append(name)
    skipped.sort()
    folder = PhotoFolder(directory, photos, kept, skipped)
    print(folder.summary())
    for name, reason in skipped[:MAX_LISTED]:
        print(f"  {name}: {reason}")
    if len(skipped) > MAX_LISTED:
        print(f"  ... and {len(skipped) - MAX_LISTED} more")
    if not photos:
        raise UserError(f"no usable {role} photo in {directory}: all {len(skipped)} files were skipped "
                        f"(first: {skipped[0][0]}: {skipped[0][1]}); add JPEG or PNG photos of at least "
                        f"{min_size}x{min_size} pixels")
    return folder
