"""Does a heatmap depend on the click, show seams, or saturate its colour scale? Measured on
the Detroit example of ../shared with `gair:svheatmap` and the bundled model, in one QGIS
process (tests/test_heatmap_fixed_grid.py checks the same figures):

- two runs whose points are DISTANCE_M apart: the largest |difference| where both cover;
- the whole raster (EXTENT): the mean |jump| between each pair of neighbouring columns (and
  rows), over the median of them: the worst across a tile edge (of the fixed grid, or of the
  tiles side by side around the point that svheatmap used before it), and the worst anywhere;
- the colour scale `gair_qgis.styling` gives the click's heatmap: the share of valid pixels
  at or beyond either end of the scale (drawn in the end colours);
- seconds from parameters to heatmap file: the first click on a raster (tiles encoded, the
  model session already loaded), the same click again, a click DISTANCE_M away.

    .venv/bin/python scripts/heatmap_quality.py [--shared ../shared] [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DISTANCES_M = (60.0, 300.0)  # west of the photo: the 60 m, and far enough for another tile
NODATA = -9999.0


@dataclass
class Heatmap:
    values: np.ndarray  # (rows, cols), NaN where nodata
    left: float
    top: float
    pixel: tuple[float, float]

    @staticmethod
    def read(path: Path) -> Heatmap:
        from osgeo import gdal

        dataset = gdal.Open(str(path))
        values = dataset.GetRasterBand(1).ReadAsArray().astype(np.float64)
        left, pw, _, top, _, ph = dataset.GetGeoTransform()
        dataset = None
        values[values == NODATA] = np.nan
        return Heatmap(values, left, top, (pw, -ph))


def overlap_difference(a: Heatmap, b: Heatmap) -> tuple[float, int]:
    """Largest |a - b| over the pixels both cover (same pixel grid, shifted by whole pixels),
    and how many pixels that is."""
    if not np.allclose(a.pixel, b.pixel, rtol=1e-9):
        raise ValueError("the two heatmaps have different pixel sizes")
    dc = (b.left - a.left) / a.pixel[0]
    dr = (a.top - b.top) / a.pixel[1]
    if abs(dc - round(dc)) > 1e-6 or abs(dr - round(dr)) > 1e-6:
        raise ValueError("the two heatmaps are not on the same pixel grid")
    dc, dr = round(dc), round(dr)
    rows = range(max(0, dr), min(a.values.shape[0], dr + b.values.shape[0]))
    cols = range(max(0, dc), min(a.values.shape[1], dc + b.values.shape[1]))
    if not rows or not cols:
        return 0.0, 0
    part_a = a.values[rows.start : rows.stop, cols.start : cols.stop]
    part_b = b.values[rows.start - dr : rows.stop - dr, cols.start - dc : cols.stop - dc]
    both = np.isfinite(part_a) & np.isfinite(part_b)
    return (float(np.abs(part_a - part_b)[both].max()) if both.any() else 0.0), int(both.sum())


def neighbour_jumps(values: np.ndarray, axis: int) -> np.ndarray:
    """Mean |difference| between each pair of neighbouring columns (axis 1) or rows (axis 0)."""
    jumps = np.abs(np.diff(values, axis=axis))
    with np.errstate(invalid="ignore"):
        return np.nanmean(jumps, axis=1 - axis)


def tile_edges(size: int, length: int, point: float) -> list[int]:
    """Where tiles of `size` pixels start or end along an axis of `length` pixels, in either
    layout svheatmap has used: the fixed grid (every half tile from 0, the last tile shifted
    inside; gair_qgis.processing.tiles.raster_tiles) and, before it, tiles side by side from
    the tile centred on the photo's point (at fractional pixel `point`), shifted inside."""
    edges: set[int] = set()
    start, stride = 0, max(1, round(size / 2))
    while True:
        start = min(start, max(0, length - size))
        edges.update((start, start + size))
        if start + size >= length:
            break
        start += stride
    centred = min(max(round(point - size / 2), 0), max(0, length - size))
    edges.update(range(centred % size, length, size))
    return sorted(e for e in edges if 0 < e < length)


