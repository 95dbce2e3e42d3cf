"""Whether a generator's info (its `generator.json`) describes its model; a hand-edited info is refused.

`gan_keras.sampling.artifact.load_generator` reads the info beside a
`.keras` file. Every field the model's own inputs and outputs fix is checked
here against them: the noise size, whether it takes a second input (class
labels or caption ids), the shape of what it makes and of the image it
translates. An info that lies about one of them would make `gan-keras
sample` draw with the wrong inputs or write arrays of another shape than
the info says; `check_describes` refuses it in one line (exit status 1).
"""

from gan_keras.core.errors import UserError


def model_shapes(model):
    """What a generator model's inputs and outputs fix, as `GeneratorInfo` spells it.

    Args:
        model: The Keras generator (noise, noise and labels or caption ids,
            or one input image).

    Returns:
        dict with "latent_dim" (0 for an image-translating model), "second_input"
        (bool), "image_shape" and "condition_shape" (tuples, 0 for a size the
        model leaves open; condition_shape None unless it translates images).
    """
    inputs = model.inputs
    translating = len(inputs) == 1 and len(inputs[0].shape) == 4
    return {"latent_dim": 0 if translating else int(inputs[0].shape[-1]),
            "second_input": len(inputs) == 2,
            "image_shape": _shape(model.outputs[0].shape[1:]),
            "condition_shape": _shape(inputs[0].shape[1:]) if translating else None}


def info_problems(info, model):
    """What in `info` contradicts `model`, one phrase per field (empty when nothing does).

    Args:
        info: A `gan_keras.sampling.artifact.GeneratorInfo`.
        model: The Keras generator it should describe.

    Returns:
        A list of strings, e.g. `["image_shape [32, 32, 3], the model makes [28, 28, 1]"]`.
    """
    found, problems = model_shapes(model), []
    if info.latent_dim != found["latent_dim"]:
        problems.append(f"latent_dim {info.latent_dim}, the model's noise has {found['latent_dim']}")
    if (info.conditional or info.captioned) != found["second_input"]:
        problems.append(f"conditional or captioned {info.conditional or info.captioned}, the model takes "
                        f"{2 if found['second_input'] else 1} input(s)")
    if tuple(info.image_shape) != found["image_shape"]:
        problems.append(f"image_shape {list(info.image_shape)}, the model makes {list(found['image_shape'])}")
    condition = None if info.condition_shape is None else tuple(info.condition_shape)
    if condition != found["condition_shape"]:
        made = "no image" if found["condition_shape"] is None else list(found["condition_shape"])
        problems.append(f"condition_shape {None if condition is None else list(condition)}, the model takes {made}")
    return problems


def check_describes(info, model, info_path, model_path):
    """Refuses an info that contradicts its model (see `info_problems`).

    Args:
        info: The loaded `GeneratorInfo`.
        model: The loaded Keras generator.
        info_path: Where the info came from (the `generator.json`), for the message.
        model_path: The `.keras` file, for the message.

    Raises:
        UserError: (exit status 1) naming both files and every field that
            does not fit.
    """
    problems = info_problems(info, model)
    if problems:
        raise UserError(f"{info_path} does not describe {model_path} ({'; '.join(problems)}): was it edited? "
                        f"Restore the one its run wrote")


def _shape(dims):
    return tuple(int(d) if d is not None else 0 for d in dims)
