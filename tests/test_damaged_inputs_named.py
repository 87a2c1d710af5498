"""Damaged or malformed inputs are named for what they are: a damaged or truncated checkpoint
(never "legacy"), a raster without georeference, a package without its files list, NaN
weights, a missing key under its released name too, duplicate manifest rows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli_support import assert_one_line_refusal, run_cli


@pytest.fixture
def small_torch_checkpoint(tmp_path) -> Path:
    import torch

    path = tmp_path / "checkpoint.pth"
    torch.save({"model": {"weight": torch.zeros(4096)}}, path)
    return path


def test_a_damaged_checkpoint_zip_is_named_as_damaged_not_as_legacy(small_torch_checkpoint, tmp_path):
    data = bytearray(small_torch_checkpoint.read_bytes())
    crc = tmp_path / "crc.pth"
    at = bytes(data).index(bytes(4096 * 4)) + 100
    data[at] ^= 0xFF
    crc.write_bytes(bytes(data))
    truncated = tmp_path / "truncated.pth"
    truncated.write_bytes(small_torch_checkpoint.read_bytes()[:3000])
    for checkpoint, expected in ((crc, "damaged"), (truncated, "truncated"), (tmp_path / "missing.pth", "not found")):
        result = run_cli("gair_qgis.runtime.import_checkpoint", checkpoint, "--out", tmp_path / "new")
        assert_one_line_refusal(result, str(checkpoint), expected)
        assert "legacy" not in result.stderr and not (tmp_path / "new").exists()


def test_an_ungeoreferenced_raster_is_named_as_such(tmp_path):
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    path = tmp_path / "plain.tif"
    with (
        pytest.warns(NotGeoreferencedWarning),
        rasterio.open(path, "w", driver="GTiff", width=30, height=20, count=10, dtype="uint16") as dataset,
    ):
        dataset.write(np.ones((10, 20, 30), np.uint16))
    result = run_cli("gair_qgis.runtime.embed", "--rs-image", path, "--output-dir", tmp_path / "out")
    assert_one_line_refusal(result, str(path), "no georeference")
    assert "rotated" not in result.stderr


def test_a_package_whose_model_json_lacks_its_files_list_is_refused(tmp_path):
    import shutil

    from gair_qgis.runtime.errors import PackageError
    from gair_qgis.runtime.package import ModelPackage, bundled_package_path

    copy = shutil.copytree(bundled_package_path(), tmp_path / "copy")
    meta = json.loads((copy / "model.json").read_text())
    del meta["files"]
    (copy / "model.json").write_text(json.dumps(meta))
    with pytest.raises(PackageError, match="files.*cannot be verified"):
        ModelPackage.load(copy)


def test_nan_weights_in_a_checkpoint_are_refused_naming_the_key():
    from gair_qgis.runtime.errors import CheckpointError
    from gair_qgis.runtime.released_layout import check_finite

    arrays = {"a.weight": np.ones(3, np.float32), "b.bias": np.array([1.0, np.nan], np.float32)}
    with pytest.raises(CheckpointError, match="b.bias.*1 of 2 values are NaN or infinite"):
        check_finite(arrays, "checkpoint.pth")


def test_missing_key_errors_name_the_released_key_too():
    from gair_qgis.runtime.released_layout import ImportReport

    report = ImportReport(
        missing=[
            "rs_encoder.transformer.layers.0.0.weight",
            "sv_encoder.vit.blocks.3.mlp.fc1.bias",
            "nili.imnet.layers.0.weight",
        ]
    )
    text = report.describe()
    assert "(released name: rs_encoder.s2_encoder.transformer.layers.0.0.weight)" in text
    assert "(released name: sv_encoder.encoder.layer.3.intermediate.dense.bias)" in text
    assert "(released name: imnet.layers.0.weight)" in text


def test_duplicate_manifest_rows_are_flagged(tmp_path, l2a_tile, photo):
    from gair_core.data.manifest import validate_manifest

    manifest = tmp_path / "m.csv"
    manifest.write_text(
        f"sv_path,lon,lat,rs_path\n{photo},9.1605,48.7605,{l2a_tile}\n{photo},9.1655,48.7645,{l2a_tile}\n"
        f"{photo},9.1605,48.7605,{l2a_tile}\n"
    )
    count, problems = validate_manifest(manifest)
    assert count == 3 and [(p.row, "duplicate of row 1" in p.message) for p in problems] == [(3, True)]
