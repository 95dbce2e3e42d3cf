"""Edge maps (gan_keras.data.edges) and the pix2pix U-Net and PatchGAN builders."""

import keras
import numpy as np
import pytest
from scipy import ndimage
from skimage.morphology import thin

from gan_keras.data.edges import edge_map, edge_maps, to_generator_input
from gan_keras.models.pix2pix import build_patch_discriminator, build_unet_generator


def count(weights):
    return int(sum(np.prod(w.shape) for w in weights))


def picture(rows):
    """'#' -> 0 (line), '.' -> 255 (background)."""
    return np.array([[0 if c == "#" else 255 for c in row] for row in rows], dtype=np.uint8)


def square(hard=True):
    """A 12x12 white square at rows/cols 8..19 of a black 28x28 image; `hard=False` greys its outer ring."""
    image = np.zeros((28, 28), np.uint8)
    image[8:20, 8:20] = 255 if hard else 128
    image[9:19, 9:19] = 255
    return image


# ---- edge maps ----

def test_antialiased_square_gives_its_outline_on_the_grey_ring():
    # The grey ring (rows/cols 8 and 19) is where the gradient peaks; Canny cuts the corners.
    expected = np.full((28, 28), 255, np.uint8)
    expected[6:22, 6:22] = picture([
        "................",
        "................",
        "...#########....",
        "..#.........#...",
        "..#..........#..",
        "..#..........#..",
        "..#..........#..",
        "..#..........#..",
        "..#..........#..",
        "..#..........#..",
        "..#..........#..",
        "..#..........#..",
        "..#.........#...",
        "...#########....",
        "................",
        "................",
    ])
    edges = edge_map(square(hard=False))
    np.testing.assert_array_equal(edges, expected)
    assert (edges == 0).sum() == 38


def test_hard_square_gives_a_closed_one_pixel_outline_along_its_border():
    edges = edge_map(square(hard=True))
    lines = np.argwhere(edges == 0)
    assert lines.min(axis=0).tolist() == [7, 7] and lines.max(axis=0).tolist() == [20, 19]
    # Every line pixel is within one pixel of the square's border (rows/cols 8 and 19).
    border = np.zeros((28, 28), bool)
    border[8:20, 8:20] = True
    border[9:19, 9:19] = False
    near_border = ndimage.binary_dilation(border, structure=np.ones((3, 3)))
    assert near_border[edges == 0].all()
    # Closed: the background splits into the inside and the outside (4-connected).
    _, pieces = ndimage.label(edges == 255)
    assert pieces == 2
    # One pixel wide: thinning changes nothing.
    np.testing.assert_array_equal(thin(edges == 0), edges == 0)


def test_empty_image_gives_an_all_white_map():
    edges = edge_map(np.zeros((28, 28), np.uint8))
    assert edges.dtype == np.uint8 and edges.shape == (28, 28)
    assert (edges == 255).all()
    assert (edge_map(np.full((28, 28), 200, np.uint8)) == 255).all()


def test_isolated_bright_pixel_is_removed_as_a_small_component():
    image = np.zeros((28, 28), np.uint8)
    image[14, 14] = 255
    # Canny draws a 4-pixel diamond around it...
    kept = edge_map(image, min_size=1)
    expected = np.full((28, 28), 255, np.uint8)
    expected[[13, 14, 14, 15], [14, 13, 15, 14]] = 0
    np.testing.assert_array_equal(kept, expected)
    # ... which the small-component removal (default min_size=5) drops, while the square survives.
    assert (edge_map(image) == 255).all()
    both = square(hard=False)
    both[2, 2] = 255
    np.testing.assert_array_equal(edge_map(both), edge_map(square(hard=False)))


def test_edge_maps_is_edge_map_per_image_deterministic_and_binary():
    rng = np.random.default_rng(0)
    images = np.stack([square(True), square(False), rng.integers(0, 256, (28, 28)).astype(np.uint8),
                       np.zeros((28, 28), np.uint8)])
    maps = edge_maps(images)
    assert maps.shape == (4, 28, 28) and maps.dtype == np.uint8
    assert set(np.unique(maps).tolist()) == {0, 255}
    for image, edges in zip(images, maps):
        np.testing.assert_array_equal(edges, edge_map(image))
    np.testing.assert_array_equal(edge_maps(images), maps)
    assert edge_maps(np.zeros((0, 28, 28), np.uint8)).shape == (0, 28, 28)


def test_to_generator_input_maps_lines_to_minus_one_and_background_to_one():
    edges = np.array([[[0, 255], [255, 0]]], np.uint8)
    scaled = to_generator_input(edges)
    assert scaled.dtype == np.float32 and scaled.shape == (1, 2, 2, 1)
    np.testing.assert_array_equal(scaled[..., 0], [[[-1.0, 1.0], [1.0, -1.0]]])


@pytest.mark.parametrize("call", [
    lambda: edge_map(np.zeros((1, 28, 28), np.uint8)),
    lambda: edge_map(np.zeros((28, 28), np.float32)),
    lambda: edge_map(np.zeros((28, 28), np.uint8), sigma=0),
    lambda: edge_map(np.zeros((28, 28), np.uint8), min_size=0),
    lambda: edge_maps(np.zeros((28, 28), np.uint8)),
    lambda: to_generator_input(np.zeros((2, 28, 28), np.float32)),
])
def test_edge_functions_reject_bad_inputs(call):
    with pytest.raises(ValueError):
        call()


# ---- U-Net generator ----

@pytest.fixture(scope="module")
def generator():
    return build_unet_generator()


