"""Tiles of a raster for the algorithms: sizes, lattices, encoding through the cache, and
the blocks of an output grid that each tile evaluates."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from qgis.core import QgsRectangle

from .. import cache
from ..qgis_io import RasterSource, ground_pixel_m
from ..runtime.errors import InputError
from ..runtime.geometry import (
    PixelGrid,
    TileLattice,
    Window,
    clip_window,
    fractional_pixel,
    pixels_for_ground_size,
    snap_window,
    subgrid,
)
from ..runtime.package import ModelPackage
from ..runtime.preprocess import preprocess_rs
from .base import Model, Progress, check_limit


def tile_size_pixels(source: RasterSource, package: ModelPackage, y: float) -> tuple[int, int]:
    """(cols, rows) of the model's tile ground size in the raster's pixels, near map y."""
    return pixels_for_ground_size(ground_pixel_m(source.grid, source.crs, y), package.rs_spec.tile_ground_size_m)


def extent_window(source: RasterSource, extent: QgsRectangle) -> Window:
    """An extent in the raster's CRS snapped to the raster's pixel edges."""
    return snap_window(source.grid, extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum())


def output_grid(area: PixelGrid, pixel_size: float) -> PixelGrid:
    """An output grid over `area`'s bounds: `area` itself, or square pixels of `pixel_size`
    from its top-left corner (the last row and column may reach a little beyond). Refused
    above the pixel limit."""
    grid = area
    if pixel_size:
        left, bottom, right, top = area.bounds
        width = max(1, int(np.ceil((right - left) / pixel_size - 1e-9)))
        height = max(1, int(np.ceil((top - bottom) / pixel_size - 1e-9)))
        grid = PixelGrid(left, top, pixel_size, pixel_size, width, height)
    check_limit("max_pixels", grid.width * grid.height, f"a {grid.width} x {grid.height} px output",
                "choose a larger PIXEL_SIZE or a smaller EXTENT")
    return grid


@dataclass
class Block:
    """The output pixels one tile evaluates: a rectangle of output rows x columns."""

    window: Window
    rows: np.ndarray  # output row indices (R,)
    cols: np.ndarray  # output column indices (C,)
    x: np.ndarray  # (1, C) interpolator x = 2u - 1 in the tile
    y: np.ndarray  # (R, 1) interpolator y = 2v - 1
    pixel_rows: np.ndarray  # (R,) raster row of each output row, relative to the window
    pixel_cols: np.ndarray  # (C,) raster column of each output column, relative to the window

    def valid(self, item: cache.CachedTile) -> np.ndarray:
        """(R, C) whether the raster pixel under each output pixel centre holds data."""
        return item.valid[self.pixel_rows[:, None], self.pixel_cols[None, :]]

    def coords(self) -> np.ndarray:
        """(R * C, 2) interpolator coordinates, row-major."""
        x, y = np.broadcast_arrays(self.x, self.y)
        return np.stack([x.ravel(), y.ravel()], axis=1)


def lattice_blocks(raster: PixelGrid, lattice: TileLattice, grid: PixelGrid,
                   cells: Optional[tuple[int, int]] = None) -> list[Block]:
    """Split `grid`'s pixels whose centres lie inside the raster among the lattice's tiles.
    With `cells` = (nx, ny), tile indices are clamped to 0..nx-1, 0..ny-1."""
    xs, ys = grid.pixel_centres()
    xs, ys = xs[0], ys[:, 0]
    col, row = fractional_pixel(raster, xs, ys)
    inside_col = (col >= 0) & (col < raster.width)
    inside_row = (row >= 0) & (row < raster.height)
    cell_i, cell_j = lattice.cell_of(col, row)
    if cells is not None:
        cell_i, cell_j = np.clip(cell_i, 0, cells[0] - 1), np.clip(cell_j, 0, cells[1] - 1)
    blocks = []
    for i in np.unique(cell_i[inside_col]):
        cols = np.flatnonzero(inside_col & (cell_i == i))
        for j in np.unique(cell_j[inside_row]):
            rows = np.flatnonzero(inside_row & (cell_j == j))
            window = lattice.tile(raster, int(i), int(j))
            u, v = subgrid(raster, window).uv(xs[cols], ys[rows])
            blocks.append(Block(
                window, rows, cols, (2 * u - 1)[None, :], (2 * v - 1)[:, None],
                np.clip(np.floor(row[rows]).astype(np.int64) - window.row, 0, window.height - 1),
                np.clip(np.floor(col[cols]).astype(np.int64) - window.col, 0, window.width - 1),
            ))
    return blocks


def check_tile_count(windows: Sequence[Window], what: str, fix: str) -> None:
    check_limit("max_tiles", len(set(windows)), what, fix)


def encode_windows(model: Model, source: RasterSource, bands: Sequence[int], windows: Sequence[Window],
                   progress: Progress, feedback) -> tuple[dict[Window, cache.CachedTile], int]:
    """Encoded tiles for windows of the raster (cached ones reused); returns them and how
    many were encoded now. Progress runs over the windows to encode."""
    found: dict[Window, cache.CachedTile] = {}
    missing: list[tuple[Window, str]] = []
    for window in dict.fromkeys(windows):
        key = cache.tile_key(source.source, source.grid, window, model.package, bands)
        item = cache.TILES.get(key)
        if item is None:
            missing.append((window, key))
        else:
            found[window] = item
    if found:
        feedback.pushInfo(f"{len(found)} tile(s) reused from the tile cache")
    batch = max(1, model.runtime.batch_size)
    for start in range(0, len(missing), batch):
        progress.step(start, len(missing))
        chunk = missing[start : start + batch]
        pixels = [source.read(window, bands) for window, _ in chunk]
        inputs = np.stack([preprocess_rs(p, model.package.rs_spec) for p in pixels])  # rows already in model order
        for (window, key), tile, values in zip(chunk, model.runtime.encode_rs(inputs), pixels):
            item = cache.CachedTile(tile, source.valid_mask(values, bands))
            cache.TILES.put(key, item)
            found[window] = item
    progress.step(len(missing), len(missing))
    if missing:
        feedback.pushInfo(f"{len(missing)} tile(s) encoded")
    return found, len(missing)


def area_window(source: RasterSource, extent: Optional[QgsRectangle]) -> Window:
    """An extent (raster CRS) snapped to the raster's pixels and clipped to it; None: the whole raster."""
    if extent is None:
        return Window(0, 0, source.grid.width, source.grid.height)
    area = clip_window(source.grid, extent_window(source, extent))
    if area is None:
        raise InputError(f"EXTENT {extent.toString()} does not overlap the raster INPUT; choose an area inside it")
    return area


def tile_lattice(source: RasterSource, package: ModelPackage, area: Window,
                 stride_fraction: float = 1.0) -> tuple[TileLattice, tuple[int, int]]:
    """Tiles of the model's ground size from the area's top-left corner every
    `stride_fraction` x tile size, and how many cover the area (nx, ny)."""
    centre_y = subgrid(source.grid, area).centre[1]
    cols, rows = tile_size_pixels(source, package, centre_y)
    stride = (max(1, round(min(cols, area.width) * stride_fraction)),
              max(1, round(min(rows, area.height) * stride_fraction)))
    lattice = TileLattice(Window(area.col, area.row, cols, rows), stride)
    return lattice, lattice.count(area)


def lattice_windows(source: RasterSource, lattice: TileLattice, cells: tuple[int, int]) -> list[tuple[tuple[int, int], Window]]:
    """((i, j), window) of every lattice tile, row by row."""
    return [((i, j), lattice.tile(source.grid, i, j)) for j in range(cells[1]) for i in range(cells[0])]
