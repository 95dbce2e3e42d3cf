"""`gan-keras animate RUN_DIR`: the run's sample grids as `progress.gif` (and `.mp4` where ffmpeg exists).

    gan-keras animate outputs/fashion_dcgan
    gan-keras animate outputs/fashion_dcgan --fps 2 --out dcgan.gif

Writes `RUN_DIR/progress.gif` from `samples/` and, for a run with `--ema`,
`RUN_DIR/progress_ema.gif` from `samples_ema/`; each frame shows its step
and epoch. Training writes the same files at the end of every run.
"""

import os

from gan_keras.cli import flags
from gan_keras.core import checks
from gan_keras.core.errors import EXIT_USAGE, UserError


def add_arguments(parser):
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a training run's folder (holding samples/)")
    parser.add_argument("--fps", type=flags.positive_int, default=4, help="frames per second (default 4)")
    parser.add_argument("--out", default=None, help="the GIF of samples/ (default RUN_DIR/progress.gif; the "
                                                    "averaged generator's goes beside it with _ema)")
    parser.add_argument("--no-mp4", action="store_true", help="write no MP4, even where ffmpeg is installed")


def run(args):
    flags.quiet_tensorflow()
    # Keras loads only when the command runs (quietly), not while flags are parsed.
    from gan_keras.runs.animation import grid_files, make_animation

    if not os.path.isdir(args.run_dir):
        raise UserError(f"no run folder at {args.run_dir}", EXIT_USAGE)
    if args.out is not None and not args.out.endswith(".gif"):
        raise UserError(f"--out must end in .gif, got {args.out}", EXIT_USAGE)
    out = os.path.join(args.run_dir, "progress.gif") if args.out is None else args.out
    checks.require_parent_dir(out, "--out")
    if not grid_files(os.path.join(args.run_dir, "samples")):
        raise UserError(f"{args.run_dir} holds no sample grids (samples/step_NNNNNNN.png): is it a training run's "
                        f"folder?")
    epoch_of = _epochs(os.path.join(args.run_dir, "history.csv"))
    for folder, path in (("samples", out), ("samples_ema", out[:-len(".gif")] + "_ema.gif")):
        directory = os.path.join(args.run_dir, folder)
        if not grid_files(directory):
            continue
        steps, video = make_animation(directory, path, epoch_of=epoch_of, fps=args.fps, mp4=not args.no_mp4)
        print(f"Wrote {path}: {len(steps)} frames, steps {steps[0]}..{steps[-1]}"
              + (f"; and {video}" if video else ""))
    return 0


def _epochs(history_path):
    """`step -> epoch` from the run's history (steps per epoch: the rows of epoch 1), or None."""
    # Keras loads only when the command runs, not while flags are parsed.
    from gan_keras.training.callbacks import read_history, steps_per_epoch

    try:
        per_epoch = steps_per_epoch(read_history(history_path))
    except (OSError, UnicodeDecodeError):
        return None
    return None if per_epoch is None else lambda step: round(step / per_epoch, 2)
