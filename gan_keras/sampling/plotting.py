"""Pictures of a run: image grids and loss curves (PNG files; matplotlib's Agg outside a notebook)."""

import sys

import matplotlib

if "ipykernel" not in sys.modules:  # a notebook keeps its inline backend; every figure here is closed once saved
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from gan_keras.core import fileio  # noqa: E402

FIGURE_DPI = 90


def tile_images(images, rows, cols, gap=2, scale=2):
    """Tiles images into one grid picture.

    Args:
        images: `(rows * cols, h, w, c)` floats in [-1, 1] (c = 1 or 3).
        rows: Grid rows.
        cols: Grid columns.
        gap: Pixels of white between images.
        scale: Integer upscaling factor (nearest neighbour) of each image.

    Returns:
        `(H, W)` (grey) or `(H, W, 3)` float array in [0, 1].

    Raises:
        ValueError: if there are not exactly `rows * cols` images.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or len(images) != rows * cols:
        raise ValueError(f"need {rows * cols} images of shape (h, w, c), got array of shape {images.shape}")
    images = np.clip((images + 1.0) / 2.0, 0.0, 1.0)
    images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    n, h, w, c = images.shape
    grid = np.ones((rows * h + (rows - 1) * gap, cols * w + (cols - 1) * gap, c), np.float32)
    for i, image in enumerate(images):
        r, k = divmod(i, cols)
        grid[r * (h + gap):r * (h + gap) + h, k * (w + gap):k * (w + gap) + w] = image
    return grid[..., 0] if c == 1 else grid


def save_image_grid(images, path, rows=10, cols=10):
    """Writes `rows * cols` images in [-1, 1] as one PNG grid at `path`."""
    grid = tile_images(images, rows, cols)
    with fileio.atomic_path(path) as tmp:
        plt.imsave(tmp, grid, cmap="gray", vmin=0.0, vmax=1.0, format="png")


def save_image(image, path):
    """Writes one `(h, w, c)` image in [-1, 1] as a PNG (c = 1 or 3)."""
    image = np.clip((np.asarray(image, np.float32) + 1.0) / 2.0, 0.0, 1.0)
    with fileio.atomic_path(path) as tmp:
        if image.shape[-1] == 1:
            plt.imsave(tmp, image[..., 0], cmap="gray", vmin=0.0, vmax=1.0, format="png")
        else:
            plt.imsave(tmp, image, format="png")


def translation_rows(inputs, outputs, targets, cols):
    """Interleaves `(input | output | target)` rows of `cols` pairs each, for an image-to-image grid.

    Args:
        inputs: `(n, h0, w0, c0)` in [-1, 1], `h0` dividing `h` (smaller inputs
            are enlarged, nearest neighbour; grey inputs of colour outputs
            are repeated on 3 channels).
        outputs: `(n, h, w, c)` in [-1, 1].
        targets: `(n, h, w, c)` in [-1, 1].
        cols: Pairs per row; `n` must be a multiple.

    Returns:
        `(images, rows)`: `(3 * n, h, w, c)` images in grid order and the row count.
    """
    inputs = np.asarray(inputs, np.float32)
    factor = outputs.shape[1] // inputs.shape[1]
    inputs = inputs.repeat(factor, axis=1).repeat(factor, axis=2)
    if inputs.shape[-1] != outputs.shape[-1]:
        inputs = np.repeat(inputs, outputs.shape[-1], axis=-1)
    groups = [np.concatenate([part[i:i + cols] for part in (inputs, outputs, targets)])
              for i in range(0, len(outputs), cols)]
    return np.concatenate(groups), 3 * len(groups)


def save_caption_grid(panels, captions, path, titles=None):
    """Writes a grid of images drawn from captions: one row per caption, the caption printed beside it.

    Args:
        panels: List of `(rows * cols, h, w, 1)` image arrays in [-1, 1], in
            row order (e.g. Stage-I and Stage-II samples of the same noise),
            shown side by side; smaller images are enlarged (nearest
            neighbour) to the largest size.
        captions: `rows` strings.
        path: PNG file.
        titles: Optional title of each panel.
    """
    rows = len(captions)
    size = max(p.shape[1] for p in panels)
    cols = len(panels[0]) // rows
    # A row is at least 0.42 in high, and an image never has fewer dots than pixels (64x64 pictures and up).
    row_inches = max(0.42, 1.1 * (size + 2) / FIGURE_DPI)
    panel_inches = max(4.2, row_inches * cols * 1.05)
    fig, axes = plt.subplots(1, len(panels), figsize=(3.4 + panel_inches * len(panels), 0.5 + row_inches * rows),
                             squeeze=False)
    for k, (axis, images) in enumerate(zip(axes[0], panels)):
        images = np.asarray(images, np.float32)
        factor = size // images.shape[1]
        grid = tile_images(images.repeat(factor, axis=1).repeat(factor, axis=2), rows, len(images) // rows, scale=1)
        axis.imshow(grid, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
        axis.set_xticks([])
        axis.set_yticks([(r + 0.5) * (size + 2) - 1 for r in range(rows)] if k == 0 else [])
        if k == 0:
            axis.set_yticklabels(captions, fontsize=8)
        if titles:
            axis.set_title(titles[k], fontsize=9)
    fig.tight_layout()
    _save_figure(fig, path)


def save_loss_plot(history, path):
    """Plots the losses (and any extra metric columns) of `history` to a PNG.

    Args:
        history: dict of column name -> sequence, with at least "step" and
            the loss columns; NaN entries (steps that skipped a model) are
            left out of the lines. Columns named in `EXTRA_PANELS` that hold
            numbers get their own panel below the losses.
        path: Destination PNG.
    """
    steps = np.asarray(history["step"], dtype=np.float64)
    extras = [name for name in EXTRA_PANELS if name in history and np.isfinite(np.asarray(history[name], float)).any()]
    fig, axes = plt.subplots(1 + len(extras), 1, figsize=(8, 3.2 * (1 + len(extras))), sharex=True, squeeze=False)
    axes = axes[:, 0]
    for name in ("d_loss_real", "d_loss_fake", "d_loss_wrong", "g_loss", "g_content"):
        if name in history:
            _plot_finite(axes[0], steps, history[name], name, smooth=True)
    axes[0].set_ylabel("binary cross-entropy")
    axes[0].legend(loc="upper right")
    axes[0].grid(alpha=0.3)
    for axis, name in zip(axes[1:], extras):
        smooth = name in SMOOTHED_EXTRAS
        _plot_finite(axis, steps, history[name], name, smooth=smooth, marker=not smooth)
        axis.set_ylabel(name)
        axis.grid(alpha=0.3)
    axes[-1].set_xlabel("step")
    fig.tight_layout()
    _save_figure(fig, path)


EXTRA_PANELS = ("scam_ratio", "fd", "kid", "mean", "std")
SMOOTHED_EXTRAS = ("scam_ratio",)


def _plot_finite(axis, steps, values, label, smooth=False, marker=False):
    values = np.asarray(values, dtype=np.float64)
    keep = np.isfinite(values)
    x, y = steps[keep], values[keep]
    if len(y) == 0:
        return
    if smooth and len(y) > 50:
        window = max(len(y) // 50, 1)
        y = np.convolve(y, np.ones(window) / window, mode="valid")
        x = x[window - 1:]
    axis.plot(x, y, label=label, marker="o" if marker else None, markersize=3)


def save_trajectory_plot(points, target, path, samples):
    """Plots `(step, mean, std)` points of the 1-D GAN with the target (a `moments.Target`) and its tolerance band."""
    steps, means, stds = (np.asarray(c, np.float64) for c in zip(*points))
    fig, axes = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True)
    for axis, values, goal, name in ((axes[0], means, target.mean, "mean"), (axes[1], stds, target.std, "std")):
        axis.axhspan(goal - target.tolerance, goal + target.tolerance, color="tab:green", alpha=0.15,
                     label="converged band")
        axis.axhline(goal, color="tab:green", linestyle="--", label=f"target {goal:g}")
        axis.plot(steps, values, marker="o", markersize=3, label=f"generator {name}")
        axis.set_ylabel(name)
        axis.grid(alpha=0.3)
        axis.legend(loc="best", fontsize="small")
    axes[-1].set_xlabel("step")
    axes[0].set_title(f"generator moments on {samples:,} samples, target N({target.mean:g}, {target.std:g})")
    fig.tight_layout()
    _save_figure(fig, path)


def save_histogram(values, target, path, title=""):
    """Plots a density histogram of 1-D samples over the target's density."""
    fig, axis = plt.subplots(figsize=(7, 4))
    _draw_histogram(axis, values, target)
    axis.set_title(title, fontsize="medium")
    axis.legend(loc="upper right", fontsize="small")
    fig.tight_layout()
    _save_figure(fig, path)


