"""StackGAN (Zhang et al. 2017; the book's 8.3.1) at Fashion-MNIST size: text -> 14x14 -> 28x28.

* The text encoder (standing in for the paper's char-CNN-RNN) maps a
  caption's token ids to a `text_dim` vector: word embeddings, their mean
  over the caption's words (a bag of words), a Dense layer with tanh. It is
  trained once (`train_text_encoder`) and frozen.
* Conditioning augmentation (`ConditioningAugmentation`): a Dense layer
  maps the text vector to a mean and a log-sigma; the generator is
  conditioned on `c = mean + exp(log_sigma) * epsilon`, epsilon from the
  noise input, and the layer adds `kl_weight * KL(N(mean, sigma^2) || N(0, I))`
  to the generator's loss, averaged over the batch and over the condition's
  numbers as the authors' code does (`reduce_mean` of the per-number terms;
  the KL summed over the numbers would weigh `units` times more).
* Stage-I generator: `[z, epsilon] + text -> c`; `[z, c]` -> Dense -> 7x7 ->
  upsample -> 14x14 image in [-1, 1].
* Stage-II generator: the frozen Stage-I generator's 14x14 image, encoded
  down to 7x7 features, joined with its own conditioning augmentation's `c`
  (replicated over the 7x7 grid), residual blocks, upsampling -> 28x28.
* Both discriminators (`build_stack_discriminator`) are matching-aware:
  image features down to 7x7, joined with the text vector compressed by a
  Dense layer and replicated spatially, a 1x1 convolution, then one unit.

The generator's noise input carries everything random: `latent_dim` numbers
of z, then `condition_dim` numbers of epsilon per conditioning augmentation
(Stage-II: z, Stage-I's epsilon, its own epsilon), so that a sample is a
pure function of its noise and its caption.
"""

import keras
import numpy as np
from keras import layers, ops

from gan_keras.models.dcgan import require_positive

LEAK = 0.2
BN_MOMENTUM = 0.9


@keras.saving.register_keras_serializable(package="gan_keras")
class MaskedMean(layers.Layer):
    """Mean of word vectors over a caption's words, padding (id 0) excluded.

    Call arguments: `[vectors (n, length, d), token_ids (n, length)]`;
    returns `(n, d)` (zeros for a caption with no word).
    """

    def call(self, inputs):
        vectors, ids = inputs
        mask = ops.cast(ops.not_equal(ids, 0), vectors.dtype)[..., None]
        return ops.sum(vectors * mask, axis=1) / ops.maximum(ops.sum(mask, axis=1), 1.0)


def kl_divergence(mean, log_sigma):
    """`KL(N(mean, diag(exp(log_sigma))^2) || N(0, I))` per row: `(n, d)` tensors -> `(n,)`.

    `0.5 * sum(mean^2 + sigma^2 - 1 - 2 log sigma)`; 0 exactly for mean 0, sigma 1.
    """
    return 0.5 * ops.sum(ops.square(mean) + ops.exp(2.0 * log_sigma) - 1.0 - 2.0 * log_sigma, axis=-1)


@keras.saving.register_keras_serializable(package="gan_keras")
class ConditioningAugmentation(layers.Layer):
    """Samples the generator's condition from a Gaussian around the text vector (StackGAN's CA).

    Args:
        units: Size of the condition `c`.
        kl_weight: Weight of the KL term added with `add_loss` (0: none); the
            term is the batch's mean KL divided by `units`.

    Call arguments: `[text (n, text_dim), epsilon (n, units)]`; returns
    `c = mean + exp(log_sigma) * epsilon`, `(n, units)`.
    """

    def __init__(self, units, kl_weight=2.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.kl_weight = kl_weight
        self.dense = layers.Dense(2 * units, name="mean_log_sigma")

    def build(self, input_shape):
        self.dense.build(input_shape[0])

    def statistics(self, text):
        """`(mean, log_sigma)` of the condition for text vectors, each `(n, units)`."""
        stats = self.dense(text)
        return stats[:, :self.units], stats[:, self.units:]

    def call(self, inputs):
        text, epsilon = inputs
        mean, log_sigma = self.statistics(text)
        if self.kl_weight:  # averaged over the batch and the condition's numbers, as in the authors' code
            self.add_loss(self.kl_weight * ops.mean(kl_divergence(mean, log_sigma)) / self.units)
        return mean + ops.exp(log_sigma) * epsilon

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "kl_weight": self.kl_weight}


def noise_size(latent_dim, condition_dim, stages, augmentation=True):
    """Numbers in one noise vector of stage `stages` (1 or 2): z, then one epsilon per stage with CA."""
    return latent_dim + (stages * condition_dim if augmentation else 0)


