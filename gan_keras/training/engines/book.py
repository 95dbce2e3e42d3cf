"""The book's engine: one Keras call per model update (`predict_on_batch`, `train_on_batch`)."""

import numpy as np

from gan_keras.training.plan import StepResults, fake_sample_weights, plan_step, step_logs, with_images


class BookEngine:
    """The book's engine: `train_step` per step, one Keras call per model update."""

    def __init__(self, gan, source, config):
        self.gan, self.source, self.config = gan, source, config
        patch = tuple(gan.discriminator.outputs[0].shape[1:])  # (1,), or a PatchGAN's (h, w, 1)
        self.valid = np.ones((source.batch_size, *patch), np.float32)
        self.fake = np.zeros((source.batch_size, *patch), np.float32)

    def run(self, steps):
        """Yields the logs of each of `steps` (1-based step numbers, in order) as it is done."""
        for step in steps:
            yield train_step(self.gan, self.source, self.config, step, self.valid, self.fake)


def train_step(gan, source, config, step, valid, fake):
    """Runs training step `step` (1-based) with the book's engine and returns its logs.

    The book's engine: per discriminator update, `generator.predict_on_batch`
    then `discriminator.train_on_batch` on the real and on the fake batch
    (and on mismatched pairs for a matching-aware discriminator); per
    generator update, `combined.train_on_batch`.

    Args:
        gan: The `GAN`.
        source: The real-data source: `batch(i)` gives `(images, condition)`,
            the condition being labels, input images (paired data) or None.
        config: `LoopConfig` (seed, d_steps, g_steps, schedule).
        step: 1-based step number; all randomness comes from `(seed, step)`.
        valid: The "real" labels: ones of the discriminator's output shape.
        fake: The "fake" labels: zeros of that shape.

    Returns:
        dict with step, epoch, d_loss_real, d_loss_fake, d_loss, d_acc,
        g_loss, scam_ratio (NaN for a model the schedule skipped), and the
        GAN's `log_fields` (g_content, the reconstruction loss; d_loss_wrong,
        a matching-aware discriminator's loss on real images with wrong
        conditions). g_loss is the combined model's whole loss, so for
        StackGAN it includes the weighted KL term.
    """
    plan = plan_step(gan, source, config, step)
    weights = fake_sample_weights(gan, source.batch_size)
    results = StepResults()
    for update in plan.d:
        fakes = np.asarray(gan.generator.predict_on_batch(update["generator"]))
        real = gan.discriminator.train_on_batch(update["real"], valid)
        false = gan.discriminator.train_on_batch(with_images(fakes, update["fake"]), fake, sample_weight=weights)
        results.real.append(real[0])
        results.fake.append(false[0])
        judged = [real[1], false[1]]
        if "wrong" in update:
            wrong = gan.discriminator.train_on_batch(update["wrong"], fake, sample_weight=weights)
            results.wrong.append(wrong[0])
            judged.append(wrong[1])
        results.accuracy.append(float(np.mean(judged)))
    for update in plan.g:
        targets = gan.condition.generator_targets(valid, update.get("targets"))
        if gan.condition.reconstruction:
            result = gan.combined.train_on_batch(update["inputs"], targets, return_dict=True)
            results.g_loss.append(result["binary_crossentropy_loss"])
            results.fooled.append(result["accuracy"])
            results.content.append(next(v for k, v in result.items()
                                        if k.endswith("_loss") and k not in ("loss", "binary_crossentropy_loss")))
        else:
            g_loss, g_acc = gan.combined.train_on_batch(update["inputs"], targets)
            results.g_loss.append(g_loss)
            results.fooled.append(g_acc)
    return step_logs(gan, plan, results)
