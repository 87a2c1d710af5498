"""`make demo`: GAIR on a real example with the bundled model package, through the torch-free
runtime, and (when the QGIS plugin's Processing provider is present) a similarity heatmap
written by `qgis_process` and rendered by QGIS.

Inputs: the official GAIR example triple from ../shared/data/gair-examples (read in place,
never copied into the project).
"""
from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def example_inputs(shared: Path) -> dict:
    """The Detroit example: RS tile, photo, photo location and tile box."""
    examples = shared / "data" / "gair-examples"
    table = examples / "examples.csv"
    if not table.exists():
        raise SystemExit(
            f"demo: no example data at {examples}. The demo reads the official GAIR examples from "
            "../shared/data/gair-examples; pass --shared PATH to point at another copy."
        )
    with open(table) as handle:
        row = next(r for r in csv.DictReader(handle) if r["id"] == "detroit")
    return {
        "rs": examples / Path(row["rs_image"]).name,
        "sv": examples / Path(row["sv_image"]).name,
        "lon": row["lon"],
        "lat": row["lat"],
        "bbox": [row[k] for k in ("rs_bbox_lon_min", "rs_bbox_lat_max", "rs_bbox_lon_max", "rs_bbox_lat_min")],
    }


def run_embed(inputs: dict, out: Path) -> None:
    command = [sys.executable, "-m", "gair_qgis.runtime.embed", "--rs-image", str(inputs["rs"]),
               "--sv-image", str(inputs["sv"]), "--lon", inputs["lon"], "--lat", inputs["lat"],
               "--rs-bbox", *inputs["bbox"], "--output-dir", str(out), "--overwrite"]
    subprocess.run(command, check=True, cwd=ROOT)


def run_heatmap(inputs: dict, out: Path) -> list[Path]:
    """svheatmap through qgis_process and a PNG rendered by QGIS; [] when the plugin is absent."""
    script = ROOT / "scripts" / "qgis_process"
    render = ROOT / "scripts" / "render_heatmap.py"
    if not script.exists() or not render.exists():
        print("demo: the QGIS plugin's qgis_process runner is not in this checkout yet; skipping the heatmap")
        return []
    tif = out / "heatmap.tif"
    tif.unlink(missing_ok=True)
    subprocess.run([str(script), "run", "gair:svheatmap", "--", f"INPUT={inputs['rs']}", f"SV_IMAGE={inputs['sv']}",
                    f"SV_POINT={inputs['lon']},{inputs['lat']} [EPSG:4326]", f"OUTPUT={tif}"], check=True, cwd=ROOT)
    png = out / "heatmap.png"
    subprocess.run([sys.executable, str(render), str(inputs["rs"]), str(tif), inputs["lon"], inputs["lat"], str(png)],
                   check=True, cwd=ROOT)
    return [tif, png]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "demo")
    args = parser.parse_args()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    inputs = example_inputs(args.shared.resolve())

    from gair_qgis.runtime.package import load_package

    package = load_package()
    print(f"demo: model package {package.root.name}")
    if package.untrained:
        print("demo: NOTE: the bundled model is UNTRAINED (random weights): outputs show the pipeline works, "
              "their values mean nothing. Import the released GAIR checkpoint for real results.")
    run_embed(inputs, out / "embeddings")
    outputs = run_heatmap(inputs, out)
    print("\ndemo outputs:")
    print(f"  embeddings: {out / 'embeddings'} (rs, sv, loc, localized_rs .npy + embed_summary.json)")
    for path in outputs:
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
