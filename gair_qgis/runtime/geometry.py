"""Tile geometry in float64: the one place that maps array positions to map coordinates.

A tile (or any output raster) is a north-up pixel grid: `PixelGrid`. A point's normalised
tile position is (u, v) = (fractional column / width, fractional row / height); the
interpolator takes c = 2 (u, v) - 1 (GAIR_SPEC.md section 2).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


class OutsideTileError(ValueError):
    """A point does not fall inside the tile."""


@dataclass(frozen=True)
class PixelGrid:
    """A north-up grid: `width` x `height` pixels of `pixel_width` x `pixel_height`
    map units, its top-left corner at (`left`, `top`)."""

    left: float
    top: float
    pixel_width: float
    pixel_height: float
    width: int
    height: int

    @staticmethod
    def from_bounds(left: float, bottom: float, right: float, top: float, width: int, height: int) -> "PixelGrid":
        return PixelGrid(left, top, (right - left) / width, (top - bottom) / height, width, height)

    @property
    def right(self) -> float:
        return self.left + self.width * self.pixel_width

    @property
    def bottom(self) -> float:
        return self.top - self.height * self.pixel_height

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top)."""
        return self.left, self.bottom, self.right, self.top

    @property
    def geotransform(self) -> tuple[float, float, float, float, float, float]:
        """GDAL geotransform."""
        return self.left, self.pixel_width, 0.0, self.top, 0.0, -self.pixel_height

    def uv(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map coordinates -> normalised position (u right, v down), float64."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        return (x - self.left) / (self.right - self.left), (self.top - y) / (self.top - self.bottom)

    def pixel_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Map coordinates of every pixel centre: two (height, width) float64 arrays."""
        xs = self.left + (np.arange(self.width, dtype=np.float64) + 0.5) * self.pixel_width
        ys = self.top - (np.arange(self.height, dtype=np.float64) + 0.5) * self.pixel_height
        return np.meshgrid(xs, ys)


def bbox_grid(bbox: Sequence[float]) -> PixelGrid:
    """A released-style box [lon_min, lat_max, lon_max, lat_min] as a 1x1 grid."""
    lon_min, lat_max, lon_max, lat_min = (float(v) for v in bbox)
    if not (lon_max > lon_min and lat_max > lat_min):
        raise ValueError(f"bad box {list(bbox)}: expected LON_MIN LAT_MAX LON_MAX LAT_MIN")
    return PixelGrid.from_bounds(lon_min, lat_min, lon_max, lat_max, 1, 1)


def tile_queries(grid: PixelGrid, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Points in map units -> (N, 2) interpolator coordinates c = 2 (u, v) - 1 in float64.

    Raises OutsideTileError naming the first point that is not inside the tile.
    """
    u, v = grid.uv(np.atleast_1d(x), np.atleast_1d(y))
    outside = ~((u >= 0) & (u <= 1) & (v >= 0) & (v <= 1))
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise OutsideTileError(
            f"point {i} ({float(np.atleast_1d(x)[i])}, {float(np.atleast_1d(y)[i])}) lies outside the tile "
            f"(x {grid.left}..{grid.right}, y {grid.bottom}..{grid.top}); "
            f"{int(outside.sum())} of {outside.size} point(s) are outside. Pick points inside the RS tile."
        )
    return np.stack([2 * u - 1, 2 * v - 1], axis=-1)
