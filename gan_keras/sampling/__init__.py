"""A trained generator as a pipeline a user calls, and the pictures made from it.

Modules:
    artifact: the saved generator: the `.keras` model and its `generator.json` (what sampling needs);
        `save_generator`, `load_generator`, `Generator.sample`.
    info_check: whether a generator's info describes its model (a hand-edited `generator.json` is refused).
    model_file: `.keras` files read with one-line errors (a damaged file is named, never a traceback).
    plotting: image grids and loss curves (PNG, matplotlib Agg), the 1-D GAN's plots.
    latent: latent walks: slerp interpolations between noise vectors, class sweeps.
    tiles: an upscaler run on an image of any size in tiles with margins, reassembled as one piece.
    upscaler: the shipped 4x upscaler (`assets/upscaler_x4.keras`) and `upscale_image` (alpha, grey, tiles).

May import: `gan_keras.data`, `gan_keras.models`, `gan_keras.core`.
"""
