"""Published heads are replaced only on request and stay recoverable; the int8 command checks
its inputs before the work (issue 23, item 7)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from gair_core import finetune
from gair_qgis.runtime import quantize
from gair_qgis.runtime.errors import PackageError
from gair_qgis.runtime.package import MODEL_JSON, ModelPackage, add_heads, replaced_head_file

from conftest import UNTRAINED_TWIN


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return Path(shutil.copytree(UNTRAINED_TWIN, tmp_path / "tiny"))


def one_line_error(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines and lines[-1].startswith("error: "), lines
    return lines[-1]


def regression_head(value: float) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.zeros((1, 128), np.float32), np.full(1, value, np.float32))]


SPEC = {"name": "land_cover", "task": "regression", "input": "location", "targets": ["t"]}


def test_a_head_the_package_ships_is_not_replaced_without_asking(package):
    before = (package / MODEL_JSON).read_bytes()
    with pytest.raises(PackageError, match="already has a head land_cover"):
        add_heads(package, [(SPEC, regression_head(1.0))])
    assert (package / MODEL_JSON).read_bytes() == before


def test_a_replaced_head_is_kept_recoverable_in_the_package(package):
    old_bytes = (package / "heads" / "land_cover.npz").read_bytes()
    old = next(h for h in ModelPackage.load(package).heads if h.name == "land_cover")
    updated = add_heads(package, [(SPEC, regression_head(1.0))], replace=True)
    new = next(h for h in updated.heads if h.name == "land_cover")
    assert new.task == "regression" and updated.head_layers(new)[0][1][0] == 1.0
    kept = updated.meta["replaced_heads"]
    assert [(h["name"], h["file"]) for h in kept] == [("land_cover", replaced_head_file("land_cover"))]
    assert tuple(kept[0]["labels"]) == old.labels and kept[0]["metric"] == old.metric
    assert (package / replaced_head_file("land_cover")).read_bytes() == old_bytes  # hashed in files: verified
    # a second replacement keeps the latest replaced one only, and the package stays valid
    again = add_heads(package, [(SPEC, regression_head(2.0))], replace=True)
    kept_file = again.root / replaced_head_file("land_cover")
    assert np.load(kept_file)["bias_0"][0] == 1.0
    assert len(again.meta["replaced_heads"]) == 1
    assert {h.name for h in again.heads} == {"climate_zone", "land_cover"}


def location_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    path = tmp_path / "points.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["lon", "lat", "land_cover"])
        for lon, lat in zip(rng.uniform(-10, 30, 40), rng.uniform(35, 60, 40)):
            writer.writerow([f"{lon:.4f}", f"{lat:.4f}", "north" if lat > 47 else "south"])
    return path


def test_finetune_refuses_to_replace_a_published_head_before_training(package, tmp_path, capsys):
    data = location_csv(tmp_path)
    before = (package / MODEL_JSON).read_bytes()
    args = [
        "--data",
        data,
        "--task",
        "location",
        "--kind",
        "classification",
        "--target",
        "land_cover",
        "--mode",
        "linear-probe",
        "--epochs",
        3,
        "--package",
        package,
    ]
    assert finetune.main([str(a) for a in args]) == 2
    error = one_line_error(capsys)
    assert "already has a head land_cover" in error and "--replace-head" in error
    assert (package / MODEL_JSON).read_bytes() == before
    # asked to replace: replaced, and the old one kept where the message says
    assert finetune.main([str(a) for a in args + ["--replace-head"]]) == 0
    assert replaced_head_file("land_cover") in capsys.readouterr().err
    updated = ModelPackage.load(package)
    assert next(h for h in updated.heads if h.name == "land_cover").labels == ("north", "south")
    assert updated.meta["replaced_heads"][0]["file"] == replaced_head_file("land_cover")


def test_finetune_refuses_a_head_name_that_is_a_path(package, tmp_path, capsys):
    args = [
        "--data",
        location_csv(tmp_path),
        "--task",
        "location",
        "--kind",
        "classification",
        "--target",
        "land_cover",
        "--package",
        package,
        "--head-name",
        "../../outside",
    ]
    assert finetune.main([str(a) for a in args]) == 2
    assert "cannot name a head" in one_line_error(capsys)


def test_quantize_refuses_examples_without_their_columns_before_quantizing(package, tmp_path, capsys):
    examples = tmp_path / "examples"
    examples.mkdir()
    (examples / "examples.csv").write_text("rs_image,photo\nrs.tif,sv.jpg\n")
    out = tmp_path / "int8"
    assert quantize.main([str(package), "--out", str(out), "--examples", str(examples)]) == 2
    err = capsys.readouterr().err
    assert "quantizing" not in err  # refused before the work
    error = err.strip().splitlines()[-1]
    assert "lacks the column(s) sv_image, lon, lat" in error and str(examples / "examples.csv") in error
    assert not out.exists()


def test_quantize_refuses_a_missing_examples_folder_before_quantizing(package, tmp_path, capsys):
    out = tmp_path / "int8"
    assert quantize.main([str(package), "--out", str(out), "--examples", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "quantizing" not in err and "examples.csv not found" in err.strip().splitlines()[-1]
    assert not out.exists()


def test_quantize_refuses_an_out_folder_inside_the_source_package(package, capsys):
    listing = sorted(p.relative_to(package) for p in package.rglob("*"))
    assert quantize.main([str(package), "--out", str(package / "heads" / "int8")]) == 2
    assert "lies inside the package" in one_line_error(capsys)
    assert sorted(p.relative_to(package) for p in package.rglob("*")) == listing


def test_finetune_package_out_from_a_crafted_package_writes_nothing_outside(tmp_path, capsys):
    """Issue 23, item 2: a model.json 'files' entry that climbs out of the package would be
    copied to --package-out/../../victim.txt; the package is refused before any training."""
    import json

    from gair_qgis.runtime.package import sha256_of

    victim = tmp_path / "victim.txt"
    victim.write_text("the user's own notes\n")
    crafted = Path(shutil.copytree(UNTRAINED_TWIN, tmp_path / "a" / "b" / "tiny"))
    meta = json.loads((crafted / MODEL_JSON).read_text())
    meta["files"]["../../../victim.txt"] = sha256_of(victim)
    (crafted / MODEL_JSON).write_text(json.dumps(meta))
    out = tmp_path / "a" / "b" / "tiny-with-head"
    args = [
        "--data",
        location_csv(tmp_path),
        "--task",
        "location",
        "--kind",
        "classification",
        "--target",
        "land_cover",
        "--head-name",
        "new_head",
        "--mode",
        "linear-probe",
        "--epochs",
        3,
        "--package",
        crafted,
        "--package-out",
        out,
    ]
    assert finetune.main([str(a) for a in args]) == 2
    error = one_line_error(capsys)
    assert "'../../../victim.txt'" in error and str(crafted / MODEL_JSON) in error
    assert victim.read_text() == "the user's own notes\n"
    assert not out.exists()
