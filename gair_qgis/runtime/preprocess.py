"""Input preprocessing of GAIR in numpy (docs/MODEL.md §3).

The constants come from a model package's metadata (`RSInputSpec`, `SVInputSpec`); the
released model's values live in `released_inputs.json` beside this file and nowhere else.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence, cast

import numpy as np
from numpy.typing import NDArray

from .errors import InputError

RELEASED_INPUTS_FILE = Path(__file__).with_name("released_inputs.json")


@dataclass(frozen=True)
class RSInputSpec:
    bands: tuple[str, ...]
    l2a_12_band_order: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    input_size: int
    token_grid: int
    nominal_pixel_size_m: float
    tile_ground_size_m: float

    @staticmethod
    def from_dict(data: dict[str, Any]) -> RSInputSpec:
        return RSInputSpec(
            bands=tuple(data["bands"]),
            l2a_12_band_order=tuple(data["l2a_12_band_order"]),
            mean=tuple(float(v) for v in data["mean"]),
            std=tuple(float(v) for v in data["std"]),
            input_size=int(data["input_size"]),
            token_grid=int(data["token_grid"]),
            nominal_pixel_size_m=float(data["nominal_pixel_size_m"]),
            tile_ground_size_m=float(data["tile_ground_size_m"]),
        )


@dataclass(frozen=True)
class SVInputSpec:
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    input_size: int

    @staticmethod
    def from_dict(data: dict[str, Any]) -> SVInputSpec:
        return SVInputSpec(
            mean=_three_floats(data["mean"]),
            std=_three_floats(data["std"]),
            input_size=int(data["input_size"]),
        )


def _three_floats(values: Sequence[float]) -> tuple[float, float, float]:
    first, second, third = (float(v) for v in values)
    return first, second, third


def released_inputs() -> dict[str, Any]:
    """The released model's input section (rs, sv, location) as written into model.json."""
    data: dict[str, Any] = json.loads(RELEASED_INPUTS_FILE.read_text())
    data.pop("_comment", None)
    return data


def released_rs_spec() -> RSInputSpec:
    return RSInputSpec.from_dict(released_inputs()["rs"])


def released_sv_spec() -> SVInputSpec:
    return SVInputSpec.from_dict(released_inputs()["sv"])


# --- RS -------------------------------------------------------------------------------

_BAND_NAME = re.compile(r"\bB0?(\d{1,2}A?)\b", re.IGNORECASE)


def canonical_band_name(description: Optional[str]) -> Optional[str]:
    """'B02', 'b2', 'B8A (865 nm)', 'Band B11' -> 'B2', 'B2', 'B8A', 'B11'; else None."""
    if not description:
        return None
    match = _BAND_NAME.search(description)
    return f"B{match.group(1).upper()}" if match else None


def band_indices(band_count: int, spec: RSInputSpec, band_names: Optional[Sequence[Optional[str]]] = None) -> list[int]:
    """Indices (0-based) of the model's bands in a raster, in model order.

    Band descriptions are used when they name every model band; otherwise a 10-band
    raster is taken as already in model order and a 12-band one as an L2A stack.
    """
    if band_names is not None:
        found: dict[str, int] = {}
        for index, name in enumerate(band_names):
            canonical = canonical_band_name(name)
            if canonical is not None:
                found.setdefault(canonical, index)
        if all(band in found for band in spec.bands):
            return [found[band] for band in spec.bands]
    if band_count == len(spec.bands):
        return list(range(band_count))
    if band_count == len(spec.l2a_12_band_order):
        return [spec.l2a_12_band_order.index(band) for band in spec.bands]
    raise InputError(
        f"the raster has {band_count} band(s); GAIR needs the {len(spec.bands)} Sentinel-2 bands "
        f"{', '.join(spec.bands)} (a 10-band stack in that order, or a 12-band L2A stack "
        f"{', '.join(spec.l2a_12_band_order)}). Give the bands descriptions such as 'B2', "
        "or map them explicitly."
    )


