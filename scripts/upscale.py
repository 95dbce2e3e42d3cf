"""Upscales your own image 4x with the shipped upscaler or a trained SRGAN generator.

    python scripts/upscale.py --input photo.jpg --out big.png
    python scripts/upscale.py --generator outputs/srgan_photos/srgan/generator.keras --input photo.png --out big.png

The same as `gan-keras upscale`; `--help` lists every flag.
"""

from gan_keras.cli import COMMANDS, run_script

if __name__ == "__main__":
    run_script(COMMANDS["upscale"], __doc__.splitlines()[0])
