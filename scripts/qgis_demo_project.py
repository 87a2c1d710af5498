"""Write the demo QGIS project that `make qgis` opens: a real Sentinel-2 tile shown in true
colour, plus the example photo and where it was taken (read by scripts/qgis_startup.py to
fill the GAIR heatmap dock).

Inputs: the Detroit example from ../shared/data/gair-examples (read in place, never copied:
its licence is CC BY-NC); without it, a synthetic 12-band tile and photo written to the
output folder, marked as such.

Usage: .venv/bin/python scripts/qgis_demo_project.py [--shared ../shared] [--out build/qgis-demo]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from demo import example_inputs  # scripts/demo.py: one reader of the examples table

ROOT = Path(__file__).resolve().parents[1]
PROJECT_NAME = "gair_demo.qgz"
SCOPE = "gair"  # project entries: gair/photo, gair/lon, gair/lat
L2A_12 = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B11", "B12"]
TRUE_COLOUR = (4, 3, 2)  # B4, B3, B2 in the 12-band L2A order


def example(shared: Path) -> dict | None:
    """The Detroit example (tile, photo, lon, lat), or None when ../shared lacks it."""
    found = example_inputs(shared)
    if found is None:
        return None
    return {
        "rs": found["rs"],
        "photo": found["sv"],
        "lon": float(found["lon"]),
        "lat": float(found["lat"]),
        "source": "GAIR examples (CC BY-NC 4.0; Copernicus Sentinel-2 data)",
    }


def synthetic(out: Path) -> dict:
    """A random 12-band tile over Stuttgart and a random photo (meaningless, for a demo only)."""
    import numpy as np
    from osgeo import gdal, osr
    from PIL import Image

    rng = np.random.default_rng(0)
    rs, photo = out / "synthetic_tile.tif", out / "synthetic_photo.jpg"
    rows, cols, pixel = 200, 240, 8.983e-5
    dataset = gdal.GetDriverByName("GTiff").Create(str(rs), cols, rows, len(L2A_12), gdal.GDT_UInt16)
    dataset.SetGeoTransform((9.16, pixel, 0, 48.78, 0, -pixel))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    dataset.SetProjection(srs.ExportToWkt())
    for index, name in enumerate(L2A_12, start=1):
        band = dataset.GetRasterBand(index)
        band.WriteArray(rng.integers(200, 3000, size=(rows, cols)).astype(np.uint16))
        band.SetDescription(name)
    dataset = None
    Image.fromarray(rng.integers(0, 255, size=(360, 640, 3), dtype=np.uint8)).save(photo)
    return {
        "rs": rs,
        "photo": photo,
        "lon": 9.16 + cols * pixel / 2,
        "lat": 48.78 - rows * pixel / 2,
        "source": "synthetic random data",
    }


def write_project(inputs: dict, path: Path) -> Path:
    from qgis.core import (
        QgsApplication,
        QgsContrastEnhancement,
        QgsMultiBandColorRenderer,
        QgsProject,
        QgsRasterLayer,
        QgsRasterMinMaxOrigin,
        QgsRectangle,
        QgsReferencedRectangle,
    )

    app = QgsApplication([], False)
    app.initQgis()
    project = QgsProject.instance()
    layer = QgsRasterLayer(str(inputs["rs"]), "Sentinel-2 L2A (true colour)")
    if not layer.isValid():
        raise SystemExit(f"cannot read {inputs['rs']}")
    layer.setRenderer(QgsMultiBandColorRenderer(layer.dataProvider(), *TRUE_COLOUR))
    layer.setContrastEnhancement(
        QgsContrastEnhancement.ContrastEnhancementAlgorithm.StretchToMinimumMaximum,
        QgsRasterMinMaxOrigin.Limits.CumulativeCut,
    )
    project.addMapLayer(layer)
    project.setCrs(layer.crs())
    view = QgsRectangle(layer.extent())
    view.scale(1.1)
    project.viewSettings().setDefaultViewExtent(QgsReferencedRectangle(view, layer.crs()))  # opens zoomed to the tile
    project.setTitle(f"GAIR demo: {inputs['source']}")
    project.writeEntry(SCOPE, "photo", str(inputs["photo"]))
    project.writeEntry(SCOPE, "lon", repr(inputs["lon"]))
    project.writeEntry(SCOPE, "lat", repr(inputs["lat"]))
    project.writeEntry(SCOPE, "rs_layer", layer.id())
    path.parent.mkdir(parents=True, exist_ok=True)
    if not project.write(str(path)):
        raise SystemExit(f"cannot write {path}")
    app.exitQgis()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("GAIR_SHARED", ROOT.parent / "shared")))
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "qgis-demo")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    inputs = example(args.shared) or synthetic(args.out)
    print(write_project(inputs, args.out / PROJECT_NAME))
    return 0


if __name__ == "__main__":
    sys.exit(main())
