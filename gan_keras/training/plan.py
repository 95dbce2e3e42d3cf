"""One training step as data: what it feeds the models (`plan_step`) and the history row it gives (`step_logs`).

Both engines run the same plans, so they see the same batches, noise and
conditions, and turn what the models report (`StepResults`) into the same
logs. The GAN's condition (`gan_keras.core.conditions`) says what each model
is fed; nothing here asks which kind of GAN it is.
"""

import dataclasses

import numpy as np


def plan_step(gan, source, config, step):
    """Everything step `step` (1-based) feeds the models, drawn on the host: a `StepPlan`.

    Both engines run the same plans, so they see the same batches, noise and
    labels. All randomness comes from `(config.seed, step)`: per
    discriminator update, noise then labels; then per generator update.
    """
    train_d, train_g = config.trains(step)
    rng = np.random.default_rng([config.seed, step])
    batch_size = source.batch_size
    d_updates, g_updates = [], []
    images = condition = None
    if train_d:
        for k in range(config.d_steps):
            images, condition = source.batch((step - 1) * config.d_steps + k)
            noise, fake_condition = gan.fake_inputs(rng, batch_size, condition)
            update = dict(real=gan.discriminator_inputs(images, condition),
                          generator=gan.generator_inputs(noise, fake_condition),
                          fake=_extras(gan.discriminator_inputs(None, fake_condition)))
            if gan.condition.matching_aware:  # real images with wrong conditions are fake too
                update["wrong"] = gan.discriminator_inputs(images, gan.condition.mismatched(condition))
            d_updates.append(update)
    if train_g:
        if gan.condition.from_data and images is None:  # the generator learns from this step's pairs
            images, condition = source.batch((step - 1) * config.d_steps)
        for _ in range(config.g_steps):
            noise, g_condition = gan.fake_inputs(rng, batch_size, condition)
            update = dict(inputs=gan.generator_inputs(noise, g_condition))
            if gan.condition.reconstruction:
                update["targets"] = images
            g_updates.append(update)
    epoch = (step - 1) * config.d_steps // source.batches_per_epoch + 1
    return StepPlan(step=step, epoch=epoch, d=d_updates, g=g_updates)


@dataclasses.dataclass(frozen=True)
class StepPlan:
    """The inputs of one training step (see `plan_step`).

    Attributes:
        step: 1-based step number.
        epoch: 1-based epoch of the step.
        d: One dict per discriminator update: `real` (the discriminator's
            input for the real batch), `generator` (the generator's input for
            the fake batch), `fake` (the discriminator's inputs beside the
            fake images, e.g. `[labels]`; empty for an unconditional one) and,
            for a matching-aware discriminator, `wrong` (real images with
            mismatched conditions). Empty when the schedule skips D.
        g: One dict per generator update: `inputs` (the combined model's
            input) and, with a reconstruction loss, `targets` (the real images).
    """

    step: int
    epoch: int
    d: list
    g: list


@dataclasses.dataclass
class StepResults:
    """What the models reported in one step, one entry per update (in the plan's order).

    `fake` and `wrong` are the losses as the models computed them (weighted
    by one half for a matching-aware discriminator); `accuracy` holds each
    discriminator update's mean accuracy over its batches. `g_loss` is the
    combined model's whole loss, or its adversarial part when it has a
    reconstruction loss (then in `content`).
    """

    real: list = dataclasses.field(default_factory=list)
    fake: list = dataclasses.field(default_factory=list)
    wrong: list = dataclasses.field(default_factory=list)
    accuracy: list = dataclasses.field(default_factory=list)
    g_loss: list = dataclasses.field(default_factory=list)
    fooled: list = dataclasses.field(default_factory=list)
    content: list = dataclasses.field(default_factory=list)


def with_images(images, extras):
    """The discriminator's input: `images`, or `[images, *extras]` (a plan's `fake` extras)."""
    return [images, *extras] if extras else images


def fake_weight(gan):
    """The weight of each fake (and mismatched) sample in the discriminator's loss: 1/2 when matching-aware."""
    return 0.5 if gan.condition.matching_aware else 1.0


def fake_sample_weights(gan, n):
    """The `sample_weight` of a fake (or mismatched) batch of `n`: `fake_weight` each, or None when it is 1."""
    return np.full(n, fake_weight(gan), np.float32) if gan.condition.matching_aware else None


def step_logs(gan, plan, results):
    """The history row of one step from its `StepResults` (see `train_step` for the columns)."""
    nan = float("nan")
    logs = dict(d_loss_real=nan, d_loss_fake=nan, d_acc=nan, g_loss=nan, scam_ratio=nan)
    logs.update({name: nan for name in gan.condition.log_fields})
    # A matching-aware discriminator weighs its two kinds of fake pairs by half each (StackGAN's loss:
    # real + (fake + mismatched) / 2); the logs show the unweighted losses.
    half = fake_weight(gan)
    if plan.d:
        logs.update(
            d_loss_real=float(np.mean(results.real)),
            d_loss_fake=float(np.mean(results.fake)) / half,
            d_acc=float(np.mean(results.accuracy)),
        )
        if results.wrong:
            logs["d_loss_wrong"] = float(np.mean(results.wrong)) / half
    if plan.g:
        logs.update(g_loss=float(np.mean(results.g_loss)), scam_ratio=float(np.mean(results.fooled)))
        if results.content:
            logs["g_content"] = float(np.mean(results.content))
    # The discriminator's loss: real half, fake half (StackGAN: fakes and mismatched pairs share the fake half).
    fake_half = logs["d_loss_fake"]
    if gan.condition.matching_aware:
        fake_half = 0.5 * (logs["d_loss_fake"] + logs["d_loss_wrong"])
    logs["d_loss"] = 0.5 * (logs["d_loss_real"] + fake_half)
    logs.update(step=plan.step, epoch=plan.epoch)
    return logs


def _extras(discriminator_input):
    """The parts of a discriminator input after the images (its conditions), as a list."""
    return list(discriminator_input[1:]) if isinstance(discriminator_input, list) else []
