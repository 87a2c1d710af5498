"""Tile geometry in float64: the one place that maps array positions to map coordinates.

A tile (or any output raster) is a north-up pixel grid: `PixelGrid`. A point's normalised
tile position is (u, v) = (fractional column / width, fractional row / height); the
interpolator takes c = 2 (u, v) - 1 (docs/MODEL.md §2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Optional, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import InputError, OutsideTileError


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
    def from_bounds(left: float, bottom: float, right: float, top: float, width: int, height: int) -> PixelGrid:
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

    def uv(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[Any], NDArray[Any]]:
        """Map coordinates -> normalised position (u right, v down), float64."""
        xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        return (xs - self.left) / (self.right - self.left), (self.top - ys) / (self.top - self.bottom)

    @property
    def centre(self) -> tuple[float, float]:
        """Map coordinates of the grid's centre."""
        return (self.left + self.right) / 2, (self.top + self.bottom) / 2

    def centres_of(self, col: ArrayLike, row: ArrayLike) -> tuple[NDArray[Any], NDArray[Any]]:
        """Map coordinates (float64) of the centres of the pixels at (col, row)."""
        x = self.left + (np.asarray(col, dtype=np.float64) + 0.5) * self.pixel_width
        y = self.top - (np.asarray(row, dtype=np.float64) + 0.5) * self.pixel_height
        return x, y

    def pixel_centres(self) -> tuple[NDArray[Any], NDArray[Any]]:
        """Map coordinates of every pixel centre: two (height, width) float64 arrays."""
        xs, ys = self.centres_of(np.arange(self.width), np.arange(self.height))
        x_grid, y_grid = np.meshgrid(xs, ys)
        return x_grid, y_grid


def bbox_grid(bbox: Sequence[float]) -> PixelGrid:
    """A released-style box [lon_min, lat_max, lon_max, lat_min] as a 1x1 grid."""
    lon_min, lat_max, lon_max, lat_min = (float(v) for v in bbox)
    if not (lon_max > lon_min and lat_max > lat_min):
        raise InputError(f"bad box {list(bbox)}: expected LON_MIN LAT_MAX LON_MAX LAT_MIN")
    return PixelGrid.from_bounds(lon_min, lat_min, lon_max, lat_max, 1, 1)


def tile_queries(grid: PixelGrid, x: NDArray[Any], y: NDArray[Any]) -> NDArray[Any]:
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


# --- windows and tiling (whole pixels of a PixelGrid) ----------------------------------


class Window(NamedTuple):
    """A block of whole pixels of a grid: first column and row, size. May reach outside the grid."""

    col: int
    row: int
    width: int
    height: int


def subgrid(grid: PixelGrid, window: Window) -> PixelGrid:
    """The PixelGrid of a window of `grid` (same pixels, its own origin and size)."""
    return PixelGrid(
        grid.left + window.col * grid.pixel_width,
        grid.top - window.row * grid.pixel_height,
        grid.pixel_width,
        grid.pixel_height,
        window.width,
        window.height,
    )


def fractional_pixel(grid: PixelGrid, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[Any], NDArray[Any]]:
    """Map coordinates -> fractional (column, row) of `grid`, float64 (pixel i spans [i, i+1))."""
    u, v = grid.uv(x, y)
    return u * grid.width, v * grid.height


def snap_window(grid: PixelGrid, left: float, bottom: float, right: float, top: float) -> Window:
    """The window whose edges are the grid's pixel edges nearest to the given bounds (at least
    one pixel). It may reach outside the grid; see `clip_window`."""
    col0, row0 = fractional_pixel(grid, left, top)
    col1, row1 = fractional_pixel(grid, right, bottom)
    c0, r0 = int(np.round(col0)), int(np.round(row0))
    return Window(c0, r0, max(1, int(np.round(col1)) - c0), max(1, int(np.round(row1)) - r0))


def clip_window(grid: PixelGrid, window: Window) -> Optional[Window]:
    """The part of a window inside the grid, or None when they do not overlap."""
    c0, r0 = max(window.col, 0), max(window.row, 0)
    c1, r1 = min(window.col + window.width, grid.width), min(window.row + window.height, grid.height)
    return Window(c0, r0, c1 - c0, r1 - r0) if c1 > c0 and r1 > r0 else None


def fit_window(grid: PixelGrid, window: Window) -> Window:
    """Shift a window to lie inside the grid, keeping its size (shrunk to the grid if larger)."""
    width, height = min(window.width, grid.width), min(window.height, grid.height)
    col = min(max(window.col, 0), grid.width - width)
    row = min(max(window.row, 0), grid.height - height)
    return Window(col, row, width, height)


def centred_window(grid: PixelGrid, x: float, y: float, width: int, height: int) -> Window:
    """A window of width x height pixels centred (to the nearest pixel) on (x, y), shifted inside the grid."""
    col, row = fractional_pixel(grid, x, y)
    return fit_window(grid, Window(int(np.round(col - width / 2)), int(np.round(row - height / 2)), width, height))


