"""scripts/plugin_check.py (`make plugin-check`): plugins.qgis.org's upload checks find what the site
would refuse or warn about in a small plugin zip, pass a clean one, and acknowledge a model.json
digest only where it is the sha256 of the file it names. The real tools run (bandit,
detect-secrets, flake8); the site's own code only where a checkout of it is at hand."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "build" / "QGIS-Plugins-Website"  # `make plugin-check` clones it there when GitHub answers

METADATA = """[general]
name=Probe
qgisMinimumVersion=3.22
description=A probe.
about=A probe plugin for the checks.
version=0.1
author=Someone
email=someone@example.org
tracker=https://example.org/probe/issues
repository=https://example.org/probe
homepage=https://example.org/probe
"""
WEIGHTS = b"\x00\x01 weights of a model package \x02"


def write_zip(path: Path, files: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w") as zipped:
        for name, data in files.items():
            zipped.writestr(name, data)
    return path


def clean_files() -> dict[str, bytes | str]:
    return {
        "probe/__init__.py": '"""A probe."""\n\n\ndef classFactory(iface):\n    return None\n',
        "probe/metadata.txt": METADATA,
        "probe/LICENSE": "GPL-2.0-or-later\n",
    }


def run_check(archive: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "plugin_check.py"), str(archive), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ),
    )


def test_a_clean_plugin_zip_passes(tmp_path):
    result = run_check(write_zip(tmp_path / "probe.zip", clean_files()))
    assert result.returncode == 0, result.stderr
    assert "0 blocking finding(s), 0 warning(s)" in result.stderr


def test_what_the_site_refuses_or_warns_about_is_found(tmp_path):
    files = clean_files()
    del files["probe/LICENSE"]
    files["probe/metadata.txt"] = METADATA.replace("email=someone@example.org\n", "").replace("homepage=", "x=")
    files["probe/secrets.py"] = 'password = "hunter2-but-longer"\nl = 1\n'
    result = run_check(write_zip(tmp_path / "probe.zip", files))
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert any(line.startswith("BLOCKING validator layout") and "LICENSE" in line for line in lines), result.stderr
    assert any(line.startswith("BLOCKING validator metadata") and "email" in line for line in lines), result.stderr
    assert any(line.startswith("BLOCKING validator url") and "homepage" in line for line in lines), result.stderr
    assert any(line.startswith("BLOCKING bandit B105") for line in lines), result.stderr  # a hardcoded password
    assert any(line.startswith("warning  flake8 E741") for line in lines), result.stderr


def test_a_model_json_digest_is_acknowledged_only_when_it_is_the_files_sha256(tmp_path):
    right = hashlib.sha256(WEIGHTS).hexdigest()
    wrong = hashlib.sha256(b"something else").hexdigest()
    for digest, passes in ((right, True), (wrong, False)):
        files = clean_files()
        files["probe/model/weights.bin"] = WEIGHTS
        files["probe/model/model.json"] = json.dumps({"files": {"weights.bin": digest}}, indent=2)
        result = run_check(write_zip(tmp_path / f"probe-{passes}.zip", files))
        assert (result.returncode == 0) == passes, result.stderr
        assert ("acknowledged detect-secrets HexHighEntropyString" in result.stderr) == passes, result.stderr


def test_release_refuses_placeholder_contact(tmp_path):
    result = run_check(write_zip(tmp_path / "probe.zip", clean_files()), "--release")
    assert result.returncode == 1
    assert "email=someone@example.org is a placeholder" in result.stderr


@pytest.mark.skipif(
    not (SITE / "qgis-app" / "plugins" / "validator.py").is_file(),
    reason="no checkout of qgis/QGIS-Plugins-Website in build/ (make plugin-check makes one)",
)
def test_the_sites_own_code_agrees(tmp_path):
    files = clean_files()
    del files["probe/LICENSE"]
    result = run_check(write_zip(tmp_path / "probe.zip", files), "--site", str(SITE))
    assert result.returncode == 1, result.stderr
    assert "BLOCKING site validator.py ValidationError" in result.stderr and "LICENSE" in result.stderr
    clean = run_check(write_zip(tmp_path / "clean.zip", clean_files()), "--site", str(SITE))
    assert clean.returncode == 0, clean.stderr
