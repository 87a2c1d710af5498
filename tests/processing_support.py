"""Helpers of the Processing tests (tests/test_processing_*.py): the GAIR provider in the
registry, rasters in several CRSs, and reference values computed independently of the
algorithms (rasterio reads + the runtime's own encoders)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import pytest
from qgis.core import QgsApplication, QgsProcessingFeedback

from conftest import L2A_12, UNTRAINED_TWIN, sentinel_like, write_geotiff

MODEL_BANDS_IN_L2A = [1, 2, 3, 4, 5, 6, 7, 8, 10, 11]  # B2..B8A, B11, B12 in a 12-band L2A stack
TILE_GROUND_M = 2000.0


@dataclass(frozen=True)
class RasterCase:
    """A raster CRS and where a test raster lies in it."""

    crs: str
    left: float
    top: float
    pixel: float  # map units
    lonlat: tuple[float, float]  # a place inside such a raster (lon, lat)

    def pixel_m(self, lat: float) -> tuple[float, float]:
        """Ground size (x, y) of a pixel in metres: geodesic lengths (pyproj.Geod, WGS84) between
        the midpoints of its opposite edges, at latitude `lat` (EPSG:4326) or at the case's place."""
        return geodesic_pixel_m(
            self.crs,
            self.pixel,
            *(to_crs(self.lonlat[0], lat, self.crs) if self.crs == "EPSG:4326" else to_crs(*self.lonlat, self.crs)),
        )


def geodesic_pixel_m(crs: str, pixel: float, x: float, y: float) -> tuple[float, float]:
    """Geodesic ground size (x, y) of a `pixel`-sized pixel centred on map point (x, y) of `crs`."""
    from pyproj import Geod

    lon, lat = to_lonlat(
        np.array([x - pixel / 2, x + pixel / 2, x, x]), np.array([y, y, y - pixel / 2, y + pixel / 2]), crs
    )
    geod = Geod(ellps="WGS84")
    return geod.inv(lon[0], lat[0], lon[1], lat[1])[2], geod.inv(lon[2], lat[2], lon[3], lat[3])[2]


CASES = {
    "EPSG:4326": RasterCase("EPSG:4326", 9.150, 48.785, 8.983e-5, (9.163, 48.777)),
    "EPSG:32632": RasterCase("EPSG:32632", 512_000.0, 5_402_500.0, 10.0, (9.170, 48.760)),
    "EPSG:2264": RasterCase("EPSG:2264", 2_105_000.0, 740_000.0, 10 / (1200 / 3937), (-78.640, 35.778)),
}


def make_raster(
    path: Path,
    case: RasterCase,
    cols: int,
    rows: int,
    pixels: Optional[np.ndarray] = None,
    descriptions: Optional[list[str]] = L2A_12,
    crs: Optional[str] = "",
    seed: int = 0,
) -> Path:
    """A GeoTIFF of `pixels` (default: random 12-band L2A-like) on the case's grid."""
    pixels = sentinel_like(rows, cols, seed=seed) if pixels is None else pixels
    bounds = (case.left, case.top - rows * case.pixel, case.left + cols * case.pixel, case.top)
    return write_geotiff(path, pixels, bounds, case.crs if crs == "" else crs, descriptions)


def to_crs(lon: float, lat: float, crs: str) -> tuple[float, float]:
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)


def to_lonlat(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)


@pytest.fixture(scope="module")
def gair_provider(qgis_processing):
    """The GAIR Processing provider, registered for one test module."""
    from gair_qgis.processing.provider import GairProvider

    registry = QgsApplication.processingRegistry()
    assert registry.providerById("gair") is None, "another GAIR provider is still registered"
    provider = GairProvider()
    assert registry.addProvider(provider)
    yield provider
    registry.removeProvider("gair")
    from gair_qgis import cache

    cache.clear()


def run(algorithm: str, parameters: dict, feedback: Optional[QgsProcessingFeedback] = None) -> dict:
    """Run a GAIR algorithm; MODEL defaults to the untrained tiny twin (2 km / 96 px tiles)."""
    import processing

    parameters = {"MODEL": str(UNTRAINED_TWIN), **parameters}
    return processing.run(f"gair:{algorithm}", parameters, feedback=feedback or QgsProcessingFeedback())


