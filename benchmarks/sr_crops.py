"""Crops of held-out photographs side by side: input, bicubic, SRResNet, SRGAN, original (the README's SR figure).

    python benchmarks/sr_crops.py outputs/srgan_photos docs/srgan_photo_crops.png \
        --crop chelsea 60 140 100 --crop astronaut 40 170 100 --crop coffee 40 300 100
"""

from gan_keras.cli import Command, run_script
from gan_keras.cli.views import sr_crops

if __name__ == "__main__":
    description = __doc__.splitlines()[0]
    run_script(Command("sr_crops", description, sr_crops.add_arguments, sr_crops.run), description)
