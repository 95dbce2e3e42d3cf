"""How each kind of condition is drawn and saved: grid inputs and layout, the generator's info, the saved model.

One function per question, with one answer per kind of condition
(`gan_keras.core.conditions`; `functools.singledispatch` on the kind):

| kind            | grid (`grid_kind`, `grid_inputs`)                  | info fields        | saved model          |
| --------------- | -------------------------------------------------- | ------------------ | -------------------- |
| `Unconditional` | rows x cols samples                                | none               | the generator        |
| `ClassLabels`   | one row per class, the same noise in every row     | classes, names     | the generator        |
| `InputImage`    | rows of inputs, outputs and targets                | the input's shape  | the generator        |
| `Caption`       | one row per preview caption, printed beside it     | the vocabulary     | text encoder inside  |
"""

import functools

import numpy as np

from gan_keras.core.conditions import Caption, ClassLabels, Condition, InputImage

GRID_IMAGES = "images"  # rows x cols samples (one row per class with class labels)
GRID_TRANSLATIONS = "translations"  # rows of inputs, outputs and targets
GRID_CAPTIONS = "captions"  # one row per caption, printed beside it


@functools.singledispatch
def grid_kind(condition):
    """How the sample grids of a GAN with `condition` are laid out: `GRID_IMAGES` here."""
    return GRID_IMAGES


@grid_kind.register
def _(condition: InputImage):
    return GRID_TRANSLATIONS


@grid_kind.register
def _(condition: Caption):
    return GRID_CAPTIONS


@functools.singledispatch
def grid_inputs(condition: Condition, rng, noise_of, rows, cols, preview=None):
    """The fixed inputs of a sample grid.

    Args:
        condition: The GAN's condition.
        rng: numpy Generator of the grid's noise.
        noise_of: `(rng, n) -> (n, latent_dim)` noise (the GAN's `sample_noise`).
        rows: Grid rows asked for.
        cols: Grid columns.
        preview: Fixed held-out data of the grid (image and caption conditions).

    Returns:
        `(noise, conditions, rows)`: `rows * cols` noise vectors (None for
        an input image), their conditions (None without a condition), and
        the rows the grid has.
    """
    return noise_of(rng, rows * cols), None, rows


@grid_inputs.register
def _(condition: ClassLabels, rng, noise_of, rows, cols, preview=None):
    """One row per class (cycling), the same noise in every row."""
    noise = np.tile(noise_of(rng, cols), (rows, 1))
    return noise, np.repeat(np.arange(rows) % condition.num_classes, cols), rows


@grid_inputs.register
def _(condition: InputImage, rng, noise_of, rows, cols, preview=None):
    """The preview's fixed held-out input images, no noise."""
    return None, preview[0], rows


@grid_inputs.register
def _(condition: Caption, rng, noise_of, rows, cols, preview=None):
    """One row per preview caption (`preview`: `(captions, vectors)`), the same noise in every row."""
    rows = len(preview[0])
    noise = np.tile(noise_of(rng, cols), (rows, 1))
    return noise, np.repeat(np.asarray(preview[1], np.float32), cols, axis=0), rows


@functools.singledispatch
def grid_rows(condition: Condition, default):
    """Rows of a sample grid: `default`, one per class with class labels."""
    return default


@grid_rows.register
def _(condition: ClassLabels, default):
    return condition.num_classes


@functools.singledispatch
def info_fields(condition: Condition, generator):
    """The `GeneratorInfo` fields a condition sets (num_classes, class_names, condition_shape, vocabulary): none."""
    return {}


@info_fields.register
def _(condition: ClassLabels, generator):
    names = {"class_names": condition.class_names} if condition.class_names else {}
    return {"num_classes": condition.num_classes, **names}


@info_fields.register
def _(condition: InputImage, generator):
    return {"condition_shape": tuple(int(d) if d is not None else 0 for d in generator.inputs[0].shape[1:])}


@info_fields.register
def _(condition: Caption, generator):
    return {"vocabulary": tuple(condition.vocabulary)}


@functools.singledispatch
def saved_model(condition: Condition, generator):
    """The Keras model saved as `generator.keras`: the generator itself."""
    return generator


@saved_model.register
def _(condition: Caption, generator):
    """`[noise, token ids] -> images`: the text encoder runs inside, so the file draws from captions alone."""
    import keras  # a built generator has Keras loaded; this module is read while commands parse their flags

    noise = keras.Input(tuple(generator.inputs[0].shape[1:]), name="noise")
    ids = keras.Input(tuple(condition.text_encoder.inputs[0].shape[1:]), dtype="int32", name="token_ids")
    return keras.Model([noise, ids], generator([noise, condition.text_encoder(ids)]), name=f"{generator.name}_captions")
