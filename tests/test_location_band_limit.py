"""Location rasters at the band limit: the interpolated raster against the encoder evaluated at
every pixel (runtime only, real onnxruntime sessions of the bundled package)."""

from __future__ import annotations

import numpy as np
import pytest

from gair_qgis.runtime.location import BandLimitedRaster, equal_earth, highest_frequency, lagrange_matrix
from gair_qgis.runtime.package import load_package
from gair_qgis.runtime.session import GAIRRuntime

LON0, LAT0 = -83.26, 42.48  # Detroit


@pytest.fixture(scope="module")
def runtime() -> GAIRRuntime:
    return GAIRRuntime(load_package(), force_cpu=True)


def local_grid(pixel_m: float):
    """lon/lat of fractional pixel positions of a north-up grid of `pixel_m` metre pixels at Detroit."""
    dlon = pixel_m / (111_320 * np.cos(np.radians(LAT0)))
    dlat = pixel_m / 111_320

    def lonlat(cols, rows):
        return np.stack([LON0 + np.asarray(cols) * dlon, LAT0 - np.asarray(rows) * dlat], axis=1)

    return lonlat


def field_for(runtime, size, pixel_m, output, tolerance=1e-3):
    lonlat = local_grid(pixel_m)

    def evaluate(cols, rows):
        return output(runtime.encode_location(lonlat(cols, rows))), np.ones(len(cols), bool)

    raster = BandLimitedRaster(
        size, size, evaluate, highest_frequency(runtime.package), lambda c, r: equal_earth(lonlat(c, r)), tolerance
    )
    return raster, evaluate


def every_pixel(evaluate, size):
    cols, rows = np.meshgrid(np.arange(size) + 0.5, np.arange(size) + 0.5)
    values, _ = evaluate(cols.ravel(), rows.ravel())
    return values.reshape(size, size, -1)


def test_highest_frequency_is_read_from_the_package(runtime):
    # the bundled package keeps the released sigmas (1, 16, 256): |b| of N(0, 256^2) rows reach several hundred
    highest = highest_frequency(runtime.package)
    assert highest is not None and 300 < highest < 2000


def test_lagrange_matrix_reproduces_cubics_exactly():
    nodes = 0.5 + 7.0 * np.arange(9)
    positions = np.linspace(0.5, 56.5, 113)
    cubic = lambda x: 0.3 * x**3 - 2 * x**2 + x - 4  # noqa: E731
    assert np.allclose(lagrange_matrix(positions, 0.5, 7.0, 9) @ cubic(nodes), cubic(positions), atol=1e-8)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["embedding", "similarity"])
def test_interpolated_20m_raster_is_within_the_tolerance_of_every_pixel(runtime, kind):
    size = 240
    reference = runtime.encode_location(np.array([[LON0 + 0.05, LAT0 - 0.03]]))[0]
    output = (
        (lambda e: e)
        if kind == "embedding"
        else (lambda e: (e @ reference / np.linalg.norm(e, axis=1) / np.linalg.norm(reference))[:, None])
    )
    raster, evaluate = field_for(runtime, size, 20.0, output)
    assert raster.step is not None and raster.step >= 4, "20 m pixels are far finer than the band limit"
    assert raster.evaluations < size * size / 4
    exact = every_pixel(evaluate, size)
    interpolated, valid = raster.rows(0, size)
    assert valid.all()
    error = np.abs(interpolated.astype(np.float64) - exact).max()
    assert error < 1e-3, f"max error {error:.2e} at step {raster.step:.1f} px"
    # rows in chunks give the same values as all rows at once
    assert np.array_equal(np.concatenate([raster.rows(0, 100)[0], raster.rows(100, size)[0]]), interpolated)


@pytest.mark.slow
def test_a_tighter_tolerance_gives_a_finer_lattice_and_stays_within_it(runtime):
    size = 160
    coarse, _ = field_for(runtime, size, 20.0, lambda e: e, tolerance=1e-3)
    fine, evaluate = field_for(runtime, size, 20.0, lambda e: e, tolerance=1e-5)
    assert fine.step is None or fine.step < coarse.step
    error = np.abs(fine.rows(0, size)[0].astype(np.float64) - every_pixel(evaluate, size)).max()
    assert error < 1e-5


def test_coarse_pixels_and_tolerance_zero_are_evaluated_at_every_pixel(runtime):
    for pixel_m, tolerance in ((5_000.0, 1e-3), (20.0, 0.0)):
        raster, evaluate = field_for(runtime, 40, pixel_m, lambda e: e, tolerance)
        assert raster.step is None
        assert np.array_equal(raster.rows(0, 40)[0], every_pixel(evaluate, 40).astype(np.float32))
