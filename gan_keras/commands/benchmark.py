"""`gan-keras benchmark`: times the DCGAN train step: the book's loop, this package's default, XLA.

    gan-keras benchmark [--batch-sizes 32 128] [--steps 10] [--json OUT]

See `gan_keras.benchmark` for what is timed and how.
"""

import json

from gan_keras import cli

VARIANT_NAMES = ("book", "default", "xla")  # gan_keras.benchmark.VARIANTS


def add_arguments(parser):
    parser.add_argument("--batch-sizes", type=cli.positive_int, nargs="+", default=[32, 128],
                        help="default 32 128")
    parser.add_argument("--steps", type=cli.positive_int, default=10,
                        help="timed steps per variant (median reported; default 10)")
    parser.add_argument("--warmup", type=cli.positive_int, default=3, help="untimed steps first (default 3)")
    parser.add_argument("--variants", nargs="+", default=list(VARIANT_NAMES), choices=VARIANT_NAMES,
                        help="default: all")
    parser.add_argument("--json", default=None, help="write the results to this JSON file")
    parser.add_argument("--breakdown", action="store_true", help="also time each call of the default step")


def run(args):
    cli.require_parent_dir(args.json, "--json")
    cli.quiet_tensorflow()
    import keras

    from gan_keras.benchmark import benchmark, call_breakdown, matmul_roofline, step_flops_per_image
    from gan_keras.models.dcgan import build_dcgan

    roofline = matmul_roofline()
    print(f"backend {keras.config.backend()}; float32 matmul roofline: {roofline:.1f} GFLOP/s")
    results = []
    for batch_size in args.batch_sizes:
        medians, flops = benchmark(batch_size, args.steps, args.warmup, args.variants)
        for name, seconds in medians.items():
            images_per_s = batch_size / seconds
            gflops = images_per_s * flops / 1e9
            results.append(dict(variant=name, batch_size=batch_size, images_per_s=round(images_per_s, 1),
                                gflops=round(gflops, 1), roofline_share=round(gflops / roofline, 3)))
    print(f"{step_flops_per_image(build_dcgan(100)) / 1e9:.3f} GFLOP per training image")
    print("| variant | batch | images/s | GFLOP/s | share of roofline |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| {r['variant']} | {r['batch_size']} | {r['images_per_s']} | {r['gflops']} "
              f"| {r['roofline_share']:.2f} |")
    for batch_size in args.batch_sizes:
        rows = {r["variant"]: r for r in results if r["batch_size"] == batch_size}
        if "default" in rows and "book" in rows:
            ratio = rows["default"]["images_per_s"] / rows["book"]["images_per_s"]
            print(f"batch {batch_size}: default/book = {ratio:.2f}x, "
                  f"default/roofline = {rows['default']['roofline_share']:.2f}")
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
        from gan_keras import fileio

        fileio.write_text(args.json, json.dumps({"roofline_gflops": round(roofline, 1), "results": results},
                                                indent=2))
    return 0
