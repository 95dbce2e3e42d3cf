"""Trains the conditional GAN (a class label in, an image of that class out) on Fashion-MNIST or MNIST.

    python scripts/train_cgan.py --epochs 20

The same as `gan-keras train cgan`; `--help` lists every flag.
"""

from gan_keras.cli import run_script, train_command

if __name__ == "__main__":
    run_script(train_command("cgan"), __doc__.splitlines()[0])
