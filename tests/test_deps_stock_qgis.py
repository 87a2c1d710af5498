"""The whole path a new user takes, on Debian's stock QGIS: the plugin zip (scripts/build_plugin.sh)
unzipped into a fresh profile as *Install from ZIP* does, nothing of the project's .venv on any
path; the algorithm says to run the installer; `python3 -m gair_qgis.deps install` with QGIS's
Python from the plugins folder; then `qgis_process run gair:svheatmap` on a real example writes
the heatmap, and a running Python picks up the install without a restart.

Needs /usr/bin/qgis_process.bin and /usr/bin/python3 (Debian's QGIS), zip, pypi.org and
../shared/data/gair-examples; skips, saying which, where one is missing. Prints the measured
download+install time and installed size."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from conftest import GAIR_EXAMPLES, requires_examples

ROOT = Path(__file__).resolve().parents[1]
QGIS_PROCESS = Path("/usr/bin/qgis_process.bin")
PYTHON = Path("/usr/bin/python3")


def pypi_problem() -> str:
    try:
        with urllib.request.urlopen("https://pypi.org/simple/onnxruntime/", timeout=15) as response:
            return "" if response.status == 200 else f"pypi.org answered {response.status}"
    except OSError as error:
        return f"pypi.org cannot be reached ({error})"


pytestmark = [
    pytest.mark.network,
    pytest.mark.qgis,
    pytest.mark.skipif(
        not (QGIS_PROCESS.exists() and PYTHON.exists()),
        reason="needs Debian's stock QGIS (/usr/bin/qgis_process.bin, /usr/bin/python3)",
    ),
    pytest.mark.skipif(shutil.which("zip") is None and shutil.which("7z") is None, reason="pb_tool needs zip or 7z"),
    requires_examples,
]


def clean_environment(home: Path, profile: Path) -> dict[str, str]:
    """What a desktop session would have: no PYTHONPATH, no virtual environment, a fresh HOME
    (so no pip cache either) and a fresh QGIS profile."""
    keep = {k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "TZ")}
    return dict(
        keep,
        PATH="/usr/local/bin:/usr/bin:/bin",
        HOME=str(home),
        QT_QPA_PLATFORM="offscreen",
        XDG_RUNTIME_DIR=str(home / "runtime"),
        QGIS_CUSTOM_CONFIG_PATH=str(profile),
    )


def install_from_zip(archive: Path, profile: Path) -> Path:
    """What Plugins > Install from ZIP does: unzip into the profile's plugins folder, enable it."""
    plugins = profile / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    shutil.unpack_archive(archive, plugins)
    ini = profile / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text("[PythonPlugins]\ngair_qgis=true\nprocessing=true\n")
    return plugins


def svheatmap(env: dict, output: Path, cwd: Path) -> subprocess.CompletedProcess:
    example = next(
        r for r in csv.DictReader((GAIR_EXAMPLES / "examples.csv").read_text().splitlines()) if r["id"] == "detroit"
    )
    return subprocess.run(
        [
            str(QGIS_PROCESS),
            "run",
            "gair:svheatmap",
            "--",
            f"INPUT={GAIR_EXAMPLES / example['rs_image']}",
            f"SV_IMAGE={GAIR_EXAMPLES / example['sv_image']}",
            f"SV_POINT={example['lon']},{example['lat']} [EPSG:4326]",
            f"OUTPUT={output}",
        ],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_stock_qgis_plugin_zip_installer_then_heatmap(tmp_path):
    problem = pypi_problem()
    if problem:
        pytest.skip(f"installing needs the package registry: {problem}")
    home, profile = tmp_path / "home", tmp_path / "qgis-profile"
    (home / "runtime").mkdir(parents=True, mode=0o700)
    env = clean_environment(home, profile)
    if (
        subprocess.run([str(PYTHON), "-c", "import onnxruntime"], env=env, cwd=tmp_path, capture_output=True).returncode
        == 0
    ):
        pytest.skip("this machine's /usr/bin/python3 has onnxruntime already: not a stock QGIS")

    build = subprocess.run(
        [str(ROOT / "scripts" / "build_plugin.sh")],
        env=dict(os.environ, GAIR_BUILD_DIR=str(tmp_path / "build")),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    plugins = install_from_zip(tmp_path / "build" / "gair_qgis.zip", profile)

    before = svheatmap(env, tmp_path / "before.tif", tmp_path)
    assert before.returncode != 0 and not (tmp_path / "before.tif").exists()
    assert "python3 -m gair_qgis.deps install" in before.stdout + before.stderr  # it names the installer

    started = time.monotonic()
    install = subprocess.run(
        [str(PYTHON), "-m", "gair_qgis.deps", "install"],
        env=env,
        cwd=plugins,
        capture_output=True,
        text=True,
        timeout=900,
    )
    seconds = time.monotonic() - started
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    deps_folder = profile / "profiles" / "default" / "python" / "gair_deps"
    folder = next(deps_folder.glob("python3.*"))
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert not list(folder.glob("numpy*")), "the installer must never install numpy"
    print(
        f"\ndownload+install (fresh HOME, no pip cache): {seconds:.1f} s; installed size {size / 1e6:.1f} MB "
        f"in {folder}"
    )

    status = subprocess.run(
        [str(PYTHON), "-m", "gair_qgis.deps", "status"],
        env=env,
        cwd=plugins,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert status.returncode == 0 and "works: onnxruntime" in status.stdout, status.stdout + status.stderr

    output = tmp_path / "heatmap.tif"
    after = svheatmap(env, output, tmp_path)
    assert after.returncode == 0, after.stdout[-3000:] + after.stderr[-3000:]
    from osgeo import gdal

    heatmap = gdal.Open(str(output)).ReadAsArray()
    assert heatmap.ndim == 2 and min(heatmap.shape) >= 32 and np.isfinite(heatmap).all() and heatmap.std() > 0

    # A running QGIS (here: a Python that started without it) uses the install without restarting.
    no_restart = subprocess.run(
        [
            str(PYTHON),
            "-c",
            (
                "import sys; from pathlib import Path; from gair_qgis import deps\n"
                "assert deps.onnxruntime_problem(), 'onnxruntime importable before activation'\n"
                "ok, message = deps.load_after_install(Path(sys.argv[1])); print(message); assert ok\n"
                "import onnxruntime; assert onnxruntime.__file__.startswith(sys.argv[1])\n"
            ),
            str(deps_folder),
        ],
        env=env,
        cwd=plugins,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert no_restart.returncode == 0 and "no restart needed" in no_restart.stdout, no_restart.stderr

    removed = subprocess.run(
        [str(PYTHON), "-m", "gair_qgis.deps", "remove"],
        env=env,
        cwd=plugins,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert removed.returncode == 0 and not deps_folder.exists(), removed.stderr
