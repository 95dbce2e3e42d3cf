"""The frozen-discriminator combined model that trains a generator.

The book compiles the discriminator, sets `discriminator.trainable = False`
and compiles `discriminator(generator(z))`. Keras 3 reads `trainable` every
time a train function is built, so that recipe silently freezes the
discriminator for its own `train_on_batch` too, and a frozen
BatchNormalization layer runs on its moving statistics.

`FrozenDiscriminatorGAN` keeps the book's calling pattern and makes the
freezing explicit instead: its trainable variables are the generator's alone,
so `combined.train_on_batch(noise, valid)` updates the generator only, while
the discriminator stays trainable for its own `train_on_batch`. Inside the
generator step the discriminator's BatchNormalization layers normalise with
the statistics of the fake batch, as Keras 2 (which the book used) did; their
momentum is held at 1.0 during that step, so the moving statistics are written
back bit-for-bit unchanged.
"""

import contextlib

import keras
from keras import layers

from gan_keras.core.conditions import Unconditional

LEARNING_RATE = 2e-4
BETA_1 = 0.5


class FrozenDiscriminatorGAN(keras.Model):
    """`discriminator(generator(inputs))`, training the generator only.

    What the discriminator judges beside the generated images is the
    condition's (`condition.judged_inputs`): nothing, the class labels or
    caption vectors the generator got, or (pix2pix) its input image.

    Args:
        generator: `keras.Model` mapping noise (and conditions) to images.
        discriminator: `keras.Model` mapping images (and the same conditions)
            to `(n, 1)` probabilities of being real.
        discriminator_norm: How the discriminator's BatchNormalization layers
            normalise in the generator step: "batch" (statistics of the fake
            batch, as in Keras 2 and the book; default) or "moving" (their
            moving statistics, what a frozen layer does in Keras 3). Neither
            changes the stored statistics.
        condition: The GAN's condition (`gan_keras.core.conditions`;
            default `Unconditional()`).
        reconstruction: Whether the model also outputs the generated images,
            `[validity, images]`, for a reconstruction loss against the real
            images (pix2pix's L1, SRGAN's content loss).
    """

    def __init__(self, generator, discriminator, discriminator_norm="batch", condition=None,
                 reconstruction=False, name="combined", **kwargs):
        if discriminator_norm not in NORM_MODES:
            raise ValueError(f"discriminator_norm must be one of {NORM_MODES}, got {discriminator_norm!r}")
        super().__init__(name=name, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.discriminator_norm = discriminator_norm
        self.condition = condition if condition is not None else Unconditional()
        self.reconstruction = reconstruction

    def call(self, inputs, training=None):
        images = self.generator(inputs, training=training)
        judged = self.condition.judged_inputs(images, inputs)
        with _frozen_normalization(self.discriminator, self.discriminator_norm):
            validity = self.discriminator(judged, training=training)
        return [validity, images] if self.reconstruction else validity

    # Only the generator learns here. The discriminator's variables are listed
    # as non-trainable state, so that stateless backends (JAX) read their
    # current values at every step instead of tracing them as constants.
    @property
    def trainable_weights(self):
        return self.generator.trainable_weights

    @property
    def trainable_variables(self):
        return self.generator.trainable_weights

    @property
    def non_trainable_weights(self):
        return _excluding(self.weights, self.trainable_weights)

    @property
    def non_trainable_variables(self):
        return _excluding(self.variables, self.trainable_weights)


def build_combined(generator, discriminator, d_optimizer=None, g_optimizer=None, jit_compile="auto",
                   discriminator_norm="batch", condition=None, reconstruction_loss=None,
                   adversarial_weight=1.0, reconstruction_weight=100.0):
    """Compiles the discriminator and returns the compiled combined model.

    After this call the book's training pattern works as written, in any order
    and any number of times:
    `discriminator.train_on_batch(real, ones)` and
    `discriminator.train_on_batch(fake, zeros)` update the discriminator
    only; `combined.train_on_batch(noise, ones)` updates the generator only
    (the discriminator's weights and BatchNormalization statistics unchanged).

    Args:
        generator: Uncompiled generator model.
        discriminator: Uncompiled discriminator model; it is compiled here with
            binary cross-entropy and an accuracy metric.
        d_optimizer: Optimizer of the discriminator; default Adam(2e-4, 0.5).
        g_optimizer: Optimizer of the generator; default Adam(2e-4, 0.5). Must
            be a different instance from `d_optimizer`.
        jit_compile: Whether to compile the train steps with XLA. "auto" lets
            Keras decide: XLA on a GPU, none on a CPU-only TensorFlow machine,
            where XLA's convolutions measured 3.6x slower than oneDNN's for
            this DCGAN (see benchmarks/train_step.py).
        discriminator_norm: "batch" (default) or "moving"; see
            `FrozenDiscriminatorGAN`.
        condition: The GAN's condition (see `FrozenDiscriminatorGAN`); its
            `reconstruction` must match whether `reconstruction_loss` is given.
        reconstruction_loss: None (the book's GANs: the adversarial loss
            alone), or "mae" (pix2pix's L1), "mse" (SRGAN's pixel content
            loss) or a loss function `(real, generated) -> loss` (SRGAN's VGG
            content loss) between generated and real images, as a second output.
        adversarial_weight: Weight of the adversarial loss when there is a
            reconstruction loss (pix2pix 1; SRGAN 1e-3; 0 trains on the
            reconstruction alone).
        reconstruction_weight: Weight of the reconstruction loss (pix2pix's
            lambda, 100; SRGAN 1).

    Returns:
        The compiled `FrozenDiscriminatorGAN`.

    Raises:
        ValueError: if both optimizers are the same object, or the condition
            and `reconstruction_loss` disagree.
    """
    d_optimizer = d_optimizer or default_optimizer()
    g_optimizer = g_optimizer or default_optimizer()
    if d_optimizer is g_optimizer:
        raise ValueError("the discriminator and the generator need separate optimizer instances")
    discriminator.compile(
        optimizer=d_optimizer,
        loss="binary_crossentropy",
        metrics=["accuracy"],
        jit_compile=jit_compile,
    )
    condition = condition if condition is not None else Unconditional()
    if condition.reconstruction != (reconstruction_loss is not None):
        raise ValueError(f"{condition} {'needs' if condition.reconstruction else 'takes no'} reconstruction_loss")
    combined = FrozenDiscriminatorGAN(generator, discriminator, discriminator_norm, condition,
                                      reconstruction=reconstruction_loss is not None)
    # The combined model's accuracy against "real" labels is the share of
    # fakes the discriminator calls real (the "scam ratio").
    if reconstruction_loss is None:
        combined.compile(optimizer=g_optimizer, loss="binary_crossentropy", metrics=["accuracy"],
                         jit_compile=jit_compile)
    else:
        if not callable(reconstruction_loss) and reconstruction_loss not in RECONSTRUCTION_LOSSES:
            raise ValueError(f"reconstruction_loss must be one of {RECONSTRUCTION_LOSSES}, got {reconstruction_loss!r}")
        combined.compile(optimizer=g_optimizer, loss=["binary_crossentropy", reconstruction_loss],
                         loss_weights=[adversarial_weight, reconstruction_weight], metrics=[["accuracy"], []],
                         jit_compile=jit_compile)
    return combined


def default_optimizer(learning_rate=LEARNING_RATE, beta_1=BETA_1):
    """Returns the book's Adam optimizer (learning rate 2e-4, beta_1 0.5)."""
    return keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta_1)


NORM_MODES = ("batch", "moving")
RECONSTRUCTION_LOSSES = ("mae", "mse")


@contextlib.contextmanager
def _frozen_normalization(model, mode):
    """Freezes the BatchNormalization statistics of `model` while it is traced.

    "batch": momentum held at 1.0, so the moving statistics update is
    `moving * 1.0 + batch * 0.0` (the stored value) while the layer still
    normalises with the batch statistics in training mode.
    "moving": `trainable` held False, so the layer runs in inference mode.
    Both are restored on exit, before the discriminator's own step is traced.
    """
    norms = [layer for layer in all_layers(model) if isinstance(layer, layers.BatchNormalization)]
    attribute, frozen = ("momentum", 1.0) if mode == "batch" else ("trainable", False)
    saved = [getattr(layer, attribute) for layer in norms]
    for layer in norms:
        setattr(layer, attribute, frozen)
    try:
        yield
    finally:
        for layer, value in zip(norms, saved):
            setattr(layer, attribute, value)


def all_layers(model):
    """Every layer of `model`, and of the models nested in it, depth first."""
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from all_layers(layer)


def _excluding(variables, excluded):
    excluded_ids = {id(v) for v in excluded}
    return [v for v in variables if id(v) not in excluded_ids]
