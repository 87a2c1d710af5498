"""Replacing a model package replaces only a package of ours: a folder of the user's, a
model.json that is not ours or a package holding other files is left untouched, and a write
that fails keeps the old package whole (import_checkpoint, write_package, the GUI import)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_support import assert_one_line_refusal, run_cli
from conftest import UNTRAINED_TWIN


def package_files(marker: bytes) -> dict[str, Path | bytes]:
    """The tiny untrained package's files, its nili.npz replaced by `marker` (write_package's input)."""
    meta = json.loads((UNTRAINED_TWIN / "model.json").read_text())
    return {**{name: UNTRAINED_TWIN / name for name in meta["files"]}, "nili.npz": marker}


def small_package(folder: Path, marker: bytes = b"one") -> Path:
    """A package that passes validate_meta (so it is one of ours), its nili.npz holding `marker`."""
    from gair_qgis.runtime.package import write_package

    meta = json.loads((UNTRAINED_TWIN / "model.json").read_text())
    return write_package(folder, meta, package_files(marker), overwrite=True)


def test_import_overwrite_refuses_a_folder_that_is_not_a_package(tmp_path):
    """`import_checkpoint CKPT --out D --overwrite` once deleted D whole (the user's thesis in it)."""
    user = tmp_path / "D"
    (user / "thesis").mkdir(parents=True)
    (user / "thesis" / "c.txt").write_text("x")
    checkpoint = tmp_path / "checkpoint.pth"
    checkpoint.write_bytes(b"not read: the refusal comes first")
    result = run_cli("gair_qgis.runtime.import_checkpoint", checkpoint, "--out", user, "--overwrite")
    assert_one_line_refusal(result, str(user), "not a GAIR model package")
    assert (user / "thesis" / "c.txt").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["D", "checkpoint.pth"]  # nothing half-written


def test_write_package_replaces_only_our_packages_and_keeps_the_old_one_on_failure(tmp_path):
    from gair_qgis.runtime.errors import PackageError
    from gair_qgis.runtime.package import write_package

    package = small_package(tmp_path / "pkg")
    meta = json.loads((package / "model.json").read_text())
    # a package folder that also holds the user's file is not replaced
    (package / "notes.txt").write_text("mine")
    with pytest.raises(PackageError, match=r"is a GAIR model package but also holds other files \(notes.txt\)"):
        write_package(package, meta, package_files(b"two"), overwrite=True)
    assert (package / "notes.txt").read_text() == "mine" and (package / "nili.npz").read_bytes() == b"one"
    (package / "notes.txt").unlink()
    # a write that fails before the swap leaves the old package whole
    with pytest.raises(FileNotFoundError):
        write_package(package, meta, {**package_files(b"two"), "nili.npz": tmp_path / "missing-source"}, overwrite=True)
    assert (package / "nili.npz").read_bytes() == b"one"
    # a good write replaces it
    write_package(package, meta, package_files(b"two"), overwrite=True)
    assert (package / "nili.npz").read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]  # no staging or set-aside folder left
    # a plain folder is refused, naming it
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "model.json").write_text('{"something": "else"}')
    with pytest.raises(PackageError, match="plain.*not a GAIR model package"):
        write_package(plain, meta, {"nili.npz": b"x"}, overwrite=True)
    assert (plain / "model.json").read_text() == '{"something": "else"}'


def test_the_gui_import_with_replace_refuses_a_folder_that_is_not_a_package(tmp_path, qgis_app):
    """The model manager's "Replace if it exists" runs ImportCheckpointTask(overwrite=True)."""
    from gair_qgis.gui.tasks import ImportCheckpointTask

    user = tmp_path / "D"
    (user / "thesis").mkdir(parents=True)
    (user / "thesis" / "c.txt").write_text("x")
    checkpoint = tmp_path / "checkpoint.pth"
    checkpoint.write_bytes(b"not read: the refusal comes first")
    task = ImportCheckpointTask(checkpoint, user, overwrite=True)
    assert task.run() is False
    assert str(user) in task.message and "not a GAIR model package" in task.message
    assert (user / "thesis" / "c.txt").read_text() == "x"
