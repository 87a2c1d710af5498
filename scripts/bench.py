"""`make bench`: speed and memory of the heatmap fast path, location rasters at the band limit,
scene-scale encoding, the int8 package and every encoder (onnxruntime vs torch), each as a
ratio against its baseline measured in the same run, printed and written to build/bench.json.

Each measurement runs in a fresh subprocess so that its peak memory (max RSS) is its own.
Weights are random (speed does not depend on them); base-size packages are made by
filling the shipped weightless base graphs, as the torch-free import does.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # measure this checkout's gair_qgis, not the one the venv's editable install points at
BUILD = ROOT / "build" / "bench"
HEATMAP_POINTS = 1_000_000
DIRECT_POINTS = 2_000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, min_seconds: float = 2.0, min_runs: int = 3) -> float:
    """Best seconds per call after one warm-up call."""
    fn()
    best, total, runs = float("inf"), 0.0, 0
    while runs < min_runs or total < min_seconds:
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        best, total, runs = min(best, elapsed), total + elapsed, runs + 1
    return best


def sustained(fn, seconds: float) -> float:
    """Mean seconds per call over back-to-back calls for at least `seconds` (after one warm-up
    call): a throughput, as the pipeline's own figure is, rather than the best single call."""
    fn()
    calls, start = 0, time.perf_counter()
    while calls == 0 or time.perf_counter() - start < seconds:
        fn()
        calls += 1
    return (time.perf_counter() - start) / calls


# --- the cases (each runs in its own process) ------------------------------------------------


def _model(preset: str):
    import torch

    from gair_core.config import get_preset
    from gair_core.models import GAIR

    torch.manual_seed(0)
    torch.set_num_threads(2)
    return GAIR(get_preset(preset)).eval()


def _package(preset: str) -> Path:
    """A package with the same random weights as _model(preset), cached under build/."""
    from gair_qgis.runtime import package as pkg
    from gair_qgis.runtime.import_checkpoint import TEMPLATES
    from gair_qgis.runtime.preprocess import released_inputs

    out = BUILD / f"package-{preset}"
    if (out / pkg.MODEL_JSON).exists():
        return out
    model = _model(preset)
    arrays = {k: v.numpy() for k, v in model.state_dict().items()}
    work = BUILD / f"work-{preset}"
    work.mkdir(parents=True, exist_ok=True)
    if preset == "base":
        template_dir = TEMPLATES
    else:
        from gair_core.export import export_templates

        export_templates(model, work)
        template_dir = work
    files = pkg.fill_graphs(template_dir, arrays, work)
    meta = pkg.build_meta(
        name=f"bench-{preset}",
        version="0",
        licence="-",
        description="benchmark",
        untrained=True,
        architecture=model.config.to_dict(),
        embed_dim=model.config.embed_dim,
        inputs=released_inputs(),
        provenance={},
    )
    pkg.write_package(out, meta, files, overwrite=True)
    return out


def case_encoder(encoder: str, backend: str, preset: str, batch: int) -> dict:
    rng = np.random.default_rng(0)
    make_inputs = {
        "rs": lambda: rng.random((batch, 10, 96, 96), dtype=np.float32),
        "sv": lambda: rng.standard_normal((batch, 3, 224, 224), dtype=np.float32),
        "location": lambda: np.stack([rng.uniform(-180, 180, batch), rng.uniform(-90, 90, batch)], 1),
    }
    inputs = make_inputs[encoder]()
    if backend == "torch":
        import torch

        model = _model(preset)
        tensor = torch.from_numpy(inputs)
        methods: dict[str, Callable[..., Any]] = {
            "rs": model.encode_rs,
            "sv": model.encode_sv,
            "location": model.encode_location,
        }
        call = methods[encoder]

        def run():
            with torch.inference_mode():
                call(tensor)
    else:
        from gair_qgis.runtime.session import GAIRRuntime

        runtime = GAIRRuntime(_package(preset), force_cpu=True, batch_size=batch)
        methods = {"rs": runtime.encode_rs, "sv": runtime.encode_sv, "location": runtime.encode_location}
        call = methods[encoder]

        def run():
            call(inputs)

    seconds = timed(run)
    return {"per_second": batch / seconds, "seconds_per_batch": seconds, "peak_rss_mb": peak_rss_mb()}


