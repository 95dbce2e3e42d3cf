"""`gan-keras translate`: runs an image-to-image generator on your own image.

    gan-keras translate --generator outputs/pix2pix_gan_l1/generator.keras --input edges.png --out shoe.png

A pix2pix generator takes the input size it was trained on (28x28 edge maps,
black lines on white, for edges2fashion); a larger picture for a generator
of square pictures (a folder run) is prepared as its training pictures were:
centre square, area resize. A generator of another kind is refused in
one line that names its command (an SRGAN generator, which takes any size:
`gan-keras upscale`; one that draws from noise: `gan-keras sample`). The image is read
by `gan_keras.data.image_file` (RGB or grey, converted to what the
generator was trained on; alpha dropped).
"""

from gan_keras.core.pixels import from_uint8, to_tanh_range
from gan_keras.cli import flags
from gan_keras.core import checks
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.data.image_file import match_channels, read_image
from gan_keras.sampling import artifact


def add_arguments(parser):
    parser.add_argument("--generator", required=True, help="a generator.keras saved by `gan-keras train pix2pix`")
    parser.add_argument("--input", required=True, help="the image to translate (PNG or JPEG, RGB or grey)")
    parser.add_argument("--out", required=True, help="PNG file to write")


def run(args):
    from gan_keras.sampling import plotting  # matplotlib loads when the image is written, not while flags are parsed

    if not args.out.endswith(".png"):
        raise UserError(f"--out must end in .png, got {args.out}", EXIT_USAGE)
    checks.require_file(args.generator, "generator")
    checks.require_file(args.input, "input image")
    checks.require_parent_dir(args.out, "--out")
    image, _ = read_image(args.input)  # alpha dropped
    flags.quiet_tensorflow()
    generator = artifact.load_generator(args.generator, kinds=(artifact.GeneratorKind.TRANSLATOR,),
                                        command="gan-keras translate")
    info = generator.info
    image = match_channels(image, info.condition_shape[-1])
    fixed = tuple(info.condition_shape[:2])
    if image.shape[:2] != fixed:  # prepared as a folder's training pictures: centre square, area resize
        if fixed[0] != fixed[1]:
            raise UserError(f"{args.generator} takes {fixed[0]}x{fixed[1]} images, {args.input} is "
                            f"{image.shape[0]}x{image.shape[1]}")
        # Pillow loads only for a picture to prepare.
        from gan_keras.data.image_folder import prepare_image

        try:
            pixels, _ = prepare_image(args.input, fixed[0])
        except ValueError as error:
            raise UserError(f"{args.input} is {error}: {args.generator} takes {fixed[0]}x{fixed[1]} images") from None
        print(f"{args.input}: its centre square shrunk to {fixed[0]}x{fixed[1]}, as the training pictures were")
        image = match_channels(from_uint8(pixels), info.condition_shape[-1])
    output = generator.generate(image[None], batch_size=1)
    output = to_tanh_range(output, info.pixel_range)[0]
    plotting.save_image(output, args.out)
    print(f"Wrote {args.out} ({output.shape[0]}x{output.shape[1]}) from {args.input} "
          f"({image.shape[0]}x{image.shape[1]})")
    return 0