WGS84_A = 6_378_137.0  # semi-major axis (m)
WGS84_E2 = 6.694_379_990_14e-3  # first eccentricity squared

ToLonLat = Callable[[NDArray[Any], NDArray[Any]], tuple[NDArray[Any], NDArray[Any]]]


def metres_per_degree(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude (east) and latitude (north) at `lat` on the WGS84
    ellipsoid (its radii of curvature: prime vertical N and meridian M)."""
    sin2 = math.sin(math.radians(lat)) ** 2
    w = 1.0 - WGS84_E2 * sin2
    prime_vertical = WGS84_A / math.sqrt(w)
    meridian = WGS84_A * (1.0 - WGS84_E2) / w**1.5
    radians = math.pi / 180.0
    return radians * prime_vertical * math.cos(math.radians(lat)), radians * meridian


def ground_pixel_size_m(grid: PixelGrid, to_lonlat: ToLonLat, x: float, y: float) -> tuple[float, float]:
    """Ground size (x, y) in metres of one pixel of `grid` at map point (x, y), in any CRS.

    How: the midpoints of the pixel's left and right edges and of its top and bottom edges
    are mapped to (lon, lat) by `to_lonlat` (the identity for a grid in degrees), and the
    distances between them measured on the WGS84 ellipsoid with its local radii of
    curvature. This is the CRS's local scale at the point: a Web Mercator (EPSG:3857) pixel
    of 10 map units is 7.37 m on the ground at 42.5 N; a UTM pixel of 10 m is 10.004 m on its
    central meridian (scale 0.9996); degrees become metres at the point's latitude."""
    half_x, half_y = grid.pixel_width / 2, grid.pixel_height / 2
    lon, lat = to_lonlat(
        np.array([x - half_x, x + half_x, x, x], dtype=np.float64),
        np.array([y, y, y - half_y, y + half_y], dtype=np.float64),
    )
    lon, lat = np.asarray(lon, np.float64), np.asarray(lat, np.float64)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise InputError(
            f"the point ({x}, {y}) cannot be mapped to longitude and latitude; is it inside the CRS's area?"
        )
    east, north = metres_per_degree(float(lat.mean()))

    def distance(i: int, j: int) -> float:
        d_lon = (lon[j] - lon[i] + 180.0) % 360.0 - 180.0
        return math.hypot(d_lon * east, (lat[j] - lat[i]) * north)

    return distance(0, 1), distance(2, 3)


def lonlat_identity(x: NDArray[Any], y: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
    """`to_lonlat` of a grid whose map units are (lon, lat) degrees."""
    return x, y


def pixels_for_ground_size(pixel_m: tuple[float, float], ground_size_m: float) -> tuple[int, int]:
    """(cols, rows) of a window about `ground_size_m` across (at least one pixel)."""
    return max(1, round(ground_size_m / pixel_m[0])), max(1, round(ground_size_m / pixel_m[1]))


@dataclass(frozen=True)
class TileLattice:
    """Tiles of `first`'s size repeating every `stride` pixels (columns, rows) from `first`.

    Tile (i, j) starts at (first.col + i * stride[0], first.row + j * stride[1]). A point
    belongs to the tile whose central stride x stride cell contains it (with stride equal
    to the tile size: the tile that contains it)."""

    first: Window
    stride: tuple[int, int]

    def cell_of(self, col: NDArray[Any], row: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
        """Fractional (column, row) positions -> tile indices (i, j), int64."""
        sx, sy = self.stride
        i = np.floor((np.asarray(col, np.float64) - self.first.col - (self.first.width - sx) / 2) / sx)
        j = np.floor((np.asarray(row, np.float64) - self.first.row - (self.first.height - sy) / 2) / sy)
        return i.astype(np.int64), j.astype(np.int64)

    def tile(self, grid: PixelGrid, i: int, j: int) -> Window:
        """Tile (i, j), shifted inside the grid (a point of its cell inside the grid stays inside it)."""
        return fit_window(
            grid,
            Window(
                self.first.col + i * self.stride[0],
                self.first.row + j * self.stride[1],
                self.first.width,
                self.first.height,
            ),
        )

    def cell_grid(self, grid: PixelGrid, cells: tuple[int, int]) -> PixelGrid:
        """A grid with one stride-sized pixel per tile cell, centred on the tiles of `grid`."""
        (sx, sy), first = self.stride, self.first
        return PixelGrid(
            grid.left + (first.col + (first.width - sx) / 2) * grid.pixel_width,
            grid.top - (first.row + (first.height - sy) / 2) * grid.pixel_height,
            sx * grid.pixel_width,
            sy * grid.pixel_height,
            cells[0],
            cells[1],
        )

    def count(self, window: Window) -> tuple[int, int]:
        """Tiles along x and y that cover `window` when the first tile starts at its corner."""
        sx, sy = self.stride
        return (
            max(1, math.ceil((window.width - self.first.width) / sx) + 1),
            max(1, math.ceil((window.height - self.first.height) / sy) + 1),
        )
