"""The `gan-keras` subcommands, one module each with `add_arguments(parser)` and `run(args) -> exit status`.

Modules:
    train: `gan-keras train GAN`: any recipe, with every shared flag.
    sample: `gan-keras sample`: a PNG grid or `.npz` arrays from a saved generator; latent walks.
    evaluate: `gan-keras evaluate`: a saved generator (or real data) against the Fashion-MNIST test split.
    upscale: `gan-keras upscale`: 4x super-resolution of your own image (shipped upscaler or SRGAN), in tiles.
    translate: `gan-keras translate`: an image-to-image generator (pix2pix) on your own image.
    animate: `gan-keras animate RUN_DIR`: the run's sample grids as `progress.gif`.
    compare: `gan-keras compare RUN_DIR...`: runs side by side (Markdown table, PNG of curves).
    sanity_table: `gan-keras sanity-table`: the metrics of real, damaged and collapsed images.
    train_classifier: `gan-keras train-classifier`: the frozen classifier the evaluation looks through.
    benchmark: `gan-keras benchmark`: times the DCGAN train step.
    launch: `gan-keras launch -n N -- train ...`: one training run in N processes on this machine (JAX).

Each module is imported while flags are parsed: Keras and TensorFlow are imported inside `run`, after
the flags are checked. May import: `gan_keras.cli.views`, `gan_keras.cli.flags` and every layer below
`gan_keras.cli`.
"""
