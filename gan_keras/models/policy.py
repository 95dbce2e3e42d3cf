"""Models built under a mixed dtype policy, as float32 models for the files a user loads.

Under Keras' mixed policies ("mixed_bfloat16", "mixed_float16") every layer
keeps float32 weights and computes in (b)float16, and a saved model records
that policy per layer: loaded elsewhere, it would compute in bfloat16 still,
emulated (and slow) on a CPU without bfloat16 instructions. `float32_copy`
rebuilds such a model with every layer in float32 and the same weights, so a
saved generator loads and samples in float32 on any machine.
"""

import keras

from gan_keras.core.combined import all_layers

MIXED_POLICIES = ("mixed_bfloat16", "mixed_float16")


def is_mixed(model):
    """Whether any layer of `model` (or of a model nested in it) computes under a mixed policy."""
    return any(layer.dtype_policy.name in MIXED_POLICIES for layer in all_layers(model))


def float32_copy(model):
    """`model` itself if it computes in float32 everywhere, else a float32 model with the same weights.

    Args:
        model: A built `keras.Model` (functional or sequential, custom layers registered).

    Returns:
        A `keras.Model` whose layers all compute in float32; its weights are
        `model`'s (float32 under every policy), so its outputs are `model`'s
        without the rounding of bfloat16 or float16 computation.
    """
    if not is_mixed(model):
        return model
    config = _in_float32(keras.saving.serialize_keras_object(model))
    copy = keras.saving.deserialize_keras_object(config)
    copy.set_weights(model.get_weights())
    return copy


def _in_float32(value):
    """A serialized model's config with every dtype policy float32."""
    if isinstance(value, dict):
        if value.get("class_name") in ("DTypePolicy", "FloatDTypePolicy") and isinstance(value.get("config"), dict):
            return {**value, "config": {**value["config"], "name": "float32"}}
        return {key: _in_float32(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_in_float32(item) for item in value]
    return "float32" if value in MIXED_POLICIES else value
