"""Image files read with Pillow: every mode to exact values in [-1, 1], alpha kept apart, one-line errors."""

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from gan_keras.core.errors import UserError
from gan_keras.data.image_file import (
    UnreadableImageError, bit_depth, match_channels, read_image, read_rgb_uint8, write_png)


def tanh(values, top=255):
    """What the reader should return for integer values: `v / (top / 2) - 1`, as float32."""
    return np.asarray(values, np.float32) / np.float32(top / 2) - np.float32(1)


def save(tmp_path, image, name, **kwargs):
    path = tmp_path / name
    image.save(path, **kwargs)
    return str(path)


def test_grey_reads_exact_values_and_no_alpha(tmp_path):
    grey = np.array([[0, 51], [255, 128]], np.uint8)
    colour, alpha = read_image(save(tmp_path, Image.fromarray(grey, "L"), "grey.png"))
    assert colour.dtype == np.float32 and colour.shape == (2, 2, 1) and alpha is None
    np.testing.assert_array_equal(colour[..., 0], tanh(grey))
    assert colour[0, 0, 0] == -1.0 and colour[0, 1, 0] == pytest.approx(-0.6) and colour[1, 0, 0] == 1.0


def test_rgb_and_rgba_keep_colour_and_alpha_apart(tmp_path):
    rgba = np.random.default_rng(0).integers(0, 256, (3, 5, 4), dtype=np.uint8)
    colour, alpha = read_image(save(tmp_path, Image.fromarray(rgba[..., :3], "RGB"), "rgb.png"))
    np.testing.assert_array_equal(colour, tanh(rgba[..., :3]))
    assert alpha is None
    colour, alpha = read_image(save(tmp_path, Image.fromarray(rgba, "RGBA"), "rgba.png"))
    np.testing.assert_array_equal(colour, tanh(rgba[..., :3]))
    np.testing.assert_array_equal(alpha, tanh(rgba[..., 3:]))
    la = rgba[..., [0, 3]]
    colour, alpha = read_image(save(tmp_path, Image.fromarray(la, "LA"), "la.png"))
    assert colour.shape == (3, 5, 1) and alpha.shape == (3, 5, 1)
    np.testing.assert_array_equal(colour[..., 0], tanh(la[..., 0]))
    np.testing.assert_array_equal(alpha[..., 0], tanh(la[..., 1]))


@pytest.mark.parametrize("transparent", [False, True])
def test_palette_reads_its_colours_and_its_transparent_index_as_alpha(tmp_path, transparent):
    image = Image.new("P", (3, 2))
    image.putpalette([0, 0, 0, 255, 0, 0, 10, 200, 30])
    image.putdata([0, 1, 2, 2, 1, 0])
    path = save(tmp_path, image, "p.png", **({"transparency": 0} if transparent else {}))
    colour, alpha = read_image(path)
    palette = np.array([[0, 0, 0], [255, 0, 0], [10, 200, 30]])
    np.testing.assert_array_equal(colour, tanh(palette[[[0, 1, 2], [2, 1, 0]]]))
    if transparent:
        np.testing.assert_array_equal(alpha[..., 0], [[-1, 1, 1], [1, 1, -1]])
    else:
        assert alpha is None


def test_bilevel_is_black_and_white(tmp_path):
    image = Image.new("1", (2, 1))
    image.putpixel((1, 0), 1)
    colour, alpha = read_image(save(tmp_path, image, "b.png"))
    np.testing.assert_array_equal(colour[..., 0], [[-1, 1]])
    assert alpha is None