def case_heatmap() -> dict:
    """Base-size tile: the fast path over 1,000,000 pixel centres vs the direct evaluation
    (imnet on the four gathered 6914-d latents, then cosine) on a subset."""
    import torch

    from gair_core.models.nili import unfold_latents
    from gair_qgis.runtime.nili import query_geometry
    from gair_qgis.runtime.tile import EncodedTile

    model = _model("base")
    rng = np.random.default_rng(0)
    with torch.inference_mode():
        grid, global_embedding = model.encode_rs(torch.from_numpy(rng.random((1, 10, 96, 96), dtype=np.float32)))
        table = model.nili.cell_predictions(grid)[0].numpy()
        latents = unfold_latents(grid)[0].numpy()
    weight = model.nili.imnet.weight.detach().numpy()
    bias = model.nili.imnet.bias.detach().numpy()
    tile = EncodedTile(grid[0].numpy(), global_embedding[0].numpy(), table, weight[:, -2:].copy(), bias)
    sv = rng.standard_normal(768).astype(np.float32)
    side = int(np.sqrt(HEATMAP_POINTS))
    axis = (np.arange(side) + 0.5) / side * 2 - 1
    tile.heatmap_tables(sv)  # per-tile, per-photo tables: part of the cached state
    fast_seconds = timed(lambda: tile.similarity(sv, axis[None, :], axis[:, None]))
    heatmap = tile.similarity(sv, axis[None, :], axis[:, None])

    pick = rng.choice(side * side, DIRECT_POINTS, replace=False)
    rows, cols = np.divmod(pick, side)
    coords = np.stack([axis[cols], axis[rows]], 1)

    def direct() -> np.ndarray:
        cells, offsets, weights = query_geometry(coords, 12)
        inputs = np.concatenate([latents[cells], offsets.astype(np.float32)], axis=-1)  # (N, 4, 6914)
        predictions = inputs @ weight.T + bias
        localized = np.einsum("nk,nkd->nd", weights.astype(np.float32), predictions)
        return localized @ sv / np.linalg.norm(localized, axis=1) / np.linalg.norm(sv)

    direct_seconds = timed(direct, min_seconds=1.0, min_runs=2)
    max_diff = float(np.abs(direct() - heatmap[rows, cols]).max())
    direct_per_million = direct_seconds / DIRECT_POINTS * HEATMAP_POINTS
    return {
        "points": side * side,
        "fast_seconds": fast_seconds,
        "direct_seconds_measured": direct_seconds,
        "direct_points_measured": DIRECT_POINTS,
        "direct_seconds_for_1M_extrapolated": direct_per_million,
        "speedup": direct_per_million / fast_seconds,
        "max_abs_difference": max_diff,
        "peak_rss_mb": peak_rss_mb(),
    }


def case_location(preset: str, size: int, pixel_m: float, direct_rows: int) -> dict:
    """A size x size similarity raster (pixel_m metres, UTM 17N at Detroit) to a location 5 km
    away: band-limited lattice vs the encoder at every pixel (both with the same vectorised
    transform), and the largest difference anywhere. With direct_rows < size, the direct
    evaluation covers every pixel of that many evenly spread rows (time scaled to all rows)."""
    from pyproj import Transformer

    from gair_qgis.runtime.location import BandLimitedRaster, equal_earth, highest_frequency
    from gair_qgis.runtime.session import GAIRRuntime

    runtime = GAIRRuntime(_package(preset), force_cpu=True)
    to_lonlat = Transformer.from_crs("EPSG:32617", "EPSG:4326", always_xy=True)
    left, top = 315_000.0, 4_710_000.0

    def lonlat(cols, rows):
        lon, lat = to_lonlat.transform(left + np.asarray(cols) * pixel_m, top - np.asarray(rows) * pixel_m)
        return np.stack([lon, lat], axis=1)

    reference = runtime.encode_location(lonlat(np.array([size / 2 + 5000 / pixel_m]), np.array([size / 2])))[0]
    unit_reference = reference / np.linalg.norm(reference)

    def evaluate(cols, rows):
        parts = []
        for start in range(0, len(cols), 16_384):
            e = runtime.encode_location(lonlat(cols[start : start + 16_384], rows[start : start + 16_384]))
            parts.append((e @ unit_reference / np.linalg.norm(e, axis=1))[:, None])
        return np.concatenate(parts), np.ones(len(cols), bool)

    start = time.perf_counter()
    raster = BandLimitedRaster(
        size, size, evaluate, highest_frequency(runtime.package), lambda c, r: equal_earth(lonlat(c, r)), 1e-3
    )
    fast, _ = raster.rows(0, size)
    fast_seconds = time.perf_counter() - start
    picked = np.unique(np.linspace(0, size - 1, min(direct_rows, size)).round().astype(int))
    start = time.perf_counter()
    cols, rows = np.meshgrid(np.arange(size) + 0.5, picked + 0.5)
    exact, _ = evaluate(cols.ravel(), rows.ravel())
    direct_seconds = (time.perf_counter() - start) * size / len(picked)
    return {
        "pixels": size * size,
        "pixel_m": pixel_m,
        "step_px": raster.step,
        "evaluations": raster.evaluations,
        "fast_seconds": fast_seconds,
        "direct_seconds": direct_seconds,
        "direct_rows_measured": len(picked),
        "speedup": direct_seconds / fast_seconds,
        "peak_rss_mb": peak_rss_mb(),
        "max_abs_error": float(np.abs(fast[picked].reshape(-1) - exact[:, 0]).max()),
    }


