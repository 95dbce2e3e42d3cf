"""Crops of held-out photographs side by side: input, bicubic, SRResNet, SRGAN, original (the README's SR figure).

Reads the whole upscaled test photos a finished `gan-keras train srgan --dataset
photos` run wrote (`DIR/srresnet/test_outputs/NAME.png`, `DIR/srgan/...`), makes
the input and the bicubic baseline again exactly as the run did (PIL's bicubic
4x down, then up), and draws one row per crop (top, left, side in
high-resolution pixels), each panel enlarged `--zoom` times with nearest
neighbours so that pixels stay visible. Prints each photo's PSNR (Y, whole
photo, border 4) and sharpness for every panel. Used by `benchmarks/sr_crops.py`.
"""

import os

import numpy as np
from PIL import Image, ImageDraw

from gan_keras.core.pixels import from_uint8
from gan_keras.data import photos, resize
from gan_keras.evaluation import image_quality


def add_arguments(parser):
    parser.add_argument("run_dir", help="the folder of a finished `gan-keras train srgan --dataset photos` run")
    parser.add_argument("out", help="PNG to write")
    parser.add_argument("--crop", nargs=4, action="append", required=True, metavar=("PHOTO", "TOP", "LEFT", "SIDE"))
    parser.add_argument("--zoom", type=int, default=3)


def run(args):
    names, originals = photos.test_photos(4)
    rows = []
    for name, top, left, side in args.crop:
        top, left, side = int(top), int(left), int(side)
        original = originals[names.index(name)]
        low = resize.pil_bicubic_downscale(original, 4)
        panels = {"input (4x smaller)": np.kron(low, np.ones((4, 4, 1), np.uint8)),
                  "bicubic": resize.pil_bicubic_upscale(low, 4)}
        for phase in ("srresnet", "srgan"):
            with Image.open(os.path.join(args.run_dir, phase, "test_outputs", f"{name}.png")) as image:
                panels[phase] = np.asarray(image.convert("RGB"))
        panels["original"] = original
        unit = from_uint8(original)
        for label, image in panels.items():
            scaled = from_uint8(image)
            print(f"{name} {label}: PSNR {image_quality.psnr(unit, scaled, border=4):.2f} dB, "
                  f"sharpness {image_quality.sharpness(unit, scaled, border=4):.3f}")
        rows.append((name, [(label, image[top:top + side, left:left + side]) for label, image in panels.items()]))
    side = max(int(c[3]) for c in args.crop) * args.zoom
    gap, head = 6, 16
    columns = len(rows[0][1])
    sheet = Image.new("RGB", (columns * (side + gap), len(rows) * (side + head + gap)), "white")
    draw = ImageDraw.Draw(sheet)
    for r, (name, panels) in enumerate(rows):
        for c, (label, crop) in enumerate(panels):
            x, y = c * (side + gap), r * (side + head + gap)
            draw.text((x + 2, y + 2), f"{name}: {label}" if c == 0 else label, fill="black")
            enlarged = Image.fromarray(crop).resize((crop.shape[1] * args.zoom, crop.shape[0] * args.zoom),
                                                    Image.NEAREST)
            sheet.paste(enlarged, (x, y + head))
    sheet.save(args.out)
    print(f"Wrote {args.out}")
    return 0

