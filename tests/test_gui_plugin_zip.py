"""`make plugin`: the pb_tool zip installs as a self-contained plugin folder gair_qgis/ that
finds its bundled model package and icons inside itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    shutil.which("zip") is None and shutil.which("7z") is None, reason="pb_tool needs zip or 7z"
)

CHECK = """
import sys
sys.path.insert(0, sys.argv[1])
import gair_qgis
from gair_qgis.runtime.package import ModelPackage, bundled_package_path
from gair_qgis.plugin_files import icon_path, user_guide_url
from pathlib import Path
plugin = Path(sys.argv[1]) / 'gair_qgis'
assert Path(gair_qgis.__file__).parent == plugin, gair_qgis.__file__
package = ModelPackage.load(bundled_package_path())  # verifies every file's sha256
assert package.root.parent.parent.parent == plugin and not package.untrained
assert Path(icon_path('heatmap')).parent.parent.parent == plugin
guide = Path(user_guide_url().toLocalFile())  # the dock's help opens the guide shipped in the plugin (offline)
assert guide == plugin / 'help' / 'user_guide.html', guide
assert '<h1' in guide.read_text(encoding='utf-8')
print('ok')
"""


def test_the_plugin_zip_is_an_installable_plugin_folder(tmp_path):
    env = dict(os.environ, GAIR_BUILD_DIR=str(tmp_path / "build"))
    result = subprocess.run(
        [str(ROOT / "scripts" / "build_plugin.sh")], env=env, capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    archive = tmp_path / "build" / "gair_qgis.zip"
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        assert {name.split("/")[0] for name in names} == {"gair_qgis"}
        assert "gair_qgis/metadata.txt" in names and "gair_qgis/gui/heatmap_dock.py" in names
        assert "gair_qgis/LICENSE" in names and "gair_qgis/help/user_guide.html" in names
        # every module of the checkout is packed (pb_tool.cfg's lists are filled from it)
        modules = {
            f"gair_qgis/{path.relative_to(ROOT / 'gair_qgis').as_posix()}"
            for path in (ROOT / "gair_qgis").rglob("*.py")
            if "__pycache__" not in path.parts
        }
        assert modules <= set(names), sorted(modules - set(names))
        assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
        metadata = zipped.read("gair_qgis/metadata.txt").decode()
        assert "hasProcessingProvider=yes" in metadata and "qgisMinimumVersion=3.22" in metadata
        zipped.extractall(tmp_path / "plugins")
    check = subprocess.run(
        [sys.executable, "-c", CHECK, str(tmp_path / "plugins")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert check.stdout.strip() == "ok", check.stdout + check.stderr
