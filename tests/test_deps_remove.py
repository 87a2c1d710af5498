"""`python -m gair_qgis.deps remove` deletes only what installs recorded making (the manifest
gair_deps-made.json), never a folder or file it did not make; a hostile manifest is refused;
no URL with credentials appears in the installer's source (plugins.qgis.org's detect-secrets)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from gair_qgis import deps

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"

# detect-secrets' BasicAuthDetector (RFC 3986 reserved and sub-delimiter characters excluded)
_EXCLUDED = re.escape(":/?#[]@" + "!$&'()*+,;=")
BASIC_AUTH = re.compile(rf"://[^{_EXCLUDED}\s]+:([^{_EXCLUDED}\s]+)@")


def run_deps(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gair_qgis.deps", *args], capture_output=True, text=True, cwd=ROOT, timeout=300, env=env
    )


def users_folder(tmp_path: Path) -> Path:
    """A folder the user had before, holding things named like the installer's."""
    target = tmp_path / "mine"
    for name in ("pip/notes.txt", ".staging-photos/a.jpg", ".old-thesis/chapter1.tex", "keep.txt"):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text("the user's")
    return target


def test_remove_keeps_a_users_folder_and_what_the_installer_did_not_make(tmp_path):
    target = users_folder(tmp_path)
    legacy = deps.python_folder(target)  # an install by a version without a manifest: its marker is its record
    legacy.mkdir()
    (legacy / deps.MARKER).write_text('{"packages": {"onnxruntime": "1.32.0"}}')
    result = run_deps("remove", "--target", str(target))
    assert result.returncode == 0, result.stderr
    assert not legacy.exists()
    for name in ("pip/notes.txt", ".staging-photos/a.jpg", ".old-thesis/chapter1.tex", "keep.txt"):
        assert (target / name).read_text() == "the user's", name


def test_remove_of_an_empty_folder_the_user_made_keeps_it(tmp_path):
    target = tmp_path / "empty"
    target.mkdir()
    result = run_deps("remove", "--target", str(target))
    assert result.returncode == 0 and target.is_dir(), result.stderr


def test_a_failed_install_records_what_it_made_and_remove_deletes_exactly_that(tmp_path):
    """A real install (this Python's pip, an index that refuses connections) into a folder it creates,
    and one into the user's folder: remove takes the first away entirely, the second's files stay."""
    env = {
        **__import__("os").environ,
        "GAIR_PYTHON": str(PYTHON if PYTHON.exists() else sys.executable),
        "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
        "PIP_NO_CACHE_DIR": "1",
        "PIP_RETRIES": "0",
        "PIP_TIMEOUT": "2",
    }
    fresh = tmp_path / "profile" / "gair_deps"
    mine = users_folder(tmp_path)
    for target in (fresh, mine):
        result = run_deps("install", "--target", str(target), env=env)
        assert result.returncode == 2 and "pip failed" in result.stderr, result.stdout[-2000:] + result.stderr
        made = json.loads((target / deps.MANIFEST).read_text())
        assert made["created_root"] is (target == fresh)
        assert deps.python_folder(target).name in made["made"]
        assert any(name.startswith(".staging-") for name in made["made"])
    assert run_deps("remove", "--target", str(fresh)).returncode == 0
    assert not fresh.exists() and fresh.parent.is_dir()
    assert run_deps("remove", "--target", str(mine)).returncode == 0
    assert sorted(p.relative_to(mine).as_posix() for p in mine.rglob("*") if p.is_file()) == [
        ".old-thesis/chapter1.tex",
        ".staging-photos/a.jpg",
        "keep.txt",
        "pip/notes.txt",
    ]


def test_the_first_thing_recorded_creates_the_folder_and_records_that_it_did(tmp_path):
    """pip is fetched before an install makes anything: recording it creates the missing folder (the
    manifest's partial file needs it), and remove then takes that folder away too."""
    root = tmp_path / "profile" / "python" / "gair_deps"
    deps.record_made(root, "pip")
    assert json.loads((root / deps.MANIFEST).read_text()) == {"created_root": True, "made": ["pip"]}
    (root / "pip").mkdir()
    deps.record_made(root, deps.python_folder(root).name, created_root=False)  # an install after: still True
    assert json.loads((root / deps.MANIFEST).read_text())["created_root"] is True
    assert deps.remove(root, log=lambda _: None) is True
    assert not root.exists() and root.parent.is_dir()


def test_remove_refuses_a_manifest_that_names_anything_outside_its_folder(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    target = tmp_path / "gair_deps"
    target.mkdir()
    (target / "link").symlink_to(outside)
    for name in ("../victim.txt", str(victim), "link/x"):
        (target / deps.MANIFEST).write_text(json.dumps({"created_root": True, "made": [name]}))
        result = run_deps("remove", "--target", str(target))
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert "is not inside" in result.stderr and "Traceback" not in result.stderr
    assert victim.read_text() == "keep me" and outside.is_dir()


def test_no_url_with_credentials_in_the_installer():
    paths = [*sorted((ROOT / "gair_qgis" / "deps").glob("*.py")), ROOT / "gair_qgis" / "runtime" / "download.py"]
    assert len(paths) > 5
    for path in paths:
        found = [line for line in path.read_text().splitlines() if BASIC_AUTH.search(line)]
        assert not found, f"{path}: {found}"
    assert BASIC_AUTH.search("e.g. http://user:password@host:3128")  # the detector as used finds one