def check_band_choice(
    chosen: Sequence[int], spec: RSInputSpec, band_names: Optional[Sequence[Optional[str]]] = None, what: str = "BANDS"
) -> None:
    """InputError when an explicit band mapping (0-based, model order) puts a band whose
    description names a Sentinel-2 band where another model band is expected (all band 1,
    reversed bands). Bands without such a description (an RGB raster) may be mapped freely."""
    for index, wanted in zip(chosen, spec.bands):
        name = band_names[index] if band_names is not None and index < len(band_names) else None
        found = canonical_band_name(name)
        if found is not None and found != wanted:
            raise InputError(
                f"{what} puts band {index + 1} (described as {name!r}, i.e. {found}) where {wanted} is "
                f"expected; list the bands for {', '.join(spec.bands)} in that order, or fix the band "
                "descriptions"
            )


def select_bands(
    pixels: NDArray[Any], spec: RSInputSpec, band_names: Optional[Sequence[Optional[str]]] = None
) -> NDArray[Any]:
    """(C, H, W) raster -> (10, H, W) in model band order (the raster itself when already so)."""
    if pixels.ndim != 3:
        raise InputError(f"expected a (bands, rows, cols) array, got shape {pixels.shape}")
    indices = band_indices(pixels.shape[0], spec, band_names)
    return pixels if indices == list(range(len(pixels))) else pixels[indices]


def scale_rs(pixels: NDArray[Any], spec: RSInputSpec) -> NDArray[Any]:
    """Digital numbers (10, H, W) -> float32 in [0, 1], with the released uint8 truncation."""
    out = np.empty(pixels.shape, np.float32)
    for band, scaled in enumerate(scaled_bands(pixels, spec)):
        out[band] = scaled
    return out


def scaled_bands(pixels: NDArray[Any], spec: RSInputSpec) -> Iterator[NDArray[Any]]:
    """`scale_rs` one band at a time: (H, W) float32 per band, in band order.

    8- and 16-bit integer rasters go through a per-band table of the same float64 formula
    (one lookup per pixel instead of six passes in float64; identical results)."""
    if pixels.dtype in (np.uint8, np.uint16) and len(pixels) == len(spec.mean):
        table = _scale_table(np.dtype(pixels.dtype).str, spec.mean, spec.std)
        for band in range(len(pixels)):
            yield table[band][pixels[band]]
        return
    for band in range(len(pixels)):
        yield _unit(_quantise(pixels[band], spec.mean[band], spec.std[band]))


@functools.lru_cache(maxsize=8)
def _scale_table(dtype: str, mean: tuple[float, ...], std: tuple[float, ...]) -> NDArray[Any]:
    """(bands, 2^bits) float32: `scale_rs` of every value of an unsigned integer dtype."""
    values = np.arange(np.iinfo(np.dtype(dtype)).max + 1, dtype=np.float64)
    return np.stack([_unit(_quantise(values, band_mean, band_std)) for band_mean, band_std in zip(mean, std)])


def _unit(quantised: NDArray[Any]) -> NDArray[Any]:
    return quantised.astype(np.float32) / np.float32(255.0)


def _quantise(pixels: NDArray[Any], mean: float, std: float) -> NDArray[Any]:
    """One band's released uint8 values: (x - (mean - 2 std)) / (4 std) * 255, NaN as 0,
    clipped, truncated."""
    low, high = mean - 2 * std, mean + 2 * std
    scaled = (pixels.astype(np.float64) - low) / (high - low) * 255.0
    scaled = np.nan_to_num(scaled, nan=0.0)
    quantised: NDArray[np.uint8] = np.clip(scaled, 0, 255).astype(np.uint8)
    return quantised


def preprocess_rs(
    pixels: NDArray[Any], spec: RSInputSpec, band_names: Optional[Sequence[Optional[str]]] = None
) -> NDArray[Any]:
    """A raster window (C, H, W) -> the model input (10, S, S) float32."""
    selected = select_bands(pixels, spec, band_names)
    size = spec.input_size
    out = np.empty((len(selected), size, size), np.float32)
    for band, scaled in enumerate(scaled_bands(selected, spec)):  # each band resized while still in the CPU cache
        out[band] = resize_bicubic(scaled[None], size, size)[0]
    return out


# --- SV -------------------------------------------------------------------------------


# The smallest photo side the model is given: one patch of the street-view ViT (16 px). A
# smaller photo holds less than one patch of detail, and its embedding would be that of a
# blur stretched over the whole input (a 1 x 1 photo: one colour), with nothing to say so.
MIN_PHOTO_SIDE = 16
# Below a quarter of the model's input side (56 px of 224) a photo is upsampled more than 4x:
# still embedded, with a SmallPhotoWarning.
UPSAMPLING_WARNED = 4


