"""Captions of Fashion-MNIST images, made from their pixels: the text a text-to-image GAN learns from.

Each caption names the garment's class and two attributes measured on the
image itself:

* brightness: the mean value of the garment's pixels ("ink", the pixels above
  `INK` on the [0, 1] scale), in terciles of its class: dark, grey, light;
* width: the garment's area divided by the number of rows it covers (its mean
  width in pixels), in terciles of its class: narrow, regular, wide.

Terciles are taken per class on the training images (so "a wide sandal" is
wide for a sandal) and kept as `AttributeThresholds`; each attribute then
splits the images of every class into three near-equal parts, so a model that
ignores an attribute agrees with a caption about a third of the time.

Every image has one caption per template (`TEMPLATES`), as StackGAN's data
has several captions per image:

    a dark, wide pullover / a wide, dark pullover /
    a pullover, dark and wide / this pullover is dark and wide

A caption is written in `ALPHABET` (letters a-z of either case, hyphens,
spaces, commas and periods); its words are what lies between spaces, commas
and periods, lower-cased (`tokenize`). The vocabulary is every word the
templates can produce. `encode` refuses a caption with any other character,
or with a word outside the vocabulary, naming them (never dropping them).
"""

import dataclasses
import re
import string

import numpy as np

from gan_keras.core.errors import EXIT_USAGE, UserError

INK = 0.1  # pixels above this (on [0, 1]) belong to the garment
CLASS_NOUNS = ("t-shirt", "pair of trousers", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
               "ankle boot")
ATTRIBUTES = ("brightness", "width")
ATTRIBUTE_WORDS = {"brightness": ("dark", "grey", "light"), "width": ("narrow", "regular", "wide")}
TEMPLATES = ("{a} {brightness}, {width} {noun}", "{a} {width}, {brightness} {noun}",
             "{a_noun}, {brightness} and {width}", "this {noun} is {brightness} and {width}")
MAX_WORDS = 16  # the text encoder's input length
ALPHABET = "a-z, hyphen, space, comma and period"  # in words: what a caption may hold (`_ALLOWED`)
_ALLOWED = frozenset(string.ascii_letters + "-" + " \t\n\r" + ",.")
_SEPARATORS = re.compile(r"[ \t\n\r,.]+")
SHOWN_CHARACTERS = 60  # of a long caption (or word) in a message
SHOWN_OUTSIDE = 10  # characters outside the alphabet named in a message
_ARTICLE = "\0"  # "a" or "an", by the word after it


def measure_attributes(images):
    """The raw attributes of each image: mean ink brightness and mean row width.

    Args:
        images: `(n, 28, 28[, 1])` images in [-1, 1] (the package's range).

    Returns:
        float64 `(n, 2)`: column 0 the mean value (on [0, 1]) of the pixels
        above `INK` (0 for an image without ink), column 1 the number of
        such pixels divided by the number of rows holding any (0 without ink).
    """
    pixels = (np.asarray(images, np.float64).reshape(len(images), 28, -1) + 1.0) / 2.0
    ink = pixels > INK
    area = ink.sum(axis=(1, 2))
    rows = ink.any(axis=2).sum(axis=1)
    brightness = np.where(area > 0, (pixels * ink).sum(axis=(1, 2)) / np.maximum(area, 1), 0.0)
    width = np.where(rows > 0, area / np.maximum(rows, 1), 0.0)
    return np.stack([brightness, width], axis=1)


@dataclasses.dataclass(frozen=True)
class AttributeThresholds:
    """Per-class tercile boundaries of each attribute.

    Attributes:
        bounds: float64 `(classes, attributes, 2)`: an attribute value below
            `bounds[c, a, 0]` is level 0, below `bounds[c, a, 1]` level 1,
            else level 2.
    """

    bounds: np.ndarray

    @classmethod
    def fit(cls, images, labels, num_classes=10):
        """Terciles of each class's measured attributes (e.g. on the training split).

        Raises:
            ValueError: if a class has no image.
        """
        values = measure_attributes(images)
        labels = np.asarray(labels).reshape(-1)
        bounds = np.zeros((num_classes, len(ATTRIBUTES), 2))
        for c in range(num_classes):
            if not np.any(labels == c):
                raise ValueError(f"class {c} has no image to take its attribute terciles from")
            bounds[c] = np.quantile(values[labels == c], [1 / 3, 2 / 3], axis=0).T
        return cls(bounds)

    def levels(self, images, labels):
        """`(n, attributes)` int levels 0..2 of images for their (caption's) classes."""
        values = measure_attributes(images)
        bounds = self.bounds[np.asarray(labels).reshape(-1)]
        return ((values >= bounds[..., 0]).astype(np.int32) + (values >= bounds[..., 1])).astype(np.int32)

    def to_json(self):
        return np.round(self.bounds, 6).tolist()


