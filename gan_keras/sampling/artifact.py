"""A trained generator as one artifact: the `.keras` model and what sampling from it needs.

`generator.keras` holds the model; its sidecar `generator.json` holds a
`GeneratorInfo`: the noise distribution and size, the classes of a
conditional generator, the pixel range of its outputs, the image shape, and
what later conditional generators need (an input image shape, a caption
vocabulary). `save_generator` writes both atomically; `load_generator`
returns a `Generator` that samples images in [-1, 1] whatever the model's own
range. Nothing else in the package reads or writes the sidecar.

Noise and balanced labels come from `gan_keras.core.noise`, pixel ranges
from `gan_keras.core.pixels`, the same for every caller.
"""

import dataclasses
import json
import math
import os

import numpy as np

from gan_keras.data import captions
from gan_keras.core import fileio
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.core.noise import NOISE_KINDS, balanced_labels, sample_noise
from gan_keras.core.pixels import to_tanh_range
from gan_keras.sampling import info_check, layout, model_file
from gan_keras.sampling.kinds import GeneratorKind, check_kind

SIDECAR_FORMAT = 2


@dataclasses.dataclass(frozen=True)
class GeneratorInfo:
    """What sampling from a generator needs beyond its weights.

    Attributes:
        latent_dim: Size of one noise vector.
        noise: "normal" or "uniform" (on [-1, 1]).
        num_classes: Classes of a conditional generator; None otherwise.
        pixel_range: `(low, high)` of its outputs: (-1, 1) for tanh, (0, 1)
            for sigmoid.
        image_shape: Shape of one output, e.g. `(28, 28, 1)`; `(1,)` for the
            1-D Gaussian generator.
        condition_shape: Shape of an input image of an image-conditioned
            generator; None otherwise.
        vocabulary: Words a caption-conditioned generator knows; None otherwise.
        model: Short name of the GAN it came from.
        class_names: A conditional generator's class names in label order
            (a folder's class folders); None for numbered classes.
    """

    latent_dim: int
    noise: str = "normal"
    num_classes: int | None = None
    pixel_range: tuple = (-1.0, 1.0)
    image_shape: tuple = (28, 28, 1)
    condition_shape: tuple | None = None
    vocabulary: tuple | None = None
    model: str = "gan"
    class_names: tuple | None = None

    def __post_init__(self):
        problems = []
        least = 0 if self.condition_shape is not None else 1  # an image-translating generator takes no noise
        if not _is_int(self.latent_dim) or self.latent_dim < least:
            problems.append(f"latent_dim must be an integer >= {least}, got {self.latent_dim!r}")
        if self.noise not in NOISE_KINDS:
            problems.append(f"noise must be one of {', '.join(NOISE_KINDS)}, got {self.noise!r}")
        if self.num_classes is not None and (not _is_int(self.num_classes) or self.num_classes < 1):
            problems.append(f"num_classes must be a positive integer or null, got {self.num_classes!r}")
        pair = self.pixel_range
        if (not isinstance(pair, (tuple, list)) or len(pair) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in pair)
                or not pair[0] < pair[1]):
            problems.append(f"pixel_range must be two finite numbers, low < high, got {pair!r}")
        for name in ("image_shape", "condition_shape"):
            shape = getattr(self, name)  # 0 = any size (a fully convolutional generator)
            if shape is not None and (not isinstance(shape, (tuple, list)) or not shape
                                      or not all(_is_int(d) and d >= 0 for d in shape)):
                problems.append(f"{name} must be a list of integers >= 0, got {shape!r}")
        if self.vocabulary is not None and not all(isinstance(w, str) for w in self.vocabulary):
            problems.append("vocabulary must be a list of words")
        if self.class_names is not None and (
                not isinstance(self.class_names, (tuple, list)) or not all(isinstance(n, str) for n in self.class_names)
                or len(self.class_names) != self.num_classes):
            problems.append(f"class_names must be num_classes ({self.num_classes}) names, got {self.class_names!r}")
        if problems:
            raise ValueError("; ".join(problems))
        # Lists from JSON become tuples, so that two infos compare equal.
        for name in ("pixel_range", "image_shape", "condition_shape", "vocabulary", "class_names"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(float(v) if name == "pixel_range" else v for v in value))

    @property
    def conditional(self):
        return self.num_classes is not None

    @property
    def captioned(self):
        """Whether the generator draws from captions (its second input is token ids of `vocabulary`)."""
        return self.vocabulary is not None

    @property
    def image_conditioned(self):
        """Whether the generator translates an input image (`condition_shape`) instead of drawing from noise."""
        return self.condition_shape is not None

    @property
    def kind(self):
        """The `GeneratorKind`: an image-conditioned generator that leaves its input size open upscales."""
        if self.image_conditioned:
            return GeneratorKind.TRANSLATOR if all(self.condition_shape[:2]) else GeneratorKind.UPSCALER
        return GeneratorKind.CAPTIONS if self.captioned else GeneratorKind.NOISE

    def class_index(self, label):
        """The class number of `label`: a number ("3", 3) or, for a generator with class names, a name ("cats").

        Raises:
            UserError: (exit status 1, as the generator decides) for a
                generator without classes, a number out of range or an
                unknown name (the classes listed).
        """
        if not self.conditional:
            raise UserError("--label and --classes need a conditional generator")
        names = self.class_names or ()
        text = str(label).strip()
        if text in names:
            return names.index(text)
        if text.lstrip("-").isdigit() and 0 <= int(text) < self.num_classes:
            return int(text)
        known = ", ".join(f"{i} {name}" for i, name in enumerate(names)) if names else f"0..{self.num_classes - 1}"
        raise UserError(f"--label {text!r} is not a class of this generator: {known}")

    def to_json(self):
        """The info as a JSON-ready dict (with the sidecar's format number)."""
        return {"format": SIDECAR_FORMAT, **{k: list(v) if isinstance(v, tuple) else v
                                             for k, v in dataclasses.asdict(self).items()}}

    @classmethod
    def from_json(cls, data, source="generator info"):
        """The info of a JSON dict written by `to_json` (or by an earlier version's sidecar).

        Raises:
            UserError: (exit status 1) on unknown fields, wrong types or
                impossible values; the message names `source`.
        """
        if not isinstance(data, dict):
            raise UserError(f"{source} is not a JSON object")
        data = {k: v for k, v in data.items() if k != "format"}
        unknown = sorted(set(data) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise UserError(f"{source} has unknown field(s) {', '.join(unknown)}")
        try:
            return cls(**data)
        except (TypeError, ValueError) as error:
            raise UserError(f"{source} is invalid: {error}") from None


class Generator:
    """A loaded generator with its info: draws samples in [-1, 1].

    Args:
        model: The Keras generator: noise `(n, latent_dim)` (and labels
            `(n, 1)` int32 if conditional) -> outputs of shape
            `(n, *info.image_shape)` in `info.pixel_range`.
        info: Its `GeneratorInfo`.
    """

    def __init__(self, model, info):
        self.model = model
        self.info = info

    def generate(self, noise, labels=None, batch_size=500):
        """Runs the model in inference mode; returns its raw outputs as a numpy array (its own pixel range).

        Args:
            noise: `(n, latent_dim)` noise, or the `(n, h, w, c)` input images of
                an image-translating generator (in [-1, 1]).
            labels: `(n,)` labels of a conditional generator; `(n, length)`
                token ids of a captioned one.
            batch_size: Samples per forward pass.
        """
        outputs = []
        for start in range(0, len(noise), batch_size):
            batch = noise[start:start + batch_size]
            if self.info.conditional:
                batch = [batch, np.asarray(labels[start:start + batch_size], np.int32).reshape(-1, 1)]
            elif self.info.captioned:
                batch = [batch, np.asarray(labels[start:start + batch_size], np.int32)]
            outputs.append(np.asarray(self.model.predict_on_batch(batch)))
        return np.concatenate(outputs)

    def draw(self, texts, rng):
        """Draws one sample per caption from a captioned generator.

        Args:
            texts: Captions, e.g. `["a light, narrow sneaker"] * 10`.
            rng: numpy `Generator` of the noise.

        Returns:
            float32 `(len(texts), *image_shape)` images in [-1, 1].

        Raises:
            UserError: (exit status 2) if the generator takes no captions, or
                for an empty caption or words it does not know (see
                `gan_keras.data.captions.encode`).
        """
        if not self.info.captioned:
            raise UserError("--caption needs a generator trained on captions (gan-keras train stackgan)", EXIT_USAGE)
        ids = captions.encode(texts, self.info.vocabulary, length=int(self.model.inputs[1].shape[-1]))
        noise = sample_noise(rng, len(texts), self.info.latent_dim, self.info.noise)
        return to_tanh_range(self.generate(noise, ids), self.info.pixel_range)

    def sample(self, n, rng, label=None, classes=None, order="blocks"):
        """Draws `n` samples in [-1, 1].

        Args:
            n: Number of samples.
            rng: numpy `Generator` of the noise.
            label: For a conditional generator, the class of every sample.
            classes: For a conditional generator, the classes to balance over
                (default all); ignored when `label` is given.
            order: How balanced labels are laid out (see `balanced_labels`).

        Returns:
            `(images, labels)`: float32 `(n, *image_shape)` in [-1, 1] and int32
            `(n,)` labels (None for an unconditional generator).

        Raises:
            UserError: if a label is given for an unconditional generator or is
                out of range.
        """
        info = self.info
        if info.image_conditioned:
            raise UserError(f"this generator translates images of shape {info.condition_shape} and draws no "
                            f"samples from noise: use `gan-keras translate` or `gan-keras upscale`")
        if info.captioned:
            raise UserError("this generator draws from captions: sample it with `gan-keras sample --caption TEXT`; "
                            "its run's report.md scores it on the test captions", EXIT_USAGE)
        asked = [label] if label is not None else list(classes or [])
        if asked and not info.conditional:
            raise UserError("--label and --classes need a conditional generator")
        for value in asked:
            if not 0 <= value < info.num_classes:
                raise UserError(f"class labels must be in 0..{info.num_classes - 1}, got {value}")
        noise = sample_noise(rng, n, info.latent_dim, info.noise)
        labels = None
        if info.conditional:
            labels = balanced_labels(n, asked or info.num_classes, order)
        images = to_tanh_range(self.generate(noise, labels), info.pixel_range)
        return images, labels


def sidecar_path(path):
    """The sidecar of a saved generator: `generator.keras` -> `generator.json`."""
    return path[: -len(".keras")] + ".json" if path.endswith(".keras") else path + ".json"


def save_generator(path, model, info):
    """Saves `model` to the `.keras` file `path` and `info` to its sidecar, each atomically.

    Args:
        path: Destination, ending in `.keras`.
        model: The Keras generator.
        info: Its `GeneratorInfo`.
    """
    save_model(model, path)
    fileio.write_text(sidecar_path(path), json.dumps(info.to_json()))


def info_of(gan):
    """The `GeneratorInfo` of a `gan_keras.core.gan.GAN`'s generator (its condition sets the condition's fields)."""
    shape = tuple(int(d) if d is not None else 0 for d in gan.generator.outputs[0].shape[1:])
    return GeneratorInfo(latent_dim=gan.latent_dim, noise=gan.noise, pixel_range=tuple(gan.pixel_range),
                         image_shape=shape, model=gan.name, **layout.info_fields(gan.condition, gan.generator))


def save_gan_generator(path, gan):
    """Saves a `GAN`'s generator as its condition has it loaded (`saved_model`) and its info (`info_of`).

    The file computes in float32 whatever policy the run trained under
    (`gan_keras.models.policy.float32_copy`), so it samples alike on any machine.

    Args:
        path: Destination, ending in `.keras`.
        gan: The `gan_keras.core.gan.GAN` (a captioned one's file includes its text encoder).
    """
    # The models load with the GAN being saved (Keras is loaded already); this module is read while flags are parsed.
    from gan_keras.models.policy import float32_copy

    save_generator(path, float32_copy(layout.saved_model(gan.condition, gan.generator)), info_of(gan))


def save_model(model, path):
    """Saves a Keras model to `path` atomically."""
    with fileio.atomic_path(path) as tmp:
        model.save(tmp)


def load_generator(path, pixel_range=None, noise=None, kinds=None, command=None):
    """Loads a generator saved by `save_generator` (or an older `.keras` with or without sidecar).

    Without a sidecar, the info comes from the model: latent size from its
    first input, conditional (10 classes) if it has two inputs, pixel range
    from its last activation, normal noise.

    Args:
        path: The `.keras` file.
        pixel_range: `(low, high)` overriding the info's pixel range.
        noise: A noise kind overriding the info's.
        kinds: The `GeneratorKind`s the caller runs (None: any).
        command: The caller's command, e.g. "gan-keras translate", for the
            refusal of another kind.

    Returns:
        A `Generator`.

    Raises:
        UserError: (exit status 1) if the file is missing, not a loadable
            Keras model, not a generator, its sidecar is invalid, or it is
            not of one of `kinds` (the line names the command that runs it).
    """
    # Keras loads when a generator is loaded, not while a command parses its flags; importing
    # gan_keras.models registers the custom layers of every saved generator.
    import gan_keras.models  # noqa: F401

    model = model_file.load_model(path, "generator")
    inputs = model.inputs
    translating = len(inputs) == 1 and len(inputs[0].shape) == 4
    if len(inputs) not in (1, 2) or (len(inputs[0].shape) != 2 and not translating):
        raise UserError(f"{path} is not a generator of this project (inputs: {[tuple(i.shape) for i in inputs]})")
    latent_dim = 0 if translating else int(inputs[0].shape[-1])
    image_shape = tuple(int(d) if d is not None else 0 for d in model.outputs[0].shape[1:])
    sidecar = sidecar_path(path)
    if os.path.isfile(sidecar):
        try:
            with open(sidecar) as f:
                data = json.load(f)
        except (OSError, ValueError) as error:
            raise UserError(f"cannot read {sidecar}: {error}") from None
        if isinstance(data, dict):  # sidecars of version 1 lack these
            data.setdefault("latent_dim", latent_dim)
            data.setdefault("image_shape", list(image_shape))
        info = GeneratorInfo.from_json(data, sidecar)
    else:
        condition = tuple(int(d) if d is not None else 0 for d in inputs[0].shape[1:]) if translating else None
        info = GeneratorInfo(latent_dim=latent_dim, num_classes=10 if len(inputs) == 2 else None,
                             pixel_range=pixel_range or pixel_range_of(model), image_shape=image_shape,
                             condition_shape=condition)
    info_check.check_describes(info, model, sidecar, path)  # a hand-edited info is refused
    check_kind(path, info, kinds, command)
    overrides = {k: v for k, v in (("pixel_range", pixel_range), ("noise", noise)) if v is not None}
    return Generator(model, dataclasses.replace(info, **overrides) if overrides else info)


def pixel_range_of(model):
    """The output range of a generator from its last activation: (0, 1) for sigmoid, (-1, 1) for tanh.

    Raises:
        UserError: if the last activation is neither.
    """
    for layer in reversed(model.layers):
        activation = getattr(layer, "activation", None)
        if activation is None:
            continue  # Reshape and friends
        name = getattr(activation, "__name__", str(activation))
        if name == "sigmoid":
            return (0.0, 1.0)
        if name == "tanh":
            return (-1.0, 1.0)
        break
    raise UserError(f"cannot tell the output range of {model.name} from its last layer; "
                    f"pass --pixel-range tanh or sigmoid")


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