def test_unet_generator_shapes_and_parameter_counts(generator):
    assert generator.name == "unet_generator"
    assert generator.input_shape == (None, 28, 28, 1)
    assert generator.output_shape == (None, 28, 28, 1)
    assert count(generator.weights) == 1_447_233
    assert count(generator.trainable_weights) == 1_446_081
    encoder = [layer for layer in generator.layers if type(layer) is keras.layers.Conv2D]
    decoder = [layer for layer in generator.layers if type(layer) is keras.layers.Conv2DTranspose]
    assert [(c.filters, c.strides, c.use_bias) for c in encoder] == [
        (64, (2, 2), True), (128, (2, 2), False), (256, (2, 2), False)]
    assert [(c.filters, c.strides) for c in decoder] == [(128, (2, 2)), (64, (2, 2)), (1, (2, 2))]
    dropouts = [layer for layer in generator.layers if isinstance(layer, keras.layers.Dropout)]
    assert [d.rate for d in dropouts] == [0.5, 0.5]
    assert [layer.name for layer in generator.layers if isinstance(layer, keras.layers.BatchNormalization)] == [
        "down2_bn", "bottleneck_bn", "up1_bn", "up2_bn"]


def test_dropout_is_the_noise_in_training_mode_only(generator):
    edges = to_generator_input(np.stack([edge_map(square(True)), edge_map(square(False))]))
    first, second = (generator(edges, training=True).numpy() for _ in range(2))
    assert not np.allclose(first, second)
    np.testing.assert_array_equal(generator(edges, training=False).numpy(), generator(edges, training=False).numpy())
    quiet = build_unet_generator(filters=4, dropout=0.0)
    np.testing.assert_array_equal(quiet(edges, training=True).numpy(), quiet(edges, training=True).numpy())


def test_generated_images_are_within_minus_one_and_one(generator):
    edges = np.random.default_rng(0).uniform(-1, 1, (3, 28, 28, 1)).astype(np.float32) * 50
    for training in (False, True):
        images = generator(edges, training=training).numpy()
        assert images.shape == (3, 28, 28, 1)
        assert images.min() >= -1 and images.max() <= 1


@pytest.mark.parametrize("image_shape", [(32, 32, 3), (20, 28, 1), (4, 8, 2)])
def test_unet_generator_accepts_multiples_of_four(image_shape):
    generator = build_unet_generator(image_shape, filters=4)
    assert generator.output_shape == (None, *image_shape)
    assert generator(np.zeros((2, *image_shape), np.float32)).shape == (2, *image_shape)


# ---- PatchGAN discriminator ----

def test_patch_discriminator_shapes_and_parameter_counts():
    discriminator = build_patch_discriminator()
    assert discriminator.name == "patch_discriminator"
    assert [tuple(t.shape) for t in discriminator.inputs] == [(None, 28, 28, 1), (None, 28, 28, 1)]
    assert [t.name for t in discriminator.inputs] == ["image", "condition"]
    assert discriminator.output_shape == (None, 7, 7, 1)
    assert count(discriminator.weights) == 663_105
    assert count(discriminator.trainable_weights) == 662_337
    convs = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [(c.filters, c.strides, c.kernel_size) for c in convs] == [
        (64, (2, 2), (4, 4)), (128, (2, 2), (4, 4)), (256, (1, 1), (4, 4)), (1, (1, 1), (4, 4))]
    rng = np.random.default_rng(0)
    pair = [rng.uniform(-1, 1, (2, 28, 28, 1)).astype(np.float32) for _ in range(2)]
    patches = discriminator(pair, training=False).numpy()
    assert patches.shape == (2, 7, 7, 1)
    assert patches.min() >= 0 and patches.max() <= 1
    # The image comes first: swapping the pair changes the verdict.
    assert not np.allclose(discriminator(pair[::-1], training=False).numpy(), patches)


def test_patch_discriminator_grid_is_a_quarter_of_the_image():
    discriminator = build_patch_discriminator((32, 20, 3), filters=4)
    assert discriminator.output_shape == (None, 8, 5, 1)


# ---- bad sizes ----

@pytest.mark.parametrize("build", [build_unet_generator, build_patch_discriminator])
@pytest.mark.parametrize("image_shape", [(27, 28, 1), (28, 30, 1), (28, 28), (28, 28, 0), (0, 28, 1)])
def test_builders_reject_bad_image_shapes(build, image_shape):
    with pytest.raises(ValueError):
        build(image_shape)


@pytest.mark.parametrize("build, kwargs", [
    (build_unet_generator, {"filters": 0}),
    (build_unet_generator, {"filters": 8.0}),
    (build_unet_generator, {"dropout": 1.0}),
    (build_unet_generator, {"dropout": -0.1}),
    (build_patch_discriminator, {"filters": -1}),
])
def test_builders_reject_bad_arguments(build, kwargs):
    with pytest.raises(ValueError):
        build(**kwargs)


def test_cached_edge_maps_are_computed_once_and_keyed_by_images_and_settings(tmp_path, monkeypatch):
    from gan_keras.data import edges as edges_module

    images = np.zeros((3, 28, 28), np.uint8)
    images[:, 8:20, 8:20] = 255
    first = edges_module.cached_edge_maps(images, folder=str(tmp_path))
    np.testing.assert_array_equal(first, edges_module.edge_maps(images))
    assert len(list(tmp_path.glob("edges-*.npy"))) == 1
    calls = []
    monkeypatch.setattr(edges_module, "edge_maps", lambda *a, **k: calls.append(1) or first)
    np.testing.assert_array_equal(edges_module.cached_edge_maps(images, folder=str(tmp_path)), first)
    assert calls == []  # read from the cache
    edges_module.cached_edge_maps(images, sigma=1.5, folder=str(tmp_path))
    assert calls == [1] and len(list(tmp_path.glob("edges-*.npy"))) == 2  # other settings, other file