def test_16_bit_grey_keeps_full_precision(tmp_path):
    values = np.array([[0, 65535], [1000, 32768]], np.uint16)
    path = save(tmp_path, Image.fromarray(values), "g16.png")
    colour, alpha = read_image(path)
    assert colour[0, 0, 0] == -1.0 and colour[0, 1, 0] == 1.0 and alpha is None
    np.testing.assert_allclose(colour[..., 0], tanh(values, 65535), atol=1e-7)
    assert colour[1, 0, 0] != tanh(1000 // 257 * 257, 65535)  # not rounded to 8 bits on the way
    assert bit_depth(path) == 16 and bit_depth(save(tmp_path, Image.fromarray(values.astype(np.uint8)), "g8.png")) == 8
    np.testing.assert_array_equal(read_rgb_uint8(path)[..., 0], [[0, 255], [4, 128]])  # round(v / 257)


def test_big_endian_16_bit_and_32_bit_integer_grey(tmp_path):
    values = np.array([[0, 65535], [1, 40000]])
    big = Image.frombytes("I;16B", (2, 2), values.astype(">u2").tobytes())
    colour, _ = read_image(save(tmp_path, big, "big.tif"))
    np.testing.assert_allclose(colour[..., 0], tanh(values, 65535), atol=1e-7)
    wide = Image.fromarray(np.array([[0, 65535], [70000, -5]], np.int32))  # mode I: clipped to 0..65535
    colour, _ = read_image(save(tmp_path, wide, "wide.tif"))
    np.testing.assert_array_equal(colour[..., 0], [[-1, 1], [1, -1]])


def test_16_bit_colour_png_is_read_at_8_bits_but_reported_as_16(tmp_path):
    values = np.array([[[0, 65535, 4660]]], np.uint16)  # 4660 = 0x1234: Pillow keeps the high byte 0x12
    header = struct.pack(">IIBBBBB", 1, 1, 16, 2, 0, 0, 0)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path = tmp_path / "rgb16.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(b"\x00" + values.astype(">u2").tobytes())) + chunk(b"IEND", b""))
    colour, _ = read_image(str(path))
    np.testing.assert_array_equal(colour[0, 0], tanh([0, 255, 0x12]))
    assert bit_depth(str(path)) == 16


@pytest.mark.parametrize("mode, value, rgb", [("CMYK", (0, 255, 0, 0), (255, 0, 255)),
                                              ("YCbCr", (100, 128, 128), (100, 100, 100))])
def test_other_colour_modes_become_rgb(tmp_path, mode, value, rgb):
    colour, alpha = read_image(save(tmp_path, Image.new(mode, (2, 2), value), "m.tif"))
    np.testing.assert_array_equal(colour, np.broadcast_to(tanh(rgb), (2, 2, 3)))
    assert alpha is None


def test_exif_orientation_is_applied(tmp_path):
    pixels = np.arange(6, dtype=np.uint8).reshape(2, 3) * 40
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    colour, _ = read_image(save(tmp_path, Image.fromarray(pixels, "L"), "phone.png", exif=exif))
    np.testing.assert_array_equal(colour[..., 0], tanh(np.rot90(pixels, -1)))


def test_read_rgb_uint8_repeats_grey_and_drops_alpha(tmp_path):
    grey = np.array([[3, 200]], np.uint8)
    np.testing.assert_array_equal(read_rgb_uint8(save(tmp_path, Image.fromarray(grey, "L"), "g.png")),
                                  np.repeat(grey[..., None], 3, axis=-1))
    rgba = np.array([[[1, 2, 3, 0], [4, 5, 6, 255]]], np.uint8)
    pixels = read_rgb_uint8(save(tmp_path, Image.fromarray(rgba, "RGBA"), "a.png"))
    assert pixels.dtype == np.uint8
    np.testing.assert_array_equal(pixels, rgba[..., :3])


def jpeg_bytes():
    import io

    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize("name, content, words", [
    ("cut.jpg", jpeg_bytes()[:300], ["truncated"]),
    ("notes.png", b"this is text, not a picture", ["not an image file"]),
    ("empty.png", b"", ["not an image file"]),
])
def test_unreadable_files_give_one_line_naming_the_file(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UserError) as caught:
        read_image(str(path))
    message = str(caught.value)
    assert isinstance(caught.value, UnreadableImageError) and caught.value.exit_code == 1
    assert str(path) in message and "\n" not in message and all(word in message.lower() for word in words)
    with pytest.raises(UnreadableImageError):
        read_rgb_uint8(str(path))


def test_a_missing_file_is_unreadable(tmp_path):
    with pytest.raises(UnreadableImageError, match="missing.png"):
        read_image(str(tmp_path / "missing.png"))


@pytest.mark.parametrize("channels, mode", [(1, "L"), (2, "LA"), (3, "RGB"), (4, "RGBA")])
def test_write_png_round_trips(tmp_path, channels, mode):
    pixels = np.random.default_rng(channels).integers(0, 256, (4, 3, channels), dtype=np.uint8)
    write_png(str(tmp_path / "o.png"), pixels)
    with Image.open(tmp_path / "o.png") as image:
        assert image.mode == mode
        np.testing.assert_array_equal(np.asarray(image).reshape(4, 3, channels), pixels)


def test_match_channels_repeats_grey_and_averages_colour():
    grey = np.array([[[0.5]]], np.float32)
    np.testing.assert_array_equal(match_channels(grey, 3), [[[0.5, 0.5, 0.5]]])
    np.testing.assert_allclose(match_channels(np.array([[[0.0, 0.3, 0.6]]]), 1), [[[0.3]]])
    assert match_channels(grey, 1) is grey
