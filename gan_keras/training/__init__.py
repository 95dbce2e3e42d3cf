"""The one trainer for every GAN: the loop, its step plan, its engines and its callbacks.

Modules:
    loop: the one training loop (`train`, `LoopConfig`, the `Callback` base class).
    plan: one training step as data: what it feeds the models (`plan_step`) and its history row (`step_logs`).
    engines/: what runs the steps: the book's Keras calls, or one compiled function of K steps.
    callbacks: the side effects of a run: sample grids, history and loss plot, checkpoints, final generator.
    checkpoint: atomic checkpoints of both models, both optimizers and the step; exact resume.
    ema: the averaged generator (`--ema DECAY`) and its BatchNorm re-estimation.
    devices: which device the Keras backend computes on, determinism, several devices.
    processes: several processes, one run (JAX's distributed runtime): joining, the leader's messages, faults.
    tensorboard: losses, metrics and sample grids as TensorBoard summaries (`--tensorboard`).

Knows nothing of DCGAN vs. CGAN vs. the 1-D GAN. May import: `gan_keras.sampling`, `gan_keras.data`,
`gan_keras.models`, `gan_keras.core`.
"""
