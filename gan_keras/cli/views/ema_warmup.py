"""Several warm-ups of the averaged generator side by side in one training run, against the raw generator.

    python benchmarks/ema_warmup.py --steps 468 --at 50,100,150,200,468 --warmups 0,10,20,50 --n 10000

Trains the main job's DCGAN on Fashion-MNIST (the book's engine, batch 128, seed 0, `make train`'s run)
and keeps one `GeneratorAverage` per warm-up W (decay 0.999; W = 0 is the fixed decay of earlier
versions) beside it: the averages train nothing, so every column is the same run. At each step of
`--at` each generator (averages with their BatchNorm statistics re-estimated, as the run itself does)
draws `--n` samples from one fixed noise batch, scored against the test split in the shipped
classifier's features (FD). Prints a Markdown table and writes it to `--json`; with `--grid-at STEP
--grid FILE.png` also one figure of 8x8 samples of each generator at that step, side by side.
"""

import json
import time

import keras
import numpy as np

from gan_keras import evaluation
from gan_keras.core import fileio
from gan_keras.data.sources import ArraySource
from gan_keras.recipes import RECIPES, DCGANConfig
from gan_keras.sampling.plotting import plt, tile_images
from gan_keras.training.ema import GeneratorAverage
from gan_keras.training.loop import Callback, LoopConfig, train


def add_arguments(parser):
    parser.add_argument("--steps", type=int, default=468)
    parser.add_argument("--at", default="50,100,150,200,468", help="steps to score at")
    parser.add_argument("--warmups", default="0,10,20,50", help="warm-ups W to average with (0: none)")
    parser.add_argument("--decay", type=float, default=0.999)
    parser.add_argument("--n", type=int, default=10000, help="samples per score")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default="outputs/ema_warmup.json")
    parser.add_argument("--grid-at", type=int, default=None, help="step of the side-by-side grids")
    parser.add_argument("--grid", default="outputs/ema_warmup_grids.png", help="PNG of the grids")


def run(args):
    at = sorted(int(s) for s in args.at.split(","))
    warmups = [int(w) for w in args.warmups.split(",")]



    recipe = RECIPES["dcgan"]
    data = recipe.load(DCGANConfig(), None)
    keras.utils.set_random_seed(args.seed)
    gan = recipe.build(DCGANConfig(), type("Run", (), {"jit_compile": "auto"})(), args.steps)
    averages = {w: GeneratorAverage(gan.generator, args.decay, seed=args.seed, warmup=w) for w in warmups}
    source = ArraySource(data.images, batch_size=args.batch_size, seed=args.seed)
    evaluator = evaluation.Evaluator("test", n=args.n, seed=args.seed)
    noise = np.random.default_rng([args.seed, 0, 1]).standard_normal((args.n, gan.latent_dim)).astype(np.float32)
    rows = []

    def score(generator):
        images = np.concatenate([np.asarray(generator.predict_on_batch(noise[i:i + 500]))
                                 for i in range(0, args.n, 500)])
        return float(evaluator.evaluate(np.clip(images, -1, 1))["fd"])

    class Averages(Callback):
        def on_step_end(self, run, logs):
            for average in averages.values():
                average.update(run.step)
            if run.step == args.grid_at:
                grids = [("generator", gan.generator)] + [
                    ("no warm-up" if w == 0 else f"warm-up {w}", average.view(gan, source).generator)
                    for w, average in averages.items()]
                save_grids(grids, noise[:64], f"step {run.step}", args.grid)
            if run.step in at:
                row = {"step": run.step, "generator": score(gan.generator)}
                for w, average in averages.items():
                    row[f"warmup_{w}"] = score(average.view(gan, source).generator)
                rows.append(row)
                print(json.dumps(row), flush=True)

    started = time.perf_counter()
    train(gan, source, LoopConfig(total_steps=args.steps, seed=args.seed, progress=False), [Averages()])
    header = ["step", "generator"] + [f"warmup_{w}" for w in warmups]
    print(f"\n{args.steps} steps and {len(rows)} scorings in {time.perf_counter() - started:.0f} s; FD of "
          f"{args.n:,} samples (shipped classifier), decay {args.decay}")
    print("| " + " | ".join(header) + " |")
    print("|" + "---:|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(row[k]) if k == "step" else f"{row[k]:.1f}" for k in header) + " |")
    with open(args.json, "w") as f:
        json.dump({"decay": args.decay, "n": args.n, "seed": args.seed, "rows": rows}, f, indent=1)

    return 0


def save_grids(generators, noise, title, path):
    """One figure: an 8x8 grid of each `(name, generator)` on the same noise, side by side."""

    figure, axes = plt.subplots(1, len(generators), figsize=(3.2 * len(generators), 3.6))
    for axis, (name, generator) in zip(axes, generators):
        images = np.clip(np.asarray(generator.predict_on_batch(noise)), -1, 1)
        axis.imshow(tile_images(images, 8, 8), cmap="gray", vmin=0, vmax=1)
        axis.set_title(name)
        axis.axis("off")
    figure.suptitle(title)
    figure.tight_layout()
    with fileio.atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=80)
    plt.close(figure)
