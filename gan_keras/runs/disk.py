"""The disk a run needs: the bytes it will add, estimated before its first step, against the free space.

What grows with a run's length is what can fill a disk: the kept generators
(`--keep-generators`, the averaged ones too with `--ema`), the sample grids
(one per `--save-interval`) and the animations made of them, and the
history's rows. A fresh run also adds its
checkpoint and final generator(s); a resumed one replaces them. The estimate
is made once the GAN is built (its parameter count gives a saved
generator's size) and checked by `gan_keras.core.checks.check_disk`: refused
above the free space of the run's folder, a warning above half of it.
"""

import math

from gan_keras.core.checks import check_disk, format_bytes
from gan_keras.sampling import layout

# Measured on 10x10 grids of the MLP GAN's 28x28 samples (78,400 pixels) in its first 30 steps: a PNG of
# 90-130 KB, a frame of progress.gif (with its caption band) about 195 KB. Trained generators' grids
# compress better.
GRID_BYTES_PER_PIXEL = 1.6
FRAME_BYTES_PER_PIXEL = 2.5
HISTORY_BYTES_PER_CELL = 12  # a "%.6g" number and its comma
RECORD_BYTES = 1024  # a small JSON record: a generator's info, a kept step's metrics


def saves_between(interval, start_step, total_steps):
    """How many of the steps `start_step + 1 .. total_steps` are multiples of `interval`."""
    return max(0, total_steps // interval - start_step // interval)


def saved_generator_bytes(model):
    """About the bytes of `model` saved as a generator: its `.keras` archive and `.json` info.

    4 bytes per weight (float32, also under a mixed dtype policy) plus the
    archive's overhead, measured with Keras 3.15: about 16 KiB and 2 KiB per
    weight variable (the MLP GAN's generator: 221,760 bytes of weights in 6
    variables, 244,986 saved; the DCGAN's: 3,424,772 in 16, 3,474,268 saved).

    Args:
        model: A built Keras model.

    Returns:
        Bytes (an int).
    """
    return 4 * int(model.count_params()) + 16 * 1024 + 2 * 1024 * len(model.weights) + RECORD_BYTES


def grid_values(grid, gan):
    """About the values (pixels x channels) of one grid of a `SampleGrid`.

    Image sides a generator leaves open (a fully convolutional one) count as 28.
    """
    values = math.prod(28 if side is None else int(side) for side in gan.generator.outputs[0].shape[1:])
    panels = {layout.GRID_TRANSLATIONS: 3, layout.GRID_CAPTIONS: 2}.get(layout.grid_kind(gan.condition), 1)  # inputs, targets; Stage-I
    return panels * grid.rows * grid.cols * values


def grid_saves(interval, start_step, total_steps):
    """How many grids a run writes (`last.png` aside): step 0's, every `interval` steps, and the last step's."""
    at_end = total_steps > start_step and total_steps % interval != 0
    return int(start_step == 0) + saves_between(interval, start_step, total_steps) + int(at_end)


def estimate(config, gan, start_step, total, history, grids, kept):
    """The bytes a run from `start_step` to `total` adds to its folder, in parts.

    Args:
        config: The phase's `RunConfig` (for the flags the parts name).
        gan: The built `GAN`.
        start_step: The step the run starts from (0: a fresh run).
        total: The step it ends at.
        history: Its `History` (its `columns`).
        grids: Its `SampleGrid`s (sharing one interval), maybe none.
        kept: Its `KeptGenerators`, or None.

    Returns:
        `[(bytes, what, how)]`, e.g. `(151_000_000, "kept generators",
        ": 610 x 247.6 KiB, --keep-generators 1")`.
    """
    parts = []
    if kept is not None:
        n = saves_between(kept.interval, start_step, total)
        each = saved_generator_bytes(gan.generator) * (1 if gan.ema is None else 2) + RECORD_BYTES
        parts.append((n * each, "kept generators",
                      f": {n:,} x {format_bytes(each)}, --keep-generators {config.keep_generators}"))
    if grids:
        n, values = grid_saves(grids[0].interval, start_step, total), sum(grid_values(grid, gan) for grid in grids)
        each = int(GRID_BYTES_PER_PIXEL * values)
        parts.append((n * each, "sample grids", f": {n:,} x {format_bytes(each)}"))
        parts.append((int(n * FRAME_BYTES_PER_PIXEL * values), "animations", f" ({n:,} frames)"))  # progress*.gif
    parts.append((max(0, total - start_step) * HISTORY_BYTES_PER_CELL * len(history.columns), "history", ""))
    if start_step == 0:  # a resumed run replaces these files; a fresh one adds them
        weights = 4 * (gan.generator.count_params() + gan.discriminator.count_params())
        final = saved_generator_bytes(gan.generator) * (1 if gan.ema is None else 2)
        parts.append((3 * weights + final, "checkpoint and final generator", ""))  # weights and two Adam slots
    return parts


def check_disk_space(config, gan, start_step, total, history, grids, kept):
    """Refuses a run whose files would not fit on its disk, and warns when they would take most of it.

    Args:
        As `estimate`; the free space is that of `config.output_dir`.

    Raises:
        UserError: (exit status 2) naming the estimate, its parts, the free
            space and the flags to change, if the estimate exceeds the free
            space. A disk that fills up anyway stops the run with one line,
            its last checkpoint intact (atomic files).
    """
    parts = sorted(estimate(config, gan, start_step, total, history, grids, kept), key=lambda part: -part[0])
    needed = sum(size for size, _, _ in parts)
    details = "; ".join(f"{what} {format_bytes(size)}{how}" for size, what, how in parts)
    remedy = "keep fewer generators (a larger --keep-generators, or none), " if kept is not None else ""
    remedy += "save fewer grids (a larger --save-interval), " if grids else ""
    remedy += "train fewer --steps/--epochs, or choose an --output-dir on a disk with more space"
    check_disk(needed, config.output_dir, f"the run would write about {format_bytes(needed)} to "
                                          f"{config.output_dir} ({details})", remedy)
