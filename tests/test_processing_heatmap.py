"""gair:svheatmap in a real headless QGIS on real GeoTIFFs, checked pixel by pixel against
the runtime's own cosine at each output pixel centre (rasterio reads, no plugin code)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from qgis.core import QgsProcessingException

from conftest import sentinel_like, write_geotiff
from processing_support import (
    CASES,
    MODEL_BANDS_IN_L2A,
    TILE_GROUND_M,
    CancelAfterStart,
    geodesic_pixel_m,
    make_raster,
    read_output,
    reference_similarity,
    run,
    to_crs,
    window_of,
)

ATOL = 1e-5


def heatmap(raster: Path, photo: Path, out: Path, **extra) -> dict:
    return run("svheatmap", dict({"INPUT": str(raster), "SV_IMAGE": str(photo), "OUTPUT": str(out)}, **extra))


def assert_matches_reference(out: Path, raster: Path, photo: Path, bands=None) -> tuple[int, int, int, int]:
    """The output covers one raster window, pixel-aligned, and equals the runtime's cosine at
    every pixel centre; returns the window."""
    result = read_output(out)
    window = window_of(raster, result.geotransform, result.values.shape[2], result.values.shape[1])
    x, y = result.centres()
    expected = reference_similarity(raster, window, photo, x, y, bands)
    assert result.values.dtype == np.float32 and result.nodata == -9999
    np.testing.assert_allclose(result.values[0], expected, atol=ATOL, rtol=0)
    return window


def fixed_grid_tiles(raster: Path, size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """The documented fixed grid: tiles of `size` every half tile (rounded) from the raster's
    top-left pixel, the last ones shifted inside, at most the raster's size."""
    import rasterio

    with rasterio.open(raster) as dataset:
        cols, rows = dataset.width, dataset.height

    def starts(tile: int, length: int) -> list[int]:
        tile = min(tile, length)
        found, start = [], 0
        while True:
            found.append(min(start, length - tile))
            if found[-1] + tile >= length:
                return found
            start += max(1, round(tile / 2))

    width, height = min(size[0], cols), min(size[1], rows)
    return [(c, r, width, height) for r in starts(size[1], rows) for c in starts(size[0], cols)]


