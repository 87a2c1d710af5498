"""Location input: the Equal Earth projection of (lon, lat), in float64 numpy (docs/MODEL.md §6).

Shared by the torch model and the runtime: the ONNX location graph takes the projected
coordinates, since onnxruntime has no float64 asin.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Optional, cast

import numpy as np
from numpy.typing import NDArray

from .errors import InputError

if TYPE_CHECKING:
    from .package import ModelPackage

A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
EQUAL_EARTH_SCALE = 66.50336


def equal_earth(lonlat: NDArray[Any]) -> NDArray[Any]:
    """(N, 2) degrees (lon, lat) -> (N, 2) Equal Earth (X, Y) on the unit sphere x 66.50336/180."""
    lonlat = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
    lon, lat = np.deg2rad(lonlat[:, 0]), np.deg2rad(lonlat[:, 1])
    theta = np.arcsin(np.sqrt(3) / 2 * np.sin(lat))
    denominator = 3 * (9 * A4 * theta**8 + 7 * A3 * theta**6 + 3 * A2 * theta**2 + A1)
    x = 2 * np.sqrt(3) * lon * np.cos(theta) / denominator
    y = A4 * theta**9 + A3 * theta**7 + A2 * theta**3 + A1 * theta
    projected: NDArray[np.float64] = np.stack((x, y), axis=1) * EQUAL_EARTH_SCALE / 180
    return projected


def check_lonlat(lonlat: NDArray[Any], what: str = "location {i}", number_from: int = 0) -> NDArray[Any]:
    """(N, 2) float64 (lon, lat) degrees, refused (InputError) unless every value is finite,
    longitude in [-180, 180] and latitude in [-90, 90]. `what` names point i in the message
    ("points.csv row {i}", numbered from `number_from`); the one check of a location for every entry point."""
    lonlat = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
    bad = ~((np.abs(lonlat[:, 0]) <= 180) & (np.abs(lonlat[:, 1]) <= 90))  # NaN compares False
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{what.format(i=i + number_from)}: ({lonlat[i, 0]}, {lonlat[i, 1]}) is not a (lon, lat) pair in degrees "
            f"({int(bad.sum())} of {len(bad)} bad); give finite values, longitude in [-180, 180] and "
            "latitude in [-90, 90] (lon first)"
        )
    return lonlat


# --- location rasters at the band limit -------------------------------------------------

FOURIER_SUFFIX = ".capsule.0.b"  # the Fourier-feature matrices B (K, 2) in the location graph's layout
LAGRANGE_LEBESGUE = 1.25  # max over t in [0, 1] of sum |l_i(t)| for 4-point cubic Lagrange
SAMPLES_PER_WAVELENGTH = 16  # the first lattice's step: 1/16 of the shortest wavelength
CHECK_MARGIN = 0.5  # cell centres must be within half the tolerance (the worst pixel measured 1.7x a centre)
DIRECT_BELOW_STEP = 2.0  # with a step under two pixels, interpolation saves nothing: evaluate every pixel


def fourier_matrices(package: ModelPackage) -> list[NDArray[Any]]:
    """The location encoder's Fourier-feature matrices B (K, 2), one per branch, in cycles
    per Equal Earth unit, read from the location graph's weights through its layout.
    Empty when the package does not describe them (then nothing is interpolated)."""
    graph = package.meta["graphs"]["location_encoder"]
    if "layout" not in graph or "weights" not in graph:
        return []
    layout = json.loads(package.path(graph["layout"]).read_text())
    matrices: list[NDArray[Any]] = []
    with open(package.path(graph["weights"]), "rb") as handle:
        for entry in layout:
            if entry["key"].endswith(FOURIER_SUFFIX):
                handle.seek(entry["offset"])
                raw = handle.read(entry["length"])
                matrices.append(np.frombuffer(raw, dtype=entry["dtype"]).reshape(entry["shape"]).astype(np.float64))
    return matrices


def highest_frequency(package: ModelPackage) -> Optional[float]:
    """The highest spatial frequency of the location encoder's Fourier features, max |b|
    over every row b of every B, in cycles per Equal Earth unit; None when unknown."""
    matrices = fourier_matrices(package)
    return max(float(np.linalg.norm(b, axis=1).max()) for b in matrices) if matrices else None


def lagrange_weights(t: NDArray[Any]) -> NDArray[Any]:
    """Cubic Lagrange weights (..., 4) for nodes at -1, 0, 1, 2 and positions t (node units)."""
    return np.stack(
        [
            -t * (t - 1) * (t - 2) / 6,
            (t + 1) * (t - 1) * (t - 2) / 2,
            -(t + 1) * t * (t - 2) / 2,
            (t + 1) * t * (t - 1) / 6,
        ],
        axis=-1,
    )


def lagrange_matrix(positions: NDArray[Any], origin: float, step: float, count: int) -> NDArray[Any]:
    """(len(positions), count) cubic Lagrange interpolation from nodes origin + i * step,
    i = 0..count-1 (count >= 4); the 4-node stencil is shifted inward at the ends."""
    s = (np.asarray(positions, np.float64) - origin) / step
    first = np.clip(np.floor(s).astype(np.int64) - 1, 0, count - 4)
    weights = lagrange_weights(s - first - 1)
    matrix = np.zeros((len(s), count))
    rows = np.arange(len(s))
    for tap in range(4):
        matrix[rows, first + tap] = weights[:, tap]
    return matrix


Evaluate = Callable[[NDArray[Any], NDArray[Any]], tuple[NDArray[Any], NDArray[Any]]]
EqualEarthAt = Callable[[NDArray[Any], NDArray[Any]], NDArray[Any]]


class BandLimitedRaster:
    """Location-encoder outputs over a `width` x `height` pixel grid, evaluated on a coarse
    lattice of nodes and interpolated (separable cubic Lagrange), or at every pixel where
    the pixels are already coarser than the lattice would be.

    `evaluate(cols, rows)` gives the output values (N, K) and validity (N,) at fractional
    pixel positions (pixel centres are at i + 0.5); `equal_earth_at(cols, rows)` the
    (N, 2) Equal Earth coordinates there (for the step), or None where not available.

    The step. The encoder is e(v) = sum over branches of MLP(gamma(v)), gamma(v) =
    [cos 2 pi v B^T, sin 2 pi v B^T], v the Equal Earth position. Within each ReLU activation
    region e is a linear map of gamma, so band-limited to F = max |b| cycles per unit
    (`highest_frequency`); along a pixel axis with J Equal Earth units per pixel, to F J
    cycles per pixel. For a band-limited function with |e - c| <= A, Bernstein's inequality
    gives |e''''| <= (2 pi F J)^4 A, and the tensor-product cubic Lagrange error is at most

        E(h) <= 3/128 (1 + 1.25) (2 pi F J h)^4 A        (h: the node step in pixels)

    (3/128 = max |t (t^2 - 1)(t - 2)| / 4! on the middle interval; 1.25 the Lagrange
    Lebesgue constant). With h = 1 / (16 F J), 16 nodes per shortest wavelength,
    E <= 0.0527 (2 pi / 16)^4 A = 1.3e-3 A: the first lattice. The ReLU kinks make e only
    piecewise band-limited: at the pixel scale of a 20 m grid each kink adds an error of
    about h |jump of e'| / 4, which no matrix bounds usefully (measured on a random base
    package: the error grows linearly with h, 2e-4 per component at h = 16 px). So the
    lattice is certified on the raster itself: the output is evaluated exactly at the
    centre of every lattice cell (where both error terms peak), and the step is halved
    (the centres become nodes, nothing is evaluated twice) until every centre is within
    `CHECK_MARGIN` x `tolerance` of the interpolated value, or the step falls under two
    pixels, where every pixel is evaluated. tests/test_location_band_limit.py checks the
    result against every pixel.
    """

    def __init__(
        self,
        width: int,
        height: int,
        evaluate: Evaluate,
        frequency: Optional[float],
        equal_earth_at: Optional[EqualEarthAt] = None,
        tolerance: float = 1e-3,
    ) -> None:
        self.width, self.height, self.evaluate, self.tolerance = width, height, evaluate, tolerance
        self.step: Optional[float] = None  # node step in pixels; None: every pixel is evaluated
        self.evaluations = 0
        self.max_centre_error = 0.0
        self._nodes: Optional[NDArray[Any]] = None
        start = self.first_step(frequency, equal_earth_at) if tolerance > 0 else 0.0
        if start >= DIRECT_BELOW_STEP:
            self._certify(start)

    def first_step(self, frequency: Optional[float], equal_earth_at: Optional[EqualEarthAt]) -> float:
        """1/16 of the shortest wavelength in pixels (0 when unknown), at most a quarter of the raster."""
        if not frequency or equal_earth_at is None:
            return 0.0
        per_pixel = self._equal_earth_per_pixel(equal_earth_at)
        if not np.isfinite(per_pixel) or per_pixel <= 0:
            return 0.0
        return min(1.0 / (SAMPLES_PER_WAVELENGTH * frequency * per_pixel), max(self.width, self.height) / 4)

    def _equal_earth_per_pixel(self, equal_earth_at: EqualEarthAt) -> float:
        """The largest Equal Earth distance of one pixel step (x or y) at 9 points of the raster."""
        cols = np.repeat(np.linspace(0.5, self.width - 0.5, 3), 3)
        rows = np.tile(np.linspace(0.5, self.height - 0.5, 3), 3)
        here = equal_earth_at(cols, rows)
        right = equal_earth_at(cols + 1, rows)
        down = equal_earth_at(cols, rows + 1)
        return float(
            np.nanmax(np.concatenate([np.linalg.norm(right - here, axis=1), np.linalg.norm(down - here, axis=1)]))
        )

    def _node_positions(self, step: float) -> tuple[NDArray[Any], NDArray[Any]]:
        def axis(size: int) -> NDArray[Any]:
            count = max(4, int(np.ceil((size - 1) / step - 1e-9)) + 1)
            return 0.5 + step * np.arange(count)

        return axis(self.width), axis(self.height)

    def _values_at(self, cols: NDArray[Any], rows: NDArray[Any]) -> Optional[NDArray[Any]]:
        """Exact outputs on the grid cols x rows (len(rows), len(cols), K); None if any is invalid."""
        c, r = np.meshgrid(cols, rows)
        values, valid = self.evaluate(c.ravel(), r.ravel())
        self.evaluations += c.size
        if not np.all(valid):
            return None
        return np.asarray(values, np.float64).reshape(len(rows), len(cols), -1)

    def _certify(self, step: float) -> None:
        xs, ys = self._node_positions(step)
        nodes = self._values_at(xs, ys)
        while nodes is not None and step >= DIRECT_BELOW_STEP:
            cx, cy = xs[:-1] + step / 2, ys[:-1] + step / 2
            centres = self._values_at(cx, cy)
            if centres is None:
                return
            interpolated = self._interpolate(nodes, step, cx, cy)
            self.max_centre_error = float(np.abs(interpolated - centres).max())
            if self.max_centre_error <= CHECK_MARGIN * self.tolerance:
                self.step, self._nodes = step, nodes
                return
            step, nodes, xs, ys = self._refine(step, nodes, centres, xs, ys)

    def _refine(
        self, step: float, nodes: NDArray[Any], centres: NDArray[Any], xs: NDArray[Any], ys: NDArray[Any]
    ) -> tuple[float, Optional[NDArray[Any]], NDArray[Any], NDArray[Any]]:
        """Halve the step: old nodes and centres are kept, the edge midpoints evaluated."""
        half = step / 2
        fine_x, fine_y = 0.5 + half * np.arange(2 * len(xs) - 1), 0.5 + half * np.arange(2 * len(ys) - 1)
        refined = np.empty((len(fine_y), len(fine_x), nodes.shape[2]))
        refined[::2, ::2], refined[1::2, 1::2] = nodes, centres
        rows_midpoints = self._values_at(fine_x[1::2], fine_y[::2])
        cols_midpoints = self._values_at(fine_x[::2], fine_y[1::2])
        if rows_midpoints is None or cols_midpoints is None:
            return half, None, fine_x, fine_y
        refined[::2, 1::2], refined[1::2, ::2] = rows_midpoints, cols_midpoints
        return half, refined, fine_x, fine_y

    @staticmethod
    def _interpolate(nodes: NDArray[Any], step: float, cols: NDArray[Any], rows: NDArray[Any]) -> NDArray[Any]:
        """(len(rows), len(cols), K) from the node lattice, one matrix product per axis."""
        my = lagrange_matrix(rows, 0.5, step, nodes.shape[0])
        mx = lagrange_matrix(cols, 0.5, step, nodes.shape[1])
        along_y = np.tensordot(my, nodes, axes=(1, 0))  # (R, nx, K)
        interpolated: NDArray[Any] = np.einsum("cx,rxk->rck", mx, along_y, optimize=True)
        return interpolated

    def rows(self, start: int, stop: int) -> tuple[NDArray[Any], NDArray[Any]]:
        """Outputs (rows, width, K) float32 and validity (rows, width) of output rows start..stop-1."""
        cols = np.arange(self.width) + 0.5
        rows = np.arange(start, stop) + 0.5
        if self._nodes is None:
            c, r = np.meshgrid(cols, rows)
            values, valid = self.evaluate(c.ravel(), r.ravel())
            values = np.asarray(values, np.float32)
            return values.reshape(len(rows), len(cols), -1), np.asarray(valid).reshape(len(rows), len(cols))
        values = self._interpolate(self._nodes, cast(float, self.step), cols, rows).astype(np.float32)
        return values, np.ones(values.shape[:2], bool)
