"""Upscales your own image 4x with a trained SRGAN generator (or translates it with pix2pix's).

    python scripts/upscale.py --generator outputs/srgan_photos/srgan/generator.keras --input photo.png --out big.png

The same as `gan-keras upscale`; `--help` lists every flag.
"""

from gan_keras.cli import COMMANDS, run_script

if __name__ == "__main__":
    run_script(COMMANDS["upscale"], __doc__.splitlines()[0])