INT8_ROUNDS = 3
SCENE_SIZE = 10_980  # a Sentinel-2 granule at 10 m
SCENE_BANDS = ["B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B11", "B12"]


def synthetic_scene(size: int = SCENE_SIZE) -> Path:
    """A size x size px (default 10980: 2.4 GB), 10-band uint16 GeoTIFF (UTM 32N, 10 m; tiled 512 px,
    uncompressed), made once under build/bench (scripts/bench_field.py uses it too). (With DEFLATE, decompression adds ~9 ms per tile on this machine.)"""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    path = BUILD / f"scene-{size}-raw.tif"
    if path.exists():
        return path
    BUILD.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.tif")
    profile = dict(
        driver="GTiff",
        width=size,
        height=size,
        count=len(SCENE_BANDS),
        dtype="uint16",
        crs="EPSG:32632",
        transform=from_origin(499_980.0, 5_400_000.0, 10.0, 10.0),
        tiled=True,
        blockxsize=512,
        blockysize=512,
        BIGTIFF="YES",
    )
    rng = np.random.default_rng(0)
    cols = np.arange(size)
    with rasterio.open(partial, "w", **profile) as dataset:
        for index, name in enumerate(SCENE_BANDS, start=1):
            dataset.set_band_description(index, name)
        for row in range(0, size, 512):
            rows = np.arange(row, min(row + 512, size))[:, None]
            base = 1500 + 800 * np.sin(cols / 370.0) * np.cos(rows / 290.0)
            block = np.stack(
                [base * (0.6 + 0.1 * b) + rng.integers(0, 64, base.shape) for b in range(len(SCENE_BANDS))]
            )
            dataset.write(block.astype(np.uint16), window=Window(0, row, size, len(rows)))
    partial.rename(path)
    return path


def case_scene(preset: str, tiles_across: int) -> dict:
    """gair:rsembed (OUTPUT_TYPE 0) over tiles_across^2 tiles of the synthetic scene (all 55^2 =
    3025 when 55) in a headless QGIS with an empty disk cache, and the bare model's sustained
    tile rate (random batches of 8 back to back for 5 s) in the same process, measured before
    and after the run and averaged (this machine's speed drifts: up to 37% between the two today)."""
    import os
    import shutil
    import tempfile

    cache_dir = Path(tempfile.mkdtemp(prefix="bench-cache-", dir=BUILD))
    os.environ["GAIR_CACHE_DIR"] = str(cache_dir)
    os.environ.pop("GAIR_MAX_TILES", None)
    os.environ["GAIR_FORCE_CPU"] = "1"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication, QgsProcessingFeedback

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    import processing
    from processing.core.Processing import Processing

    from gair_qgis.processing.provider import GairProvider
    from gair_qgis.runtime.session import GAIRRuntime

    Processing.initialize()
    provider = GairProvider()  # kept referenced: the registry does not own a Python provider
    assert QgsApplication.processingRegistry().addProvider(provider)
    scene = synthetic_scene()
    package = _package(preset)
    batch = np.random.default_rng(0).random((8, 10, 96, 96), dtype=np.float32)

    def bare_rate() -> float:
        runtime = GAIRRuntime(package, force_cpu=True, batch_size=8)
        try:
            return 8 / sustained(lambda: runtime.encode_rs(batch), seconds=5.0)
        finally:
            runtime.close()

    bare_before = bare_rate()
    extent = f"499980,{499980 + tiles_across * 2000},{5400000 - tiles_across * 2000},5400000 [EPSG:32632]"
    params = {"INPUT": str(scene), "MODEL": str(package), "BATCH_SIZE": 8, "OUTPUT_TYPE": 0}
    if tiles_across < 55:
        params["EXTENT"] = extent
    try:
        start, cpu_start = time.perf_counter(), time.process_time()
        result = processing.run("gair:rsembed", params, feedback=QgsProcessingFeedback())
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    peak_rss = peak_rss_mb()  # before a second model session adds its own memory
    bare_after = bare_rate()
    bare = (bare_before + bare_after) / 2  # this machine's speed drifts: the model rate around the run
    tiles = int(result["ENCODED_TILES"])
    return {
        "tiles": tiles,
        "seconds": seconds,
        "tiles_per_second": tiles / seconds,
        "bare_model_tiles_per_second": bare,
        "bare_model_tiles_per_second_before_after": [bare_before, bare_after],
        "ratio_to_bare_model": tiles / seconds / bare,
        "cpu_ms_per_tile": 1000 * cpu_seconds / tiles,
        "peak_rss_mb": peak_rss,
    }


