"""Trains the 1-D Gaussian GAN ("GANs in 50 lines"), once or as a stability study.

    python scripts/train_gaussian.py                      # one run, outputs/gaussian
    python scripts/train_gaussian.py --runs 10 --json outputs/gaussian/study.json
    python scripts/train_gaussian.py --target-mean -3 --target-std 0.5 --runs 10 --output-dir outputs/gaussian_m3

One run is 1,500 steps of batch 512 (about 20 s on a 2-core CPU); a study of
10 runs takes 3.5-5 minutes. Each run's folder gets history.csv (with `mean`
and `std` columns), losses.png, trajectory.png, histogram.png,
checkpoint.npz and generator.keras; a study adds study.png.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gan_keras import cli  # noqa: E402
from gan_keras import scripts_common as common  # noqa: E402

# An "epoch" of the endless Gaussian stream: this many batches.
STEPS_PER_EPOCH = 500


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_run_flags(parser, output_dir="outputs/gaussian", batch_size=512, epochs=3, latent_dim=4, data=False)
    parser.add_argument("--target-mean", type=cli.finite_float, default=4.0, help="mean of the target (default 4)")
    parser.add_argument("--target-std", type=cli.positive_float, default=1.25,
                        help="standard deviation of the target, > 0 (default 1.25)")
    parser.add_argument("--d-steps", type=cli.positive_int, default=1,
                        help="discriminator updates (a real and a fake batch each) per step (default 1)")
    parser.add_argument("--g-steps", type=cli.positive_int, default=1, help="generator updates per step (default 1)")
    parser.add_argument("--runs", type=cli.positive_int, default=1,
                        help="seeds to train (seed, seed+1, ...); with more than one, each run gets "
                             "--output-dir/run_NN (default 1)")
    parser.add_argument("--json", metavar="OUT", default=None,
                        help="write the table of runs as JSON: a list of {run, seed, mean, std, ks, converged}")
    parser.add_argument("--no-batch-statistics", action="store_true",
                        help="judge single samples only (the write-up's discriminator), not samples "
                             "with their batch's mean and std")
    parser.add_argument("--trajectory-interval", type=cli.positive_int, default=100,
                        help="steps between mean/std measurements (default 100)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cli.check_output_dir(args.output_dir)
    cli.require_parent_dir(args.json, "--json", cli.EXIT_USAGE)
    cli.quiet_tensorflow()
    from gan_keras.gaussian_study import StudyConfig, Target, format_table, run_study, write_json

    target = Target(args.target_mean, args.target_std)
    study = StudyConfig(
        target=target,
        runs=args.runs,
        latent_dim=args.latent_dim,
        batch_statistics=not args.no_batch_statistics,
        d_steps=args.d_steps,
        g_steps=args.g_steps,
        trajectory_interval=args.trajectory_interval,
    )
    config = common.run_config_from_flags(
        args,
        model="gaussian",
        model_settings=(
            ("latent_dim", args.latent_dim),
            ("target_mean", target.mean),
            ("target_std", target.std),
            ("batch_statistics", study.batch_statistics),
            ("d_steps", args.d_steps),
            ("g_steps", args.g_steps),
        ),
    )
    started = time.perf_counter()
    rows, interrupted = run_study(config, study, STEPS_PER_EPOCH)
    if rows:
        print(format_table(rows, target))
    if interrupted:
        return cli.EXIT_INTERRUPTED
    print(f"{len(rows)} run(s) in {time.perf_counter() - started:.1f} s")
    if args.json is not None:
        write_json(rows, args.json)
        print(f"Table written to {args.json}")
    return 0


if __name__ == "__main__":
    cli.main_guard(main)
