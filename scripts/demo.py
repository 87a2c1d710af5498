"""`make demo`: GAIR on a real example with the bundled model package: embeddings through the
torch-free runtime, then a similarity heatmap written by `qgis_process run gair:svheatmap`
and rendered by QGIS as a PNG.

Inputs: the official GAIR example triple from ../shared/data/gair-examples when present
(read in place, never copied into the project); otherwise a licence-clean Landsat-7 scene
from Debian's r-cran-stars package and the committed photo in resources/demo/ (see its
README for what that pairing is and is not).
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


FALLBACK_DEB = "r-cran-stars"
FALLBACK_TIF = "usr/lib/R/site-library/stars/tif/L7_ETMs.tif"
DEMO_PHOTO = ROOT / "resources" / "demo" / "streetscape_stuttgart.jpg"


def example_inputs(shared: Path) -> dict | None:
    """The Detroit example (RS tile, photo, photo location, tile box), or None when absent."""
    examples = shared / "data" / "gair-examples"
    table = examples / "examples.csv"
    if not table.exists():
        return None
    with open(table) as handle:
        row = next(r for r in csv.DictReader(handle) if r["id"] == "detroit")
    return {
        "rs": examples / Path(row["rs_image"]).name,
        "sv": examples / Path(row["sv_image"]).name,
        "lon": row["lon"],
        "lat": row["lat"],
        "bbox": [row[k] for k in ("rs_bbox_lon_min", "rs_bbox_lat_max", "rs_bbox_lon_max", "rs_bbox_lat_min")],
    }


def fallback_inputs(work: Path) -> dict:
    """A licence-clean Landsat-7 scene as a pseudo Sentinel-2 stack, the committed photo at
    the scene's centre."""
    work.mkdir(parents=True, exist_ok=True)
    landsat = work / FALLBACK_TIF
    if not landsat.exists():
        print(f"demo: no ../shared examples; fetching the Landsat-7 sample from Debian's {FALLBACK_DEB}")
        subprocess.run(["apt-get", "download", "-q", FALLBACK_DEB], check=True, cwd=work)
        deb = sorted(work.glob(f"{FALLBACK_DEB}_*.deb"))[-1]
        subprocess.run(["dpkg-deb", "-x", str(deb), str(work)], check=True)
    stack = work / "l7_as_sentinel2.tif"
    lon, lat = landsat_as_sentinel2(landsat, stack)
    return {"rs": stack, "sv": DEMO_PHOTO, "lon": f"{lon:.6f}", "lat": f"{lat:.6f}", "bbox": None}


def landsat_as_sentinel2(landsat: Path, out: Path) -> tuple[float, float]:
    """Map Landsat-7 bands 1-5, 7 onto B2..B12 (red edge interpolated between red and NIR),
    each rescaled to the model's Sentinel-2 mean and std; returns the scene centre (lon, lat)."""
    import numpy as np
    import rasterio
    from rasterio.warp import transform

    from gair_qgis.runtime.preprocess import released_rs_spec

    spec = released_rs_spec()
    with rasterio.open(landsat) as src:
        blue, green, red, nir, swir1, swir2 = src.read().astype(np.float64)
        profile = src.profile
        centre = ((src.bounds.left + src.bounds.right) / 2, (src.bounds.bottom + src.bounds.top) / 2)
        lons, lats = transform(src.crs, "EPSG:4326", [centre[0]], [centre[1]])
    sources = [
        blue,
        green,
        red,
        red * 0.75 + nir * 0.25,
        red * 0.5 + nir * 0.5,
        red * 0.25 + nir * 0.75,
        nir,
        nir,
        swir1,
        swir2,
    ]
    bands = [(b - b.mean()) / max(b.std(), 1e-6) * std + mean for b, mean, std in zip(sources, spec.mean, spec.std)]
    profile.update(count=len(bands), dtype="uint16")
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(np.clip(np.stack(bands), 0, 65535).astype(np.uint16))
        for index, name in enumerate(spec.bands, start=1):
            dst.set_band_description(index, name)
    return lons[0], lats[0]


def run_embed(inputs: dict, out: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "gair_qgis.runtime.embed",
        "--rs-image",
        str(inputs["rs"]),
        "--sv-image",
        str(inputs["sv"]),
        "--lon",
        inputs["lon"],
        "--lat",
        inputs["lat"],
        "--output-dir",
        str(out),
        "--overwrite",
    ]
    if inputs["bbox"]:
        command += ["--rs-bbox", *inputs["bbox"]]
    subprocess.run(command, check=True, cwd=ROOT)


def run_heatmap(inputs: dict, out: Path) -> list[Path]:
    """svheatmap through qgis_process, and a PNG of it rendered by QGIS."""
    script = ROOT / "scripts" / "qgis_process"
    render = ROOT / "scripts" / "render_heatmap.py"
    tif = out / "heatmap.tif"
    tif.unlink(missing_ok=True)
    subprocess.run(
        [
            str(script),
            "run",
            "gair:svheatmap",
            "--",
            f"INPUT={inputs['rs']}",
            f"SV_IMAGE={inputs['sv']}",
            f"SV_POINT={inputs['lon']},{inputs['lat']} [EPSG:4326]",
            f"OUTPUT={tif}",
        ],
        check=True,
        cwd=ROOT,
    )
    png = out / "heatmap.png"
    subprocess.run(
        [sys.executable, str(render), str(inputs["rs"]), str(tif), inputs["lon"], inputs["lat"], str(png)],
        check=True,
        cwd=ROOT,
    )
    return [tif, png]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "demo")
    args = parser.parse_args()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    inputs = example_inputs(args.shared.resolve()) or fallback_inputs(ROOT / "build" / "demo-data")
    print(f"demo: RS raster {inputs['rs']}\ndemo: photo {inputs['sv']} at ({inputs['lon']}, {inputs['lat']})")

    from gair_qgis.runtime.package import load_package

    package = load_package()
    print(f"demo: model package {package.root.name}")
    if package.untrained:
        print(
            "demo: NOTE: the bundled model is UNTRAINED (random weights): outputs show the pipeline works, "
            "their values mean nothing. Import the released GAIR checkpoint for real results."
        )
    else:
        print(
            "demo: NOTE: the bundled model is small (trained on little open data, no photo/satellite pairs): the "
            "street-view heatmap is weak. Import the released GAIR checkpoint for real results."
        )
    run_embed(inputs, out / "embeddings")
    outputs = run_heatmap(inputs, out)
    print("\ndemo outputs:")
    print(f"  embeddings: {out / 'embeddings'} (rs, sv, loc, localized_rs .npy + embed_summary.json)")
    for path in outputs:
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
