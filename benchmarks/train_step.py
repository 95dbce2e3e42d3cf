"""Times the DCGAN train step: the book's loop, this package's default, XLA (same as `gan-keras benchmark`).

    python benchmarks/train_step.py [--batch-sizes 32 128] [--steps 10] [--json OUT]
"""

from gan_keras.cli import COMMANDS, run_script

if __name__ == "__main__":
    run_script(COMMANDS["benchmark"], __doc__.splitlines()[0])
