"""`gan-keras upscale`: 4x super-resolution of your own image, with the shipped upscaler or your SRGAN.

    gan-keras upscale --input photo.jpg --out big.png
    gan-keras upscale --generator outputs/srgan_photos/srgan/generator.keras --input photo.png --out big.png

Without `--generator` an upscaler that ships with the package is used
(`gan_keras/sampling/assets/`, trained by `gan-keras train srgan --dataset
photos`): `--model srresnet` (the default, the most faithful: +1.2 dB PSNR over
bicubic on the held-out photos) or `--model srgan` (sharper, +0.4 dB). Any image Pillow
reads works: RGB, grey, 16-bit grey (read at full precision, written at 8
bits), with transparency (the alpha channel is enlarged with bicubic
interpolation and kept), palette, CMYK; EXIF orientation applied. Images of
any size are upscaled in tiles of bounded memory (`gan_keras.sampling.tiles`).
The output is a PNG.
"""

from gan_keras.cli import flags
from gan_keras.core import checks
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.data import image_file
from gan_keras.sampling import upscaler


def add_arguments(parser):
    parser.add_argument("--generator", help="a generator.keras saved by `gan-keras train srgan` (default: the "
                                            "upscaler shipped with the package, see --model)")
    parser.add_argument("--model", choices=("srresnet", "srgan"), default=None,
                        help="which shipped upscaler: srresnet (most faithful, the default) or srgan (sharper)")
    parser.add_argument("--input", required=True, help="the image to upscale (PNG, JPEG or any image Pillow "
                                                       "reads; grey, colour, with transparency, 16-bit)")
    parser.add_argument("--out", required=True, help="PNG file to write")
    parser.add_argument("--tile", type=flags.positive_int, default=None,
                        help="input pixels per tile side (default: the largest whose activations stay under "
                             "1 GiB; an image that fits is upscaled in one piece)")


def run(args):
    if not args.out.endswith(".png"):
        raise UserError(f"--out must end in .png, got {args.out}", EXIT_USAGE)
    if args.generator is not None and args.model is not None:
        raise UserError("--model chooses a shipped upscaler; --generator names your own: give one of them",
                        EXIT_USAGE)
    checks.require_file(args.generator, "generator")
    generator_path = args.generator or upscaler.shipped_upscaler_path(args.model or "srresnet")
    checks.require_file(args.input, "input image")
    checks.require_parent_dir(args.out, "--out")
    image, alpha = image_file.read_image(args.input)
    flags.quiet_tensorflow()
    generator = upscaler.load_upscaler(generator_path)
    result = upscaler.upscale_image(generator, image, alpha, tile=args.tile, name=args.input)
    image_file.write_png(args.out, result.pixels)
    if image_file.bit_depth(args.input) == 16:
        print(f"note: {args.input} has 16 bits per channel; {args.out} is written with 8")
    pieces = f" in {result.tiles} tiles of up to {result.tile} pixels (margin {result.margin})" * (result.tiles > 1)
    print(f"Wrote {args.out} ({result.pixels.shape[0]}x{result.pixels.shape[1]}) from {args.input} "
          f"({image.shape[0]}x{image.shape[1]}){pieces}")
    return 0
