"""A folder of colour pictures made offline: Google's Noto colour emoji, one subfolder per Unicode emoji group.

    gan-keras emoji --out outputs/emoji        # what `make emoji` runs
    # outputs/emoji: 3,655 emoji in 9 class folders (activities/, animals_nature/, ... travel_places/)

Debian's `fonts-noto-color-emoji` holds the emoji as colour bitmaps, which
Pillow draws at their one size (`ImageFont.truetype(path, 109)`,
`embedded_color=True`: 136 x 128 RGBA, transparent around the glyph), and
`unicode-data`'s `emoji-test.txt` lists every fully-qualified emoji with its
group. The groups become class folders (the layout of Keras'
`image_dataset_from_directory` and torchvision's `ImageFolder`), named in
lower case with `_` for the punctuation ("Smileys & Emotion" ->
`smileys_emotion`); the "Component" group (skin tones and hair styles alone)
is left out, so there are 9 classes. Each file is
`NNNN_name.png` (its position in `emoji-test.txt`, its CLDR name).
"""

import dataclasses
import os
import re

from PIL import Image, ImageDraw, ImageFont

from gan_keras.core import fileio
from gan_keras.core.errors import UserError

FONT = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
EMOJI_TEST = "/usr/share/unicode/emoji/emoji-test.txt"
FONT_SIZE = 109  # the bitmap font's one size
LEFT_OUT = ("Component",)
PACKAGES = "fonts-noto-color-emoji unicode-data"


@dataclasses.dataclass(frozen=True)
class Emoji:
    """One emoji of `emoji-test.txt`: its text, CLDR name, group and position."""

    text: str
    name: str
    group: str
    index: int


def group_folder(group):
    """The class folder of an emoji group: "Smileys & Emotion" -> "smileys_emotion"."""
    return re.sub(r"[^a-z0-9]+", "_", group.lower()).strip("_")


def read_emoji_list(path=EMOJI_TEST):
    """The fully-qualified emoji of `emoji-test.txt`, in its order, without the left-out groups.

    Raises:
        UserError: (exit status 1) if the file is missing, naming the package.
    """
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as error:
        raise UserError(f"cannot read {path} ({error.strerror or error}): install Debian's unicode-data "
                        f"(sudo apt-get install {PACKAGES}, or `make emoji`)") from None
    found, group = [], None
    for line in lines:
        if line.startswith("# group:"):
            group = line.split(":", 1)[1].strip()
            continue
        match = re.match(r"^([0-9A-F ]+?)\s*;\s*fully-qualified\s*#\s*\S+\s+E[\d.]+\s+(.+)$", line)
        if match and group not in LEFT_OUT:
            text = "".join(chr(int(code, 16)) for code in match.group(1).split())
            found.append(Emoji(text, match.group(2).strip(), group, len(found)))
    return found


def render(emoji, font):
    """One emoji as a 136 x 128 RGBA Pillow image (transparent outside the glyph)."""

    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), emoji.text, font=font, embedded_color=True)
    image = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((-left, -top), emoji.text, font=font, embedded_color=True)
    return image


def write_emoji_folder(out, font_path=FONT, emoji_test=EMOJI_TEST, limit=None):
    """Renders every emoji into `out/<group>/NNNN_name.png`; returns `{group folder: count}`.

    Existing files of the same names are replaced (atomically); nothing else in
    `out` is touched.

    Args:
        out: The folder to write.
        font_path: The Noto colour emoji font.
        emoji_test: Unicode's `emoji-test.txt`.
        limit: Render only the first `limit` emoji of each group (tests).

    Raises:
        UserError: (exit status 1) if the font or the list is missing, naming the packages.
    """

    if not os.path.isfile(font_path):
        raise UserError(f"no emoji font at {font_path}: install it (sudo apt-get install {PACKAGES}, or `make emoji`)")
    font = ImageFont.truetype(font_path, FONT_SIZE)
    counts = {}
    for emoji in read_emoji_list(emoji_test):
        folder = group_folder(emoji.group)
        if limit is not None and counts.get(folder, 0) >= limit:
            continue
        os.makedirs(os.path.join(out, folder), exist_ok=True)
        name = re.sub(r"[^a-z0-9]+", "_", emoji.name.lower()).strip("_")[:60]
        path = os.path.join(out, folder, f"{emoji.index:04d}_{name}.png")
        with fileio.atomic_write(path, "wb") as f:
            render(emoji, font).save(f, format="PNG")
        counts[folder] = counts.get(folder, 0) + 1
    return counts
