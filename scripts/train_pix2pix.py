"""Trains pix2pix on edge maps of Fashion-MNIST shoes and bags (the book's 8.3 image-to-image translation).

    python scripts/train_pix2pix.py --loss gan+l1

The same as `gan-keras train pix2pix`; `--help` lists every flag.
"""

from gan_keras.cli import run_script, train_command

if __name__ == "__main__":
    run_script(train_command("pix2pix"), __doc__.splitlines()[0])