def save_study_plot(samples, rows, target, path):
    """Small multiples: the final histogram of every run of a study."""
    cols = min(len(samples), 5)
    nrows = -(-len(samples) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(3.2 * cols, 2.6 * nrows), squeeze=False, sharex=True)
    for axis in axes.ravel()[len(samples):]:
        axis.axis("off")
    for axis, values, row in zip(axes.ravel(), samples, rows):
        _draw_histogram(axis, values, target)
        verdict = "ok" if row["converged"] else "NOT converged"
        axis.set_title(f"run {row['run']} (seed {row['seed']}): KS {row['ks']:.3f}, {verdict}", fontsize="small")
        axis.tick_params(labelsize="small")
    fig.tight_layout()
    _save_figure(fig, path)


def _draw_histogram(axis, values, target):
    values = np.asarray(values, np.float64)
    finite = values[np.isfinite(values)]
    low, high = target.mean - 4 * target.std, target.mean + 4 * target.std
    if finite.size:
        low, high = min(low, finite.min()), max(high, finite.max())
        axis.hist(finite, bins=80, range=(low, high), density=True, alpha=0.6, label="generator")
    x = np.linspace(low, high, 400)
    axis.plot(x, target.density(x), color="black", label=f"N({target.mean:g}, {target.std:g})")
    axis.set_xlim(low, high)


def _save_figure(fig, path):
    """Writes a figure as PNG atomically and closes it."""
    try:
        with fileio.atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=FIGURE_DPI, format="png")
    finally:
        plt.close(fig)
