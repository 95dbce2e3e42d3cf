"""Trains the 1-D Gaussian GAN ("GANs in 50 lines"), once or as a stability study.

    python scripts/train_gaussian.py --runs 10 --json outputs/gaussian/study.json

The same as `gan-keras train gaussian`; `--help` lists every flag.
"""

from gan_keras.cli import run_script, train_command

if __name__ == "__main__":
    run_script(train_command("gaussian"), __doc__.splitlines()[0])