def build_text_encoder(vocabulary_size, length, text_dim=64, word_dim=32):
    """Bag-of-words text encoder: token ids `(n, length)` int32 (0 pads) -> `(n, text_dim)` in (-1, 1)."""
    require_positive(vocabulary_size=vocabulary_size, length=length, text_dim=text_dim, word_dim=word_dim)
    ids = keras.Input((length,), dtype="int32", name="token_ids")
    words = layers.Embedding(vocabulary_size + 1, word_dim, name="words")(ids)
    text = layers.Dense(text_dim, activation="tanh", name="text")(MaskedMean(name="mean")([words, ids]))
    return keras.Model(ids, text, name="text_encoder")


def train_text_encoder(encoder, token_ids, targets, epochs=60, seed=0):
    """Trains the encoder once, to tell every target of a caption from its text alone; freezes it.

    A softmax head per target (class, brightness level, width level) sits
    on the text vector during this training only; the heads are dropped.

    Args:
        encoder: From `build_text_encoder`.
        token_ids: `(n, length)` int32 captions.
        targets: `(n, k)` int targets per caption, each 0..max.
        epochs: Passes over the captions (batch 32, Adam 3e-3).
        seed: Seed of the heads' initial weights and the batch order.

    Returns:
        `(n, k)` bool: whether each head was right on each caption after training.
    """

    keras.utils.set_random_seed(seed + 1)
    targets = np.asarray(targets)
    text = encoder.output
    heads = [layers.Dense(int(targets[:, k].max()) + 1, activation="softmax", name=f"head_{k}")(text)
             for k in range(targets.shape[1])]
    model = keras.Model(encoder.input, heads)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=["sparse_categorical_crossentropy"] * len(heads))
    labels = [targets[:, k] for k in range(targets.shape[1])]
    model.fit(token_ids, labels, batch_size=32, epochs=epochs, verbose=0, shuffle=True)
    predictions = model.predict(token_ids, verbose=0)
    encoder.trainable = False
    return np.stack([np.argmax(p, axis=1) == t for p, t in zip(predictions, labels)], axis=1)


def _condition(text, epsilon_or_none, condition_dim, kl_weight, name):
    if epsilon_or_none is None:  # the ablation: a fixed condition per caption
        return layers.Dense(condition_dim, name=f"{name}_fixed")(text)
    return ConditioningAugmentation(condition_dim, kl_weight, name=name)([text, epsilon_or_none])


@keras.saving.register_keras_serializable(package="gan_keras")
class Columns(layers.Layer):
    """Columns `start .. start + size - 1` of a `(n, d)` input (a part of the noise vector)."""

    def __init__(self, start, size, **kwargs):
        super().__init__(**kwargs)
        self.start = start
        self.size = size

    def call(self, x):
        return x[:, self.start:self.start + self.size]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size)

    def get_config(self):
        return {**super().get_config(), "start": self.start, "size": self.size}


def _split_noise(noise, sizes):
    parts, start = [], 0
    for size in sizes:
        parts.append(Columns(start, size)(noise) if size else None)
        start += size
    return parts