@cache
def runtime(package: Optional[str] = None):
    """The runtime of a package (default: the untrained tiny twin, as `run`)."""
    from gair_qgis.runtime.session import GAIRRuntime

    return GAIRRuntime(package or str(UNTRAINED_TWIN))


@dataclass
class Output:
    values: np.ndarray  # (bands, rows, cols)
    geotransform: tuple[float, ...]
    crs_wkt: Optional[str]
    nodata: Optional[float]
    descriptions: tuple

    def centres(self) -> list[np.ndarray]:
        """Map coordinates of every pixel centre, [x, y], (rows, cols) each."""
        left, pw, _, top, _, ph = self.geotransform
        rows, cols = self.values.shape[1:]
        return np.meshgrid(left + (np.arange(cols) + 0.5) * pw, top + (np.arange(rows) + 0.5) * ph)


def read_output(path: str | Path) -> Output:
    import rasterio

    with rasterio.open(path) as dataset:
        return Output(
            dataset.read(),
            tuple(dataset.transform.to_gdal()),
            dataset.crs.to_wkt() if dataset.crs else None,
            dataset.nodata,
            dataset.descriptions,
        )


def window_of(raster: Path, geotransform: Sequence[float], cols: int, rows: int) -> tuple[int, int, int, int]:
    """The raster window (col, row, width, height) an output grid covers; asserts it is one."""
    import rasterio

    with rasterio.open(raster) as dataset:
        t = dataset.transform
    col, row = (geotransform[0] - t.c) / t.a, (geotransform[3] - t.f) / t.e
    assert geotransform[1] == pytest.approx(t.a, rel=1e-12) and geotransform[5] == pytest.approx(t.e, rel=1e-12)
    assert abs(col - round(col)) < 1e-6 and abs(row - round(row)) < 1e-6, "not aligned with the raster's pixels"
    return round(col), round(row), cols, rows


def encode_window(
    raster: Path,
    window: tuple[int, int, int, int],
    bands: Optional[Sequence[int]] = None,
    package: Optional[str] = None,
):
    """The runtime's EncodedTile of a raster window (rasterio read; `bands` 0-based, in model
    order; default: from the band descriptions) and the window's bounds."""
    import rasterio
    from rasterio.windows import Window

    with rasterio.open(raster) as dataset:
        rio_window = Window(*window)
        pixels = dataset.read(window=rio_window)
        bounds = dataset.window_bounds(rio_window)  # left, bottom, right, top
        names: Optional[list[Optional[str]]] = list(dataset.descriptions)
    if bands is not None:
        pixels, names = pixels[list(bands)], None
    return runtime(package).encode_rs_window(pixels, names), bounds


def reference_similarity(
    raster: Path, window, photo: Path, x: np.ndarray, y: np.ndarray, bands: Optional[Sequence[int]] = None
) -> np.ndarray:
    """Cosine of the photo's projected SV embedding with the localized RS embedding at map
    points (x, y), the window encoded as one tile: the runtime's point path."""
    tile, (left, bottom, right, top) = encode_window(raster, window, bands)
    _, sv = runtime().encode_photo(photo)
    u, v = (np.ravel(x) - left) / (right - left), (top - np.ravel(y)) / (top - bottom)
    return tile.similarity(sv, 2 * u - 1, 2 * v - 1).reshape(np.shape(x))


def default_tile_size(case: RasterCase, lat: float, cols: int, rows: int) -> tuple[int, int]:
    """The model's 2 km tile in the case's pixels (at most the raster)."""
    px, py = case.pixel_m(lat)
    return min(cols, max(1, round(TILE_GROUND_M / px))), min(rows, max(1, round(TILE_GROUND_M / py)))


class CancelAfterStart(QgsProcessingFeedback):
    """Cancels as soon as the algorithm reports progress."""

    def setProgress(self, progress: float) -> None:
        super().setProgress(progress)
        if progress > 0:
            self.cancel()
