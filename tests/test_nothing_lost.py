"""Issue 9: nothing of the user's lost, nothing silently wrong, one rule for every command line.

Each test reproduces a failure found by hand (bad input, faults) and checks that it now ends
in a clear refusal or a correct result."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT


def run_cli(module: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m module args` from the checkout, as a user runs it."""
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=600)


def assert_one_line_refusal(result: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit code 2, one line on stderr naming every fragment, no traceback."""
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip() and line.startswith("error")]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# --- 1. replacing a package replaces only a package -------------------------------------


def small_package(folder: Path, marker: bytes = b"one") -> Path:
    from gair_qgis.runtime.package import write_package

    meta = {"name": "p", "graphs": {}, "inputs": {}}
    return write_package(folder, meta, {"nili.npz": marker}, overwrite=True)


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
    from gair_qgis.runtime.package import PackageError, write_package

    package = small_package(tmp_path / "pkg")
    meta = json.loads((package / "model.json").read_text())
    # a package folder that also holds the user's file is not replaced
    (package / "notes.txt").write_text("mine")
    with pytest.raises(PackageError, match="notes.txt"):
        write_package(package, meta, {"nili.npz": b"two"}, overwrite=True)
    (package / "notes.txt").unlink()
    # a write that fails before the swap leaves the old package whole
    with pytest.raises(FileNotFoundError):
        write_package(package, meta, {"nili.npz": tmp_path / "missing-source"}, overwrite=True)
    assert (package / "nili.npz").read_bytes() == b"one"
    # a good write replaces it
    write_package(package, meta, {"nili.npz": b"two"}, overwrite=True)
    assert (package / "nili.npz").read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]  # no staging or set-aside folder left
    # a plain folder is refused, naming it
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "model.json").write_text('{"something": "else"}')
    with pytest.raises(PackageError, match="plain.*not a GAIR model package"):
        write_package(plain, meta, {"nili.npz": b"x"}, overwrite=True)
    assert (plain / "model.json").read_text() == '{"something": "else"}'
