"""`gan-keras upscale` / `gan-keras translate`: runs an image-to-image generator on your own image.

    gan-keras upscale --generator outputs/srgan_photos/srgan/generator.keras --input photo.png --out big.png
    gan-keras translate --generator outputs/pix2pix_gan_l1/generator.keras --input edges.png --out shoe.png

An SRGAN generator is fully convolutional: it takes an image of any size, RGB
or grey (converted to what it was trained on), and returns one 4x larger. A
pix2pix generator takes exactly the input size it was trained on (28x28
edge maps, black lines on white).
"""

from gan_keras.core.pixels import to_tanh_range
from gan_keras.cli import flags
from gan_keras.core import checks
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.sampling import artifact

FLOATS_PER_OUTPUT_PIXEL = 600  # activations of the SRResNet's last layers, with room to spare


def add_arguments(parser):
    parser.add_argument("--generator", required=True, help="a generator.keras saved by `gan-keras train srgan` "
                                                           "or `train pix2pix`")
    parser.add_argument("--input", required=True, help="the image to translate (PNG or JPEG, RGB or grey)")
    parser.add_argument("--out", required=True, help="PNG file to write")


def run(args):
    from gan_keras.sampling import plotting  # matplotlib loads when the image is written, not while flags are parsed

    if not args.out.endswith(".png"):
        raise UserError(f"--out must end in .png, got {args.out}", EXIT_USAGE)
    checks.require_file(args.generator, "generator")
    checks.require_file(args.input, "input image")
    checks.require_parent_dir(args.out, "--out")
    image = read_image(args.input)
    flags.quiet_tensorflow()
    generator = artifact.load_generator(args.generator)
    info = generator.info
    if not info.image_conditioned:
        raise UserError(f"{args.generator} draws from noise, it does not translate images: use `gan-keras sample`")
    image = match_channels(image, info.condition_shape[-1])
    fixed = tuple(info.condition_shape[:2])
    if all(fixed) and image.shape[:2] != fixed:
        raise UserError(f"{args.generator} takes {fixed[0]}x{fixed[1]} images, {args.input} is "
                        f"{image.shape[0]}x{image.shape[1]}")
    scale = 1 if all(fixed) else 4
    checks.check_memory(image.shape[0] * image.shape[1] * scale**2 * FLOATS_PER_OUTPUT_PIXEL * 4,
                     f"a {image.shape[0]}x{image.shape[1]} input", "the input's size (crop or shrink it)")
    output = generator.generate(image[None], batch_size=1)
    output = to_tanh_range(output, info.pixel_range)[0]
    plotting.save_image(output, args.out)
    print(f"Wrote {args.out} ({output.shape[0]}x{output.shape[1]}) from {args.input} "
          f"({image.shape[0]}x{image.shape[1]})")
    return 0


def read_image(path):
    """Reads a PNG or JPEG as float32 `(h, w, c)` in [-1, 1] (c = 1 or 3; alpha dropped).

    Raises:
        UserError: (exit status 1) if the file is not a readable image.
    """
    import numpy as np
    import skimage.io

    try:
        image = np.asarray(skimage.io.imread(path))
    except Exception as error:  # imageio raises many types for a bad file
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise UserError(f"cannot read an image from {path}: {first}") from None
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[-1] not in (1, 2, 3, 4) or min(image.shape[:2]) < 1:
        raise UserError(f"{path} is not a grey or colour image (shape {image.shape})")
    image = image[..., :3] if image.shape[-1] >= 3 else image[..., :1]
    scale = 65535.0 if image.dtype == np.uint16 else 255.0 if image.dtype == np.uint8 else 1.0
    return (image.astype(np.float32) / np.float32(scale)) * 2.0 - 1.0


def match_channels(image, channels):
    """Grey -> colour by repetition, colour -> grey by the mean of R, G and B."""
    if image.shape[-1] == channels:
        return image
    if channels == 1:
        return image.mean(axis=-1, keepdims=True)
    return image.repeat(channels, axis=-1)
