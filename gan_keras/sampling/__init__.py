"""A trained generator as a pipeline a user calls, and the pictures made from it.

Modules:
    artifact: the saved generator: the `.keras` model and its `generator.json` (what sampling needs);
        `save_generator`, `load_generator`, `Generator.sample`.
    info_check: whether a generator's info describes its model (a hand-edited `generator.json` is refused).
    model_file: `.keras` files read with one-line errors (a damaged file is named, never a traceback).
    plotting: image grids and loss curves (PNG, matplotlib Agg), the 1-D GAN's plots.
    latent: latent walks: slerp interpolations between noise vectors, class sweeps.

May import: `gan_keras.data`, `gan_keras.models`, `gan_keras.core`.
"""
