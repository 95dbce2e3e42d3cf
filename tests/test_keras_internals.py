"""Keras' private API in one module (`training/engines/_keras_internals.py`), used on checked versions only."""

import keras
import numpy as np
import pytest

from gan_keras.core.errors import UserError
from gan_keras.training.engines import _keras_internals


def test_the_installed_keras_is_one_the_private_api_was_checked_on():
    _keras_internals.check_keras_version()  # fails with the message below on any other version


@pytest.mark.parametrize("version", [(3, 14), (3, 16), (4, 0), (2, 15)])
def test_other_keras_versions_are_refused_with_one_line_naming_the_range(version):
    expected = rf"Keras {version[0]}\.{version[1]} is outside .* \(>= 3\.15, < 3\.16\)"
    with pytest.raises(UserError, match=expected) as caught:
        _keras_internals.check_keras_version(version)
    assert "\n" not in str(caught.value) and caught.value.exit_code == 1


def test_the_compiled_losses_are_the_losses_train_on_batch_minimises():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x, y = np.ones((4, 2), np.float32), np.ones((4, 1), np.float32)
    _keras_internals.symbolic_build(model, (x, y, None))
    (path, loss_fn, weight), = _keras_internals.compiled_losses(model)
    ours = float(keras.ops.convert_to_numpy(loss_fn(y, model(x), None)))
    assert weight is None or weight == 1
    assert ours == pytest.approx(float(model.evaluate(x, y, verbose=0)), rel=1e-6)
    assert float(_keras_internals.scale_loss_for_distribution(2.0)) == 2.0  # no strategy: unchanged
