"""Every command that loads a generator refuses one of another kind in one line naming the command that runs it."""

import keras
import numpy as np
import pytest
from PIL import Image

from gan_keras.models.dcgan import build_generator
from gan_keras.models.pix2pix import build_unet_generator
from gan_keras.sampling import artifact
from gan_keras.sampling.artifact import GeneratorInfo, GeneratorKind
from tests.conftest import call_command
from tests.test_upscale import save_upscaler


def captioned_generator():
    noise, ids = keras.Input((4,)), keras.Input((5,), dtype="int32")
    x = keras.layers.Concatenate()([noise, keras.layers.Flatten()(keras.layers.Embedding(3, 2)(ids))])
    image = keras.layers.Reshape((28, 28, 1))(keras.layers.Dense(28 * 28, activation="tanh")(x))
    return keras.Model([noise, ids], image)


@pytest.fixture(scope="module")
def generators(tmp_path_factory):
    """One saved generator of each kind: `{kind: path}`."""
    root = tmp_path_factory.mktemp("kinds")
    paths = {kind: str(root / f"{kind.name.lower()}.keras") for kind in GeneratorKind}
    artifact.save_generator(paths[GeneratorKind.NOISE], build_generator(latent_dim=8),
                            GeneratorInfo(latent_dim=8, model="dcgan"))
    artifact.save_generator(paths[GeneratorKind.CAPTIONS], captioned_generator(),
                            GeneratorInfo(latent_dim=4, vocabulary=("a", "b"), model="stackgan"))
    artifact.save_generator(paths[GeneratorKind.TRANSLATOR], build_unet_generator(filters=8),
                            GeneratorInfo(latent_dim=0, condition_shape=(28, 28, 1), model="pix2pix"))
    save_upscaler(paths[GeneratorKind.UPSCALER])
    Image.fromarray(np.zeros((28, 28), np.uint8), "L").save(root / "in.png")
    return paths, root


def test_the_kind_follows_from_the_info():
    assert GeneratorInfo(latent_dim=8).kind is GeneratorKind.NOISE
    assert GeneratorInfo(latent_dim=8, num_classes=10).kind is GeneratorKind.NOISE
    assert GeneratorInfo(latent_dim=4, vocabulary=("a",)).kind is GeneratorKind.CAPTIONS
    assert GeneratorInfo(latent_dim=0, condition_shape=(28, 28, 1)).kind is GeneratorKind.TRANSLATOR
    assert GeneratorInfo(latent_dim=0, condition_shape=(0, 0, 3)).kind is GeneratorKind.UPSCALER


# What each command takes; every other kind is refused.
TAKES = {"sample": {GeneratorKind.NOISE, GeneratorKind.CAPTIONS}, "evaluate": {GeneratorKind.NOISE},
         "translate": {GeneratorKind.TRANSLATOR}, "upscale": {GeneratorKind.UPSCALER}}


@pytest.mark.parametrize("command, kind", [(c, k) for c in TAKES for k in GeneratorKind if k not in TAKES[c]])
def test_a_generator_of_another_kind_is_refused_naming_its_command(generators, command, kind, capsys):
    paths, root = generators
    out = root / f"{command}_{kind.name}.png"
    argv = {"sample": ["--n", "4", "--out", out], "evaluate": ["--n", "10"],
            "translate": ["--input", root / "in.png", "--out", out],
            "upscale": ["--input", root / "in.png", "--out", out]}[command]
    assert call_command(command, "--generator", paths[kind], *argv) == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1, errors
    assert f"{paths[kind]} {kind.does}" in errors[0]
    assert f"which `gan-keras {command}` does not take: use `{kind.command} --generator {paths[kind]}`" in errors[0]
    assert not out.exists()


def test_each_command_runs_its_own_kind(generators):
    paths, root = generators
    assert call_command("sample", "--generator", paths[GeneratorKind.NOISE], "--n", 4, "--out", root / "s.png") == 0
    assert call_command("translate", "--generator", paths[GeneratorKind.TRANSLATOR], "--input", root / "in.png",
                        "--out", root / "t.png") == 0
    assert call_command("upscale", "--generator", paths[GeneratorKind.UPSCALER], "--input", root / "in.png",
                        "--out", root / "u.png") == 0
    assert Image.open(root / "u.png").size == (112, 112)
