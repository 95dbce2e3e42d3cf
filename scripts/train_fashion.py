"""Trains the book's DCGAN on Fashion-MNIST.

    python scripts/train_fashion.py --epochs 10

The same as `gan-keras train dcgan`; `--help` lists every flag.
"""

from gan_keras.cli import run_script, train_command

if __name__ == "__main__":
    run_script(train_command("dcgan"), __doc__.splitlines()[0])
