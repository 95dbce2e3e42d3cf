"""Draws samples from a saved generator, as a PNG grid or .npz arrays.

    python scripts/sample.py --generator outputs/fashion_dcgan/generator.keras --out grid.png

The same as `gan-keras sample`; `--help` lists every flag.
"""

from gan_keras.cli import COMMANDS, run_script

if __name__ == "__main__":
    run_script(COMMANDS["sample"], __doc__.splitlines()[0])
