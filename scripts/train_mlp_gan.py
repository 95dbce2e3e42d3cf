"""Trains the lecture's "police vs. faker" MLP GAN on the images of one class.

    python scripts/train_mlp_gan.py --schedule one-side

The same as `gan-keras train mlp`; `--help` lists every flag.
"""

from gan_keras.cli import run_script, train_command

if __name__ == "__main__":
    run_script(train_command("mlp"), __doc__.splitlines()[0])