def seam_ratio(values: np.ndarray, tile: tuple[int, int], point: tuple[float, float]) -> dict:
    """For neighbouring columns and rows: the worst mean jump across a tile edge, and the
    worst anywhere, each over the median jump. `point`: the photo's (column, row)."""
    result = {}
    for name, axis, size, at in (("columns", 1, tile[0], point[0]), ("rows", 0, tile[1], point[1])):
        jumps = neighbour_jumps(values, axis)
        median = float(np.nanmedian(jumps))
        edges = tile_edges(size, values.shape[axis], at)
        at_edges = {edge: float(jumps[edge - 1]) for edge in edges}
        worst_edge = max(at_edges, key=lambda edge: at_edges[edge])
        result[name] = {
            "tile_edges": edges,
            "worst_tile_edge": worst_edge,
            "worst_tile_edge_over_median": at_edges[worst_edge] / median,
            "worst_anywhere_over_median": float(np.nanmax(jumps)) / median,
            "worst_anywhere_after_index": int(np.nanargmax(jumps)),
            "median_jump": median,
        }
    return result


def raster_grid(raster: Path):
    """A raster's PixelGrid."""
    from osgeo import gdal

    from gair_qgis.runtime.geometry import PixelGrid

    dataset = gdal.Open(str(raster))
    left, pw, _, top, _, ph = dataset.GetGeoTransform()
    grid = PixelGrid(left, top, pw, -ph, dataset.RasterXSize, dataset.RasterYSize)
    dataset = None
    return grid


def model_tile_pixels(raster: Path, model: str) -> tuple[int, int]:
    """The model's tile in a geographic raster's pixels at its centre (as the algorithms size it)."""
    from gair_qgis.runtime.geometry import ground_pixel_size_m, lonlat_identity, pixels_for_ground_size
    from gair_qgis.runtime.package import load_package

    grid = raster_grid(raster)
    x, y = grid.centre
    return pixels_for_ground_size(
        ground_pixel_size_m(grid, lonlat_identity, x, y), load_package(model).rs_spec.tile_ground_size_m
    )


def scale_ends_share(values: np.ndarray, low: float, high: float) -> float:
    """Share of valid pixels drawn in the colour of either end of a low..high scale."""
    valid = values[np.isfinite(values)]
    return float(((valid <= low) | (valid >= high)).mean())


def example(shared: Path, name: str = "detroit") -> Optional[dict]:
    table = shared / "data" / "gair-examples" / "examples.csv"
    if not table.exists():
        return None
    with table.open() as handle:
        row = next(r for r in csv.DictReader(handle) if r["id"] == name)
    folder = table.parent
    return {
        "rs": folder / row["rs_image"],
        "sv": folder / row["sv_image"],
        "lon": float(row["lon"]),
        "lat": float(row["lat"]),
    }


def east_of(lon: float, lat: float, metres: float) -> float:
    """The longitude `metres` east of (lon, lat)."""
    from gair_qgis.runtime.geometry import metres_per_degree

    return lon + metres / metres_per_degree(lat)[0]


def raster_extent(path: Path) -> str:
    from osgeo import gdal

    dataset = gdal.Open(str(path))
    left, pw, _, top, _, ph = dataset.GetGeoTransform()
    right, bottom = left + pw * dataset.RasterXSize, top + ph * dataset.RasterYSize
    dataset = None
    return f"{left},{right},{bottom},{top} [EPSG:4326]"


def svheatmap(inputs: dict, out: Path, lon: float, model: str, **extra) -> tuple[dict, float]:
    """One run of gair:svheatmap; its results and wall seconds."""
    import processing
    from qgis.core import QgsProcessingFeedback

    parameters = {
        "INPUT": str(inputs["rs"]),
        "SV_IMAGE": str(inputs["sv"]),
        "MODEL": model,
        "SV_POINT": f"{lon},{inputs['lat']} [EPSG:4326]",
        "OUTPUT": str(out),
        **extra,
    }
    start = time.perf_counter()
    results = processing.run("gair:svheatmap", parameters, feedback=QgsProcessingFeedback())
    return results, time.perf_counter() - start


