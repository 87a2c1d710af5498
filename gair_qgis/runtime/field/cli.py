"""`python -m gair_qgis.runtime.field build|info|search|heatmap`.

    build   --out region.zarr RASTER_OR_FOLDER... [--package P] [--crs EPSG:3857] [--tokens]
            [--scheduler tcp://host:8786 | local | none] [--workers N]
    info    region.zarr
    search  --field region.zarr --sv-image photo.jpg [--top 20] --out hits.gpkg [--raster sim.tif]
    heatmap --field region.zarr --sv-image photo.jpg --extent=XMIN,YMIN,XMAX,YMAX --out heat.tif

Bad input is one line `error: ...` and exit code 2 before any work (runtime/cli.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Optional, Sequence

from gair_qgis.runtime.cli import command

from . import ClusterLost, RegionUnavailable


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m gair_qgis.runtime.field",
        description="GAIR embedding fields: build on Dask, inspect, search with a photo",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="encode every tile of rasters (any CRS) into a field")
    build.add_argument(
        "inputs",
        nargs="+",
        help="rasters, folders of rasters (a folder of band files is one scene) "
        "or VRTs; GDAL paths such as /vsicurl/... pass through",
    )
    build.add_argument(
        "--out", required=True, help="the field (a .zarr folder); an existing field is resumed or extended"
    )
    build.add_argument("--package", help="model package folder (default: the bundled model)")
    build.add_argument(
        "--crs", help="the field's CRS (default: the first raster's), e.g. EPSG:3857 for several continents"
    )
    build.add_argument("--tile-size", type=float, help="tile size in map units (default: the model's ground size)")
    build.add_argument("--chunk", type=int, help="tiles per chunk side, one Dask task each (default 32)")
    build.add_argument(
        "--tokens", action="store_true", help="also store the per-cell NILI tables (float16) for heatmaps"
    )
    build.add_argument(
        "--scheduler",
        default="local",
        help="'local' (a LocalCluster sized to this machine, default), a Dask scheduler address "
        "(tcp://host:8786), or 'none' (this process only)",
    )
    build.add_argument("--workers", type=int, help="workers of the local cluster (default: one per core)")

    info = commands.add_parser("info", help="what a field holds")
    info.add_argument("field")
    info.add_argument("--json", action="store_true", help="print the provenance as JSON")

    search = commands.add_parser("search", help="where in the field was this photo taken?")
    search.add_argument("--field", required=True)
    search.add_argument("--sv-image", required=True, help="the street-view photo")
    search.add_argument("--top", type=int, default=20, help="places per ranking in the point layer (default 20)")
    search.add_argument("--out", required=True, help="top places: a GeoPackage point layer (.gpkg)")
    search.add_argument("--raster", help="similarity raster (GeoTIFF; default: OUT with .tif)")
    search.add_argument("--package", help="the field's package, if it moved (checked by sha256)")
    search.add_argument(
        "--min-coverage", type=int, default=50, help="percent of a tile with data to rank it (default 50)"
    )
    search.add_argument("--overwrite", action="store_true", help="replace existing outputs")

    heat = commands.add_parser("heatmap", help="fine NILI heatmap of part of a field built with --tokens")
    heat.add_argument("--field", required=True)
    heat.add_argument("--sv-image", required=True)
    heat.add_argument(
        "--extent",
        required=True,
        help="XMIN,YMIN,XMAX,YMAX in the field's CRS (write --extent=-9268000,... when XMIN is negative)",
    )
    heat.add_argument("--pixel-size", type=float, help="output pixel size in map units (default: the model's pixel)")
    heat.add_argument("--out", required=True, help="heatmap GeoTIFF")
    heat.add_argument("--package", help="the field's package, if it moved (checked by sha256)")
    heat.add_argument("--overwrite", action="store_true")
    return parser


class ProgressLine:
    """tiles done/total and tiles/s, at most every 2 s."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, done: int, total: int, rate: float) -> None:
        now = time.monotonic()
        if now - self.last >= 2.0 or done == total:
            self.last = now
            print(f"  {done}/{total} tiles, {rate:.1f} tiles/s", flush=True)


def run_build(args: argparse.Namespace) -> int:
    from .build import build_field

    result = build_field(
        args.inputs,
        args.out,
        args.package,
        args.crs,
        args.tile_size,
        args.chunk,
        args.tokens,
        args.scheduler,
        args.workers,
        ProgressLine(),
    )
    print(
        f"{result.field}: {result.chunks} chunk(s), {result.skipped} already complete, {result.encoded} tiles "
        f"encoded in {result.seconds:.1f} s ({result.tiles_per_second:.1f} tiles/s) on {result.workers} worker(s); "
        f"{result.valid} tiles with data; peak worker memory {result.worker_rss_mb:.0f} MB"
    )
    return 0


def run_info(args: argparse.Namespace) -> int:
    from . import store

    info = store.read_info(args.field)
    if args.json:
        print(json.dumps(info.attrs, indent=2))
        return 0
    grid = info.grid
    done = store.done_chunks(info.path)
    print(
        f"field {info.path}\n  package {info.package_name} (sha256 {info.package_sha256[:16]})\n"
        f"  grid {grid.cols} x {grid.rows} tiles of {grid.tile_width:g} x {grid.tile_height:g} map units from "
        f"({grid.left:g}, {grid.top:g}), chunks of {grid.chunk} x {grid.chunk} tiles, {len(done)} complete\n"
        f"  embedding dimension {info.embed_dim}; per-cell tables: {'yes' if info.tokens else 'no'}\n"
        f"  inputs: {', '.join(i['name'] for i in info.attrs.get('inputs', []))}\n"
        f"  PCA view: {info.path / store.PCA_FILE if (info.path / store.PCA_FILE).exists() else 'none'}"
    )
    return 0


def run_search(args: argparse.Namespace) -> int:
    from .search import search_field

    result = search_field(
        args.field, args.sv_image, args.out, args.raster, args.top, args.package, args.min_coverage, args.overwrite
    )
    print(result.summary())
    return 0


def run_heatmap(args: argparse.Namespace) -> int:
    from .heatmap import field_heatmap, parse_extent

    path = field_heatmap(
        args.field, args.sv_image, parse_extent(args.extent), args.out, args.pixel_size, args.package, args.overwrite
    )
    print(f"heatmap: {path}")
    return 0


@command(errors=(RegionUnavailable, ClusterLost))
def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    runs = {"build": run_build, "info": run_info, "search": run_search, "heatmap": run_heatmap}
    return runs[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
