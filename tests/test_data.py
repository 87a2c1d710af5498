"""Training data: manifest validation, the Global Streetscapes importer, windowed dataset reads."""

import csv
from pathlib import Path

import numpy as np
import pytest

from gair_core.data.__main__ import main as data_main
from gair_core.data.dataset import EpochBatchSampler, PairDataset, collate
from gair_core.data.manifest import read_manifest, validate_manifest
from gair_core.data.raster import read_window
from gair_qgis.runtime.embed_cli import tile_coords
from gair_qgis.runtime.preprocess import preprocess_rs, preprocess_sv, read_photo, released_rs_spec, scale_rs
from gair_qgis.runtime.raster_file import raster_info, read_raster

from conftest import GAIR_EXAMPLES, L2A_12, SHARED, requires_examples, sentinel_like, write_geotiff

STREETSCAPES = SHARED / "data" / "global-streetscapes-sample"
requires_streetscapes = pytest.mark.skipif(
    not (STREETSCAPES / "images_metadata.csv").exists(),
    reason=f"../shared/data/global-streetscapes-sample not found at {STREETSCAPES}",
)

STUTTGART = (9.160, 48.760, 9.160 + 245 * 8.983e-5, 48.760 + 190 * 8.983e-5)


def path_of(value: str | None) -> Path:
    """A manifest row's rs_path or sv_path, which the rows a test reads all have."""
    assert value is not None
    return Path(value)


def write_manifest_rows(path: Path, rows: list[dict]) -> Path:
    columns = ["sv_path", "lon", "lat", "rs_path"]
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def position_raster(path: Path, rows: int, cols: int, bounds, crs: str, nodata=None) -> Path:
    """12 bands; band 1 holds each pixel's column index, band 2 its row index."""
    pixels = sentinel_like(rows, cols, seed=3)
    pixels[0] = np.arange(cols, dtype=np.uint16)[None, :]
    pixels[1] = np.arange(rows, dtype=np.uint16)[:, None]
    write_geotiff(path, pixels, bounds, crs, L2A_12)
    if nodata is not None:
        import rasterio

        with rasterio.open(path, "r+") as dataset:
            dataset.nodata = nodata
    return path


# --- validator ----------------------------------------------------------------------------


def test_validator_reports_every_kind_of_bad_row(tmp_path, l2a_tile, photo):
    broken_photo = tmp_path / "broken.jpg"
    broken_photo.write_bytes(b"not a jpeg")
    broken_raster = tmp_path / "broken.tif"
    broken_raster.write_bytes(b"II*\x00garbage")
    four_bands = write_geotiff(tmp_path / "rgbn.tif", sentinel_like(50, 50, bands=4), STUTTGART, "EPSG:4326")
    no_crs = write_geotiff(tmp_path / "nocrs.tif", sentinel_like(50, 50), STUTTGART, None, L2A_12)
    good = {"sv_path": photo.name, "lon": 9.17, "lat": 48.765, "rs_path": l2a_tile.name}
    rows = [
        good,  # 1 good (relative paths)
        {**good, "sv_path": "missing.jpg"},  # 2 photo missing
        {**good, "sv_path": str(broken_photo)},  # 3 photo unreadable
        {**good, "rs_path": "missing.tif"},  # 4 raster missing
        {**good, "rs_path": str(broken_raster)},  # 5 raster unreadable
        {**good, "lon": 9.30},  # 6 outside the footprint
        {**good, "rs_path": str(four_bands)},  # 7 unusable band count
        {**good, "lat": "north"},  # 8 not a number
        {**good, "rs_path": str(no_crs)},  # 9 no CRS
        {**good, "lat": 95},  # 10 latitude out of range
    ]
    manifest = write_manifest_rows(tmp_path / "manifest.csv", rows)
    count, problems = validate_manifest(manifest)
    assert count == 10
    found = {(p.row, p.column) for p in problems}
    assert found == {
        (2, "sv_path"),
        (3, "sv_path"),
        (4, "rs_path"),
        (5, "rs_path"),
        (6, "lon/lat"),
        (7, "rs_path"),
        (8, "lat"),
        (9, "rs_path"),
        (10, "lat"),
    }
    by_row = {p.row: p.message for p in problems}
    assert "not found" in by_row[2] and "unreadable" in by_row[3] and "not found" in by_row[4]
    assert "outside the footprint" in by_row[6] and "4 band" in by_row[7] and "no CRS" in by_row[9]
    assert data_main(["validate", str(manifest)]) == 1


def test_validator_passes_a_good_manifest_and_the_cli_exits_zero(tmp_path, l2a_tile, photo, capsys):
    rows = [
        {"sv_path": str(photo), "lon": 9.161 + 0.002 * i, "lat": 48.765, "rs_path": str(l2a_tile)} for i in range(3)
    ]
    manifest = write_manifest_rows(tmp_path / "m.csv", rows)
    assert validate_manifest(manifest) == (3, [])
    assert data_main(["validate", str(manifest)]) == 0
    assert "3 row(s), 0 bad" in capsys.readouterr().err


