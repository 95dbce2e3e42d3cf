"""GANs of Deep Learning for Vision Systems, chapter 8, on Keras 3.

The public names are imported lazily, so that a command can check its flags
before Keras (and TensorFlow) is loaded. In a notebook (`gan_keras.api`):

    import gan_keras
    run = gan_keras.train("dcgan", steps=100, batch_size=16, no_eval=True, output_dir="outputs/nb")
    run.history[-1]                                   # the last logged step's losses
    images = run.generator.sample(16)                 # float32 (16, 28, 28, 1) in [-1, 1]
    gan_keras.load_generator("outputs/nb/generator.keras").sample(10)
    gan_keras.upscale(pixels)                         # uint8 (h, w, 3) -> (4h, 4w, 3), the shipped upscaler
    gan_keras.evaluate("outputs/nb/generator.keras", n=2000)

A bad setting raises `gan_keras.GanKerasError` (a `ValueError`) with the
command's one line.

The layers, top to bottom; a layer imports only the layers below it (the
`[importlinter]` contract of setup.cfg, checked by `lint-imports` in
`make test`):

    api         the Python API: train, load_generator, upscale, evaluate (the commands' flags as arguments)
    cli         flags, commands (cli/commands/), views (cli/views/: comparison, timing benchmark)
    recipes     one file per GAN: config, assembly, phases
    runs        one run: the spine (run), folder lock, run config, phases, outputs, scoring callbacks, report
    training    loop, step plan, engines/, checkpoint, EMA, devices, callbacks
    evaluation  metrics, classifier, feature networks, image quality, evaluators (no training)
    sampling    the saved generator (artifact), grids/plots, latent walks
    data        datasets, batch sources, edges, captions, photos, resizing
    models      pure Keras builders
    core        errors, atomic files, checks, configs, the GAN, conditions, the combined model

Each folder's `__init__` says what lives in each of its modules.

Saved generators hold custom layers (sub-pixel upsampling, conditioning
augmentation, ...). They are registered with Keras as soon as both this
package and Keras are imported, in either order, so that a plain
`keras.models.load_model("generator.keras")` works after `import gan_keras`.
"""

import importlib
import importlib.abc
import importlib.util
import sys

_EXPORTS = {
    "FrozenDiscriminatorGAN": "gan_keras.core.combined",
    "build_combined": "gan_keras.core.combined",
    "default_optimizer": "gan_keras.core.combined",
    "build_generator": "gan_keras.models.dcgan",
    "build_discriminator": "gan_keras.models.dcgan",
    "GAN": "gan_keras.core.gan",
    "train": "gan_keras.api",
    "evaluate": "gan_keras.api",
    "upscale": "gan_keras.api",
    "load_generator": "gan_keras.api",
    "GanKerasError": "gan_keras.api",
    "Run": "gan_keras.api",
    "SavedGenerator": "gan_keras.api",
    "train_loop": "gan_keras.training.loop",
    "LoopConfig": "gan_keras.training.loop",
    "RunConfig": "gan_keras.runs.config",
    "RECIPES": "gan_keras.recipes",
    "DCGANConfig": "gan_keras.recipes",
    "CGANConfig": "gan_keras.recipes",
    "MLPConfig": "gan_keras.recipes",
    "GaussianConfig": "gan_keras.recipes",
    "run_training": "gan_keras.runs.run",
    "train_recipe": "gan_keras.runs.run",
    "save_generator": "gan_keras.sampling.artifact",
}

__all__ = sorted(_EXPORTS)


_RENAMED = {"train_loop": "train"}  # the training loop's `train`, beside the API's


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), _RENAMED.get(name, name))
    raise AttributeError(f"module 'gan_keras' has no attribute {name!r}")


def __dir__():
    return __all__


def _register_custom_layers():
    """Registers the custom layers of every saved generator with Keras (importing `gan_keras.models`)."""
    importlib.import_module("gan_keras.models")


class _AfterKerasImport(importlib.abc.MetaPathFinder):
    """Runs `_register_custom_layers` right after the first `import keras` of the process.

    Installed while Keras is not yet imported, so that `import gan_keras` stays
    light (commands check their flags before Keras loads) and a generator file
    still loads with plain `keras.models.load_model` afterwards.
    """

    def find_spec(self, name, path=None, target=None):
        if name != "keras":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)  # the finders after this one
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_register(module):
            exec_module(module)
            _register_custom_layers()

        spec.loader.exec_module = exec_then_register
        return spec


if "keras" in sys.modules:
    _register_custom_layers()
elif not any(isinstance(finder, _AfterKerasImport) for finder in sys.meta_path):
    sys.meta_path.insert(0, _AfterKerasImport())
