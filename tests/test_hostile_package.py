"""Crafted model packages: nothing a model.json names may lie outside the package or escape
its hashes, and a malformed model.json is a one-line PackageError (issue 23, item 2).

Each test copies the tiny untrained package of tests/fixtures and edits its model.json (or a
file) the way a hostile sender would, keeping every hash right so that only the rule under
test can refuse it.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from gair_qgis.runtime import quantize
from gair_qgis.runtime.errors import PackageError
from gair_qgis.runtime.package import MODEL_JSON, ModelPackage, add_heads, sha256_of, write_package

from conftest import UNTRAINED_TWIN


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the tiny package at tmp/base/pkgs/tiny (two levels below tmp/base)."""
    return Path(shutil.copytree(UNTRAINED_TWIN, tmp_path / "base" / "pkgs" / "tiny"))


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A user's file next to the packages: nothing may read, hash or overwrite it."""
    path = tmp_path / "base" / "victim.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("the user's own notes\n")
    return path


def edit_meta(package: Path, change: Callable[[dict[str, Any]], Any]) -> None:
    """Apply `change` to the package's model.json in place (its return value is ignored)."""
    meta = json.loads((package / MODEL_JSON).read_text())
    change(meta)
    (package / MODEL_JSON).write_text(json.dumps(meta))


def refused(package: Path, *needles: str) -> str:
    with pytest.raises(PackageError) as error:
        ModelPackage.load(package)
    message = str(error.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message
    return message


def test_the_untouched_copy_loads(package):
    assert ModelPackage.load(package).name == "gair-tiny-untrained"


def test_a_file_name_climbing_out_of_the_package_is_refused(package, victim):
    edit_meta(package, lambda m: m["files"].update({"../../victim.txt": sha256_of(victim)}))
    refused(package, "'../../victim.txt'", "files")


def test_an_absolute_file_name_is_refused(package, victim):
    edit_meta(package, lambda m: m["files"].update({str(victim): sha256_of(victim)}))
    refused(package, repr(str(victim)))


@pytest.mark.parametrize("name", ["./nili.npz", "heads//land_cover.npz", "heads\\land_cover.npz", "C:nili.npz", ""])
def test_a_file_name_that_is_not_normalised_is_refused(package, name):
    edit_meta(package, lambda m: m["files"].update({name: m["files"]["nili.npz"]}))
    refused(package, repr(name))


def test_a_symbolic_link_out_of_the_package_is_refused(package, tmp_path):
    outside = tmp_path / "elsewhere.npz"
    shutil.copyfile(package / "nili.npz", outside)
    (package / "nili.npz").unlink()
    os.symlink(outside, package / "nili.npz")  # same bytes, same hash: only where it points is wrong
    refused(package, "'nili.npz'", "resolves outside")


@pytest.mark.parametrize(
    ("entry", "change"),
    [
        ("graphs.rs_encoder.file", lambda m: m["graphs"]["rs_encoder"].update(file="../elsewhere.onnx")),
        ("graphs.sv_encoder.weights", lambda m: m["graphs"]["sv_encoder"].update(weights="/tmp/sv.weights")),
        ("graphs.location_encoder.layout", lambda m: m["graphs"]["location_encoder"].update(layout="unlisted.json")),
        ("heads[0].file", lambda m: m["heads"][0].update(file="../../victim.txt")),
        ("heads[1].file", lambda m: m["heads"][1].update(file="heads/unlisted.npz")),
        ("arrays.nili.file", lambda m: m["arrays"]["nili"].update(file="nili-unlisted.npz")),
    ],
)
def test_every_file_a_package_uses_must_be_listed(package, entry, change):
    edit_meta(package, change)
    refused(package, entry, "not listed in 'files'")


def test_a_model_json_that_is_not_an_object_is_a_clear_package_error(package):
    (package / MODEL_JSON).write_text("[]")
    refused(package, "not a JSON object", str(package / MODEL_JSON))


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("'graphs' is missing", lambda m: m.pop("graphs")),
        ("'graphs' lacks sv_encoder", lambda m: m["graphs"].pop("sv_encoder")),
        ("'heads' is not a list", lambda m: m.update(heads={"name": "x"})),
        ("heads[0] lacks or mistypes a field", lambda m: m["heads"][0].pop("task")),
        ("heads[0] needs a name", lambda m: m["heads"][0].update(input="nowhere")),
        ("has no sha256", lambda m: m["files"].update({"nili.npz": 42})),
        ("'embedding_size' is not a positive whole number", lambda m: m.update(embedding_size="128")),
        ("'inputs' lacks or mistypes a field", lambda m: m["inputs"]["rs"].pop("input_size")),
        ("'inputs' needs 'rs' and 'sv' objects", lambda m: m.pop("inputs")),
        ("every std in 'inputs' must be positive", lambda m: m["inputs"]["sv"].update(std=[0, 1, 1])),
        ("'arrays.nili' is missing", lambda m: m.update(arrays=[])),
        ("no 'files' list", lambda m: m.update(files=[])),
    ],
)
def test_a_malformed_model_json_is_a_clear_package_error(package, what, change):
    edit_meta(package, change)
    refused(package, what, str(package / MODEL_JSON))


