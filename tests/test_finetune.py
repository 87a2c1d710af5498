"""`python -m gair_core.finetune`: heads on a real task beat a constant predictor; every task and mode
runs; heads are written into model packages (the one head format) and the plugin's runtime
reproduces their held-out scores."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from gair_core import finetune
from gair_core.training.metrics_eval import accuracy, macro_f1, r2_score, rmse
from gair_qgis.runtime.package import ModelPackage, apply_layers, bundled_package_path

from conftest import L2A_12, SHARED, sentinel_like, write_geotiff

DHS = SHARED / "data" / "africa-poverty-dhs" / "dhs_clusters.csv"
requires_dhs = pytest.mark.skipif(not DHS.exists(), reason=f"../shared/data/africa-poverty-dhs not found at {DHS}")


def run(*args) -> int:
    return finetune.main([str(a) for a in args])


def test_metrics_match_hand_computed_values():
    # lists on purpose: the metrics np.asarray what they are given (their signatures say ndarray)
    assert r2_score([1, 2, 3], [1, 2, 3]) == 1.0 and r2_score([1, 2, 3], [2, 2, 2]) == 0.0  # type: ignore[arg-type]
    assert rmse([0, 0], [3, 4]) == pytest.approx(np.sqrt(12.5))  # type: ignore[arg-type]
    assert accuracy([0, 1, 1, 2], [0, 1, 2, 2]) == 0.75  # type: ignore[arg-type]
    # class 0: F1 1; class 1: tp 1 fn 1 -> 2/3; class 2: tp 1 fp 1 -> 2/3
    assert macro_f1(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), 3) == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)


@pytest.mark.slow
@requires_dhs
def test_location_head_on_dhs_wealth_beats_the_constant_predictor(tmp_path):
    out = tmp_path / "head"
    assert (
        run(
            "--data",
            DHS,
            "--task",
            "location",
            "--kind",
            "regression",
            "--target",
            "wealthpooled",
            "--mode",
            "head",
            "--max-rows",
            2000,
            "--epochs",
            20,
            "--output-dir",
            out,
        )
        == 0
    )
    result = json.loads((out / "metrics.json").read_text())
    assert result["rows"] == {"train": 1600, "test": 400}
    assert result["metrics"]["r2"] > 0.1 and result["constant_baseline"]["r2"] <= 0.01
    assert result["metrics"]["rmse"] < 0.95 * result["constant_baseline"]["rmse"]
    assert result["embedding"] == "location" and not (out / "head.safetensors").exists()


@pytest.mark.slow
@requires_dhs
def test_full_fine_tuning_of_the_location_tower_trains_the_encoder(tmp_path):
    out = tmp_path / "full"
    assert (
        run(
            "--data",
            DHS,
            "--task",
            "location",
            "--kind",
            "regression",
            "--target",
            "wealthpooled",
            "--mode",
            "full",
            "--max-rows",
            800,
            "--epochs",
            4,
            "--output-dir",
            out,
        )
        == 0
    )
    result = json.loads((out / "metrics.json").read_text())
    assert result["metrics"]["rmse"] < result["constant_baseline"]["rmse"]
    tuned = load_file(str(out / "model.safetensors"))
    torch.manual_seed(0)
    from gair_core.config import get_preset
    from gair_core.models import GAIR

    initial = GAIR(get_preset("tiny")).state_dict()
    key = "location_encoder.LocEnc0.capsule.1.weight"
    assert not torch.equal(tuned[key], initial[key])
    assert torch.equal(tuned["sv_encoder.pooler.weight"], initial["sv_encoder.pooler.weight"])  # other towers frozen


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def bright_dark_tiles(tmp_path: Path) -> Path:
    """24 small L2A tiles, bright or dark, 16 for training and 8 for testing."""
    rows = []
    for i in range(24):
        label = "bright" if i % 2 else "dark"
        pixels = sentinel_like(48, 48, seed=i) // 4 + (3500 if label == "bright" else 0)
        left = 9.0 + 0.01 * i
        write_geotiff(
            tmp_path / f"t{i}.tif", pixels.astype(np.uint16), (left, 48.0, left + 0.004, 48.004), "EPSG:4326", L2A_12
        )
        rows.append([f"t{i}.tif", label, "test" if i >= 16 else "train"])
    return write_csv(tmp_path / "rs.csv", ["rs_path", "label", "split"], rows)


def held_out_accuracy(package: ModelPackage, head_name: str, data: Path) -> float:
    """The head applied by the plugin's runtime to the package's own embeddings of the test rows."""
    import rasterio

    from gair_qgis.runtime.session import GAIRRuntime

    head = next(h for h in package.heads if h.name == head_name)
    layers = package.head_layers(head)
    runtime = GAIRRuntime(package, force_cpu=True)
    rows = [r for r in csv.DictReader(data.read_text().splitlines()) if r["split"] == "test"]
    hits = 0
    for row in rows:
        with rasterio.open(data.parent / row["rs_path"]) as source:
            tile = runtime.encode_rs_window(source.read(), list(source.descriptions))
        probabilities = apply_layers(layers, tile.global_embedding[None], softmax=True)[0]
        hits += head.labels[int(np.argmax(probabilities))] == row["label"]
    return hits / len(rows)


def test_rs_linear_probe_on_a_package_writes_its_head_into_the_package(tmp_path):
    data = bright_dark_tiles(tmp_path)
    out = tmp_path / "with-head"
    assert (
        run(
            "--data",
            data,
            "--task",
            "rs",
            "--kind",
            "classification",
            "--target",
            "label",
            "--mode",
            "linear-probe",
            "--epochs",
            60,
            "--batch-size",
            8,
            "--package",
            bundled_package_path(),
            "--package-out",
            out,
            "--head-name",
            "brightness",
            "--output-dir",
            tmp_path / "metrics",
        )
        == 0
    )
    result = json.loads((tmp_path / "metrics" / "metrics.json").read_text())
    assert result["rows"] == {"train": 16, "test": 8}
    assert result["metrics"]["accuracy"] > result["constant_baseline"]["accuracy"]
    assert result["metrics"]["macro_f1"] > 0.8
    package = ModelPackage.load(out)
    head = next(h for h in package.heads if h.name == "brightness")
    assert (head.task, head.input, head.labels, head.file) == (
        "classification",
        "rs_global",
        ("bright", "dark"),
        "heads/brightness.npz",
    )
    assert [w.shape for w, _ in package.head_layers(head)] == [(2, 128)]
    assert head.metric["value"] == pytest.approx(result["metrics"]["accuracy"], abs=1e-4)
    # the plugin's runtime, applying the stored head, scores the held-out tiles as finetune measured
    assert held_out_accuracy(package, "brightness", data) == pytest.approx(result["metrics"]["accuracy"])
    assert {h.name for h in package.heads} >= {"climate_zone", "land_cover", "brightness"}  # the others stay


def test_full_fine_tuning_exports_a_new_package_with_its_head(tmp_path):
    data = bright_dark_tiles(tmp_path)
    out = tmp_path / "fine-tuned"
    assert (
        run(
            "--data",
            data,
            "--task",
            "rs",
            "--kind",
            "classification",
            "--target",
            "label",
            "--mode",
            "full",
            "--epochs",
            2,
            "--batch-size",
            8,
            "--package",
            out,
            "--output-dir",
            tmp_path / "metrics",
        )
        == 0
    )
    result = json.loads((tmp_path / "metrics" / "metrics.json").read_text())
    package = ModelPackage.load(out)
    assert [h.name for h in package.heads] == ["label"] and package.heads[0].input == "rs_global"
    assert "finetune" in package.meta["provenance"]["exported_by"]
    assert held_out_accuracy(package, "label", data) == pytest.approx(result["metrics"]["accuracy"])
    # refused: an existing package folder, and --checkpoint with --package in a frozen mode
    assert (
        run(
            "--data",
            data,
            "--task",
            "rs",
            "--kind",
            "classification",
            "--target",
            "label",
            "--mode",
            "full",
            "--package",
            out,
        )
        == 2
    )
    assert (
        run(
            "--data",
            data,
            "--task",
            "rs",
            "--kind",
            "classification",
            "--target",
            "label",
            "--package",
            out,
            "--checkpoint",
            tmp_path / "x.safetensors",
        )
        == 2
    )


def test_sv_classification_head_runs_on_photos(tmp_path):
    from PIL import Image

    rows = []
    rng = np.random.default_rng(0)
    for i in range(16):
        label = ("red", "blue")[i % 2]
        image = rng.integers(0, 80, size=(60, 90, 3), dtype=np.uint8)
        image[..., 0 if label == "red" else 2] += 170
        Image.fromarray(image).save(tmp_path / f"p{i}.png")
        rows.append([f"p{i}.png", label])
    data = write_csv(tmp_path / "sv.csv", ["sv_path", "colour"], rows)
    out = tmp_path / "sv"
    assert (
        run(
            "--data",
            data,
            "--task",
            "sv",
            "--kind",
            "classification",
            "--target",
            "colour",
            "--mode",
            "head",
            "--epochs",
            40,
            "--batch-size",
            4,
            "--test-fraction",
            0.25,
            "--output-dir",
            out,
        )
        == 0
    )
    result = json.loads((out / "metrics.json").read_text())
    assert result["metrics"]["accuracy"] > result["constant_baseline"]["accuracy"]
    assert (
        run("--data", data, "--task", "sv", "--kind", "classification", "--target", "missing", "--output-dir", out) == 2
    )
