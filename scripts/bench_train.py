"""Training throughput of `python -m gair_core.train` (tiny preset, CPU): samples/s and peak memory.

Runs the real command in a fresh process (so its max RSS is its own) on the three
../shared/data/gair-examples triples when present, else on a synthetic tile and photo;
prints a table and writes build/bench_train.json. Used by `make bench`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT.parent / "shared" / "data" / "gair-examples"


def write_manifest(folder: Path) -> tuple[Path, str]:
    """A manifest of the real example triples, or of a synthetic tile and photo."""
    path = folder / "manifest.csv"
    rows = []
    if (EXAMPLES / "examples.csv").exists():
        for e in csv.DictReader(open(EXAMPLES / "examples.csv")):
            rows.append([EXAMPLES / e["sv_image"], e["lon"], e["lat"], EXAMPLES / e["rs_image"]])
        source = "gair-examples (3 real triples)"
    else:
        import rasterio
        from PIL import Image
        from rasterio.transform import from_bounds

        rng = np.random.default_rng(0)
        tile, photo = folder / "tile.tif", folder / "photo.jpg"
        bounds = (9.16, 48.76, 9.16 + 245 * 8.983e-5, 48.76 + 190 * 8.983e-5)
        with rasterio.open(
            tile,
            "w",
            driver="GTiff",
            width=245,
            height=190,
            count=12,
            dtype="uint16",
            crs="EPSG:4326",
            transform=from_bounds(*bounds, 245, 190),
        ) as dataset:
            dataset.write(rng.integers(0, 6000, size=(12, 190, 245)).astype(np.uint16))
        Image.fromarray(rng.integers(0, 255, size=(1080, 1920, 3), dtype=np.uint8)).save(photo)
        rows = [[photo, 9.161 + 0.004 * i, 48.761 + 0.003 * i, tile] for i in range(4)]
        source = "synthetic tile and 1920x1080 photo"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sv_path", "lon", "lat", "rs_path"])
        writer.writerows(rows)
    return path, source


def measure(manifest: Path, out: Path, batch_size: int, steps: int, workers: int) -> dict:
    command = [
        sys.executable,
        "-m",
        "gair_core.train",
        "--manifest",
        str(manifest),
        "--preset",
        "tiny",
        "--batch-size",
        str(batch_size),
        "--max-steps",
        str(steps),
        "--workers",
        str(workers),
        "--output-dir",
        str(out),
        "--no-progress",
        "--no-tensorboard",
        "--save-every",
        str(10 * steps),
    ]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    rates = [float(r["samples_per_s"]) for r in csv.DictReader(open(out / "metrics.csv"))][2:]  # after warm-up
    summary = json.loads((out / "summary.json").read_text())
    return {
        "batch_size": batch_size,
        "workers": workers,
        "steps": steps,
        "samples_per_s_median": float(np.median(rates)),
        "peak_rss_mb": summary["peak_mem_mb"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench_train.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        manifest, source = write_manifest(folder)
        cases = [(3, 0), (3, 2)] if "real" in source else [(4, 0), (4, 2)]
        results = [measure(manifest, folder / f"run{i}", b, args.steps, w) for i, (b, w) in enumerate(cases)]
    report = {
        "what": "gair_core.train, tiny preset, CPU, float32",
        "data": source,
        "cpu_count": os.cpu_count(),
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(f"training throughput ({report['what']}; {source}; {os.cpu_count()} CPUs)")
    print(f"{'batch':>6} {'workers':>8} {'samples/s':>10} {'peak RSS MB':>12}")
    for r in results:
        print(f"{r['batch_size']:>6} {r['workers']:>8} {r['samples_per_s_median']:>10.2f} {r['peak_rss_mb']:>12.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
