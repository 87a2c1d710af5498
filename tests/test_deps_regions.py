"""The installer's region extras (`python -m gair_qgis.deps install --regions`): dask[distributed],
zarr 2 and numcodecs pinned per Python version, never numpy, checked in a separate process, removed
with the rest; and the field algorithms' error names the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_deps import fake_distribution, needs_pypi

from gair_qgis import deps
from gair_qgis.deps.pins import REGION_MODULES, REGION_PINS, region_requirements_for

ROOT = Path(__file__).resolve().parents[1]
COMMAND = "python3 -m gair_qgis.deps install --regions"


def pinned(version_info: tuple[int, ...]) -> dict[str, str]:
    return {r.name: r.version for r in region_requirements_for(version_info)}


@pytest.mark.parametrize("python", [(3, 11, 2), (3, 12, 3), (3, 13, 0)])
def test_python_311_and_newer_get_dask_2026_8_and_zarr_2_18(python):
    pins = pinned(python)
    assert (pins["dask"], pins["distributed"], pins["zarr"], pins["numcodecs"]) == (
        "2026.8.0",
        "2026.8.0",
        "2.18.7",
        "0.15.2",
    )


@pytest.mark.parametrize("python", [(3, 9, 18), (3, 10, 12)])
def test_python_39_and_310_get_numcodecs_0121_and_a_zarr_217_with_a_matching_dask(python):
    pins = pinned(python)
    assert pins["numcodecs"] == "0.12.1"
    assert deps.version_tuple(pins["zarr"])[:2] in ((2, 16), (2, 17))
    assert pins["dask"] == pins["distributed"] == "2024.8.0"  # the last dask and distributed for Python 3.9


def test_no_region_set_holds_numpy_or_a_name_twice_and_the_four_are_always_ours():
    for _, requirements in REGION_PINS:
        names = [r.name for r in requirements]
        assert "numpy" not in names and len(names) == len(set(names))
        assert all(r.version and deps.version_tuple(r.version) for r in requirements)
        assert {r.name: r.good_enough for r in requirements if r.name in REGION_MODULES} == dict.fromkeys(
            REGION_MODULES, ""
        )
    with pytest.raises(deps.DepsError, match="Python 3.8 is too old for the region extras"):
        region_requirements_for((3, 8, 10))


def test_the_plan_with_regions_replaces_a_zarr_3_and_uses_qgis_good_enough_packages(tmp_path):
    site = tmp_path / "site"
    fake_distribution(site, "numpy", "1.24.2")
    fake_distribution(site, "zarr", "3.0.8")  # zarr 3: the fields are format 2, ours replaces it
    fake_distribution(site, "PyYAML", "6.0")  # good enough for distributed: QGIS's is used
    fake_distribution(site, "tornado", "6.1")  # older than distributed needs
    python = (3, 11, 2)
    plan = deps.make_plan(tmp_path / "gair_deps", [str(site)], python, regions=True)
    names = [r.name for r in plan.install]
    assert plan.regions and {"dask", "distributed", "zarr", "numcodecs", "tornado"} <= set(names)
    assert "numpy" not in names and "pyyaml" not in names and plan.present["pyyaml"] == "6.0"
    assert names.count("packaging") == 1  # in the onnxruntime set and the region set: installed once
    without = deps.make_plan(tmp_path / "gair_deps", [str(site)], python)
    assert not without.regions and not {"dask", "zarr"} & {r.name for r in without.install}


def test_the_command_lines_plan_with_regions_lists_them_and_keeps_numpy(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gair_qgis.deps", "plan", "--regions", "--target", str(tmp_path / "gair_deps")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "(kept as it is)" in result.stdout and "install numpy" not in result.stdout
    for name in REGION_MODULES:
        assert f"install {name}=={pinned(tuple(sys.version_info[:3]))[name]}" in result.stdout


def test_the_field_runtimes_missing_package_error_names_the_installer_command():
    from gair_qgis.runtime.field import RegionUnavailable, need

    with pytest.raises(RegionUnavailable, match="no_such_region_module is not installed") as raised:
        need("no_such_region_module")
    assert COMMAND in str(raised.value)


def test_the_field_algorithms_refusal_names_the_installer_command():
    source = (ROOT / "gair_qgis" / "processing" / "field.py").read_text(encoding="utf-8")
    assert "python3 -m gair_qgis.deps install --regions" in source  # the QGIS-side test: test_field_processing


IMPORTS_FROM_TARGET = """
import json, sys
import numpy, zarr, numcodecs, dask, distributed
print(json.dumps({m.__name__: [m.__version__, m.__file__] for m in (numpy, zarr, numcodecs, dask, distributed)}))
"""


@needs_pypi
def test_install_with_regions_into_a_folder_imports_them_from_it_and_remove_deletes_it(tmp_path):
    root = tmp_path / "gair_deps"
    logged: list[str] = []
    record = deps.install(root, python=Path(sys.executable), log=logged.append, regions=True)
    folder = deps.python_folder(root)
    pins = pinned(tuple(sys.version_info[:3]))
    assert record["regions"] == {name: pins[name] for name in REGION_MODULES}
    assert deps.read_marker(folder) == record and "numpy" not in record["packages"]
    assert any(line.startswith("checked: dask ") for line in logged)
    environment = dict(os.environ, PYTHONPATH=str(folder))
    result = subprocess.run(
        [sys.executable, "-c", IMPORTS_FROM_TARGET],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    for name in REGION_MODULES:
        assert found[name][0] == pins[name] and Path(found[name][1]).is_relative_to(folder), found[name]
    assert not Path(found["numpy"][1]).is_relative_to(folder)  # the Python's own numpy stays
    print(f"region install: {record['bytes'] / 1e6:.0f} MB in all, pip took {record['seconds']} s")
    assert deps.python_tag() in deps.read_manifest(root)["made"]
    assert deps.remove(root, log=logged.append) is True and not folder.exists()


PRINTS_ARGUMENTS = """
import sys
print('arguments:', ' '.join(sys.argv[3:]), flush=True)
"""


def test_the_dialogs_region_box_adds_them_to_the_plan_and_the_command_and_stays_ticked_for_a_repair(qgis_app, tmp_path):
    from gair_qgis.gui.dependencies import DependenciesDialog

    from gui_support import wait_until

    def command(root: Path, cancel_file: Path) -> tuple[str, list[str]]:
        return sys.executable, ["-c", PRINTS_ARGUMENTS, str(root), str(cancel_file)]

    root = tmp_path / "gair_deps"
    dialog = DependenciesDialog(root, command=command)
    assert not dialog.regions_box.isChecked() and "install dask==" not in dialog.plan_label.text()
    dialog.regions_box.setChecked(True)
    assert f"install dask=={pinned(tuple(sys.version_info[:3]))['dask']}" in dialog.plan_label.text()
    results: list[bool] = []
    dialog.installed.connect(lambda ok, _message: results.append(ok))
    assert dialog.start() and not dialog.regions_box.isEnabled()
    wait_until(lambda: bool(results), 60, "the fake installer")
    assert "arguments: --regions" in dialog.log.toPlainText() and dialog.regions_box.isEnabled()
    folder = deps.python_folder(root)
    folder.mkdir(parents=True)
    (folder / deps.MARKER).write_text(json.dumps({"packages": {}, "regions": {"dask": "2026.8.0"}}))
    assert DependenciesDialog(root, command=command).regions_box.isChecked()  # a repair keeps them
    (folder / deps.MARKER).write_text(json.dumps({"packages": {}, "regions": None}))
    assert not DependenciesDialog(root, command=command).regions_box.isChecked()