def test_writing_a_package_never_writes_outside_its_folder(tmp_path, victim):
    before = victim.read_text()
    with pytest.raises(PackageError, match="'../victim.txt'"):
        write_package(victim.parent / "new", {"name": "x"}, {"../victim.txt": b"overwritten"})
    assert victim.read_text() == before
    assert not (victim.parent / "new").exists()


def test_a_head_name_cannot_climb_out_of_the_package(package, victim):
    before = victim.read_text()
    layers = [(np.zeros((1, 128), np.float32), np.zeros(1, np.float32))]
    with pytest.raises(PackageError, match="cannot name a head"):
        add_heads(
            package,
            [({"name": "../../../victim", "task": "regression", "input": "location", "targets": ["t"]}, layers)],
        )
    assert victim.read_text() == before
    assert ModelPackage.load(package).name == "gair-tiny-untrained"


def test_making_an_int8_copy_of_a_crafted_package_touches_nothing(package, victim, capsys):
    """The models dock's "Make an int8 copy" (quantize): a files entry that climbs two levels
    would be copied to out/../../victim.txt."""
    before = victim.read_text()
    edit_meta(package, lambda m: m["files"].update({"../../victim.txt": sha256_of(victim)}))
    out = package.parent / "tiny-int8"
    assert quantize.main([str(package), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "'../../victim.txt'" in err[0]
    assert victim.read_text() == before
    assert not out.exists()


def test_a_crafted_package_is_not_replaced_as_if_it_were_ours(package, victim):
    """--overwrite replaces only a package whose model.json passes the same check as a load:
    one that names files outside itself is left untouched."""
    from gair_qgis.runtime.package import check_replaceable

    check_replaceable(package, overwrite=True)  # the untouched copy may be replaced
    edit_meta(package, lambda m: m["files"].update({"../../victim.txt": sha256_of(victim)}))
    with pytest.raises(PackageError, match="left untouched"):
        check_replaceable(package, overwrite=True)


def test_a_model_json_linked_from_outside_is_refused(package, tmp_path):
    outside = tmp_path / "elsewhere.json"
    shutil.copyfile(package / MODEL_JSON, outside)
    (package / MODEL_JSON).unlink()
    os.symlink(outside, package / MODEL_JSON)
    refused(package, str(package / MODEL_JSON), "resolves outside")


def test_a_model_card_linked_to_a_users_file_is_never_copied(package, victim, capsys):
    """The model card (README.md) is not hashed, but add_heads and the int8 copy carry it into
    the new package: a card that links to a file outside would copy that file into it."""
    (package / "README.md").unlink(missing_ok=True)
    os.symlink(victim, package / "README.md")
    refused(package, str(package / "README.md"), "resolves outside")
    out = package.parent / "with-head"
    layers = [(np.zeros((1, 128), np.float32), np.zeros(1, np.float32))]
    with pytest.raises(PackageError, match="resolves outside"):
        add_heads(
            package, [({"name": "new", "task": "regression", "input": "location", "targets": ["t"]}, layers)], out
        )
    assert quantize.main([str(package), "--out", str(package.parent / "tiny-int8")]) == 2
    assert "README.md" in capsys.readouterr().err
    assert not out.exists() and not (package.parent / "tiny-int8").exists()
    assert victim.read_text() == "the user's own notes\n"
