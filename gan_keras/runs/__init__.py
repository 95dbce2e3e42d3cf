"""One training run from frozen configs: its folder, its settings, its phases and what it leaves behind.

Modules:
    folder: a run's folder: one run at a time (the lock), the files its runs wrote, `--overwrite`.
    disk: the bytes a run will write, estimated before it starts, against the free space of its disk.
    config: `RunConfig`, a run's settings as data (length, folder, batch, intervals), shared by every GAN.
    run: `run_training` and `train_recipe`: output folder, resume, the standard callbacks, the loop.
    phases: a run as phases (SRResNet then SRGAN, StackGAN's encoder and stages, the study's seeds) and
        `run_phases`, which runs them under one lock with one exit status.
    report: `report.md` of a run: settings, final numbers, every evaluation, the curves, the last grid.
    animation: `progress.gif` (and `.mp4`) from a run's fixed-noise sample grids.

May import: `gan_keras.evaluation`, `gan_keras.training`, `gan_keras.sampling`, `gan_keras.data`,
`gan_keras.models`, `gan_keras.core`.
"""