def caption(label, levels, template=0):
    """The caption of one image, e.g. `caption(9, (2, 0), 2)` -> "an ankle boot, light and narrow".

    Args:
        label: Class 0..9.
        levels: `(brightness level, width level)`, each 0..2.
        template: Index into `TEMPLATES`.
    """
    noun = CLASS_NOUNS[label]
    words = {name: ATTRIBUTE_WORDS[name][level] for name, level in zip(ATTRIBUTES, levels)}
    parts = TEMPLATES[template].format(a=_ARTICLE, noun=noun, a_noun=f"{_ARTICLE} {noun}", **words).split(" ")
    return " ".join(_article(parts[i + 1]) if part == _ARTICLE else part for i, part in enumerate(parts))


def captions_of(labels, levels):
    """Every template's caption of each image: a list of `len(TEMPLATES)` strings per image."""
    return [[caption(int(c), tuple(int(v) for v in level), t) for t in range(len(TEMPLATES))]
            for c, level in zip(np.asarray(labels).reshape(-1), levels)]


def vocabulary():
    """Every word a caption can hold, sorted (ids 1..V; 0 pads)."""
    words = set()
    for label in range(len(CLASS_NOUNS)):
        for b in range(3):
            for w in range(3):
                for t in range(len(TEMPLATES)):
                    words.update(tokenize(caption(label, (b, w), t)))
    return tuple(sorted(words))


def tokenize(text):
    """Lower-case words of a caption: what lies between spaces, commas and periods ("A T-shirt, LIGHT." ->
    ["a", "t-shirt", "light"]); a word keeps every other character (see `check_alphabet`)."""
    return [word for word in _SEPARATORS.split(str(text).lower()) if word]


def shown(text, limit=SHOWN_CHARACTERS):
    """A caption (or word) as a message quotes it: whole when short, else its first `limit` characters + "..."
    and its length, so that a huge caption gives a short message.

    Args:
        text: The caption.
        limit: Characters shown of a longer one.

    Returns:
        e.g. `'a light sneaker'` or `'a a a a ...' (6,000 words, 12,000 characters)`.
    """
    text = str(text)
    if len(text) <= limit:
        return repr(text)
    words = len(tokenize(text))
    return f"{text[:limit] + '...'!r} ({f'{words:,} words, ' if words > 1 else ''}{len(text):,} characters)"


def check_alphabet(text):
    """Refuses a caption holding a character outside `ALPHABET`, naming the characters.

    Args:
        text: The caption.

    Raises:
        UserError: (exit status 2), e.g. "caption 'a bag ☃' has characters
            outside a-z, hyphen, space, comma and period: '☃'".
    """
    outside = list(dict.fromkeys(ch for ch in str(text) if ch not in _ALLOWED))
    if outside:
        named = ", ".join(repr(ch) for ch in outside[:SHOWN_OUTSIDE])
        more = f" and {len(outside) - SHOWN_OUTSIDE} more" if len(outside) > SHOWN_OUTSIDE else ""
        raise UserError(f"caption {shown(text)} has characters outside {ALPHABET}: {named}{more}", EXIT_USAGE)


def encode(texts, words, length=MAX_WORDS):
    """Token ids of captions for the text encoder.

    Args:
        texts: Captions (strings).
        words: The vocabulary (word i has id i + 1).
        length: Ids per caption; shorter captions are padded with 0.

    Returns:
        int32 `(len(texts), length)`.

    Raises:
        UserError: (exit status 2) for a character outside `ALPHABET`
            (`check_alphabet`), an empty caption, a caption of more than
            `length` words, or words outside the vocabulary (all named,
            whole); long captions and words are shortened in the message
            (`shown`).
    """
    ids = {word: i + 1 for i, word in enumerate(words)}
    out = np.zeros((len(texts), length), np.int32)
    encoded = {}  # each distinct caption is checked once
    for row, text in enumerate(texts):
        if text not in encoded:
            encoded[text] = _encode_one(text, ids, words, length)
        out[row] = encoded[text]
    return out


def _encode_one(text, ids, words, length):
    """The `(length,)` ids of one caption (see `encode`)."""
    check_alphabet(text)
    tokens = tokenize(text)
    if not tokens:
        raise UserError(f"caption {shown(text)} has no words; describe a garment, e.g. 'a light, narrow sneaker'",
                        EXIT_USAGE)
    if len(tokens) > length:
        raise UserError(f"caption {shown(text)} has {len(tokens):,} words; at most {length}", EXIT_USAGE)
    unknown = list(dict.fromkeys(t for t in tokens if t not in ids))
    if unknown:
        raise UserError(f"caption {shown(text)}: unknown word(s) {', '.join(shown(t, 30) for t in unknown)}; "
                        f"known words: {', '.join(words)}", EXIT_USAGE)
    row = np.zeros(length, np.int32)
    row[:len(tokens)] = [ids[t] for t in tokens]
    return row


def _article(word):
    return "an" if word[0] in "aeiou" else "a"
