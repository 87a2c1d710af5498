"""A head from `gair_core.finetune` reaches the plugin, on real data: EuroSAT patches (MIT,
../shared/data/eurosat-ms-geotorchai) -> finetune --package (the bundled package) -> the
package's head in gair:tilepredict (in QGIS and through scripts/qgis_process) -> the same
probabilities as the runtime's embedding of each patch through the stored layers, and the
held-out accuracy finetune measured."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, SHARED
from processing_support import run

EUROSAT = SHARED / "data" / "eurosat-ms-geotorchai"
CLASSES = ("AnnualCrop", "Forest", "Industrial", "SeaLake")
MODEL_BANDS = {
    "B2": 1,
    "B3": 2,
    "B4": 3,
    "B5": 4,
    "B6": 5,
    "B7": 6,
    "B8": 7,
    "B8A": 12,
    "B11": 10,
    "B12": 11,
}  # EuroSAT: B8A last
TEST_PER_CLASS = 4
HEAD = "eurosat_land_use"

pytestmark = pytest.mark.skipif(
    not (EUROSAT / "locations.csv").exists(), reason=f"../shared/data/eurosat-ms-geotorchai not found at {EUROSAT}"
)


def model_band_copy(source: Path, target: Path) -> Path:
    """The patch's pixels in the model's ten bands, named (EuroSAT's 13-band files carry no band names)."""
    import rasterio

    with rasterio.open(source) as dataset:
        pixels = dataset.read()[list(MODEL_BANDS.values())]
        profile = dict(dataset.profile, count=len(MODEL_BANDS))
    with rasterio.open(target, "w", **profile) as out:
        out.write(pixels)
        for index, name in enumerate(MODEL_BANDS, start=1):
            out.set_band_description(index, name)
    return target


@pytest.fixture(scope="module")
def eurosat(tmp_path_factory) -> Path:
    """A finetune CSV over 4 classes x 15 patches: 11 per class for training, 4 held out."""
    folder = tmp_path_factory.mktemp("eurosat")
    rows = []
    for label in CLASSES:
        files = sorted((EUROSAT / label).glob("*.tif"), key=lambda p: int(p.stem.split("_")[-1]))
        for position, path in enumerate(files):
            model_band_copy(path, folder / path.name)
            rows.append([path.name, label, "test" if position >= len(files) - TEST_PER_CLASS else "train"])
    with open(folder / "eurosat.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rs_path", "label", "split"])
        writer.writerows(rows)
    return folder / "eurosat.csv"


@pytest.fixture(scope="module")
def finetuned(eurosat, tmp_path_factory):
    """finetune's head on the bundled package's embeddings, written into a copy of the package."""
    import json

    from gair_core import finetune
    from gair_qgis.runtime.package import ModelPackage, bundled_package_path

    out = tmp_path_factory.mktemp("packages") / "gair-tiny-eurosat"
    metrics = out.parent / "metrics"
    assert (
        finetune.main(
            [
                str(a)
                for a in (
                    "--data",
                    eurosat,
                    "--task",
                    "rs",
                    "--kind",
                    "classification",
                    "--target",
                    "label",
                    "--mode",
                    "head",
                    "--package",
                    bundled_package_path(),
                    "--package-out",
                    out,
                    "--head-name",
                    HEAD,
                    "--replace-head",
                    "--epochs",
                    60,
                    "--batch-size",
                    16,
                    "--output-dir",
                    metrics,
                )
            ]
        )
        == 0
    )  # the bundled package ships HEAD
    return ModelPackage.load(out), json.loads((metrics / "metrics.json").read_text())


def test_the_finetuned_head_beats_the_constant_predictor(finetuned):
    package, result = finetuned
    assert result["rows"] == {"train": 44, "test": 16}
    assert result["metrics"]["accuracy"] > result["constant_baseline"]["accuracy"] + 0.2
    head = next(h for h in package.heads if h.name == HEAD)
    assert head.labels == CLASSES and head.input == "rs_global"


def test_tilepredict_applies_the_finetuned_head_as_trained(gair_provider, finetuned, eurosat, tmp_path):
    import rasterio

    from gair_qgis.runtime.package import apply_layers
    from gair_qgis.runtime.session import GAIRRuntime

    package, result = finetuned
    head = next(h for h in package.heads if h.name == HEAD)
    layers = package.head_layers(head)
    runtime = GAIRRuntime(package, force_cpu=True)
    held_out = [r for r in csv.DictReader(eurosat.read_text().splitlines()) if r["split"] == "test"]
    hits = 0
    for n, row in enumerate(held_out):
        patch = eurosat.parent / row["rs_path"]
        outputs = run(
            "tilepredict",
            {
                "INPUT": str(patch),
                "MODEL": str(package.root),
                "HEAD": HEAD,
                "OUTPUT": str(tmp_path / f"{n}.gpkg"),
                "OUTPUT_RASTER": str(tmp_path / f"{n}.tif"),
            },
        )
        assert outputs["TILES"] == 1  # a EuroSAT patch (640 m) is smaller than one model tile: the whole patch
        with rasterio.open(outputs["OUTPUT_RASTER"]) as raster:
            values = raster.read()[:, 0, 0]
            assert list(raster.descriptions) == [f"{HEAD}:class_index"] + [f"{HEAD}:{c}" for c in CLASSES]
        with rasterio.open(patch) as source:
            embedding = runtime.encode_rs_window(source.read(), list(source.descriptions)).global_embedding
        expected = apply_layers(layers, embedding[None], softmax=True)[0]
        np.testing.assert_allclose(values[1:], expected, atol=1e-5)
        hits += CLASSES[int(values[0])] == row["label"]
    assert hits / len(held_out) == pytest.approx(result["metrics"]["accuracy"])


def test_qgis_process_runs_the_finetuned_head(qgis_app, finetuned, eurosat, tmp_path):
    package, _ = finetuned
    patch = (
        eurosat.parent
        / next(r for r in csv.DictReader(eurosat.read_text().splitlines()) if r["split"] == "test")["rs_path"]
    )
    output = tmp_path / "predictions.gpkg"
    result = subprocess.run(
        [
            str(ROOT / "scripts" / "qgis_process"),
            "run",
            "gair:tilepredict",
            "--",
            f"INPUT={patch}",
            f"MODEL={package.root}",
            f"HEAD={HEAD}",
            f"OUTPUT={output}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(str(output), "predictions")
    names = layer.fields().names()
    assert HEAD in names and all(f"{HEAD}_p_{c}" in names for c in CLASSES)
    assert layer.featureCount() == 1 and next(layer.getFeatures())[HEAD] in CLASSES


def test_the_finetuned_head_shows_up_in_the_predictions_dock(qgis_iface, qgis_new_project, gair_settings, finetuned):
    from gair_qgis.gui import GairGui
    from gair_qgis.gui.predictions_dock import PredictionsDock

    package, _ = finetuned
    gui = GairGui(qgis_iface)
    gui.init_gui()
    try:
        catalog = gui.catalog
        assert catalog is not None
        entry = catalog.add_folder(package.root)
        catalog.set_active(entry.folder)
        dock = gui.dock(PredictionsDock)
        assert isinstance(dock, PredictionsDock)
        offered = [dock.head.itemData(i) for i in range(dock.head.count())]
        assert HEAD in offered and dock.head.isEnabled()
    finally:
        gui.unload()
