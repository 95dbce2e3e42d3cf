"""Training as an animation: the fixed-noise sample grids of a run, one frame each.

`progress.gif` (and `progress.mp4` where `ffmpeg` is installed) is written at
the end of every run with sample grids (`ProgressAnimation`) and on demand
(`gan-keras animate RUN_DIR`). Each frame is one grid of `samples/` with its
step (and epoch) printed above it. Images are drawn with Pillow, which
matplotlib already depends on.
"""

import io
import os
import re
import shutil
import subprocess

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from gan_keras.core import fileio
from gan_keras.core.errors import UserError
from gan_keras.training.loop import Callback

GRID_NAME = re.compile(r"step_(\d{7})\.png$")
BAND = 22  # pixels of the caption band above each frame
FPS = 4


def grid_files(directory):
    """The sample grids of a run folder's `samples/`, as `(step, path)` sorted by step."""
    if not os.path.isdir(directory):
        return []
    found = [(int(match.group(1)), os.path.join(directory, name))
             for name in os.listdir(directory) if (match := GRID_NAME.match(name))]
    return sorted(found)


def make_animation(directory, out, epoch_of=None, fps=FPS, mp4=True):
    """Writes the grids of `directory` as an animated GIF `out` (and an MP4 beside it where possible).

    Args:
        directory: A folder of `step_NNNNNNN.png` grids.
        out: The GIF's path (replaced atomically).
        epoch_of: Optional callable `step -> epoch` (float) printed beside the step.
        fps: Frames per second; the last frame stays three times as long.
        mp4: Also write `out` with `.mp4` if an `ffmpeg` executable is on the PATH.

    Returns:
        `(steps, mp4_path or None)`: the step of each frame, in order, and the MP4 written.

    Raises:
        UserError: (exit status 1) if `directory` holds no grid, or a grid
            cannot be read.
    """

    files = grid_files(directory)
    if not files:
        raise UserError(f"no sample grids (step_NNNNNNN.png) in {directory}")
    frames = []
    for step, path in files:
        try:
            with Image.open(path) as image:
                frames.append(_captioned(image.convert("RGB"), _caption(step, epoch_of)))
        except OSError as error:
            raise UserError(f"cannot read {path}: {error}") from None
    size = max(f.width for f in frames), max(f.height for f in frames)
    frames = [_paletted(_padded(f, size)) for f in frames]
    duration = [int(1000 / fps)] * len(frames)
    duration[-1] *= 3
    with fileio.atomic_write(out, "wb") as f:
        frames[0].save(f, format="GIF", save_all=True, append_images=frames[1:], duration=duration, loop=0)
    video = None
    if mp4 and shutil.which("ffmpeg"):
        video = os.path.splitext(out)[0] + ".mp4"
        _write_mp4(frames, video, fps)
    return [step for step, _ in files], video


def _caption(step, epoch_of):
    text = f"step {step:,}"
    if epoch_of is not None:
        text += f"  (epoch {epoch_of(step):g})"
    return text


def _captioned(image, text):
    framed = Image.new("RGB", (image.width, image.height + BAND), "white")
    framed.paste(image, (0, BAND))
    try:
        font = ImageFont.load_default(size=BAND - 6)
    except TypeError:  # Pillow < 10.1: a fixed bitmap font
        font = ImageFont.load_default()
    ImageDraw.Draw(framed).text((6, 2), text, fill="black", font=font)
    return framed


def _padded(image, size):
    if image.size == size:
        return image
    canvas = Image.new("RGB", size, "white")
    canvas.paste(image, (0, 0))
    return canvas


def _paletted(image):
    """A frame in GIF's 256 colours without dithering (grey grids stay exact and compress well)."""

    pixels = np.asarray(image)
    if np.array_equal(pixels[..., 0], pixels[..., 1]) and np.array_equal(pixels[..., 1], pixels[..., 2]):
        return image.convert("L")
    return image.quantize(colors=256, dither=Image.Dither.NONE)


def _write_mp4(frames, path, fps):
    """Pipes the frames to ffmpeg (H.264, even dimensions); replaced atomically."""

    with fileio.atomic_path(path) as temporary:
        command = ["ffmpeg", "-y", "-loglevel", "error", "-f", "image2pipe", "-framerate", str(fps), "-i", "-",
                   "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white", "-pix_fmt", "yuv420p", "-f", "mp4", temporary]
        data = io.BytesIO()
        for frame in frames + [frames[-1]] * 2:
            frame.convert("RGB").save(data, format="PNG")
        result = subprocess.run(command, input=data.getvalue(), capture_output=True)
        if result.returncode != 0:
            raise UserError(f"ffmpeg could not write {path}: {result.stderr.decode(errors='replace').strip()}")


class ProgressAnimation(Callback):
    """At the end of a run (and on Ctrl-C): `progress.gif` from `samples/`, `progress_ema.gif` from `samples_ema/`.

    Args:
        output_dir: The run folder.
        steps_per_epoch: Steps of one epoch (for the caption of each frame).
    """

    def __init__(self, output_dir, steps_per_epoch):
        self.output_dir = output_dir
        self.steps_per_epoch = steps_per_epoch

    def on_train_end(self, run):
        for folder, name in (("samples", "progress.gif"), ("samples_ema", "progress_ema.gif")):
            directory = os.path.join(self.output_dir, folder)
            if grid_files(directory):
                make_animation(directory, os.path.join(self.output_dir, name),
                               epoch_of=lambda step: round(step / self.steps_per_epoch, 2))

    on_interrupt = on_train_end
