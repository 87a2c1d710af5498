"""Tiles are 2 km on the ground in every CRS: the ground pixel size is the geodesic one, so a
Web Mercator raster at 42.5 N gets 271-pixel tiles, not 200."""

from __future__ import annotations

import numpy as np
import pytest


def pyproj_to_lonlat(crs: str):
    from pyproj import Transformer

    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return lambda x, y: transformer.transform(x, y)


@pytest.mark.parametrize(
    "crs, lon, lat, pixel",
    [("EPSG:3857", -83.0, 42.5, 10.0), ("EPSG:4326", -83.0, 42.5, 1e-4), ("EPSG:32617", -81.0, 42.5, 10.0)],
)
def test_ground_pixel_size_is_the_geodesic_size_in_any_crs(crs, lon, lat, pixel):
    from gair_qgis.runtime.geometry import PixelGrid, ground_pixel_size_m

    from processing_support import geodesic_pixel_m, to_crs

    x, y = to_crs(lon, lat, crs)
    grid = PixelGrid(x - 500 * pixel, y + 500 * pixel, pixel, pixel, 1000, 1000)
    measured = ground_pixel_size_m(grid, pyproj_to_lonlat(crs), x, y)
    np.testing.assert_allclose(measured, geodesic_pixel_m(crs, pixel, x, y), rtol=1e-6)
    if crs == "EPSG:3857":  # Web Mercator's scale at 42.5 N: a map metre is cos(42.5 deg) ~ 0.737 ground metres
        assert measured[0] == pytest.approx(7.38, abs=0.01)


def test_a_web_mercator_raster_gets_2_km_tiles_on_the_ground(tmp_path, gair_provider, photo):
    from processing_support import RasterCase, geodesic_pixel_m, make_raster, read_output, run, to_crs

    lon, lat = -83.05, 42.5
    x, y = to_crs(lon, lat, "EPSG:3857")
    case = RasterCase("EPSG:3857", x - 1500.0, y + 1500.0, 10.0, (lon, lat))
    raster = make_raster(tmp_path / "mercator.tif", case, 300, 300)
    run(
        "svheatmap",
        {
            "INPUT": str(raster),
            "SV_IMAGE": str(photo),
            "SV_POINT": f"{lon},{lat} [EPSG:4326]",
            "OUTPUT": str(tmp_path / "heat.tif"),
        },
    )
    out = read_output(tmp_path / "heat.tif")
    ground = geodesic_pixel_m("EPSG:3857", 10.0, x, y)
    expected = (round(2000 / ground[0]), round(2000 / ground[1]))
    assert (out.values.shape[2], out.values.shape[1]) == expected
    assert expected[0] == 271  # 2 km / 7.38 m, where 2000 map units would give 200 pixels (1.48 km)