def test_validator_accepts_a_projected_raster(tmp_path, photo):
    from rasterio.warp import transform

    (x,), (y,) = transform("EPSG:4326", "EPSG:32632", [9.17], [48.765])
    raster = write_geotiff(
        tmp_path / "utm.tif", sentinel_like(100, 100), (x - 500, y - 500, x + 500, y + 500), "EPSG:32632", L2A_12
    )
    rows = [
        {"sv_path": str(photo), "lon": 9.17, "lat": 48.765, "rs_path": str(raster)},
        {"sv_path": str(photo), "lon": 9.19, "lat": 48.765, "rs_path": str(raster)},
    ]
    _, problems = validate_manifest(write_manifest_rows(tmp_path / "m.csv", rows))
    assert [(p.row, p.column) for p in problems] == [(2, "lon/lat")]


# --- Global Streetscapes importer -----------------------------------------------------------


@requires_streetscapes
def test_streetscapes_import_pairs_photos_with_covering_rasters(tmp_path):
    from rasterio.warp import transform

    tiles = tmp_path / "tiles"
    tiles.mkdir()
    west = write_geotiff(
        tiles / "west.tif", sentinel_like(160, 110), (9.160, 48.760, 9.170, 48.775), "EPSG:4326", L2A_12
    )
    (x0, x1), (y0, y1) = transform("EPSG:4326", "EPSG:32632", [9.166, 9.178], [48.768, 48.780])
    east = write_geotiff(tiles / "east.tif", sentinel_like(130, 90), (x0, y0, x1, y1), "EPSG:32632", L2A_12)
    out = tmp_path / "manifest.csv"
    assert (
        data_main(
            [
                "import-streetscapes",
                "--root",
                str(STREETSCAPES),
                "--rasters",
                str(tiles),
                "--output",
                str(out),
                "--val-fraction",
                "0.3",
            ]
        )
        == 0
    )
    rows = read_manifest(out)
    metadata = list(csv.DictReader((STREETSCAPES / "images_metadata.csv").read_text().splitlines()))
    assert 0 < len(rows) < len(metadata)  # the Singapore photos have no raster
    assert {path_of(r.rs_path).name for r in rows} == {"west.tif", "east.tif"}
    assert all(path_of(r.sv_path).is_file() for r in rows)
    assert {r.split for r in rows} <= {"train", "val"}
    count, problems = validate_manifest(out)
    assert count == len(rows) and problems == []
    singapore = [m for m in metadata if float(m["lon"]) > 100]
    assert not any(r.lon > 100 for r in rows) and singapore
    # a point inside both rasters goes to the one where it lies farther from an edge
    both = [r for r in rows if 9.166 < r.lon < 9.170 and 48.768 < r.lat < 48.775]
    from gair_core.data.streetscapes import edge_distance

    for row in both:
        chosen, other = (west, east) if path_of(row.rs_path).name == "west.tif" else (east, west)
        near = edge_distance(raster_info(chosen), row.lon, row.lat)
        far = edge_distance(raster_info(other), row.lon, row.lat)
        assert near is not None and far is not None and near >= far


# --- dataset --------------------------------------------------------------------------------


@requires_examples
def test_dataset_on_real_tiles_matches_the_inference_preprocessing(tmp_path):
    """The example tiles are smaller than a model tile, so the window is the whole tile: the
    sample must equal the embed command's inputs, and (u, v) its tile coordinates."""
    examples = list(csv.DictReader((GAIR_EXAMPLES / "examples.csv").read_text().splitlines()))
    rows = [
        {
            "sv_path": str(GAIR_EXAMPLES / e["sv_image"]),
            "lon": e["lon"],
            "lat": e["lat"],
            "rs_path": str(GAIR_EXAMPLES / e["rs_image"]),
        }
        for e in examples
    ]
    dataset = PairDataset(read_manifest(write_manifest_rows(tmp_path / "m.csv", rows)), augment=None)
    for index, example in enumerate(examples):
        sample = dataset[(0, index)]
        tile, tile_pixels = read_raster(GAIR_EXAMPLES / example["rs_image"])
        lonlat = np.array([[float(example["lon"]), float(example["lat"])]])
        expected = tile_coords(tile, lonlat, None)[0]
        assert sample["coords"].dtype.is_floating_point and sample["coords"].numpy().dtype == np.float64
        np.testing.assert_allclose(sample["coords"].numpy(), expected, rtol=0, atol=1e-12)
        import rasterio

        with rasterio.open(GAIR_EXAMPLES / example["rs_image"]) as source:
            nodata = source.read(masked=True).mask  # training fills nodata with the band mean
        spec = released_rs_spec()
        mean = np.array([spec.mean[spec.bands.index(b)] if b in spec.bands else 0.0 for b in L2A_12])
        pixels = np.where(nodata, mean[:, None, None], tile_pixels)
        rs = preprocess_rs(pixels, spec, tile.band_names)
        np.testing.assert_allclose(sample["rs"].numpy(), rs, atol=2e-5)
        sv = preprocess_sv(read_photo(GAIR_EXAMPLES / example["sv_image"]), dataset.sv_spec)
        np.testing.assert_allclose(sample["sv"].numpy(), sv, atol=2e-4)