def build_stage1_generator(latent_dim=100, text_dim=64, condition_dim=64, filters=128, kl_weight=2.0,
                           augmentation=True):
    """Stage-I generator: `[noise, text]` -> `(n, 14, 14, 1)` images in [-1, 1].

    Args:
        latent_dim: Size of z.
        text_dim: Size of the text vector.
        condition_dim: Size of the condition `c`.
        filters: Channels at 7x7 (half of them at 14x14).
        kl_weight: Weight of the KL term of conditioning augmentation.
        augmentation: False for the ablation: `c` is a Dense map of the text,
            no epsilon in the noise, no KL term.

    Returns:
        An uncompiled `keras.Model` named "stage1_generator" taking
        `[(n, noise_size(latent_dim, condition_dim, 1, augmentation)) noise, (n, text_dim) text]`.
    """
    require_positive(latent_dim=latent_dim, text_dim=text_dim, condition_dim=condition_dim, filters=filters)
    noise = keras.Input((noise_size(latent_dim, condition_dim, 1, augmentation),), name="noise")
    text = keras.Input((text_dim,), name="text")
    z, epsilon = _split_noise(noise, (latent_dim, condition_dim if augmentation else 0))
    c = _condition(text, epsilon, condition_dim, kl_weight, "augmentation")
    x = layers.Concatenate()([z, c])
    x = layers.Dense(7 * 7 * filters, use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization(momentum=BN_MOMENTUM)(x))
    x = layers.Reshape((7, 7, filters))(x)
    x = layers.UpSampling2D()(x)
    x = layers.Conv2D(filters // 2, 3, padding="same", use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization(momentum=BN_MOMENTUM)(x))
    image = layers.Conv2D(1, 3, padding="same", activation="tanh")(x)
    return keras.Model([noise, text], image, name="stage1_generator")


def build_stage2_generator(stage1, latent_dim=100, condition_dim=64, filters=64, residual_blocks=2, kl_weight=2.0,
                           augmentation=True):
    """Stage-II generator around a frozen Stage-I generator: `[noise, text]` -> `(n, 28, 28, 1)` in [-1, 1].

    Args:
        stage1: The trained Stage-I generator; frozen here (its layers'
            `trainable` set False, so its BatchNormalization runs on moving
            statistics and the Stage-II step leaves it unchanged).
        latent_dim, condition_dim, kl_weight, augmentation: As for Stage-I
            (the same values: Stage-II's noise starts with Stage-I's).
        filters: Channels at 7x7 (half at 14x14, a quarter at 28x28).
        residual_blocks: Residual blocks at 7x7.

    Returns:
        An uncompiled `keras.Model` named "stage2_generator" taking
        `[(n, noise_size(latent_dim, condition_dim, 2, augmentation)) noise, (n, text_dim) text]`.
    """
    require_positive(filters=filters)
    stage1.trainable = False
    stage1_noise, text_dim = int(stage1.inputs[0].shape[-1]), int(stage1.inputs[1].shape[-1])
    noise = keras.Input((noise_size(latent_dim, condition_dim, 2, augmentation),), name="noise")
    text = keras.Input((text_dim,), name="text")
    first, epsilon = _split_noise(noise, (stage1_noise, condition_dim if augmentation else 0))
    low = stage1([first, text], training=False)
    c = _condition(text, epsilon, condition_dim, kl_weight, "augmentation2")
    x = layers.Conv2D(filters // 2, 3, padding="same")(low)
    x = layers.ReLU()(x)
    x = layers.Conv2D(filters, 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization(momentum=BN_MOMENTUM)(x))
    x = layers.Concatenate()([x, _replicate(c, 7)])
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization(momentum=BN_MOMENTUM)(x))
    for _ in range(residual_blocks):
        y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        y = layers.ReLU()(layers.BatchNormalization(momentum=BN_MOMENTUM)(y))
        y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
        y = layers.BatchNormalization(momentum=BN_MOMENTUM)(y)
        x = layers.ReLU()(layers.Add()([x, y]))
    for channels in (filters // 2, filters // 4):
        x = layers.UpSampling2D()(x)
        x = layers.Conv2D(channels, 3, padding="same", use_bias=False)(x)
        x = layers.ReLU()(layers.BatchNormalization(momentum=BN_MOMENTUM)(x))
    image = layers.Conv2D(1, 3, padding="same", activation="tanh")(x)
    return keras.Model([noise, text], image, name="stage2_generator")


def build_stack_discriminator(image_size, text_dim=64, filters=64, compressed_dim=32, name="discriminator"):
    """Matching-aware discriminator: `[image, text]` -> `(n, 1)` probability that the pair is real and matches.

    Image: two 4x4 convolutions (LeakyReLU 0.2) down to 7x7 (strides 1 and 2
    for 14x14, 2 and 2 for 28x28); text: Dense(compressed_dim) + LeakyReLU,
    replicated over the 7x7 grid; joined, a 1x1 convolution, then one
    sigmoid unit.

    Args:
        image_size: 14 (Stage-I) or 28 (Stage-II).
        text_dim: Size of the text vector.
        filters: Channels of the last image convolution (half before it).
        compressed_dim: Size of the compressed text vector.
        name: Model name.

    Raises:
        ValueError: if `image_size` is not 14 or 28.
    """
    if image_size not in (14, 28):
        raise ValueError(f"image_size must be 14 or 28, got {image_size}")
    require_positive(text_dim=text_dim, filters=filters, compressed_dim=compressed_dim)
    image = keras.Input((image_size, image_size, 1), name="image")
    text = keras.Input((text_dim,), name="text")
    x = image
    for channels, strides in ((filters // 2, 2 if image_size == 28 else 1), (filters, 2)):
        x = layers.LeakyReLU(LEAK)(layers.Conv2D(channels, 4, strides=strides, padding="same")(x))
    t = layers.LeakyReLU(LEAK)(layers.Dense(compressed_dim)(text))
    x = layers.Concatenate()([x, _replicate(t, 7)])
    x = layers.LeakyReLU(LEAK)(layers.Conv2D(filters, 1)(x))
    validity = layers.Dense(1, activation="sigmoid")(layers.Flatten()(x))
    return keras.Model([image, text], validity, name=name)


def _replicate(vector, size):
    """`(n, d)` -> `(n, size, size, d)`: the vector at every position of a grid."""
    d = int(vector.shape[-1])
    return layers.UpSampling2D(size)(layers.Reshape((1, 1, d))(vector))
