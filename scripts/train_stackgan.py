"""Trains StackGAN, text to image in two stages (8.3.1): captions -> 14x14 (Stage-I) -> 28x28 (Stage-II).

    python scripts/train_stackgan.py
    gan-keras sample --generator outputs/stackgan/stage2/generator.keras --caption "a light, narrow sneaker" --out x.png

The same as `gan-keras train stackgan`; `--help` lists every flag.
"""

from gan_keras.cli import run_script, train_command

if __name__ == "__main__":
    run_script(train_command("stackgan"), __doc__.splitlines()[0])
