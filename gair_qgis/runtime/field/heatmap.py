"""Fine heatmaps from a field built with `--tokens`: the exact NILI cosine (runtime/nili.py)
of a photo at any point of the field, from the stored per-cell tables; nothing is re-encoded.
Also what every query of a field shares: its package (checked by sha256), the photo's
vector, and outputs that are never replaced unasked."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
from numpy.typing import NDArray

from gair_qgis.runtime.cli import check_output_folder
from gair_qgis.runtime.errors import InputError, OutputExistsError
from gair_qgis.runtime.nili import HeatmapTables, cosine_heatmap
from gair_qgis.runtime.package import load_package
from gair_qgis.runtime.session import GAIRRuntime

from . import need, store
from .grid import FieldGrid

MAX_HEATMAP_PIXELS = 16_000_000


def field_runtime(info: store.FieldInfo, package: Optional[str | Path] = None) -> GAIRRuntime:
    """The field's package on onnxruntime: `package` or the path the field records, refused
    unless its model.json is the one the field was built with."""
    from .build import package_sha256

    path = package or info.package_path
    if not path or not Path(path).is_dir():
        raise InputError(
            f"the package the field was built with ({info.package_name}, {path or 'no path'}) is not "
            "here; give it with --package"
        )
    loaded = load_package(path)
    if package_sha256(loaded) != info.package_sha256:
        raise InputError(
            f"{loaded.root} is not the package {info.path} was built with "
            f"(sha256 {info.package_sha256[:12]}); give that package with --package"
        )
    return GAIRRuntime(loaded)


def photo_vector(runtime: GAIRRuntime, photo: str | Path) -> NDArray[Any]:
    """The photo's projected SV vector (what GAIR compares with RS and location embeddings)."""
    _, projected = runtime.encode_photo(photo)
    vector: NDArray[Any] = projected.astype(np.float32)
    return vector


def check_new_output(path: str | Path, suffixes: Sequence[str], overwrite: bool, what: str) -> Path:
    """An output path with one of `suffixes`, in a writable folder, not already there unless `overwrite`."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise InputError(f"{what} {path} must end with {' or '.join(suffixes)}")
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{what} {path} exists; pass --overwrite or choose another path")
    check_output_folder(path.parent, f"the folder of {what}")
    return path


def parse_extent(text: str) -> tuple[float, float, float, float]:
    """'XMIN,YMIN,XMAX,YMAX' -> floats; InputError when it is not four increasing numbers."""
    try:
        xmin, ymin, xmax, ymax = (float(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise InputError(f"--extent {text!r}: give XMIN,YMIN,XMAX,YMAX in the field's CRS") from None
    if not (xmax > xmin and ymax > ymin):
        raise InputError(f"--extent {text!r}: XMAX must exceed XMIN and YMAX exceed YMIN")
    return xmin, ymin, xmax, ymax


def tile_similarity(
    cells: NDArray[Any], runtime: GAIRRuntime, sv: NDArray[Any], x: NDArray[Any], y: NDArray[Any]
) -> NDArray[Any]:
    """Cosine of `sv` with the NILI embedding at (x (1, W), y (H, 1)) in [-1, 1] of one tile
    from its stored (n*n, D) cell table."""
    weight, bias = runtime.package.nili_arrays()
    tables = HeatmapTables.build(cells.astype(np.float32), weight, bias, sv)
    return cosine_heatmap(tables, x, y, runtime.package.grid_size)


def field_heatmap(
    field: str | Path,
    photo: str | Path,
    extent: tuple[float, float, float, float],
    out: str | Path,
    pixel_size: Optional[float] = None,
    package: Optional[str | Path] = None,
    overwrite: bool = False,
) -> Path:
    """The fine heatmap of `photo` over `extent` (field CRS) as a GeoTIFF."""
    import rasterio
    from rasterio.transform import Affine

    info = store.read_info(field)
    if not info.tokens:
        raise InputError(f"{field} holds no per-cell tables; build it with --tokens for fine heatmaps")
    out = check_new_output(out, (".tif", ".tiff"), overwrite, "the heatmap")
    grid = info.grid
    pixel = pixel_size or grid.tile_width / grid.tile_pixels
    if not pixel > 0:
        raise InputError(f"--pixel-size {pixel_size}: give a positive size in map units")
    xmin, ymin, xmax, ymax = extent
    width, height = math.ceil((xmax - xmin) / pixel), math.ceil((ymax - ymin) / pixel)
    if width * height > MAX_HEATMAP_PIXELS:
        raise InputError(
            f"a {width} x {height} px heatmap is too large; give a smaller --extent or a larger --pixel-size"
        )
    runtime = field_runtime(info, package)
    sv = photo_vector(runtime, photo)
    values = heatmap_values(info, grid, runtime, sv, xmin, ymax, pixel, width, height)
    if not np.isfinite(values).any():
        raise InputError(
            f"--extent {extent} holds no tile with data in {field}; choose an extent inside the field's data"
        )
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        with rasterio.open(
            partial,
            "w",
            driver="GTiff",
            width=width,
            height=height,
            count=1,
            dtype="float32",
            crs=grid.crs,
            transform=Affine(pixel, 0, xmin, 0, -pixel, ymax),
            nodata=float("nan"),
            compress="deflate",
        ) as dataset:
            dataset.write(values, 1)
            dataset.set_band_description(1, "cosine")
            dataset.update_tags(**{k: str(v) for k, v in runtime.package.display_tags().items()})
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def heatmap_values(
    info: store.FieldInfo,
    grid: FieldGrid,
    runtime: GAIRRuntime,
    sv: NDArray[Any],
    left: float,
    top: float,
    pixel: float,
    width: int,
    height: int,
) -> NDArray[Any]:
    """(height, width) cosines of an output grid, tile by tile (NaN outside tiles with data)."""
    zarr = need("zarr")
    group = zarr.open_group(str(info.path), mode="r")
    xs = left + (np.arange(width) + 0.5) * pixel
    ys = top - (np.arange(height) + 0.5) * pixel
    fcol = (xs - grid.left) / grid.tile_width
    frow = (grid.top - ys) / grid.tile_height
    tile_col, tile_row = np.floor(fcol).astype(np.int64), np.floor(frow).astype(np.int64)
    values = np.full((height, width), np.nan, np.float32)
    for row in np.unique(tile_row[(tile_row >= 0) & (tile_row < grid.rows)]):
        rows = np.flatnonzero(tile_row == row)
        for col in np.unique(tile_col[(tile_col >= 0) & (tile_col < grid.cols)]):
            if group["coverage"][row, col] == 0:
                continue
            cols = np.flatnonzero(tile_col == col)
            x = 2 * (fcol[cols] - col) - 1
            y = 2 * (frow[rows] - row) - 1
            values[np.ix_(rows, cols)] = tile_similarity(group["cells"][row, col], runtime, sv, x[None, :], y[:, None])
    return values
