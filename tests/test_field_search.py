"""`field build`, `field info`, `field search` and `field heatmap` end to end through the command
line, with the bundled model package, on a field over the three GAIR examples (real Sentinel-2
GeoTIFFs in EPSG:4326 at Detroit, Sacramento and Tokyo) in one EPSG:3857 grid with the per-cell
tables; the outputs open in QGIS as one layer each. Whether each photo's own raster is ranked
first is printed (and written in the README), not asserted: the bundled model's street-view
side is close to meaningless (its model card)."""

from __future__ import annotations

import csv
import json
import math
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import GAIR_EXAMPLES, requires_examples

pytest.importorskip("zarr", reason="the region extras are not installed (pip install -e '.[region]')")

PYTHON = sys.executable
EXAMPLES = ("detroit", "sacramento", "tokyo")
pytestmark = requires_examples


def field_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "gair_qgis.runtime.field", *args], capture_output=True, text=True, timeout=600)


def places() -> dict[str, tuple[float, float]]:
    with open(GAIR_EXAMPLES / "examples.csv") as handle:
        return {row["id"]: (float(row["lon"]), float(row["lat"])) for row in csv.DictReader(handle)}


def nearest_example(lon: float, lat: float) -> str:
    return min(places().items(), key=lambda item: math.hypot(item[1][0] - lon, item[1][1] - lat))[0]


