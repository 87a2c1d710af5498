"""`make bench`: speed and memory of the heatmap fast path and of every encoder, onnxruntime
vs torch, printed as a table and written to build/bench.json.

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

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
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
    meta = pkg.build_meta(name=f"bench-{preset}", version="0", licence="-", description="benchmark", untrained=True,
                          architecture=model.config.to_dict(), embed_dim=model.config.embed_dim,
                          inputs=released_inputs(), provenance={})
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
        call = {"rs": model.encode_rs, "sv": model.encode_sv, "location": model.encode_location}[encoder]

        def run():
            with torch.inference_mode():
                call(tensor)
    else:
        from gair_qgis.runtime.session import GAIRRuntime

        runtime = GAIRRuntime(_package(preset), force_cpu=True, batch_size=batch)
        call = {"rs": runtime.encode_rs, "sv": runtime.encode_sv, "location": runtime.encode_location}[encoder]

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
    return {"points": side * side, "fast_seconds": fast_seconds,
            "direct_seconds_measured": direct_seconds, "direct_points_measured": DIRECT_POINTS,
            "direct_seconds_for_1M_extrapolated": direct_per_million,
            "speedup": direct_per_million / fast_seconds, "max_abs_difference": max_diff,
            "peak_rss_mb": peak_rss_mb()}


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
    args = parser.parse_args()
    if args.case:
        kind, *rest = args.case
        if kind == "package":
            _package(rest[0])
            result = {}
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
    print(f"  direct evaluation    {heat['direct_seconds_for_1M_extrapolated']:.1f} s   "
          f"(measured {heat['direct_seconds_measured']:.2f} s on {heat['direct_points_measured']:,} points)")
    print(f"  speed-up             {heat['speedup']:.0f}x   max |cos difference| {heat['max_abs_difference']:.2e}")

    presets = ["tiny"] if args.quick else ["tiny", "base"]
    for preset in presets:  # made beforehand, so that no measured process pays for it
        run_case("package", preset)
    batches = [1] if args.quick else [1, 8]
    rows = []
    for encoder, batch_sizes in (("rs", batches), ("sv", batches), ("location", [1024])):
        for preset in presets:
            for batch in batch_sizes:
                ort = run_case(encoder, "onnxruntime", preset, str(batch))
                torch_ = run_case(encoder, "torch", preset, str(batch))
                rows.append({"encoder": encoder, "preset": preset, "batch": batch, "onnxruntime": ort, "torch": torch_,
                             "ratio_ort_over_torch": ort["per_second"] / torch_["per_second"]})
    report["encoders"] = rows
    print(f"\n{'encoder':9} {'preset':6} {'batch':>5} {'ort /s':>10} {'torch /s':>10} {'ratio':>6} "
          f"{'ort MB':>7} {'torch MB':>8}")
    for row in rows:
        print(f"{row['encoder']:9} {row['preset']:6} {row['batch']:>5} {row['onnxruntime']['per_second']:>10.1f} "
              f"{row['torch']['per_second']:>10.1f} {row['ratio_ort_over_torch']:>6.2f} "
              f"{row['onnxruntime']['peak_rss_mb']:>7.0f} {row['torch']['peak_rss_mb']:>8.0f}")
    out = ROOT / "build" / "bench.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
