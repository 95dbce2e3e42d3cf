"""Trains SRGAN for 4x super-resolution: an SRResNet first, then the GAN started from it (8.3).

    python scripts/train_srgan.py --dataset photos

The same as `gan-keras train srgan`; `--help` lists every flag.
"""

from gan_keras.cli import run_script, train_command

if __name__ == "__main__":
    run_script(train_command("srgan"), __doc__.splitlines()[0])