def blended_reference(raster: Path, photo: Path, x: np.ndarray, y: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The heatmap at map points (x, y) from the fixed grid, written from the help text:
    each tile's own cosine weighted by sin^2(pi u) sin^2(pi v) across the tile, normalised."""
    import rasterio

    with rasterio.open(raster) as dataset:
        transform = dataset.transform
    col, row = (x - transform.c) / transform.a, (y - transform.f) / transform.e
    weighted, weights = np.zeros(x.shape), np.zeros(x.shape)
    for c0, r0, width, height in fixed_grid_tiles(raster, size):
        u, v = (col - c0) / width, (row - r0) / height
        inside = (u >= 0) & (u < 1) & (v >= 0) & (v < 1)
        if inside.any():
            weight = np.sin(np.pi * u[inside]) ** 2 * np.sin(np.pi * v[inside]) ** 2
            weighted[inside] += weight * reference_similarity(
                raster, (c0, r0, width, height), photo, x[inside], y[inside]
            )
            weights[inside] += weight
    return (weighted / weights).astype(np.float32)


def raster_centre_tile_size(case, raster: Path) -> tuple[int, int]:
    """The model's 2 km tile in the raster's pixels at the raster's centre (geodesic, pyproj)."""
    import rasterio

    with rasterio.open(raster) as dataset:
        left, bottom, right, top = dataset.bounds
    px, py = geodesic_pixel_m(case.crs, case.pixel, (left + right) / 2, (bottom + top) / 2)
    return max(1, round(TILE_GROUND_M / px)), max(1, round(TILE_GROUND_M / py))


@pytest.mark.parametrize("crs", list(CASES))
def test_the_default_area_is_the_fixed_grid_tile_nearest_the_point_blended_in_each_crs(
    tmp_path, gair_provider, photo, crs
):
    case = CASES[crs]
    cols, rows = (700, 480) if crs == "EPSG:4326" else (480, 460)
    raster = make_raster(tmp_path / "rs.tif", case, cols, rows)
    size = raster_centre_tile_size(case, raster)
    lon, lat = case.lonlat
    result = heatmap(raster, photo, tmp_path / "heat.tif", SV_POINT=f"{lon},{lat} [EPSG:4326]")
    out = read_output(tmp_path / "heat.tif")
    col, row, width, height = window_of(raster, out.geotransform, out.values.shape[2], out.values.shape[1])
    tiles = fixed_grid_tiles(raster, size)
    assert (col, row, width, height) in tiles, "the output is not a tile of the fixed grid"
    x, y = to_crs(lon, lat, crs)
    point_col, point_row = (x - case.left) / case.pixel, (case.top - y) / case.pixel
    nearest = min(tiles, key=lambda t: (abs(t[0] + t[2] / 2 - point_col), abs(t[1] + t[3] / 2 - point_row)))
    assert (col, row) == nearest[:2]
    centres_x, centres_y = out.centres()
    expected = blended_reference(raster, photo, centres_x, centres_y, size)
    np.testing.assert_allclose(out.values[0], expected, atol=ATOL, rtol=0)
    overlapping = [
        t for t in tiles if t[0] < col + width and col < t[0] + t[2] and t[1] < row + height and row < t[1] + t[3]
    ]
    assert result["TILES"] == len(overlapping) > 1
    at_point = out.values[0][int(point_row - row), int(point_col - col)]
    assert result["POINT_SIMILARITY"] == pytest.approx(float(at_point), abs=1e-6)


def test_two_points_or_an_extent_give_the_same_value_where_they_overlap(tmp_path, gair_provider, photo):
    case = CASES["EPSG:32632"]
    raster = make_raster(tmp_path / "rs.tif", case, 480, 460, seed=5)
    # 200 px tiles every 100 px: tile (0, 0) and tile (100, 100), which overlap by a quarter
    first_point = f"{case.left + 1200},{case.top - 1200} [EPSG:32632]"
    second_point = f"{case.left + 2300},{case.top - 1900} [EPSG:32632]"
    heatmap(raster, photo, tmp_path / "a.tif", SV_POINT=first_point)
    heatmap(raster, photo, tmp_path / "b.tif", SV_POINT=second_point)
    extent = f"{case.left},{case.left + 3500},{case.top - 3300},{case.top} [EPSG:32632]"
    heatmap(raster, photo, tmp_path / "c.tif", SV_POINT=first_point, EXTENT=extent)
    a, b, c = (read_output(tmp_path / f"{n}.tif") for n in "abc")

    def on(out, other) -> np.ndarray:
        """`other`'s values on `out`'s pixels (NaN where it does not cover)."""
        dc = round((out.geotransform[0] - other.geotransform[0]) / 10)
        dr = round((other.geotransform[3] - out.geotransform[3]) / 10)
        rows, cols = np.mgrid[: out.values.shape[1], : out.values.shape[2]]
        rows, cols = rows + dr, cols + dc
        inside = (rows >= 0) & (rows < other.values.shape[1]) & (cols >= 0) & (cols < other.values.shape[2])
        values = np.full(rows.shape, np.nan)
        values[inside] = other.values[0][rows[inside], cols[inside]]
        return values

    b_on_a, c_on_a, c_on_b = on(a, b), on(a, c), on(b, c)
    assert a.geotransform != b.geotransform and np.isfinite(b_on_a).sum() > 1000
    assert np.nanmax(np.abs(b_on_a - a.values[0])) < ATOL
    assert np.isfinite(c_on_a).all() and np.abs(c_on_a - a.values[0]).max() < ATOL
    assert np.isfinite(c_on_b).all() and np.abs(c_on_b - b.values[0]).max() < ATOL


def test_a_point_inside_the_encoded_tiles_reuses_them(tmp_path, gair_provider, photo):
    from gair_qgis import cache

    cache.TILES.clear()
    case = CASES["EPSG:32632"]
    raster = make_raster(tmp_path / "rs.tif", case, 500, 500, seed=6)  # 200 px tiles every 100 px
    first = heatmap(raster, photo, tmp_path / "a.tif", SV_POINT=f"{case.left + 2300},{case.top - 2300} [EPSG:32632]")
    again = heatmap(raster, photo, tmp_path / "b.tif", SV_POINT=f"{case.left + 2400},{case.top - 1700} [EPSG:32632]")
    assert first["ENCODED_TILES"] == first["TILES"] == 9
    assert again["ENCODED_TILES"] == 0 and again["TILES"] == 9
    np.testing.assert_array_equal(read_output(tmp_path / "a.tif").values, read_output(tmp_path / "b.tif").values)
    beside = heatmap(raster, photo, tmp_path / "c.tif", SV_POINT=f"{case.left + 3300},{case.top - 2300} [EPSG:32632]")
    assert beside["TILES"] == 9 and beside["ENCODED_TILES"] == 3  # one new column of the grid


def test_extent_over_several_tiles_with_a_pixel_size_evaluates_each_pixel_in_its_tile(tmp_path, gair_provider, photo):
    case = CASES["EPSG:32632"]
    raster = make_raster(tmp_path / "rs.tif", case, 240, 230)
    L, T, p = case.left, case.top, case.pixel
    tile = (30, 20, 100, 80)  # col, row, width, height of TILE_EXTENT
    tile_extent = f"{L + 30 * p},{L + 130 * p},{T - 100 * p},{T - 20 * p} [EPSG:32632]"
    extent = f"{L - 50},{L + 2450},{T - 2350},{T + 50} [EPSG:32632]"
    result = heatmap(raster, photo, tmp_path / "heat.tif", TILE_EXTENT=tile_extent, EXTENT=extent, PIXEL_SIZE=25)
    out = read_output(tmp_path / "heat.tif")
    assert out.geotransform == pytest.approx((L - 50, 25, 0, T + 50, 0, -25), abs=1e-6)
    assert out.values.shape == (1, 96, 100)

    x, y = out.centres()
    col, row = (x - L) / p, (T - y) / p
    inside = (col >= 0) & (col < 240) & (row >= 0) & (row < 230)
    tile_i = np.floor((col - tile[0]) / tile[2]).astype(int)
    tile_j = np.floor((row - tile[1]) / tile[3]).astype(int)
    expected = np.full(x.shape, -9999, np.float32)
    windows = set()
    for i, j in {(i, j) for i, j in zip(tile_i[inside], tile_j[inside])}:
        c0 = min(max(tile[0] + i * tile[2], 0), 240 - tile[2])  # shifted inside the raster
        r0 = min(max(tile[1] + j * tile[3], 0), 230 - tile[3])
        windows.add((c0, r0))
        mask = inside & (tile_i == i) & (tile_j == j)
        expected[mask] = reference_similarity(raster, (c0, r0, tile[2], tile[3]), photo, x[mask], y[mask])
    np.testing.assert_allclose(out.values[0], expected, atol=ATOL, rtol=0)
    assert result["TILES"] == len(windows) == 16
    assert (out.values[0] == -9999).sum() == (~inside).sum() > 0


def test_nodata_pixels_stay_nodata(tmp_path, gair_provider, photo):
    case = CASES["EPSG:4326"]
    pixels = sentinel_like(100, 120)
    pixels[:, 10:30, 40:70] = 0
    raster = make_raster(tmp_path / "rs.tif", case, 120, 100, pixels)
    import rasterio

    with rasterio.open(raster, "r+") as dataset:
        dataset.nodata = 0
    bounds = f"{case.left},{case.left + 120 * case.pixel},{case.top - 100 * case.pixel},{case.top} [EPSG:4326]"
    heatmap(raster, photo, tmp_path / "heat.tif", TILE_EXTENT=bounds)
    values = read_output(tmp_path / "heat.tif").values[0]
    assert (values[10:30, 40:70] == -9999).all()
    assert (values != -9999).sum() == 100 * 120 - 20 * 30


def test_l2a_band_names_or_order_and_bands_override_give_the_same_heatmap(tmp_path, gair_provider, photo):
    case = CASES["EPSG:4326"]
    pixels = sentinel_like(100, 120, seed=3)
    named = make_raster(tmp_path / "named.tif", case, 120, 100, pixels)
    unnamed = make_raster(tmp_path / "unnamed.tif", case, 120, 100, pixels, descriptions=None)
    order = [5, 0, 9, 2, 7, 1, 8, 3, 6, 4]  # a 10-band stack in a scrambled order, no names
    shuffled = make_raster(
        tmp_path / "shuffled.tif", case, 120, 100, pixels[MODEL_BANDS_IN_L2A][order], descriptions=None
    )
    point = f"{case.left + 60 * case.pixel},{case.top - 50 * case.pixel} [EPSG:4326]"
    heatmap(named, photo, tmp_path / "a.tif", SV_POINT=point)
    heatmap(unnamed, photo, tmp_path / "b.tif", SV_POINT=point)
    bands = [order.index(k) + 1 for k in range(10)]
    heatmap(shuffled, photo, tmp_path / "c.tif", SV_POINT=point, BANDS=bands)
    assert_matches_reference(tmp_path / "a.tif", named, photo, MODEL_BANDS_IN_L2A)
    a, b, c = (read_output(tmp_path / f"{n}.tif").values for n in "abc")
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_rgb_raster_is_refused_clearly_unless_bands_are_mapped(tmp_path, gair_provider, photo):
    case = CASES["EPSG:4326"]
    rgb = np.random.default_rng(4).integers(0, 255, size=(3, 80, 90)).astype(np.uint8)
    raster = write_geotiff(
        tmp_path / "rgb.tif",
        rgb,
        (case.left, case.top - 80 * case.pixel, case.left + 90 * case.pixel, case.top),
        "EPSG:4326",
    )
    point = f"{case.left + 45 * case.pixel},{case.top - 40 * case.pixel} [EPSG:4326]"
    with pytest.raises(QgsProcessingException, match=r"3 band\(s\).*BANDS parameter"):
        heatmap(raster, photo, tmp_path / "heat.tif", SV_POINT=point)
    assert not (tmp_path / "heat.tif").exists()
    bands = [3, 2, 1, 1, 1, 1, 1, 1, 1, 1]
    heatmap(
        raster, photo, tmp_path / "heat.tif", SV_POINT=point, BANDS=",".join(map(str, bands))
    )  # as on a command line
    assert_matches_reference(tmp_path / "heat.tif", raster, photo, [b - 1 for b in bands])
    with pytest.raises(QgsProcessingException, match="give exactly 10 band numbers"):
        heatmap(raster, photo, tmp_path / "heat2.tif", SV_POINT=point, BANDS=[1, 2, 3])


def test_exif_gps_is_the_default_point(tmp_path, gair_provider, l2a_tile, photo):
    from gui_support import photo_with_gps

    lon, lat = 9.171, 48.768
    tagged = photo_with_gps(tmp_path / "gps.jpg", lon, lat)
    result = heatmap(l2a_tile, tagged, tmp_path / "a.tif")
    explicit = heatmap(l2a_tile, tagged, tmp_path / "b.tif", SV_POINT=f"{lon},{lat} [EPSG:4326]")
    assert result["POINT_SIMILARITY"] == explicit["POINT_SIMILARITY"] is not None
    np.testing.assert_array_equal(read_output(tmp_path / "a.tif").values, read_output(tmp_path / "b.tif").values)
    with pytest.raises(
        QgsProcessingException, match=r"no EXIF GPS position and 'Where the photo was taken' \(SV_POINT\) is not set"
    ):
        heatmap(l2a_tile, photo, tmp_path / "c.tif")


def test_a_second_photo_on_the_same_tile_reuses_the_cached_encoding(tmp_path, gair_provider, l2a_tile, photo):
    from PIL import Image

    other = tmp_path / "other.png"
    Image.fromarray(np.full((100, 120, 3), 120, np.uint8)).save(other)
    point = "9.17,48.768 [EPSG:4326]"
    first = heatmap(l2a_tile, photo, tmp_path / "a.tif", SV_POINT=point)
    second = heatmap(l2a_tile, other, tmp_path / "b.tif", SV_POINT=point)
    assert first["ENCODED_TILES"] in (0, 1) and second["ENCODED_TILES"] == 0 and second["TILES"] == 1
    assert_matches_reference(tmp_path / "b.tif", l2a_tile, other, MODEL_BANDS_IN_L2A)


def test_custom_crs_without_authority_id_works_and_is_written_as_wkt(tmp_path, gair_provider, photo):
    from rasterio.crs import CRS

    custom = "+proj=tmerc +lat_0=0 +lon_0=9.5 +k=0.9996 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs"
    case = CASES["EPSG:32632"]
    raster = make_raster(tmp_path / "rs.tif", case, 120, 100, crs=custom)
    point = f"{case.left + 600},{case.top - 500}"  # no CRS: the raster's
    heatmap(raster, photo, tmp_path / "heat.tif", SV_POINT=point)
    assert_matches_reference(tmp_path / "heat.tif", raster, photo)
    written = CRS.from_wkt(read_output(tmp_path / "heat.tif").crs_wkt)
    assert written.to_epsg() is None and written == CRS.from_proj4(custom)


@pytest.mark.parametrize(
    "problem, match",
    [
        ("outside", r"outside the raster INPUT.*give a point inside the raster"),
        ("unreadable photo", r"cannot read the photo .*Use a JPEG or PNG"),
        ("missing photo", "photo not found"),
        ("no crs", r"no valid CRS; assign one"),
        ("too many tiles", r"needs 3 tiles, more than the limit of 1.*GAIR_MAX_TILES"),
        ("existing output", r"already exists and is not overwritten"),
    ],
)
def test_errors_name_the_problem_and_the_fix_and_write_nothing(
    tmp_path, gair_provider, l2a_tile, photo, monkeypatch, problem, match
):
    raster, image, out = l2a_tile, photo, tmp_path / "out" / "heat.tif"
    out.parent.mkdir()
    extra = {"SV_POINT": "9.17,48.768 [EPSG:4326]"}
    if problem == "outside":
        extra["SV_POINT"] = "2.35,48.85 [EPSG:4326]"
    elif problem == "unreadable photo":
        image = tmp_path / "bad.jpg"
        image.write_text("not a photo")
    elif problem == "missing photo":
        image = tmp_path / "missing.jpg"
    elif problem == "no crs":
        raster = make_raster(tmp_path / "nocrs.tif", CASES["EPSG:32632"], 60, 50, crs=None)
        extra["SV_POINT"] = f"{CASES['EPSG:32632'].left + 100},{CASES['EPSG:32632'].top - 100}"
    elif problem == "too many tiles":
        monkeypatch.setenv("GAIR_MAX_TILES", "1")
        extra["TILE_EXTENT"] = "9.160,9.170,48.760,48.7770677 [EPSG:4326]"
        extra["EXTENT"] = "9.160,9.182,48.760,48.7770677 [EPSG:4326]"
    elif problem == "existing output":
        out.write_bytes(b"keep me")
    with pytest.raises(QgsProcessingException, match=match):
        heatmap(raster, image, out, **extra)
    if problem == "existing output":
        assert out.read_bytes() == b"keep me"
    else:
        assert list(out.parent.iterdir()) == []


def test_cancel_mid_run_leaves_no_file(tmp_path, gair_provider, l2a_tile, photo):
    out = tmp_path / "out" / "heat.tif"
    out.parent.mkdir()
    from processing_support import run as run_alg

    with pytest.raises(QgsProcessingException, match="cancelled"):
        run_alg(
            "svheatmap",
            {
                "INPUT": str(l2a_tile),
                "SV_IMAGE": str(photo),
                "SV_POINT": "9.17,48.768 [EPSG:4326]",
                "EXTENT": "9.150,9.190,48.750,48.780 [EPSG:4326]",
                "PIXEL_SIZE": 0.0002,
                "OUTPUT": str(out),
            },
            CancelAfterStart(),
        )
    assert list(out.parent.iterdir()) == []


def test_pixel_size_in_degrees_for_a_geographic_raster(tmp_path, gair_provider, l2a_tile, photo):
    heatmap(l2a_tile, photo, tmp_path / "heat.tif", SV_POINT="9.17,48.768 [EPSG:4326]", PIXEL_SIZE=0.0005)
    out = read_output(tmp_path / "heat.tif")
    assert out.geotransform[1] == 0.0005 and out.geotransform[5] == -0.0005
    assert out.values.shape[1:] == (
        math.ceil(190 * 8.983e-5 / 0.0005 - 1e-9),
        math.ceil(245 * 8.983e-5 / 0.0005 - 1e-9),
    )
    x, y = out.centres()
    inside = (x < 9.160 + 245 * 8.983e-5) & (y > 48.760)  # centres inside the raster
    np.testing.assert_array_equal(out.values[0] != -9999, inside)
    assert inside.sum() > 0.9 * inside.size
