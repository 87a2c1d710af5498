"""Raster access for training: footprints, point positions and windowed reads.

Nothing here reads a whole raster: a sample is one `rasterio` window (through a
`WarpedVRT` when the raster is not in the working CRS, which warps only the blocks that
window needs). Positions inside a raster or a window are `PixelGrid` positions in float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Protocol

import numpy as np

from gair_qgis.runtime.errors import InputError
from gair_qgis.runtime.geometry import PixelGrid, ground_pixel_size_m, lonlat_identity, pixels_for_ground_size, subgrid
from gair_qgis.runtime.geometry import Window as GridWindow
from gair_qgis.runtime.raster_file import grid_of


def lonlat_to_crs(
    lon: float | np.ndarray, lat: float | np.ndarray, crs: Optional[str], is_geographic: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) degrees, scalars or arrays -> 1-D arrays of map coordinates of `crs` in float64
    (identity for EPSG:4326-like CRSs); NaN where the point lies outside the projection's domain."""
    lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if crs is None:
        raise InputError("the raster has no CRS; georeference it (e.g. gdal_edit.py -a_srs) before training")
    if is_geographic and _is_lonlat_wgs84(crs):
        return lon, lat
    from rasterio.warp import transform

    try:
        xs, ys = transform("EPSG:4326", crs, lon.tolist(), lat.tolist())
    except Exception:  # GDAL raises for points outside the projection's domain
        return np.full(lon.shape, np.nan), np.full(lat.shape, np.nan)
    return np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)


def _crs_to_lonlat(crs: str):
    """Map coordinates of `crs` -> (lon, lat) degrees, for `ground_pixel_size_m`."""
    from rasterio.warp import transform

    def to_lonlat(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = transform(crs, "EPSG:4326", np.asarray(xs).tolist(), np.asarray(ys).tolist())
        return np.asarray(lon, np.float64), np.asarray(lat, np.float64)

    return to_lonlat


def _is_lonlat_wgs84(crs: str) -> bool:
    from rasterio.crs import CRS

    return CRS.from_user_input(crs) == CRS.from_epsg(4326)


def lonlat_function(crs_wkt: str, is_geographic: bool):
    """Map coordinates of a CRS -> (lon, lat) degrees (the identity for WGS84 lon/lat), for
    `ground_pixel_size_m`."""
    return lonlat_identity if is_geographic and _is_lonlat_wgs84(crs_wkt) else _crs_to_lonlat(crs_wkt)


def inside(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Whether normalised positions fall inside the grid (edges included)."""
    return (u >= 0) & (u <= 1) & (v >= 0) & (v <= 1)


def window_size(grid: PixelGrid, pixel_m: tuple[float, float], ground_size_m: float) -> tuple[int, int]:
    """(cols, rows) of a window about `ground_size_m` across, at most the raster itself."""
    cols, rows = pixels_for_ground_size(pixel_m, ground_size_m)
    return min(grid.width, cols), min(grid.height, rows)


class OffsetChooser(Protocol):
    """What a window's placement needs of a random generator: `np.random.Generator`, or a
    stand-in that always picks the same offset (a centred window)."""

    def integers(self, low: int, high: int) -> int:
        """An integer in [low, high)."""
        ...


def random_offset(position: float, size: int, extent: int, rng: OffsetChooser) -> int:
    """First index of a window of `size` cells inside [0, extent) that contains the fractional
    `position`, drawn uniformly among all such windows."""
    cell = min(int(math.floor(position)), extent - 1)
    low = max(0, cell - size + 1)
    high = min(cell, extent - size)
    return int(rng.integers(low, high + 1))


@dataclass
class Window:
    """A read window: pixels (bands, rows, cols), its grid, and the sample point's (u, v)."""

    pixels: np.ndarray
    valid: np.ndarray  # (bands, rows, cols) bool: not nodata
    grid: PixelGrid
    u: float
    v: float


def read_window(
    path: str | Path,
    lon: float,
    lat: float,
    ground_size_m: float,
    rng: OffsetChooser,
    bands: Optional[list[int]] = None,
    working_crs: Optional[str] = None,
) -> Window:
    """Read a window about `ground_size_m` across with the point (lon, lat) at a random
    position inside it. With `working_crs` set and different from the raster's CRS, the
    raster is read through a WarpedVRT in that CRS (bilinear). `bands` are 0-based."""
    import rasterio
    from rasterio.crs import CRS
    from rasterio.vrt import WarpedVRT

    with rasterio.open(path) as source:
        if source.crs is None:
            raise InputError(f"{path}: the raster has no CRS")
        warp = working_crs is not None and CRS.from_user_input(working_crs) != source.crs
        dataset = (
            WarpedVRT(
                source, crs=working_crs, resampling=rasterio.enums.Resampling.bilinear, add_alpha=source.nodata is None
            )
            if warp
            else source
        )
        try:
            return _read_from(dataset, path, lon, lat, ground_size_m, rng, bands)
        finally:
            if warp:
                dataset.close()


def _read_from(
    dataset, path, lon: float, lat: float, ground_size_m: float, rng: OffsetChooser, bands: Optional[list[int]]
) -> Window:
    """`read_window` on an open dataset (or WarpedVRT) in its own CRS."""
    from rasterio.windows import Window as RioWindow

    grid = grid_of(dataset)
    crs = dataset.crs
    x, y = lonlat_to_crs(lon, lat, crs.to_wkt(), crs.is_geographic)
    u, v = grid.uv(x, y)
    if not inside(u, v).all():
        raise InputError(f"{path}: point ({lon}, {lat}) lies outside the raster")
    to_lonlat = lonlat_function(crs.to_wkt(), crs.is_geographic)
    cols, rows = window_size(grid, ground_pixel_size_m(grid, to_lonlat, float(x[0]), float(y[0])), ground_size_m)
    col_f, row_f = float(u[0]) * grid.width, float(v[0]) * grid.height
    col0 = random_offset(col_f, cols, grid.width, rng)
    row0 = random_offset(row_f, rows, grid.height, rng)
    indexes = [b + 1 for b in bands] if bands is not None else list(range(1, dataset.count + 1))
    window = RioWindow(col0, row0, cols, rows)
    pixels = dataset.read(indexes, window=window, masked=True)
    mask = np.ma.getmaskarray(pixels)
    window_grid = subgrid(grid, GridWindow(col0, row0, cols, rows))
    wu, wv = window_grid.uv(x, y)
    return Window(np.ma.getdata(pixels), ~mask, window_grid, float(wu[0]), float(wv[0]))


def fill_nodata(pixels: np.ndarray, valid: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """Replace invalid (band, pixel) values by a per-band value (e.g. the band mean, neutral
    after scaling)."""
    if valid.all():
        return pixels
    return np.where(valid, pixels, np.asarray(fill, dtype=np.float64)[:, None, None])