def test_window_puts_the_point_at_random_positions_and_u_v_finds_its_pixel(tmp_path):
    from rasterio.warp import transform

    (x,), (y,) = transform("EPSG:4326", "EPSG:32632", [9.17], [48.765])
    raster = position_raster(tmp_path / "big.tif", 600, 600, (x - 3000, y - 3000, x + 3000, y + 3000), "EPSG:32632")
    col, row = 300, 300  # the point: centre of pixel (300, 300)
    px, py = x - 3000 + 10 * (col + 0.5), y + 3000 - 10 * (row + 0.5)
    (lon,), (lat,) = transform("EPSG:32632", "EPSG:4326", [px], [py])
    us = []
    for seed in range(30):
        window = read_window(raster, lon, lat, 2000.0, np.random.default_rng(seed))
        assert window.pixels.shape == (12, 200, 200)  # a window, not the raster
        h, w = window.pixels.shape[1:]
        assert 0 <= window.u <= 1 and 0 <= window.v <= 1
        r, c = int(np.floor(window.v * h)), int(np.floor(window.u * w))
        assert (window.pixels[0, r, c], window.pixels[1, r, c]) == (col, row)
        us.append(window.u)
    assert min(us) < 0.25 and max(us) > 0.75  # the point moves about the window


def test_warped_read_in_another_working_crs_keeps_the_point(tmp_path):
    from rasterio.warp import transform

    (x,), (y,) = transform("EPSG:4326", "EPSG:32632", [9.17], [48.765])
    raster = position_raster(tmp_path / "utm.tif", 300, 300, (x - 1500, y - 1500, x + 1500, y + 1500), "EPSG:32632")
    window = read_window(raster, 9.17, 48.765, 2000.0, np.random.default_rng(0), working_crs="EPSG:4326")
    h, w = window.pixels.shape[1:]
    value = window.pixels[0, int(window.v * h), int(window.u * w)]
    assert abs(float(value) - 150) <= 2  # the point's column in the UTM raster, after warping
    assert window.valid.all(axis=0).mean() > 0.8


def test_nodata_is_filled_with_a_neutral_value_and_reported(tmp_path, photo):
    raster = position_raster(tmp_path / "nd.tif", 190, 245, STUTTGART, "EPSG:4326", nodata=0)
    import rasterio

    with rasterio.open(raster, "r+") as dataset:
        pixels = dataset.read()
        pixels[:, :, :100] = 0  # the western 100 columns are nodata
        dataset.write(pixels)
    rows = [{"sv_path": str(photo), "lon": 9.175, "lat": 48.768, "rs_path": str(raster)}]
    dataset = PairDataset(read_manifest(write_manifest_rows(tmp_path / "m.csv", rows)), augment=None)
    sample = dataset[0]
    assert 0.3 < sample["rs_valid"] < 0.8
    neutral = scale_rs(np.asarray(released_rs_spec().mean, dtype=np.float64)[:, None, None], released_rs_spec())
    left = sample["rs"][:, :, :5].numpy()  # deep inside the filled part
    np.testing.assert_allclose(left, np.broadcast_to(neutral, left.shape), atol=1e-5)


def test_samples_depend_only_on_seed_epoch_and_index(tmp_path, l2a_tile, photo):
    rows = [
        {"sv_path": str(photo), "lon": 9.161 + 0.004 * i, "lat": 48.765, "rs_path": str(l2a_tile)} for i in range(4)
    ]
    dataset = PairDataset(read_manifest(write_manifest_rows(tmp_path / "m.csv", rows)), seed=5)
    a, b, c = dataset[(2, 1)], dataset[(2, 1)], dataset[(3, 1)]
    assert all(np.array_equal(a[k], b[k]) for k in ("sv", "rs", "coords"))
    assert not (np.array_equal(a["rs"], c["rs"]) and np.array_equal(a["sv"], c["sv"]))
    batch = collate([a, c])
    assert batch["coords"].dtype == batch["lonlat"].dtype == __import__("torch").float64


def test_sampler_shards_a_global_batch_and_resumes_mid_epoch():
    single = list(EpochBatchSampler(10, 4, seed=1, epoch=2))
    ranks = [list(EpochBatchSampler(10, 2, seed=1, epoch=2, rank=r, world_size=2)) for r in range(2)]
    assert len(single) == 2 and all(len(b) == 4 for b in single)
    for batch, (part0, part1) in zip(single, zip(*ranks)):
        assert batch == part0 + part1
    assert list(EpochBatchSampler(10, 4, seed=1, epoch=2, start_batch=1)) == single[1:]
    assert list(EpochBatchSampler(10, 4, seed=1, epoch=3)) != single


def test_endless_sampler_runs_on_through_the_following_epochs():
    endless = iter(EpochBatchSampler(10, 4, seed=1, epoch=2, start_batch=1, endless=True))
    expected = list(EpochBatchSampler(10, 4, seed=1, epoch=2))[1:] + list(EpochBatchSampler(10, 4, seed=1, epoch=3))
    assert [next(endless) for _ in range(3)] == expected
