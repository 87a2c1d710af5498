"""Input preprocessing of GAIR in numpy (docs/MODEL.md §3).

The constants come from a model package's metadata (`RSInputSpec`, `SVInputSpec`); the
released model's values live in `released_inputs.json` beside this file and nowhere else.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

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


def band_indices(
    band_count: int, spec: RSInputSpec, band_names: Optional[Sequence[Optional[str]]] = None
) -> list[int]:
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


def select_bands(
    pixels: NDArray[Any], spec: RSInputSpec, band_names: Optional[Sequence[Optional[str]]] = None
) -> NDArray[Any]:
    """(C, H, W) raster -> (10, H, W) in model band order."""
    if pixels.ndim != 3:
        raise InputError(f"expected a (bands, rows, cols) array, got shape {pixels.shape}")
    return pixels[band_indices(pixels.shape[0], spec, band_names)]


def scale_rs(pixels: NDArray[Any], spec: RSInputSpec) -> NDArray[Any]:
    """Digital numbers (10, H, W) -> float32 in [0, 1], with the released uint8 truncation."""
    mean = np.asarray(spec.mean, dtype=np.float64)[:, None, None]
    std = np.asarray(spec.std, dtype=np.float64)[:, None, None]
    low, high = mean - 2 * std, mean + 2 * std
    scaled = (pixels.astype(np.float64) - low) / (high - low) * 255.0
    scaled = np.nan_to_num(scaled, nan=0.0)
    quantised = np.clip(scaled, 0, 255).astype(np.uint8)
    unit: NDArray[np.float32] = quantised.astype(np.float32) / np.float32(255.0)
    return unit


def preprocess_rs(
    pixels: NDArray[Any], spec: RSInputSpec, band_names: Optional[Sequence[Optional[str]]] = None
) -> NDArray[Any]:
    """A raster window (C, H, W) -> the model input (10, S, S) float32."""
    unit = scale_rs(select_bands(pixels, spec, band_names), spec)
    return resize_bicubic(unit, spec.input_size, spec.input_size)


# --- SV -------------------------------------------------------------------------------


def normalize_sv(rgb: NDArray[Any], spec: SVInputSpec) -> NDArray[Any]:
    """(H, W, 3) photo on 0..255 -> (3, H, W) float32 standardised per channel."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise InputError(f"expected an RGB photo (rows, cols, 3), got shape {rgb.shape}")
    mean = np.asarray(spec.mean, dtype=np.float32)
    std = np.asarray(spec.std, dtype=np.float32)
    standardised = (rgb.astype(np.float32) - mean) / std
    return np.ascontiguousarray(standardised.transpose(2, 0, 1))


def preprocess_sv(rgb: NDArray[Any], spec: SVInputSpec) -> NDArray[Any]:
    """(H, W, 3) photo -> the model input (3, S, S) float32."""
    return resize_bicubic(normalize_sv(rgb, spec), spec.input_size, spec.input_size)


def read_photo(path: str | Path) -> NDArray[Any]:
    """Read a photo as (H, W, 3) uint8 RGB, with a clear error for unreadable files."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except FileNotFoundError:
        raise InputError(f"photo not found: {path}") from None
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


def bicubic_matrix(in_size: int, out_size: int) -> NDArray[Any]:
    """(out, in) matrix of 1-D bicubic resampling as torch's interpolate computes it
    (align_corners=False, no antialias, border taps clamped).

    Source positions and weights are computed in float32 as torch does: at 1280 px the
    float32 rounding of a position moves a weight by ~1e-4, far above float32 noise."""
    f32 = np.float32
    scale = f32(in_size) / f32(out_size)
    source = scale * (np.arange(out_size, dtype=f32) + f32(0.5)) - f32(0.5)
    base = np.minimum(np.floor(source), f32(in_size - 1))
    lam = np.clip(source - base, f32(0), f32(1))
    weights = _cubic_weights(lam).astype(np.float64)
    matrix = np.zeros((out_size, in_size), dtype=np.float64)
    rows = np.arange(out_size)
    for tap in range(4):
        columns = np.clip(base.astype(np.int64) - 1 + tap, 0, in_size - 1)
        np.add.at(matrix, (rows, columns), weights[:, tap])
    return matrix


def resize_bicubic(image: NDArray[Any], out_h: int, out_w: int) -> NDArray[Any]:
    """(C, H, W) -> (C, out_h, out_w) float32, separable bicubic as torch computes it."""
    rows = bicubic_matrix(image.shape[1], out_h)
    cols = bicubic_matrix(image.shape[2], out_w)
    resized: NDArray[np.float64] = np.einsum("oh,chw,pw->cop", rows, image.astype(np.float64), cols, optimize=True)
    return resized.astype(np.float32)
