"""`gan-keras benchmark`: times the DCGAN train step: the book's loop, this package's engines, XLA, precisions.

    gan-keras benchmark [--batch-sizes 32 128] [--steps 10] [--variants ...] [--steps-per-call 16]
                        [--precisions float32 mixed_bfloat16] [--json OUT]

See `gan_keras.cli.views.timing` for what is timed and how.
"""

import json

from gan_keras.cli import flags
from gan_keras.core import checks, fileio

VARIANT_NAMES = ("book", "default", "xla", "compiled", "compiled_k")  # gan_keras.cli.views.timing.VARIANTS
DEFAULT_VARIANTS = ("book", "default", "compiled", "compiled_k")
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def add_arguments(parser):
    parser.add_argument("--batch-sizes", type=flags.positive_int, nargs="+", default=[32, 128],
                        help="default 32 128")
    parser.add_argument("--steps", type=flags.positive_int, default=10,
                        help="timed calls per variant (median time per step reported; default 10)")
    parser.add_argument("--warmup", type=flags.positive_int, default=3, help="untimed calls first (default 3)")
    parser.add_argument("--variants", nargs="+", default=list(DEFAULT_VARIANTS), choices=VARIANT_NAMES,
                        help="book: the book's loop as written; default: --engine book; xla: the same with XLA "
                             "forced on; compiled: --engine compiled, one step per call; compiled_k: "
                             "--steps-per-call steps per call (default: all but xla)")
    parser.add_argument("--steps-per-call", type=flags.positive_int, nargs="+", default=[32],
                        help="steps per call of compiled_k, one variant per value (default 32)")
    parser.add_argument("--precisions", nargs="+", default=["float32"], choices=PRECISIONS,
                        help="dtype policies to time each variant under (default float32)")
    parser.add_argument("--json", default=None, help="write the results to this JSON file")
    parser.add_argument("--breakdown", action="store_true", help="also time each call of the default step")


def run(args):
    checks.require_parent_dir(args.json, "--json")
    flags.quiet_tensorflow()
    # Keras loads only when the command runs, not while flags are parsed (and after TensorFlow is quietened).
    import keras

    from gan_keras.cli.views.timing import benchmark, call_breakdown, matmul_roofline, step_flops_per_image
    from gan_keras.training.devices import describe_device
    from gan_keras.recipes.build.dcgan import build_dcgan

    rooflines = {"float32": matmul_roofline()}
    if any(p != "float32" for p in args.precisions):
        rooflines["bfloat16"] = matmul_roofline(dtype="bfloat16")
    if "mixed_float16" in args.precisions:
        rooflines["float16"] = matmul_roofline(dtype="float16")
    print(f"backend {keras.config.backend()}, device {describe_device()}; matmul roofline: "
          + ", ".join(f"{dtype} {value:.1f} GFLOP/s" for dtype, value in rooflines.items()))
    results = []
    for precision in args.precisions:
        roofline = rooflines[precision.removeprefix("mixed_")]
        for batch_size in args.batch_sizes:
            medians, flops = benchmark(batch_size, args.steps, args.warmup, args.variants, args.steps_per_call,
                                       precision)
            for name, seconds in medians.items():
                images_per_s = batch_size / seconds
                gflops = images_per_s * flops / 1e9
                results.append(dict(variant=name,
                                    precision=precision, batch_size=batch_size, images_per_s=round(images_per_s, 1),
                                    step_ms=round(seconds * 1e3, 3), gflops=round(gflops, 1),
                                    roofline_share=round(gflops / roofline, 3)))
    print(f"{step_flops_per_image(build_dcgan(100)) / 1e9:.3f} GFLOP per training image")
    print("| variant | precision | batch | images/s | ms/step | GFLOP/s | share of roofline | vs default |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        base = next((b for b in results if b["variant"] == "default" and b["batch_size"] == r["batch_size"]
                     and b["precision"] == "float32"), None)
        ratio = f"{r['images_per_s'] / base['images_per_s']:.2f}x" if base else "-"
        print(f"| {r['variant']} | {r['precision']} | {r['batch_size']} | {r['images_per_s']} | {r['step_ms']} "
              f"| {r['gflops']} | {r['roofline_share']:.2f} | {ratio} |")
    if args.breakdown:
        for batch_size in args.batch_sizes:
            parts = call_breakdown(batch_size, args.steps, args.warmup)
            total = sum(seconds for seconds, _ in parts.values())
            print(f"\nbatch {batch_size}: where the default step's time goes")
            print("| call | ms | share of step | GFLOP/s |")
            print("|---|---|---|---|")
            for name, (seconds, flops) in parts.items():
                print(f"| {name} | {seconds * 1e3:.1f} | {seconds / total:.2f} | "
                      f"{batch_size * flops / seconds / 1e9:.1f} |")
    if args.json:
        fileio.write_text(args.json, json.dumps({"backend": keras.config.backend(), "device": describe_device(),
                                                 "roofline_gflops": {k: round(v, 1) for k, v in rooflines.items()},
                                                 "results": results}, indent=2))
    return 0
