"""Scores a saved generator (or real data) against the Fashion-MNIST test split.

    python scripts/evaluate.py --generator outputs/fashion_dcgan/best_generator.keras

The same as `gan-keras evaluate`; `--help` lists every flag.
"""

from gan_keras.cli import COMMANDS, run_script

if __name__ == "__main__":
    run_script(COMMANDS["evaluate"], __doc__.splitlines()[0])