class SmallPhotoWarning(UserWarning):
    """A photo far smaller than the model's input: embedded, but with little detail."""


def check_photo_size(width: int, height: int, input_size: Optional[int], what: str) -> None:
    """Refuse a photo with a side under MIN_PHOTO_SIDE (InputError naming `what`); warn
    (SmallPhotoWarning) when the model's input side is more than UPSAMPLING_WARNED times its
    shorter side."""
    import warnings

    if min(width, height) < MIN_PHOTO_SIDE:
        raise InputError(
            f"{what} is {width} x {height} px: too small for the model, which needs at least "
            f"{MIN_PHOTO_SIDE} px a side (one patch); use the original, larger photo"
        )
    if input_size and input_size > UPSAMPLING_WARNED * min(width, height):
        warnings.warn(
            f"{what} is {width} x {height} px, enlarged {input_size / min(width, height):.0f}x to the "
            f"model's {input_size} px: its embedding carries little detail",
            SmallPhotoWarning,
            stacklevel=3,
        )


def normalize_sv(rgb: NDArray[Any], spec: SVInputSpec) -> NDArray[Any]:
    """(H, W, 3) photo on 0..255 -> (3, H, W) float32 standardised per channel."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise InputError(f"expected an RGB photo (rows, cols, 3), got shape {rgb.shape}")
    check_photo_size(rgb.shape[1], rgb.shape[0], None, "the photo")
    mean = np.asarray(spec.mean, dtype=np.float32)
    std = np.asarray(spec.std, dtype=np.float32)
    standardised = (rgb.astype(np.float32) - mean) / std
    return np.ascontiguousarray(standardised.transpose(2, 0, 1))


def preprocess_sv(rgb: NDArray[Any], spec: SVInputSpec) -> NDArray[Any]:
    """(H, W, 3) photo -> the model input (3, S, S) float32."""
    return resize_bicubic(normalize_sv(rgb, spec), spec.input_size, spec.input_size)


FULL_SIZE_MAX = 4096  # photo sides up to this are read at full size (1080p, 4K, 12 MP phones: as released)


def reduction_factors(size: tuple[int, int], input_size: int) -> tuple[int, int]:
    """Whole (x, y) reduction factors for a photo of `size` (width, height): 1 for a side up to
    FULL_SIZE_MAX (or 8 x input_size if larger), else the smallest factor that brings it there."""
    limit = max(FULL_SIZE_MAX, 8 * input_size)
    return cast("tuple[int, int]", tuple(-(-side // limit) for side in size))


_REDUCIBLE_MODES = ("RGB", "RGBA", "L", "LA", "I", "F")


def read_photo(path: str | Path, input_size: Optional[int] = None) -> NDArray[Any]:
    """Read a photo as (H, W, 3) uint8 RGB, with a clear error for unreadable files.

    With `input_size` (the model's), memory is bounded for any photo: a side longer than
    FULL_SIZE_MAX (4096 px) is first reduced by the smallest whole factor that brings it there
    (JPEG: decoded at 1/2, 1/4 or 1/8 scale in draft mode; then a box filter, `Image.reduce`),
    and the model's exact bicubic resize runs on that. Photos up to 4096 px a side are read at
    full size, exactly as the released model does. A 12000 x 9000 JPEG then peaks at ~330 MB
    for the whole process (a PNG ~520 MB: decoded once at 3 bytes per pixel) instead of
    4-9 GB: the float work never exceeds that of a 4096 x 4096 photo. For larger photos the
    input differs from the full-size path, which samples the full-size photo with the
    non-antialiased bicubic kernel, where the reduced photo's pixels are local averages: on two 6144 x 3072 mosaics of real street views, the standardised
    input moved by 0.049 on average (max 1.39) and the bundled model's pooled embedding kept
    a cosine >= 0.9999
    (tests/test_large_photos.py::test_reducing_a_large_photo_changes_its_embedding_little).
    """
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # reduced below
            with Image.open(path) as image:
                check_photo_size(image.size[0], image.size[1], input_size, f"the photo {path}")
                if input_size is not None and image.format == "JPEG":
                    factors = reduction_factors(image.size, input_size)
                    image.draft("RGB", tuple(-(-side // f) for side, f in zip(image.size, factors)))
                image.load()
                factors = reduction_factors(image.size, input_size) if input_size is not None else (1, 1)
                if max(factors) > 1 and image.mode in _REDUCIBLE_MODES:  # reduce first: no full-size copy
                    image = image.reduce(factors)
                    factors = (1, 1)
                rgb = image if image.mode == "RGB" else image.convert("RGB")
        if max(factors) > 1:
            rgb = rgb.reduce(factors)
        return np.asarray(rgb)
    except FileNotFoundError:
        raise InputError(f"photo not found: {path}") from None
    except Image.DecompressionBombError as error:
        raise InputError(f"the photo {path} is too large to decode safely ({error}); reduce it first") from None
    except (UnidentifiedImageError, OSError) as error:
        raise InputError(f"cannot read the photo {path}: {error}. Use a JPEG or PNG file.") from None


# --- resize ---------------------------------------------------------------------------

_CUBIC_A = -0.75


def _cubic_weights(t: NDArray[Any]) -> NDArray[Any]:
    """Keys cubic convolution weights for taps at offsets -1, 0, 1, 2 (t in [0, 1))."""
    a = t.dtype.type(_CUBIC_A)

    def near(x: NDArray[Any]) -> NDArray[Any]:  # |x| <= 1
        weight: NDArray[Any] = ((a + 2) * x - (a + 3)) * x * x + 1
        return weight

    def far(x: NDArray[Any]) -> NDArray[Any]:  # 1 < |x| < 2
        weight: NDArray[Any] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        return weight

    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=-1)


@functools.lru_cache(maxsize=64)
def bicubic_taps(in_size: int, out_size: int) -> tuple[NDArray[Any], NDArray[Any]]:
    """1-D bicubic resampling as torch's interpolate computes it (align_corners=False, no
    antialias, border taps clamped): for each output position, the four source indices
    (out, 4) int64 and their weights (out, 4) float32.

    Source positions and weights are computed in float32 as torch does: at 1280 px the
    float32 rounding of a position moves a weight by ~1e-4, far above float32 noise."""
    f32 = np.float32
    scale = f32(in_size) / f32(out_size)
    source = scale * (np.arange(out_size, dtype=f32) + f32(0.5)) - f32(0.5)
    base = np.minimum(np.floor(source), f32(in_size - 1))
    lam = np.clip(source - base, f32(0), f32(1))
    weights = _cubic_weights(lam).astype(np.float32)
    index = np.clip(base.astype(np.int64)[:, None] - 1 + np.arange(4), 0, in_size - 1)
    index.setflags(write=False)
    weights.setflags(write=False)
    return index, weights


def bicubic_matrix(in_size: int, out_size: int) -> NDArray[Any]:
    """(out, in) float64 matrix of the same resampling (taps of a clamped border add up)."""
    index, weights = bicubic_taps(in_size, out_size)
    matrix = np.zeros((out_size, in_size), dtype=np.float64)
    np.add.at(matrix, (np.repeat(np.arange(out_size), 4), index.ravel()), weights.ravel().astype(np.float64))
    return matrix


def _resize_axis(image: NDArray[Any], out_size: int, axis: int) -> NDArray[Any]:
    """Bicubic along axis 1 or 2 of (C, H, W): the product with `bicubic_matrix`, computed
    from its four non-zero taps per row (a dense product would spend ~98% of its work on
    zeros) as one gather of the taps and one einsum over them: half the time of a
    multiply-add per tap on a 200 px tile, and no BLAS (whose own threads would compete
    with the model's)."""
    index, weights = bicubic_taps(image.shape[axis], out_size)
    if axis == 1:
        rows: NDArray[Any] = np.einsum("cokw,ok->cow", image[:, index, :], weights)
        return rows
    cols: NDArray[Any] = np.einsum("chok,ok->cho", image[:, :, index], weights)
    return cols


def resize_bicubic(image: NDArray[Any], out_h: int, out_w: int) -> NDArray[Any]:
    """(C, H, W) -> (C, out_h, out_w) float32, separable bicubic as torch computes it
    (float32 arithmetic, as torch; equal to the float64 matrix product within float32 round-off)."""
    image = np.asarray(image, dtype=np.float32)
    if out_h * image.shape[2] <= image.shape[1] * out_w:  # the cheaper order; rows (contiguous) first on a tie
        return _resize_axis(_resize_axis(image, out_h, 1), out_w, 2)
    return _resize_axis(_resize_axis(image, out_w, 2), out_h, 1)
