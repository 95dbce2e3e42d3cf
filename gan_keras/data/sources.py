"""Where real training samples come from, one batch per step.

Every batch is a pure function of `(seed, index)`, so a resumed run draws
exactly the batches an uninterrupted run would have drawn.
"""

import numpy as np

from gan_keras.core.pixels import from_uint8


class ArraySource:
    """Shuffled passes without replacement over a fixed array of samples.

    Batch `i` belongs to epoch `i // batches_per_epoch`; each epoch has its own
    permutation drawn from `(seed, epoch)`. The last partial batch of each
    epoch is dropped, so every batch has exactly `batch_size` samples.

    Args:
        images: `(n, ...)` float32 samples, e.g. `(n, 28, 28, 1)` in [-1, 1];
            or uint8 images (e.g. the memory-mapped cache of a folder,
            `gan_keras.data.image_folder`), each batch then scaled to
            float32 [-1, 1] as it is drawn (`core.pixels.from_uint8`).
        labels: Optional `(n,)` integer class labels, or `(n, ...)` input
            images of an image-to-image GAN (uint8 ones scaled as `images`).
        batch_size: Samples per batch.
        seed: Seed of the per-epoch permutations.

    Raises:
        ValueError: if the batch size is not positive or larger than the data.
    """

    def __init__(self, images, labels=None, *, batch_size, seed=0):
        if batch_size <= 0:
            raise ValueError(f"batch size must be positive, got {batch_size}")
        if batch_size > len(images):
            raise ValueError(f"batch size {batch_size} is larger than the {len(images)} training samples")
        self.images = images
        self.labels = None if labels is None else np.asarray(labels)
        self.batch_size = batch_size
        self.seed = seed
        self.batches_per_epoch = len(images) // batch_size
        self._epoch = None
        self._order = None

    def rows(self, index):
        """The sorted sample indices of batch `index`."""
        epoch, position = divmod(index, self.batches_per_epoch)
        if epoch != self._epoch:
            self._order = np.random.default_rng([self.seed, epoch]).permutation(len(self.images))
            self._epoch = epoch
        return np.sort(self._order[position * self.batch_size:(position + 1) * self.batch_size])

    def batch(self, index):
        """Returns `(images, labels)` of batch `index` (labels may be None)."""
        rows = self.rows(index)
        return _float(self.images[rows]), None if self.labels is None else _float(self.labels[rows])

    def own_rows(self, positions):
        """A view of this source that reads only the batch positions `positions` (a slice) from the arrays.

        In a job of several processes each process hands only its own devices'
        share of every batch to them; through this view it reads only those
        rows from the (memory-mapped) images, and leaves the other positions
        blank (zero pixels), which it never uses. Class labels are small and read whole.
        """
        return _OwnRows(self, positions)


class _OwnRows:
    """`ArraySource.own_rows`: the same batches, with only the rows of `positions` read."""

    def __init__(self, source, positions):
        self.source, self.positions = source, positions
        self.batch_size, self.batches_per_epoch = source.batch_size, source.batches_per_epoch

    def rows(self, index):
        return self.source.rows(index)

    def batch(self, index):
        rows = self.source.rows(index)
        labels = self.source.labels
        labels = None if labels is None else (self._read(labels, rows) if labels.ndim > 1 else labels[rows])
        return _float(self._read(self.source.images, rows)), None if labels is None else _float(labels)

    def _read(self, array, rows):
        values = np.zeros((len(rows), *array.shape[1:]), array.dtype)
        values[self.positions] = array[rows[self.positions]]
        return values


def _float(values):
    """uint8 pixels (a folder's cache) as float32 [-1, 1]; anything else as it is."""
    return from_uint8(values) if values.dtype == np.uint8 else values


class CaptionSource(ArraySource):
    """`ArraySource` over images with several captions each: every batch takes one caption per image at random.

    Which of an image's captions a batch uses is drawn from `(seed, index)`,
    as StackGAN draws one of an image's text embeddings per step.

    Args:
        images: `(n, ...)` float32 images.
        captions: `(n, k, d)` float32: k caption vectors per image.
        batch_size: Images per batch.
        seed: Seed of the permutations and the caption choices.
    """

    def __init__(self, images, captions, *, batch_size, seed=0):
        super().__init__(images, None, batch_size=batch_size, seed=seed)
        self.captions = np.asarray(captions)
        if len(self.captions) != len(images) or self.captions.ndim != 3:
            raise ValueError(f"need (n, k, d) captions for {len(images)} images, got shape {self.captions.shape}")

    def batch(self, index):
        """Returns `(images, caption vectors)`, shapes `(batch_size, ...)` and `(batch_size, d)`."""
        rows = self.rows(index)
        choice = np.random.default_rng([self.seed, index, 3]).integers(0, self.captions.shape[1], len(rows))
        return self.images[rows], self.captions[rows, choice]


class GaussianSource:
    """Fresh samples of a 1-D normal distribution for every batch.

    Args:
        mean: Mean of the target distribution.
        std: Standard deviation of the target distribution (> 0).
        batch_size: Samples per batch; each batch has shape `(batch_size, 1)`.
        seed: Seed of the samples.
        batches_per_epoch: How many batches count as one "epoch" (only used
            for `--epochs` and reporting; the stream itself is endless).
    """

    def __init__(self, mean, std, *, batch_size, seed=0, batches_per_epoch=100):
        if std <= 0:
            raise ValueError(f"the target standard deviation must be positive, got {std}")
        self.mean = float(mean)
        self.std = float(std)
        self.batch_size = batch_size
        self.seed = seed
        self.batches_per_epoch = batches_per_epoch

    def batch(self, index):
        """Returns `(samples, None)` with samples of shape `(batch_size, 1)`."""
        rng = np.random.default_rng([self.seed, index, 7])
        samples = rng.normal(self.mean, self.std, (self.batch_size, 1)).astype(np.float32)
        return samples, None
