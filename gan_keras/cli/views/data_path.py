"""The data path of a folder run beside its training step: decode once, then batches from the cache.

    python benchmarks/data_path.py [--images 2000] [--size 64] [--batch-size 32] [--folder DIR]

Writes `--images` JPEG and PNG pictures of several sizes (160 to 480 pixels a side) into a scratch folder
(or reads `--folder`), then times, in one process on this machine:

1. the first read: every picture decoded, centre-cropped and area-resized once into the uint8 cache
   (`gan_keras.data.image_folder`), on every core;
2. the data path of every training step: a batch drawn from the memory-mapped cache and scaled to
   float32 (`gan_keras.data.sources.ArraySource`), images/s over 200 batches in order;
3. the training step of the DCGAN at `--size` (the book's engine, the run's own code), images/s over
   `--steps` steps after one warm-up step.

It prints the three rates, the data path's lead over the step, and the memory the data path holds: one
batch of float32 pixels, the epoch's permutation (8 bytes per picture) and the cache's pages, which the
operating system maps in and drops as memory is needed (the cache is never read whole into memory).
"""

import os
import resource
import tempfile
import time

import numpy as np
from PIL import Image

from gan_keras.data.image_folder import load_image_folder
from gan_keras.data.sources import ArraySource

LEAD_WANTED = 10


def add_arguments(parser):
    parser.add_argument("--images", type=int, default=2000, help="pictures written into the scratch folder")
    parser.add_argument("--size", type=int, default=64, help="--image-size of the run")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5, help="training steps timed")
    parser.add_argument("--folder", default=None, help="an existing folder of pictures instead of the scratch one")


def run(args):
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["GAN_KERAS_CACHE"] = os.path.join(scratch, "cache")
        folder = args.folder or _write_pictures(os.path.join(scratch, "pictures"), args.images)
        start = time.perf_counter()
        pictures = load_image_folder(folder, args.size, progress=False)
        decode = len(pictures.images) / (time.perf_counter() - start)
        cache_mb = os.path.getsize(pictures.cache) / 2**20
        source = ArraySource(pictures.images, batch_size=args.batch_size, seed=0)
        batches = min(200, source.batches_per_epoch * 4)
        start = time.perf_counter()
        for index in range(batches):
            source.batch(index)
        data_path = batches * args.batch_size / (time.perf_counter() - start)
        step = _step_rate(pictures.images, args)
    lead = data_path / step
    batch_mb = args.batch_size * args.size * args.size * pictures.images.shape[-1] * 4 / 2**20
    print(f"| what | images/s |\n|---|---:|\n| first read: decode into the cache (once) | {decode:,.0f} |\n"
          f"| data path: a batch from the cache, as float32 | {data_path:,.0f} |\n"
          f"| DCGAN training step at {args.size}x{args.size}, batch {args.batch_size} | {step:,.1f} |")
    print(f"\nThe data path is {lead:,.0f}x faster than the step (wanted: at least {LEAD_WANTED}x).")
    print(f"Memory of the data path: one batch ({batch_mb:.1f} MB of float32) and the permutation "
          f"({8 * len(pictures.images) / 2**20:.2f} MB); the cache ({cache_mb:.1f} MB here, "
          f"{args.size * args.size * pictures.images.shape[-1]:,} bytes per picture) is memory-mapped, never "
          f"read whole. Peak resident memory of this process: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:,.0f} MB (Keras and the models included).")
    return 0 if lead >= LEAD_WANTED else 1


def _write_pictures(folder, count):
    """`count` pictures of smooth random colours, 160..480 pixels a side, every other one a JPEG."""

    os.makedirs(folder)
    rng = np.random.default_rng(0)
    for i in range(count):
        height, width = rng.integers(160, 481, 2)
        corners = rng.integers(0, 256, (2, 2, 3)).astype(np.uint8)
        picture = Image.fromarray(corners).resize((int(width), int(height)), Image.Resampling.BILINEAR)
        picture.save(os.path.join(folder, f"{i:05d}.{'jpg' if i % 2 else 'png'}"))
    return folder


def _step_rate(images, args):
    """Images/s of the DCGAN's training step (the book's engine) on these pictures."""
    # Keras loads when the benchmark runs, not while its flags are parsed.
    from gan_keras.cli.views.timing import EngineSteps
    from gan_keras.recipes.build.dcgan import build_dcgan

    gan = build_dcgan(100, images.shape[1:])
    steps = EngineSteps(gan, ArraySource(images, batch_size=args.batch_size, seed=0))
    steps(1)
    start = time.perf_counter()
    for step in range(2, args.steps + 2):
        steps(step)
    return args.steps * args.batch_size / (time.perf_counter() - start)
