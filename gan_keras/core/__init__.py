"""The bottom layer: what every other layer shares, the GAN as the trainer sees it.

Modules:
    errors: the expected failures (`UserError`, `DataError`, ...), each with a one-line message and an exit status.
    fileio: atomic files (`atomic_write`): every file the package writes is either whole or not there.
    checks: checks of what a user names before anything runs: memory for the asked sizes, folders, input files.
    config: settings as data: the machinery of the frozen, checked configs (fields with default, help, check).
    conditions: the kinds of condition as types (none, class labels, an input image, a caption).
    noise: what fakes are drawn from: noise vectors and balanced class labels.
    pixels: pixel ranges: a generator's own range to [-1, 1], and [-1, 1] to uint8 pixels.
    gan: `GAN`, what the trainer knows of one GAN: its models, noise and condition.
    combined: the frozen-discriminator combined model that trains a generator (`build_combined`).

May import: no other layer of gan_keras (the standard library, numpy, Keras). `errors`, `fileio`,
`checks` and `config` are imported while flags are parsed: no Keras at their module level.
"""