@pytest.fixture(scope="module")
def field(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("examples") / "examples.zarr"
    run = field_cli(
        "build",
        "--out",
        str(out),
        "--crs",
        "EPSG:3857",
        "--tokens",
        "--scheduler",
        "none",
        *(str(GAIR_EXAMPLES / f"{name}_rs.tif") for name in EXAMPLES),
    )
    assert run.returncode == 0, run.stderr
    assert "tiles with data" in run.stdout and "PCA view" in run.stdout
    return out


def test_field_info_says_what_the_field_holds(field):
    run = field_cli("info", str(field))
    assert run.returncode == 0, run.stderr
    assert "package gair-bundled" in run.stdout and "per-cell tables: yes" in run.stdout
    assert "detroit_rs.tif, sacramento_rs.tif, tokyo_rs.tif" in run.stdout
    provenance = json.loads(field_cli("info", str(field), "--json").stdout)
    assert provenance["tokens"] and len(provenance["package"]["sha256"]) == 64
    assert [entry["files"][0]["size"] for entry in provenance["inputs"]] == [
        (GAIR_EXAMPLES / f"{name}_rs.tif").stat().st_size for name in EXAMPLES
    ]
    missing = field_cli("info", str(field.parent / "absent.zarr"))
    assert missing.returncode == 2 and missing.stderr.startswith("error: ") and "not a GAIR field" in missing.stderr


def read_places(gpkg: Path) -> list[dict]:
    with sqlite3.connect(gpkg) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT ranking, rank, score, tile, lon, lat FROM top_places")]


@pytest.fixture(scope="module")
def searches(field, tmp_path_factory) -> dict[str, tuple[Path, Path, str]]:
    """Each example photo searched in the field: (similarity raster, top places, summary)."""
    folder = tmp_path_factory.mktemp("search")
    found = {}
    for name in EXAMPLES:
        out = folder / f"{name}.gpkg"
        run = field_cli(
            "search",
            "--field",
            str(field),
            "--sv-image",
            str(GAIR_EXAMPLES / f"{name}_sv.jpg"),
            "--top",
            "5",
            "--out",
            str(out),
        )
        assert run.returncode == 0, run.stderr
        found[name] = (out.with_suffix(".tif"), out, run.stdout)
    return found


def test_each_photo_is_searched_in_every_tile_and_its_rankings_written(field, searches):
    import rasterio
    import zarr

    coverage = zarr.open_group(str(field), mode="r")["coverage"][:]
    report = []
    for name, (raster, gpkg, summary) in searches.items():
        with rasterio.open(raster) as dataset:
            assert dataset.descriptions == ("rs_cosine", "location_cosine", "combined_z")
            values = dataset.read()
        ranked = coverage >= 50
        for band in values:
            assert np.isfinite(band[ranked]).all() and np.isnan(band[coverage == 0]).all()
        assert (np.abs(values[:2][:, ranked]) <= 1 + 1e-5).all()
        rows = read_places(gpkg)
        assert {row["ranking"] for row in rows} == {"rs", "location", "combined", "rs_refined"}
        best = {row["ranking"]: row for row in rows if row["rank"] == 1}
        rs_scores = [row["score"] for row in rows if row["ranking"] == "rs"]
        assert rs_scores == sorted(rs_scores, reverse=True) and len(rs_scores) == 5
        assert best["rs"]["score"] == pytest.approx(float(np.nanmax(values[0])), abs=1e-6)
        assert best["combined"]["score"] == pytest.approx(float(np.nanmax(values[2])), abs=1e-5)
        assert best["rs_refined"]["tile"] == best["rs"]["tile"]  # the best point inside the best tile
        report.append(
            f"{name}: "
            + ", ".join(
                f"{ranking} -> {nearest_example(row['lon'], row['lat'])}" for ranking, row in sorted(best.items())
            )
        )
        assert "best by combined" in summary
    print("\nfirst-ranked raster per photo (bundled model):\n  " + "\n  ".join(report))


def test_the_heatmap_of_part_of_the_field_comes_from_the_stored_tables(field, tmp_path):
    import rasterio
    from pyproj import Transformer

    with open(GAIR_EXAMPLES / "examples.csv") as handle:
        box = next(row for row in csv.DictReader(handle) if row["id"] == "detroit")
    lon = (float(box["rs_bbox_lon_min"]) + float(box["rs_bbox_lon_max"])) / 2  # the raster's centre
    lat = (float(box["rs_bbox_lat_min"]) + float(box["rs_bbox_lat_max"])) / 2
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(lon, lat)
    extent = f"{x - 800},{y - 800},{x + 800},{y + 800}"
    out = tmp_path / "heat.tif"
    run = field_cli(
        "heatmap",
        "--field",
        str(field),
        "--sv-image",
        str(GAIR_EXAMPLES / "detroit_sv.jpg"),
        f"--extent={extent}",
        "--pixel-size",
        "20",
        "--out",
        str(out),
    )
    assert run.returncode == 0, run.stderr
    with rasterio.open(out) as dataset:
        values = dataset.read(1)
        assert dataset.crs.to_epsg() == 3857 and dataset.transform.a == 20.0 and values.shape == (80, 80)
    assert np.isfinite(values).mean() > 0.9 and np.nanmax(np.abs(values)) <= 1 + 1e-5
    assert np.nanstd(values) > 0  # a heatmap, not one value per tile
    again = field_cli(
        "heatmap",
        "--field",
        str(field),
        "--sv-image",
        str(GAIR_EXAMPLES / "detroit_sv.jpg"),
        f"--extent={extent}",
        "--out",
        str(out),
    )
    assert again.returncode == 2 and "--overwrite" in again.stderr and again.stderr.count("\n") == 1
    outside = field_cli(
        "heatmap",
        "--field",
        str(field),
        "--sv-image",
        str(GAIR_EXAMPLES / "detroit_sv.jpg"),
        "--extent",
        "0,0,1000,1000",
        "--out",
        str(tmp_path / "none.tif"),
    )
    assert outside.returncode == 2 and "holds no tile with data" in outside.stderr


def test_the_field_and_the_search_open_in_qgis_as_one_layer_each(field, searches, qgis_app):
    from qgis.core import QgsRasterLayer, QgsVectorLayer

    raster, gpkg, _ = searches["detroit"]
    pca = QgsRasterLayer(str(field / "pca_rgb.tif"), "pca")
    assert pca.isValid() and pca.bandCount() == 3 and pca.crs().authid() == "EPSG:3857"
    stats = pca.dataProvider().bandStatistics(1)  # all of them: a selection picks QGIS 3.40's deprecated overload
    assert 1 <= stats.minimumValue < stats.maximumValue <= 255  # the colours as stored (0: no data)
    similarity = QgsRasterLayer(str(raster), "similarity")
    assert similarity.isValid() and similarity.bandCount() == 3
    points = QgsVectorLayer(str(gpkg), "places", "ogr")
    assert points.isValid() and points.featureCount() == 4 * 5 and points.crs().authid() == "EPSG:3857"
    component = QgsRasterLayer(f'ZARR:"{field}":/embedding:0', "embedding 0", "gdal")
    assert component.isValid() and component.width() == pca.width() and component.height() == pca.height()
    corners = [(e.xMinimum(), e.yMinimum(), e.xMaximum(), e.yMaximum()) for e in (component.extent(), pca.extent())]
    assert corners[0] == pytest.approx(corners[1], abs=1e-3)  # GDAL derives the Zarr's from its x/y coordinates


def test_the_location_answer_comes_from_the_stored_embeddings_of_the_tile_centres(field, searches):
    """The build stores each tile centre's location embedding (float16); the search's band 2 is
    the photo's cosine with it, as the location tower gives it for that lon/lat now."""
    import rasterio
    import zarr

    from gair_qgis.runtime.field import store
    from gair_qgis.runtime.field.grid import to_lonlat_of
    from gair_qgis.runtime.field.heatmap import field_runtime, photo_vector

    info = store.read_info(field)
    group = zarr.open_group(str(field), mode="r")
    rows, cols = np.nonzero(group["coverage"][:] >= 50)
    picks = np.linspace(0, len(rows) - 1, 12).astype(int)
    rows, cols = rows[picks], cols[picks]
    assert np.isnan(group["location"][:, 0, 0]).all() or group["coverage"][0, 0] > 0
    runtime = field_runtime(info)
    x, y = info.grid.tiles.centres_of(cols, rows)
    lon, lat = to_lonlat_of(info.grid.crs)(np.asarray(x), np.asarray(y))
    fresh = runtime.encode_location(np.stack([lon, lat], axis=1))
    stored = np.stack([group["location"][:, r, c] for r, c in zip(rows, cols)]).astype(np.float32)
    assert np.abs(stored - fresh).max() <= 2e-3 * np.abs(fresh).max()
    sv = photo_vector(runtime, GAIR_EXAMPLES / "tokyo_sv.jpg")
    unit = sv / np.linalg.norm(sv)
    expected = fresh @ unit / np.linalg.norm(fresh, axis=1)
    with rasterio.open(searches["tokyo"][0]) as dataset:
        band = dataset.read(2)
    assert band[rows, cols] == pytest.approx(expected, abs=2e-3)


def test_a_search_stopped_by_its_progress_callback_leaves_nothing_behind(field, tmp_path):
    from gair_qgis.runtime.field.search import search_field

    calls: list[tuple[int, int]] = []

    def cancel_after_one(done: int, total: int) -> None:
        calls.append((done, total))
        if len(calls) == 1:
            raise InterruptedError("cancelled")

    out = tmp_path / "hits.gpkg"
    with pytest.raises(InterruptedError):
        search_field(field, GAIR_EXAMPLES / "detroit_sv.jpg", out, progress=cancel_after_one)
    assert calls[0][0] == 1 and calls[0][1] >= 2
    assert list(tmp_path.iterdir()) == []  # no raster, no partial, no points

    steps: list[tuple[int, int]] = []
    search_field(field, GAIR_EXAMPLES / "detroit_sv.jpg", out, progress=lambda done, total: steps.append((done, total)))
    assert steps[-1][0] == steps[-1][1] and [done for done, _ in steps] == list(range(1, steps[-1][1] + 1))
