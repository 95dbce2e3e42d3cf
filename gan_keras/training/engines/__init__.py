"""The engines that run training steps; `make_engine` picks one.

Modules:
    book: the book's engine, one Keras call per model update (`predict_on_batch`, `train_on_batch`).
    compiled: the same step as one compiled function of K steps (`--engine compiled`), data parallel.
    backends: what differs per Keras backend in the compiled engine (gradient, loop, compilation).
    _keras_internals: the few private Keras functions the compiled engine needs, with the checked versions.

Both engines run the plans of `gan_keras.training.plan`. Imports: `gan_keras.core` and
`gan_keras.training.plan` only.
"""

from gan_keras.training.engines.book import BookEngine
from gan_keras.training.engines.compiled import CompiledEngine

ENGINES = {"book": BookEngine, "compiled": CompiledEngine}


def make_engine(gan, source, config):
    """The engine `config.engine` names ("book" or "compiled"), ready to run steps of `gan` on `source`.

    Args:
        gan: The compiled `gan_keras.core.gan.GAN`.
        source: Its real-data source (`gan_keras.data.sources`).
        config: `gan_keras.training.loop.LoopConfig`.

    Returns:
        An object whose `run(steps)` yields the logs of each 1-based step in `steps`.
    """
    return ENGINES[config.engine](gan, source, config)
