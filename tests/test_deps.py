"""gair_qgis.deps, the dependency installer's core: the plan (never numpy, only what QGIS's Python
lacks), folders it owns and refuses to touch otherwise, the check in a separate process, cancel,
pip from a wheel where QGIS's Python has no pip, and the command line's one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from gair_qgis import deps

ROOT = Path(__file__).resolve().parents[1]


def pypi_reachable() -> bool:
    try:
        with urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=15) as response:
            return response.status == 200
    except OSError:
        return False


requires_pypi = pytest.mark.skipif(not pypi_reachable(), reason="pypi.org cannot be reached: installing needs it")


def needs_pypi(test):
    """Marks a test `network` (make test-fast leaves it out) and skips it where pypi.org is unreachable."""
    return pytest.mark.network(requires_pypi(test))


def fake_distribution(site: Path, name: str, version: str) -> None:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def write_marker(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / deps.MARKER).write_text('{"packages": {"onnxruntime": "1.32.0"}}')


def hide_modules(folder: Path, *names: str) -> Path:
    """A folder whose packages `names` fail to import: on PYTHONPATH it makes a Python lack them."""
    for name in names:
        (folder / name).mkdir(parents=True)
        (folder / name / "__init__.py").write_text(f"raise ImportError('{name} hidden by the test')\n")
    return folder


def test_every_pinned_set_has_onnxruntime_and_never_numpy():
    for _, requirements in deps.PINS:
        names = [r.name for r in requirements]
        assert names[0] == "onnxruntime" and "numpy" not in names
        assert all(r.version and deps.version_tuple(r.version) for r in requirements)
    assert deps.requirements_for((3, 12, 1))[0].version == "1.32.0"
    assert deps.requirements_for((3, 10, 4))[0].version == "1.23.2"
    with pytest.raises(deps.DepsError, match="Python 3.8 is too old"):
        deps.requirements_for((3, 8, 10))


def test_the_plan_installs_only_what_qgis_python_lacks_or_has_too_old(tmp_path):
    site = tmp_path / "site"
    fake_distribution(site, "numpy", "1.24.2")
    fake_distribution(site, "packaging", "23.0")
    fake_distribution(site, "protobuf", "3.20.3")  # older than onnxruntime 1.32 accepts
    fake_distribution(site, "Pillow", "9.4.0")
    fake_distribution(site, "onnxruntime", "1.10.0")  # present but possibly broken: always ours
    plan = deps.make_plan(tmp_path / "gair_deps", paths=[str(site)], version_info=(3, 11, 2))
    assert [r.spec for r in plan.install] == ["onnxruntime==1.32.0", "flatbuffers==25.12.19", "protobuf==7.36.2"]
    assert plan.present == {"packaging": "23.0", "pillow": "9.4.0"} and plan.numpy == "1.24.2"
    assert "its numpy 1.24.2 (kept as it is)" in plan.describe()[0]


def test_the_plan_ignores_the_plugins_own_folder_and_refuses_an_old_or_missing_numpy(tmp_path):
    root = tmp_path / "gair_deps"
    fake_distribution(deps.python_folder(root), "flatbuffers", "25.12.19")
    site = tmp_path / "site"
    fake_distribution(site, "numpy", "1.24.2")
    plan = deps.make_plan(root, paths=[str(site), str(deps.python_folder(root))], version_info=(3, 11, 2))
    assert "flatbuffers" in [r.name for r in plan.install]  # what we installed does not count as QGIS's
    with pytest.raises(deps.DepsError, match="no numpy"):
        deps.make_plan(root, paths=[str(tmp_path / "empty")], version_info=(3, 11, 2))
    old = tmp_path / "old"
    fake_distribution(old, "numpy", "1.19.5")
    with pytest.raises(deps.DepsError, match="numpy 1.19.5 is older than 1.21.6"):
        deps.make_plan(root, paths=[str(old)], version_info=(3, 11, 2))


def test_the_default_folder_is_in_the_profile_of_the_plugins_folder(tmp_path):
    plugin = tmp_path / "profiles" / "default" / "python" / "plugins" / "gair_qgis"
    assert deps.default_root(plugin) == tmp_path / "profiles" / "default" / "python" / "gair_deps"
    assert deps.root_in_profile(tmp_path / "profiles" / "default") == deps.default_root(plugin)
    with pytest.raises(deps.DepsError, match="--target"):
        deps.default_root(tmp_path / "checkout" / "gair_qgis")
    assert deps.default_root.__defaults__ == (ROOT / "gair_qgis",)  # the plugin folder, above the deps package


def test_remove_deletes_only_what_the_installer_made(tmp_path):
    root = tmp_path / "gair_deps"
    foreign = deps.python_folder(root) / "someone_elses.txt"
    foreign.parent.mkdir(parents=True)
    foreign.write_text("keep me")
    with pytest.raises(deps.DepsError, match="not made by this installer"):
        deps.remove(root, log=lambda _: None)
    with pytest.raises(deps.DepsError, match="not made by this installer"):
        deps.install(root, log=lambda _: None)
    assert foreign.read_text() == "keep me"

    foreign.unlink()
    write_marker(deps.python_folder(root))
    (root / "pip").mkdir()  # not recorded as made by an install: kept, and so is root
    assert deps.remove(root, log=lambda _: None) is True
    assert not deps.python_folder(root).exists() and (root / "pip").is_dir()
    deps.record_made(root, "pip")
    assert deps.remove(root, log=lambda _: None) is True and not (root / "pip").exists() and root.is_dir()
    assert deps.remove(root, log=lambda _: None) is False


def test_the_command_line_refuses_a_foreign_folder_in_one_line_with_exit_code_2(tmp_path):
    folder = deps.python_folder(tmp_path)
    folder.mkdir(parents=True)
    (folder / "data.bin").write_bytes(b"x")
    for command in ("remove", "install"):
        result = subprocess.run(
            [sys.executable, "-m", "gair_qgis.deps", command, "--target", str(tmp_path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert f"gair_qgis.deps {command}: {folder} exists and was not made by this installer" in result.stderr
    assert (folder / "data.bin").exists()


def test_activate_puts_only_a_checked_folder_first_on_sys_path(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    root = tmp_path / "gair_deps"
    deps.python_folder(root).mkdir(parents=True)
    assert deps.activate(root) is False and str(deps.python_folder(root)) not in sys.path
    (deps.python_folder(root) / deps.MARKER).write_text("{}")
    assert deps.activate(root) is True and sys.path[0] == str(deps.python_folder(root))
    assert deps.activate(root) is True and sys.path.count(str(deps.python_folder(root))) == 1


def test_the_check_in_a_separate_process_rejects_a_broken_onnxruntime(tmp_path):
    folder = tmp_path / "python3.11"
    hide_modules(folder, "onnxruntime")
    with pytest.raises(deps.DepsError, match="does not work in QGIS's Python: ImportError: onnxruntime hidden"):
        deps.verify(Path(sys.executable), folder)
    assert str(folder) not in sys.path


def test_the_check_refuses_an_onnxruntime_that_is_not_the_installed_one(tmp_path):
    pytest.importorskip("onnxruntime")  # the test Python's own onnxruntime, found outside the folder
    with pytest.raises(deps.DepsError, match="onnxruntime was imported from .*, not from"):
        deps.verify(Path(sys.executable), tmp_path)


def test_cancel_stops_the_running_program(tmp_path):
    lines: list[str] = []
    script = "import time\nprint('started', flush=True)\ntime.sleep(120)\n"
    started = time.monotonic()
    with pytest.raises(deps.Cancelled):
        deps.run_streaming([sys.executable, "-c", script], lines.append, lambda: "started" in lines)
    assert time.monotonic() - started < 60  # not the two minutes of the program
    assert lines[-1] == "started"


def test_logged_commands_hide_the_proxy_password():
    assert deps.hide_password("--proxy http://me:s3cret@proxy:3128 x") == "--proxy http://me:***@proxy:3128 x"


def test_the_qgis_python_is_found_and_reports_this_pythons_version():
    python = deps.find_qgis_python()
    result = subprocess.run(
        [str(python), "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == str(sys.version_info[:2])


def test_without_pip_the_installer_runs_pip_from_ensurepips_wheel(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(hide_modules(tmp_path / "hide", "pip")))
    python = Path(sys.executable)
    probe = subprocess.run([str(python), "-c", deps.PIP_PROBE], capture_output=True, text=True, timeout=60)
    if '"wheels": []' in probe.stdout:
        pytest.skip("this Python has no ensurepip wheel (Debian: python3-pip-whl)")
    logged: list[str] = []
    command = deps.pip_command(python, tmp_path / "gair_deps", logged.append)
    assert command[1].endswith(".whl" + os.sep + "pip") and "has no pip" in logged[-1]
    version = subprocess.run(command + ["--version"], capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("pip "), version.stderr


@needs_pypi
def test_without_pip_nor_ensurepip_the_installer_installs_with_a_downloaded_pip(tmp_path, monkeypatch):
    """The whole install with pip bootstrapped from PyPI (hash-checked), into a fresh folder."""
    monkeypatch.setenv("PYTHONPATH", str(hide_modules(tmp_path / "hide", "pip", "ensurepip")))
    root = tmp_path / "gair_deps"
    logged: list[str] = []
    python = Path(sys.executable)
    command = deps.pip_command(python, root, logged.append)
    wheel = root / "pip" / deps.PIP_WHEEL_URL.rsplit("/", 1)[1]
    assert command == [str(python), str(wheel / "pip")] and wheel.is_file()
    version = subprocess.run(command + ["--version"], capture_output=True, text=True, timeout=120)
    assert version.stdout.startswith("pip 26.0.1 "), version.stderr
    record = deps.install(root, python=python, log=logged.append)
    assert record["pip"] == command and record["packages"]["onnxruntime"] == deps.requirements_for()[0].version
    assert deps.read_marker(deps.python_folder(root)) == record
    assert sorted(p.name for p in root.iterdir()) == [deps.MANIFEST, "pip", deps.python_tag()]  # no staging left
    assert deps.read_manifest(root)["created_root"] is True  # pip's download made the folder
    assert deps.remove(root, log=logged.append) is True and not root.exists()


LOAD_AFTER_INSTALL = """
import sys
from pathlib import Path
from gair_qgis import deps
if sys.argv[2] == 'loaded':
    import onnxruntime
ok, message = deps.load_after_install(Path(sys.argv[1]))
import onnxruntime
print(ok, onnxruntime.__version__, message)
"""


@pytest.mark.parametrize("before", ["not loaded", "loaded"])
def test_after_installing_a_running_python_uses_it_or_says_to_restart(tmp_path, before):
    pytest.importorskip("onnxruntime")  # the "loaded" case needs one that imports first
    root = tmp_path / "gair_deps"
    fake = deps.python_folder(root) / "onnxruntime"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("__version__ = '0.0.test'\n")
    (deps.python_folder(root) / deps.MARKER).write_text("{}")
    result = subprocess.run(
        [sys.executable, "-c", LOAD_AFTER_INSTALL, str(root), before],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    if before == "not loaded":
        assert result.stdout.startswith("True 0.0.test onnxruntime 0.0.test installed into")
        assert "no restart needed" in result.stdout
    else:
        assert result.stdout.startswith("False ") and "0.0.test" not in result.stdout
        assert "restart QGIS to use it (onnxruntime is already loaded in this session)" in result.stdout
