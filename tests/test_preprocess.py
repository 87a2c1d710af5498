import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gair_qgis.runtime.errors import InputError
from gair_qgis.runtime.preprocess import (
    band_indices,
    canonical_band_name,
    preprocess_rs,
    released_rs_spec,
    resize_bicubic,
    scale_rs,
)

SPEC = released_rs_spec()


def test_twelve_band_l2a_stack_keeps_indices_1_to_8_10_11():
    assert band_indices(12, SPEC) == [1, 2, 3, 4, 5, 6, 7, 8, 10, 11]


def test_ten_bands_are_taken_in_model_order():
    assert band_indices(10, SPEC) == list(range(10))


def test_band_descriptions_win_over_count():
    names = ["B12", "B11", "B8A", "B8", "B7", "B6", "B5", "B4", "B3", "B2", "SCL"]
    assert band_indices(11, SPEC, names) == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]


@pytest.mark.parametrize("text,name", [("B02", "B2"), ("b8a", "B8A"), ("Band B11 (1610 nm)", "B11"), ("red", None)])
def test_canonical_band_names(text, name):
    assert canonical_band_name(text) == name


@pytest.mark.parametrize("count", [3, 4, 13])
def test_wrong_band_count_is_a_clear_error(count):
    with pytest.raises(InputError, match=f"{count} band"):
        band_indices(count, SPEC)


def test_uint8_truncation_matches_the_released_formula():
    mean, std = np.array(SPEC.mean), np.array(SPEC.std)
    low = mean - 2 * std
    # values that land at q = 10.99 and 11.0 for band 0
    step = 4 * std[0] / 255
    pixels = np.zeros((10, 1, 3), dtype=np.float32)
    pixels[0, 0] = [low[0] + 10.99 * step, low[0] + 11.5 * step, low[0] - 100]
    scaled = scale_rs(pixels, SPEC)
    assert scaled[0, 0].tolist() == pytest.approx([10 / 255, 11 / 255, 0.0])
    assert scaled.dtype == np.float32


@pytest.mark.parametrize("shape,size", [((10, 190, 245), 96), ((3, 720, 1280), 224), ((2, 50, 60), 96)])
def test_numpy_bicubic_equals_torch_interpolate(shape, size):
    image = np.random.default_rng(0).random(shape, dtype=np.float32)
    expected = F.interpolate(torch.from_numpy(image)[None], size=(size, size), mode="bicubic", align_corners=False)[0]
    np.testing.assert_allclose(resize_bicubic(image, size, size), expected.numpy(), atol=5e-6)


def test_preprocess_rs_output_shape_and_range():
    pixels = np.random.default_rng(0).integers(0, 8000, (12, 190, 245)).astype(np.uint16)
    result = preprocess_rs(pixels, SPEC)
    assert result.shape == (10, 96, 96) and result.dtype == np.float32


def _resize_by_float64_matrices(image: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """The former implementation: the dense float64 separable product."""
    from gair_qgis.runtime.preprocess import bicubic_matrix

    rows, cols = bicubic_matrix(image.shape[1], out_h), bicubic_matrix(image.shape[2], out_w)
    return np.einsum("oh,chw,pw->cop", rows, image.astype(np.float64), cols, optimize=True).astype(np.float32)


@pytest.mark.parametrize(
    "shape,size",
    [
        ((10, 200, 200), 96),
        ((10, 190, 245), 96),
        ((3, 720, 1280), 224),
        ((3, 3000, 4000), 224),
        ((2, 50, 60), 96),
        ((1, 5, 3), 7),
    ],
)
def test_fast_bicubic_equals_the_float64_matrix_product_within_float32_round_off(shape, size):
    image = (np.random.default_rng(1).standard_normal(shape) * 2).astype(np.float32)
    fast = resize_bicubic(image, size, size)
    assert fast.dtype == np.float32 and fast.shape == (shape[0], size, size)
    np.testing.assert_allclose(fast, _resize_by_float64_matrices(image, size, size), rtol=0, atol=3e-6)


@pytest.mark.parametrize("dtype", [np.uint16, np.uint8, np.int16, np.float32])
def test_table_scaling_equals_the_released_formula(dtype):
    from gair_qgis.runtime.preprocess import _quantise

    rng = np.random.default_rng(2)
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "ui" else None
    low, high = (info.min, info.max) if info else (-100, 20000)
    pixels = rng.integers(low, high, size=(10, 40, 30), endpoint=True).astype(dtype)
    expected = np.stack([_quantise(band, mean, std) for band, mean, std in zip(pixels, SPEC.mean, SPEC.std)])
    expected = expected.astype(np.float32) / np.float32(255.0)
    assert np.array_equal(scale_rs(pixels, SPEC), expected)


def test_a_tile_cut_from_a_wider_read_preprocesses_as_the_tile_alone():
    """read_batch reads side by side tiles in one call and preprocesses column slices of it."""
    pixels = np.random.default_rng(3).integers(0, 8000, (10, 200, 600)).astype(np.uint16)
    tile = pixels[:, :, 200:400]
    assert not tile.flags.c_contiguous
    np.testing.assert_array_equal(preprocess_rs(tile, SPEC), preprocess_rs(np.ascontiguousarray(tile), SPEC))