def case_int8(preset: str) -> dict:
    """RS tiles/s (batch 8) of the float package and its int8 copy (weights of this CPU's
    choice), measured in alternating rounds (a load change hits both), best round each, and the
    copy's recorded fidelity."""
    from gair_qgis.runtime.package import load_package
    from gair_qgis.runtime.quantize import cpu_has_vnni, quantize_package, weight_type_name
    from gair_qgis.runtime.session import GAIRRuntime

    float_package = _package(preset)
    weights = weight_type_name(cpu_has_vnni())
    int8_dir = BUILD / f"package-{preset}-{weights}"
    if not (int8_dir / "model.json").exists():
        examples = ROOT.parent / "shared" / "data" / "gair-examples"
        quantize_package(
            float_package, int8_dir, examples if (examples / "examples.csv").exists() else None, weights=weights
        )
    batch = np.random.default_rng(0).random((8, 10, 96, 96), dtype=np.float32)
    runtimes = {
        name: GAIRRuntime(package, force_cpu=True, batch_size=8)
        for name, package in (("float", float_package), ("int8", int8_dir))
    }
    seconds = {name: float("inf") for name in runtimes}
    for _ in range(INT8_ROUNDS):
        for name, runtime in runtimes.items():
            seconds[name] = min(seconds[name], timed(lambda runtime=runtime: runtime.encode_rs(batch), min_seconds=1.0))
    rates = {name: 8 / s for name, s in seconds.items()}
    fidelity = load_package(int8_dir).meta["quantization"]["fidelity"]
    return {
        "float_tiles_per_second": rates["float"],
        "int8_tiles_per_second": rates["int8"],
        "weights": weights,
        "speedup": rates["int8"] / rates["float"],
        "fidelity": fidelity,
        "peak_rss_mb": peak_rss_mb(),
    }


# --- driver ---------------------------------------------------------------------------------