def styled_scale(path: Path) -> tuple[float, float, str]:
    """The colour scale and legend ends gair_qgis.styling gives a heatmap file."""
    from qgis.core import QgsRasterLayer

    from gair_qgis import styling

    layer = QgsRasterLayer(str(path), "heatmap")
    styling.style_result_raster(layer)
    renderer = layer.renderer()
    legend = renderer.shader().rasterShaderFunction().legendSettings()
    return (
        renderer.classificationMin(),
        renderer.classificationMax(),
        f"{legend.minimumLabel()} .. {legend.maximumLabel()}",
    )


def measure(inputs: dict, work: Path, model: str) -> dict:
    """Every figure of the module docstring, for one example."""
    from gair_qgis import cache

    lon = inputs["lon"]
    report: dict = {"example": str(inputs["rs"]), "model": model}
    first, report["seconds_first_click"] = svheatmap(inputs, work / "a.tif", lon, model)
    _, report["seconds_same_click_again"] = svheatmap(inputs, work / "a2.tif", lon, model)
    report["tiles_first_click"] = int(first["TILES"])
    report["point_similarity"] = first.get("POINT_SIMILARITY")
    a = Heatmap.read(work / "a.tif")
    for metres in DISTANCES_M:
        moved, seconds = svheatmap(inputs, work / f"b{metres:.0f}.tif", east_of(lon, inputs["lat"], -metres), model)
        difference, pixels = overlap_difference(a, Heatmap.read(work / f"b{metres:.0f}.tif"))
        report[f"moved_{metres:.0f}m"] = {
            "max_abs_difference": difference,
            "pixels_both_cover": pixels,
            "seconds": seconds,
            "tiles_encoded": int(moved["ENCODED_TILES"]),
        }
    cache.TILES.clear()
    whole, report["seconds_whole_raster_cold"] = svheatmap(
        inputs, work / "whole.tif", lon, model, EXTENT=raster_extent(inputs["rs"])
    )
    report["tiles_whole_raster"] = int(whole["TILES"])
    report["model_tile_pixels"] = model_tile_pixels(inputs["rs"], model)
    from gair_qgis.runtime.geometry import fractional_pixel

    u, v = fractional_pixel(raster_grid(inputs["rs"]), lon, inputs["lat"])
    point = (float(u), float(v))
    report["seams_whole_raster"] = seam_ratio(
        Heatmap.read(work / "whole.tif").values, report["model_tile_pixels"], point
    )
    for name, path in (("click", work / "a.tif"), ("whole_raster", work / "whole.tif")):
        low, high, legend = styled_scale(path)
        values = Heatmap.read(path).values
        report[f"scale_{name}"] = {
            "low": low,
            "high": high,
            "legend": legend,
            "data_min": float(np.nanmin(values)),
            "data_max": float(np.nanmax(values)),
            "share_at_scale_ends": scale_ends_share(values, low, high),
        }
    return report


def start_qgis():
    """A headless QGIS with Processing and the GAIR provider."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    from gair_qgis.processing.provider import GairProvider

    provider = GairProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    return app, provider


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--model", default="", help="package folder or name (default: the bundled model)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", type=Path, help="keep the heatmaps in this new folder (default: a temporary one)")
    args = parser.parse_args()
    inputs = example(args.shared)
    if inputs is None:
        print(f"the GAIR examples are not in {args.shared}/data/gair-examples; give --shared", file=sys.stderr)
        return 2
    from gair_qgis.runtime.package import bundled_package_path

    model = args.model or str(bundled_package_path())
    os.environ.pop("GAIR_CACHE_DIR", None)  # tiles in memory only: the first click really encodes
    app, _ = start_qgis()
    try:
        sacramento = example(args.shared, "sacramento")
        if sacramento is None:
            raise SystemExit(f"the GAIR examples lack sacramento in {args.shared}/data/gair-examples")
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            if args.keep:
                args.keep.mkdir(parents=True)  # a new folder: nothing of the user's is replaced
                work = args.keep
            svheatmap(sacramento, work / "warm.tif", sacramento["lon"], model)  # loads the model session
            report = measure(inputs, work, model)
    finally:
        app.exitQgis()
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
