"""Embedding-field benchmarks (issue 26): build speed on Dask against a single-process build of
the same scene in the same run, scaling from 1 to 2 workers, peak worker memory, and search
speed against reading the field's embedding bytes.

    .venv/bin/python scripts/bench_field.py [--size 10980] [--chunk 32] [--workers 1 2] [--search-tiles 1000000]

Each build runs in its own process (a fresh LocalCluster each time), so each peak memory is its
own. The scene is a synthetic Sentinel-2-like GeoTIFF (10 bands, uint16, 10 m, UTM 32N, tiled
512 px, uncompressed) made once under build/bench/; the model is the bundled package. Figures
are printed and written to build/bench_field.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's gair_qgis
BUILD = ROOT / "build" / "bench"

from bench import peak_rss_mb, synthetic_scene  # noqa: E402  (scripts/bench.py: the same scene writer)

# --- cases, each in its own process -------------------------------------------------------------


def case_bare(seconds: float) -> dict:
    """The bundled RS graph alone: random batches of 16 back to back, one thread (a worker's setting)."""
    from gair_qgis.runtime.package import load_package
    from gair_qgis.runtime.session import GAIRRuntime

    package = load_package(None)
    runtime = GAIRRuntime(package, batch_size=16)
    spec = package.rs_spec
    batch = np.random.default_rng(0).random((16, len(spec.bands), spec.input_size, spec.input_size), dtype=np.float32)
    runtime.encode_rs(batch)
    calls, start = 0, time.perf_counter()
    while calls == 0 or time.perf_counter() - start < seconds:
        runtime.encode_rs(batch)
        calls += 1
    return {"tiles_per_second": 16 * calls / (time.perf_counter() - start)}


def case_build(scene: str, scheduler: str, workers: int, chunk: int) -> dict:
    from gair_qgis.runtime.field.build import build_field

    out = BUILD / f"field-{scheduler}-{workers}.zarr"
    shutil.rmtree(out, ignore_errors=True)
    try:
        result = build_field(
            [scene], out, chunk=chunk or None, scheduler=scheduler, workers=workers or None, log=lambda _: None
        )
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {
        "tiles": result.encoded,
        "seconds": result.seconds,
        "tiles_per_second": result.tiles_per_second,
        "cpu_ms_per_tile": 1000 * result.cpu_seconds / max(result.encoded, 1),
        "workers": result.workers,
        "peak_worker_rss_mb": result.worker_rss_mb,
        "client_rss_mb": peak_rss_mb(),
    }


def synthetic_field(tiles: int) -> Path:
    """A field of about `tiles` tiles (square, EPSG:3857 near Berlin) with random embeddings, every
    tile with data, made once; written chunk by chunk with done records, as a build leaves it."""
    import zarr

    from gair_qgis.runtime.field import store
    from gair_qgis.runtime.field.build import package_sha256, provenance
    from gair_qgis.runtime.field.grid import FieldGrid
    from gair_qgis.runtime.package import load_package

    side = int(round(tiles**0.5))
    path = BUILD / f"field-synthetic-v3-{side}x{side}.zarr"  # v3: blosc-lz4, with the location embeddings
    if (path / ".gair" / "complete").exists():
        return path
    shutil.rmtree(path, ignore_errors=True)
    package = load_package(None)
    grid = FieldGrid(
        crs=_wkt("EPSG:3857"),
        left=1_400_000.0,
        top=6_900_000.0,
        tile_width=1051.0,
        tile_height=1051.0,
        cols=side,
        rows=side,
        chunk=64,
        tile_pixels=package.rs_spec.input_size,
    )
    store.create(path, grid, provenance(package, grid, [], False), package.embed_dim, 0)
    group = zarr.open_group(str(path), mode="r+")
    rng = np.random.default_rng(0)
    for cj in range((side + 63) // 64):
        for ci in range((side + 63) // 64):
            c0, r0, c1, r1 = grid.chunk_tiles(ci, cj)
            shape = (package.embed_dim, r1 - r0, c1 - c0)
            group["embedding"][:, r0:r1, c0:c1] = rng.standard_normal(shape, dtype=np.float32)
            group["location"][:, r0:r1, c0:c1] = rng.standard_normal(shape, dtype=np.float32).astype(np.float16)
            group["coverage"][r0:r1, c0:c1] = 100
            store.write_record(path, ci, cj, [], False, {"valid": shape[1] * shape[2]})
    assert package_sha256(package)
    (path / ".gair" / "complete").write_text("")
    return path


def _wkt(crs: str) -> str:
    from rasterio.crs import CRS

    return str(CRS.from_user_input(crs).to_wkt())


# Two UTM zones that meet at 12 E: near 51 N, 12 E is at easting ~710 km in zone 32 and ~290 km in 33
COUNTRY_ZONES = ((32632, 325_000.0), (32633, 290_000.0))
COUNTRY_TOP = 5_700_000.0
COUNTRY_ACROSS = 7  # scenes per row in each zone: 7 x 54.9 km reach from 325 km to 12 E


def synthetic_country(tiles: int, size: int = 5490) -> list[Path]:
    """VRTs of the synthetic scene, each placed as its own 10 m scene, half in UTM 32N and half in
    33N, side by side across 12 E in rows of 7, enough of them for about `tiles` tiles of 640 m
    (no disk beyond the one scene: every VRT reads the same file)."""
    scene = synthetic_scene(size)
    per_scene = (size * 10.0 / 640.0) ** 2
    count = max(2, int(np.ceil(tiles / per_scene)))
    folder = BUILD / f"country-{count}x{size}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        epsg, west = COUNTRY_ZONES[index % 2]
        place = index // 2
        left = west + (place % COUNTRY_ACROSS) * size * 10.0
        top = COUNTRY_TOP - (place // COUNTRY_ACROSS) * size * 10.0
        path = folder / f"scene-{index:03d}-{epsg}.vrt"
        path.write_text(scene_vrt(scene, size, epsg, left, top))
        paths.append(path)
    return paths


def scene_vrt(scene: Path, size: int, epsg: int, left: float, top: float) -> str:
    """A VRT of every band of `scene` with its own CRS and origin (10 m pixels)."""
    from bench import SCENE_BANDS

    bands = "".join(
        f'<VRTRasterBand dataType="UInt16" band="{band}"><Description>{name}</Description>'
        f'<SimpleSource><SourceFilename relativeToVRT="0">{scene}</SourceFilename><SourceBand>{band}</SourceBand>'
        f'<SrcRect xOff="0" yOff="0" xSize="{size}" ySize="{size}"/>'
        f'<DstRect xOff="0" yOff="0" xSize="{size}" ySize="{size}"/></SimpleSource></VRTRasterBand>'
        for band, name in enumerate(SCENE_BANDS, start=1)
    )
    return (
        f'<VRTDataset rasterXSize="{size}" rasterYSize="{size}"><SRS>EPSG:{epsg}</SRS>'
        f"<GeoTransform>{left}, 10, 0, {top}, 0, -10</GeoTransform>{bands}</VRTDataset>\n"
    )


def case_country(tiles: int, workers: int) -> dict:
    """Build a field over the simulated country on a LocalCluster, then search it once."""
    from gair_qgis.runtime.field.build import build_field
    from gair_qgis.runtime.field.search import search_field

    scenes = synthetic_country(tiles)
    out = BUILD / "country.zarr"
    shutil.rmtree(out, ignore_errors=True)
    built = build_field([str(p) for p in scenes], out, scheduler="local", workers=workers, log=lambda _: None)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    photo = sorted((ROOT / "resources" / "demo").glob("*.jpg"))[0]
    found = search_field(out, photo, BUILD / "country-search.gpkg", top=20, overwrite=True)
    for path in (found.points, found.raster):
        Path(path).unlink(missing_ok=True)
    return {
        "scenes": len(scenes),
        "zones": [epsg for epsg, _ in COUNTRY_ZONES],
        "grid_tiles": built.tiles,
        "tiles_encoded": built.encoded,
        "build_seconds": built.seconds,
        "tiles_per_second": built.tiles_per_second,
        "cpu_ms_per_tile": 1000 * built.cpu_seconds / max(built.encoded, 1),
        "workers": built.workers,
        "peak_worker_rss_mb": built.worker_rss_mb,
        "field_bytes": size,
        "search_seconds": found.seconds,
        "search_scan_seconds": found.scan_seconds,
        "search_tiles": found.tiles,
        "client_peak_rss_mb": peak_rss_mb(),
    }


def field_files(field: str) -> list[Path]:
    """The embedding and location chunk files: what a search must read."""
    return sorted(Path(field, "embedding").glob("0.*")) + sorted(Path(field, "location").glob("0.*"))


def evict(files: list[Path]) -> None:
    """Drops the files' pages from the page cache (POSIX_FADV_DONTNEED; no root needed), so the
    next read comes from the disk."""
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def case_search(field: str, location: bool, cold: bool) -> dict:
    from gair_qgis.runtime.field.search import search_field

    if cold:
        evict(field_files(field))

    photo = ROOT / "resources" / "demo"
    photos = sorted(photo.glob("*.jpg")) or sorted((ROOT.parent / "shared" / "data" / "gair-examples").glob("*.jpg"))
    out = BUILD / f"search-{location}.gpkg"
    start = time.perf_counter()
    result = search_field(field, photos[0], out, top=20, location=location, overwrite=True)
    seconds = time.perf_counter() - start
    for path in (result.points, result.raster):
        Path(path).unlink(missing_ok=True)
    return {
        "seconds": seconds,
        "scan_seconds": result.scan_seconds,
        "tiles": result.tiles,
        "peak_rss_mb": peak_rss_mb(),
        "location": location,
    }


def case_read(field: str, cold: bool) -> dict:
    """Reading every embedding and location chunk file's bytes, from the disk (`cold`) or from a
    warm page cache (the best any search could do)."""
    files = field_files(field)
    if cold:
        evict(files)
    else:
        for path in files:
            path.read_bytes()
    start = time.perf_counter()
    size = sum(len(p.read_bytes()) for p in files)
    return {"seconds": time.perf_counter() - start, "bytes": size}


ONE_CORE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}  # as Dask sets for workers


def measure_builds(report: dict, scene: str, workers: list[int], chunk: int) -> None:
    """The single-process baseline, LocalClusters of each size, and the bare graph before and after."""
    bare = [run_case("bare", "5")["tiles_per_second"]]
    report["single_process"] = run_case("build", scene, "none", "0", str(chunk))
    print(
        f"single process (no Dask, one thread): {report['single_process']['tiles']} tiles, "
        f"{report['single_process']['tiles_per_second']:.1f} tiles/s, "
        f"{report['single_process']['cpu_ms_per_tile']:.1f} ms CPU per tile, "
        f"peak {report['single_process']['client_rss_mb']:.0f} MB"
    )
    for count in workers:
        run = report[f"local_{count}"] = run_case("build", scene, "local", str(count), str(chunk))
        print(
            f"LocalCluster, {count} worker(s): {run['tiles_per_second']:.1f} tiles/s "
            f"({run['tiles_per_second'] / report['single_process']['tiles_per_second']:.2f}x the single process), "
            f"{run['cpu_ms_per_tile']:.1f} ms CPU per tile "
            f"({report['single_process']['cpu_ms_per_tile'] / run['cpu_ms_per_tile']:.2f}x the single process's "
            f"efficiency), peak worker memory {run['peak_worker_rss_mb']:.0f} MB"
        )
    bare.append(run_case("bare", "5")["tiles_per_second"])
    report["bare_model_tiles_per_second"] = bare
    print(f"bare RS graph, one thread: {bare[0]:.1f} / {bare[1]:.1f} tiles/s (before / after)")
    if 1 in workers and 2 in workers:
        report["scaling_2_vs_1"] = report["local_2"]["tiles_per_second"] / report["local_1"]["tiles_per_second"]
        print(f"scaling: 2 workers / 1 worker = {report['scaling_2_vs_1']:.2f}x")
    if 1 in workers:
        report["dask_1_vs_single_process"] = (
            report["local_1"]["tiles_per_second"] / report["single_process"]["tiles_per_second"]
        )


def measure_search(report: dict, field: str) -> None:
    """Search times against reading the same chunk files from the disk and from the page cache."""
    read = report["read_cold"] = run_case("read", field, "cold")
    warm = report["read_warm"] = run_case("read", field, "warm")
    print(
        f"reading the {read['bytes'] / 2**20:.0f} MB of embedding and location chunks: "
        f"{read['seconds']:.2f} s from the disk, {warm['seconds']:.2f} s from the page cache"
    )
    for location in (False, True):
        for cache in ("cold", "warm"):
            found = report[f"search_location_{location}_{cache}"] = run_case(
                "search", field, "1" if location else "0", cache
            )
            print(
                f"search of {found['tiles']} tiles ({'RS + location tower' if location else 'RS only'}, {cache} cache): "
                f"{found['seconds']:.2f} s = {found['seconds'] / read['seconds']:.2f}x reading from the disk, "
                f"{found['seconds'] / warm['seconds']:.1f}x from the page cache; the field's scan alone (without "
                f"loading the model and encoding the photo) {found['scan_seconds']:.2f} s = "
                f"{found['scan_seconds'] / read['seconds']:.2f}x reading from the disk; peak {found['peak_rss_mb']:.0f} MB"
            )


def measure_country(report: dict, tiles: int, workers: int) -> None:
    """A simulated country built once and searched once, with its costs per tile."""
    run = report["country"] = run_case("country", str(tiles), str(workers))
    print(
        f"country: {run['scenes']} scenes in UTM zones {run['zones']}, {run['tiles_encoded']} tiles encoded in "
        f"{run['build_seconds']:.0f} s on {run['workers']} worker(s) ({run['tiles_per_second']:.1f} tiles/s, "
        f"{run['cpu_ms_per_tile']:.1f} ms CPU per tile, peak worker memory {run['peak_worker_rss_mb']:.0f} MB); "
        f"field {run['field_bytes'] / 2**20:.0f} MB; one search {run['search_seconds']:.1f} s "
        f"({run['search_scan_seconds']:.1f} s reading the field)"
    )


def run_case(*args: str) -> dict:
    """A case in its own process, on one core's worth of threads (numpy's BLAS included), as a worker runs."""
    done = subprocess.run(
        [sys.executable, __file__, "--case", *args], capture_output=True, text=True, env={**os.environ, **ONE_CORE}
    )
    if done.returncode:
        raise SystemExit(f"case {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=10_980, help="scene side in pixels (default 10980: a S2 granule)")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2], help="local-cluster sizes to measure")
    parser.add_argument("--no-build", action="store_true", help="skip the builds (measure the search only)")
    parser.add_argument("--chunk", type=int, default=0, help="tiles per chunk side (default: the field's, 32)")
    parser.add_argument("--search-tiles", type=int, default=1_000_000, help="tiles of the searched field (0: skip)")
    parser.add_argument("--country", type=int, default=0, help="tiles of a simulated two-zone country (0: skip)")
    parser.add_argument("--out", default=str(ROOT / "build" / "bench_field.json"))
    args = parser.parse_args()
    if args.case:
        name, *rest = args.case
        cases = {
            "bare": lambda: case_bare(float(rest[0])),
            "build": lambda: case_build(rest[0], rest[1], int(rest[2]), int(rest[3])),
            "search": lambda: case_search(rest[0], rest[1] == "1", rest[2] == "cold"),
            "read": lambda: case_read(rest[0], rest[1] == "cold"),
            "country": lambda: case_country(int(rest[0]), int(rest[1])),
        }
        print(json.dumps(cases[name]()))
        return 0

    scene = "" if args.no_build else str(synthetic_scene(args.size))
    report: dict = {
        "scene": {"path": scene, "size": args.size},
        "chunk": args.chunk or 32,
        "load_average_at_start": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    if not args.no_build:
        measure_builds(report, scene, args.workers, args.chunk)
    if args.search_tiles:
        measure_search(report, str(synthetic_field(args.search_tiles)))
    if args.country:
        measure_country(report, args.country, max(args.workers or [os.cpu_count() or 1]))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    report["load_average_at_end"] = os.getloadavg()
    print(
        f"load average (1, 5, 15 min) at start {report['load_average_at_start']}, at end {report['load_average_at_end']} "
        f"on {os.cpu_count()} CPUs: other processes' load lowers every rate; CPU ms per tile does not depend on it"
    )
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