def run_case(*args: str) -> dict:
    result = subprocess.run([sys.executable, __file__, "--case", *args], capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise RuntimeError(f"bench case {args} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="tiny preset only, batch 1")
    parser.add_argument(
        "--direct-rows",
        type=int,
        default=1000,
        help="rows of the 1000 px location raster evaluated directly (default all)",
    )
    parser.add_argument("--skip-encoders", action="store_true", help="leave out the onnxruntime vs torch table")
    args = parser.parse_args()
    if args.case:
        kind, *rest = args.case
        if kind == "package":
            _package(rest[0])
            result = {}
        elif kind == "location":
            result = case_location(rest[0], int(rest[1]), float(rest[2]), int(rest[3]))
        elif kind == "scene":
            result = case_scene(rest[0], int(rest[1]))
        elif kind == "int8":
            result = case_int8(rest[0])
        else:
            result = case_heatmap() if kind == "heatmap" else case_encoder(kind, rest[0], rest[1], int(rest[2]))
        print(json.dumps(result))
        return 0

    BUILD.mkdir(parents=True, exist_ok=True)
    report: dict = {"machine": {"cpus": __import__("os").cpu_count()}}
    heat = run_case("heatmap")
    report["heatmap"] = heat
    print(f"heatmap over one cached base tile, {heat['points']:,} points")
    print(f"  fast path            {heat['fast_seconds']:.4f} s   (peak RSS {heat['peak_rss_mb']:.0f} MB)")
    print(
        f"  direct evaluation    {heat['direct_seconds_for_1M_extrapolated']:.1f} s   "
        f"(measured {heat['direct_seconds_measured']:.2f} s on {heat['direct_points_measured']:,} points)"
    )
    print(f"  speed-up             {heat['speedup']:.0f}x   max |cos difference| {heat['max_abs_difference']:.2e}")

    presets = ["tiny"] if args.quick else ["tiny", "base"]
    for preset in presets:  # made beforehand, so that no measured process pays for it
        run_case("package", preset)
    big = "tiny" if args.quick else "base"

    loc = report["location_raster"] = run_case("location", big, "1000", "20", str(args.direct_rows))
    print(f"\nlocation raster, {big} package, 1000 x 1000 px similarity at 20 m")
    print(
        f"  band-limited lattice {loc['fast_seconds']:.2f} s   (step {loc['step_px']} px, "
        f"{loc['evaluations']:,} encoder points)"
    )
    rows_note = (
        ""
        if loc["direct_rows_measured"] == 1000
        else f" (measured on every pixel of {loc['direct_rows_measured']} rows)"
    )
    print(f"  every pixel          {loc['direct_seconds']:.1f} s{rows_note}")
    print(f"  speed-up             {loc['speedup']:.0f}x   max |difference| {loc['max_abs_error']:.1e}")

    report["scene"] = []
    for preset, across in [("tiny", 55)] if args.quick else [("tiny", 55), ("base", 6)]:
        scene = run_case("scene", preset, str(across))
        report["scene"].append(dict(scene, preset=preset))
        print(f"\nscene encoding (gair:rsembed), {preset} package, {scene['tiles']} tiles of a 10980 x 10980 GeoTIFF")
        print(
            f"  {scene['tiles_per_second']:.1f} tiles/s vs the bare model's {scene['bare_model_tiles_per_second']:.1f}: "
            f"{scene['ratio_to_bare_model']:.2f} of the model rate; {scene['seconds']:.1f} s; "
            f"peak RSS {scene['peak_rss_mb']:.0f} MB"
        )

    q = report["int8"] = run_case("int8", big)
    print(
        f"\nint8 copy of the {big} package ({q['weights']} weights): RS {q['int8_tiles_per_second']:.1f} vs float "
        f"{q['float_tiles_per_second']:.1f} tiles/s (batch 8): {q['speedup']:.2f}x"
    )
    print(
        f"  min cosine to float on {q['fidelity']['data']}: "
        + ", ".join(f"{k} {v:.4f}" for k, v in q["fidelity"]["min_cosine_to_float"].items())
    )
    batches = [1] if args.quick else [1, 8]
    rows = []
    for encoder, batch_sizes in () if args.skip_encoders else (("rs", batches), ("sv", batches), ("location", [1024])):
        for preset in presets:
            for batch in batch_sizes:
                ort = run_case(encoder, "onnxruntime", preset, str(batch))
                torch_ = run_case(encoder, "torch", preset, str(batch))
                rows.append(
                    {
                        "encoder": encoder,
                        "preset": preset,
                        "batch": batch,
                        "onnxruntime": ort,
                        "torch": torch_,
                        "ratio_ort_over_torch": ort["per_second"] / torch_["per_second"],
                    }
                )
    report["encoders"] = rows
    print(
        f"\n{'encoder':9} {'preset':6} {'batch':>5} {'ort /s':>10} {'torch /s':>10} {'ratio':>6} "
        f"{'ort MB':>7} {'torch MB':>8}"
    )
    for row in rows:
        print(
            f"{row['encoder']:9} {row['preset']:6} {row['batch']:>5} {row['onnxruntime']['per_second']:>10.1f} "
            f"{row['torch']['per_second']:>10.1f} {row['ratio_ort_over_torch']:>6.2f} "
            f"{row['onnxruntime']['peak_rss_mb']:>7.0f} {row['torch']['peak_rss_mb']:>8.0f}"
        )
    out = ROOT / "build" / "bench.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
