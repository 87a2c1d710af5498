"""The plugin's dependency installer: onnxruntime (and whichever of its small dependencies QGIS's
Python lacks) installed with QGIS's own Python into a folder the plugin owns. Standard library only:
no QGIS, no numpy, so it runs anywhere QGIS's Python runs, also on the command line:

    cd <QGIS profile>/python/plugins          # e.g. ~/.local/share/QGIS/QGIS3/profiles/default/python/plugins
    python3 -m gair_qgis.deps status          # what QGIS's Python has, what is installed, does it import
    python3 -m gair_qgis.deps install         # install, or repair (reinstall) what is there
    python3 -m gair_qgis.deps remove
    (--target DIR: the folder; default: <profile>/python/gair_deps, next to the plugins folder)
`remove` deletes only what installs recorded making (gair_deps-made.json in that folder), and the
folder itself only when an install created it.

How it works (and why):
- The folder: `<root>/python3.X` (one per Python minor version, since onnxruntime is a binary wheel
  for one Python), where root is `<QGIS profile>/python/gair_deps`: outside the plugin folder, so
  it survives plugin upgrades; in the user's profile, so no admin rights are needed.
- pip runs as `pip install --target <staging folder> --no-deps --only-binary=:all: NAME==VERSION ...`:
  onnxruntime and only those of its dependencies QGIS's Python lacks (or has too old), at versions
  pinned per Python version (PINS). numpy is never installed: QGIS's own numpy stays, and the pins are
  wheels built to work with numpy 1.21.6 and later, 2.x included (`--no-deps` keeps pip from
  "upgrading" numpy). Nothing is compiled.
- Before the folder goes on `sys.path` the result is checked in a separate process of the same
  Python: it imports onnxruntime from the new folder with QGIS's numpy and runs a tiny ONNX graph.
  Only then does the staging folder replace the installed one (so a failed or cancelled repair
  leaves the working install as it was), and a marker file (gair_deps.json) records what is there.
- pip: QGIS's Python's own pip when it has one recent enough; otherwise (stock Debian/Ubuntu QGIS
  has no python3-pip; some bundles ship no pip) a private pip run from a wheel file
  (`python pip-X.whl/pip install ...`, a documented way of running pip): the wheel bundled with the
  Python's ensurepip when there is one, else a pinned pip wheel downloaded from PyPI and checked
  against its sha256 (kept in `<root>/pip/`). Nothing is installed into QGIS's Python itself.
- Proxy: `proxy` (the GUI passes QGIS's proxy settings; the CLI takes --proxy or $HTTPS_PROXY) goes
  to pip as HTTP(S)_PROXY in its environment (not as an argument, which process lists show), and to
  the pip-wheel download.
- The running plugin puts the folder first on sys.path (`activate`), so onnxruntime (and any
  dependency that was missing or too old) comes from there; it holds nothing else.

QGIS's Python (`find_qgis_python`): inside QGIS `sys.executable` is often QGIS itself, so:
- Linux (distribution packages, e.g. Debian's /usr/bin/qgis): sys._base_executable or
  sys.executable when they are a Python, else <sys.exec_prefix>/bin/python3.X, python3 (/usr/bin/python3).
- Windows (OSGeo4W and the standalone installer): <sys.exec_prefix>/python.exe, i.e.
  <OSGeo4W>/apps/Python3X/python.exe; QGIS's environment (PATH, PYTHONHOME) is inherited by it.
- macOS (the official QGIS.app bundle): <sys.exec_prefix>/bin/python3.X, then
  QGIS.app/Contents/MacOS/bin/python3 next to the QGIS executable.
Every candidate is run once and must report the running Python's version; GAIR_PYTHON overrides.
Headless, run the command line with that same Python: Linux `/usr/bin/python3 -m gair_qgis.deps ...`;
Windows, in the OSGeo4W Shell `python -m gair_qgis.deps ...` (or `<QGIS>\\bin\\python-qgis.bat -m ...`,
which sets QGIS's environment first); macOS `/Applications/QGIS.app/Contents/MacOS/bin/python3 -m ...`.

Stock Debian 12 QGIS (apt install qgis): /usr/bin/python3 is QGIS's Python, and neither python3-pip
nor python3.11-venv (ensurepip) nor python3-pip-whl is among QGIS's dependencies, so there the pip
wheel is downloaded (tests/test_deps.py runs that path with pip and ensurepip hidden). Installing
with `--target` is allowed next to Debian's "externally managed" system Python.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import importlib
import importlib.metadata
import importlib.util
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

LogFn = Callable[[str], None]
ProgressFn = Callable[[int, str], None]
CancelFn = Callable[[], bool]

MARKER = "gair_deps.json"
MANIFEST = "gair_deps-made.json"  # in the root: what installs made there (all `remove` deletes)
ROOT_NAME = "gair_deps"
PROGRESS_PREFIX = "[gair-deps] progress "  # machine-readable CLI lines read by the GUI dialog
INSTALLER_HINT = ("the plugin's dependency installer (GAIR models dock > Dependencies > Install, or headless: "
                  "`python3 -m gair_qgis.deps install` run with QGIS's Python from the QGIS plugins folder)")
NUMPY_MINIMUM = "1.21.6"  # every pinned onnxruntime needs at least this numpy
PIP_MINIMUM = "20.3"  # older pips do not know the manylinux_2_27/2_28 tags of onnxruntime's wheels
# The private pip, when QGIS's Python has none and no ensurepip wheel: pinned, checked by hash.
PIP_WHEEL_URL = ("https://files.pythonhosted.org/packages/de/f0/c81e05b613866b76d2d1066490adf1a3dbc4ee9d9c839961"
                 "c3fc8a6997af/pip-26.0.1-py3-none-any.whl")
PIP_WHEEL_SHA256 = "bdb1b08f4274833d62c1aa29e20907365a2ceb950410df15fc9521bad440122b"
EXIT_FAILED, EXIT_BAD_INPUT, EXIT_CANCELLED = 1, 2, 3
THIS_PYTHON: tuple[int, ...] = tuple(sys.version_info[:3])


@dataclass(frozen=True)
class Requirement:
    """One package the plugin may install: PyPI name, pinned version, import name, and the oldest
    version already in QGIS's Python that is good enough (None: any; "" : always install ours)."""

    name: str
    version: str
    module: str
    good_enough: Optional[str] = None

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"


# Pins per Python (newest first): onnxruntime wheels exist for these Pythons on Linux, Windows and
# macOS and work with numpy 1.21.6+ and 2.x; the others are pure-Python except protobuf and Pillow
# (binary wheels for every platform, no numpy inside). Each is installed only where QGIS's Python
# lacks it or has an older version than `good_enough`; onnxruntime always ("").
PINS: tuple[tuple[tuple[int, int], tuple[Requirement, ...]], ...] = (
    ((3, 11), (
        Requirement("onnxruntime", "1.32.0", "onnxruntime", ""),
        Requirement("flatbuffers", "25.12.19", "flatbuffers"),
        Requirement("protobuf", "7.36.2", "google.protobuf", "4.25.8"),
        Requirement("packaging", "26.4", "packaging"),
        Requirement("pillow", "11.3.0", "PIL", "8.0"),
    )),
    ((3, 10), (
        Requirement("onnxruntime", "1.23.2", "onnxruntime", ""),
        Requirement("coloredlogs", "15.0.1", "coloredlogs"),
        Requirement("humanfriendly", "10.0", "humanfriendly"),
        Requirement("flatbuffers", "25.12.19", "flatbuffers"),
        Requirement("protobuf", "7.36.2", "google.protobuf"),
        Requirement("packaging", "26.4", "packaging"),
        Requirement("sympy", "1.14.0", "sympy"),
        Requirement("mpmath", "1.3.0", "mpmath"),
        Requirement("pillow", "11.3.0", "PIL", "8.0"),
    )),
    ((3, 9), (
        Requirement("onnxruntime", "1.19.2", "onnxruntime", ""),
        Requirement("coloredlogs", "15.0.1", "coloredlogs"),
        Requirement("humanfriendly", "10.0", "humanfriendly"),
        Requirement("flatbuffers", "25.12.19", "flatbuffers"),
        Requirement("protobuf", "6.33.6", "google.protobuf"),
        Requirement("packaging", "26.3", "packaging"),
        Requirement("sympy", "1.14.0", "sympy"),
        Requirement("mpmath", "1.3.0", "mpmath"),
        Requirement("pillow", "11.3.0", "PIL", "8.0"),
    )),
)

# A graph with one Add (y = x + x), opset 13, IR 7: opened and run by the check after installing.
CHECK_GRAPH = base64.b64decode(
    "CAcSBGdhaXI6RwoOCgF4CgF4EgF5IgNBZGQSD2dhaXJfZGVwc19jaGVja1oRCgF4EgwKCggBEgYKAAoCCANiEQoBeRIMCgoIARIGCgAKAggDQgQKABAN")

VERIFY_SCRIPT = r"""
import json, os, sys
folder = os.path.realpath(sys.argv[1])
sys.path.insert(0, folder)
import numpy
import onnxruntime
def inside(module):
    return os.path.realpath(module.__file__).startswith(folder + os.sep)
if not inside(onnxruntime):
    raise SystemExit("onnxruntime was imported from %s, not from %s" % (onnxruntime.__file__, folder))
if inside(numpy):
    raise SystemExit("numpy was imported from the plugin's folder; QGIS's own numpy must be used")
graph = bytes.fromhex(sys.argv[2])
session = onnxruntime.InferenceSession(graph, providers=["CPUExecutionProvider"])
x = numpy.arange(6, dtype=numpy.float32).reshape(2, 3)
y = session.run(None, {"x": x})[0]
if not numpy.array_equal(y, x + x):
    raise SystemExit("onnxruntime computed a wrong result: %r" % (y,))
print(json.dumps({"onnxruntime": onnxruntime.__version__, "numpy": numpy.__version__,
                  "numpy_file": numpy.__file__, "providers": onnxruntime.get_available_providers()}))
"""


class DepsError(Exception):
    """A problem the user can act on; the message is one line that says what to do."""


class Cancelled(DepsError):
    """The user cancelled."""


# --- versions and what QGIS's Python has ----------------------------------------------------------


def version_tuple(text: str) -> tuple[int, ...]:
    """'1.24.2' -> (1, 24, 2); '2.0.0rc1' -> (2, 0, 0); stops at the first part that is not a number."""
    parts = []
    for part in text.split("."):
        match = re.match(r"\d+", part)
        if not match:
            break
        parts.append(int(match.group()))
        if match.end() != len(part):
            break
    return tuple(parts)


def python_tag(version_info: Sequence[int] = THIS_PYTHON) -> str:
    return f"python{version_info[0]}.{version_info[1]}"


def requirements_for(version_info: Sequence[int] = THIS_PYTHON) -> tuple[Requirement, ...]:
    """The pinned packages for this Python; DepsError where none are pinned."""
    version = tuple(version_info[:2])
    for oldest, requirements in PINS:
        if version >= oldest:
            return requirements
    raise DepsError(f"Python {version[0]}.{version[1]} is too old for onnxruntime: the installer supports "
                    "Python 3.9 and newer (QGIS 3.22 and newer ship one)")


def distribution_version(name: str, paths: Sequence[str]) -> Optional[str]:
    """The version of the distribution `name` found on `paths` (first match), or None."""
    wanted = re.sub(r"[-_.]+", "-", name).lower()
    for dist in importlib.metadata.distributions(path=list(paths)):
        dist_name = dist.metadata["Name"] or ""
        if re.sub(r"[-_.]+", "-", dist_name).lower() == wanted:
            return dist.version
    return None


def paths_without(root: Path, paths: Sequence[str] = ()) -> list[str]:
    """`paths` (default sys.path) without the plugin's own folders: what QGIS's Python has by itself."""
    root_text = os.path.realpath(root)
    kept = []
    for entry in paths or sys.path:
        real = os.path.realpath(entry or os.getcwd())
        if real != root_text and not real.startswith(root_text + os.sep):
            kept.append(entry)
    return kept


@dataclass
class Plan:
    """What an install will do: for which Python, next to which numpy, installing which packages."""

    python: str
    numpy: str
    install: list[Requirement]
    present: dict[str, str] = field(default_factory=dict)  # PyPI name -> version QGIS's Python has

    def describe(self) -> list[str]:
        lines = [f"QGIS's Python {self.python}, its numpy {self.numpy} (kept as it is)"]
        lines += [f"install {r.spec}" for r in self.install]
        lines += [f"use QGIS's {name} {version}" for name, version in sorted(self.present.items())]
        return lines


def make_plan(root: Path, paths: Sequence[str] = (), version_info: Sequence[int] = THIS_PYTHON) -> Plan:
    """The packages to install for the running Python, leaving out what it already has (outside
    root) at a good-enough version. DepsError when numpy is missing or too old."""
    search = paths_without(root, paths)
    numpy_version = distribution_version("numpy", search)
    if numpy_version is None:
        raise DepsError("QGIS's Python has no numpy; QGIS installs normally include it: reinstall QGIS "
                        "(the installer never installs numpy, so that QGIS's own stays in charge)")
    if version_tuple(numpy_version) < version_tuple(NUMPY_MINIMUM):
        raise DepsError(f"QGIS's numpy {numpy_version} is older than {NUMPY_MINIMUM}, which onnxruntime needs: "
                        "upgrade QGIS (the installer never replaces QGIS's numpy)")
    install, present = [], {}
    for requirement in requirements_for(version_info):
        have = None if requirement.good_enough == "" else distribution_version(requirement.name, search)
        minimum = requirement.good_enough or "0"
        if have is not None and version_tuple(have) >= version_tuple(minimum):
            present[requirement.name] = have
        else:
            install.append(requirement)
    return Plan(f"{version_info[0]}.{version_info[1]}.{version_info[2]}", numpy_version, install, present)


# --- folders -----------------------------------------------------------------------------------------


def root_in_profile(profile_dir: str | Path) -> Path:
    """The plugin's dependency folder of a QGIS profile (QgsApplication.qgisSettingsDirPath())."""
    return Path(profile_dir) / "python" / ROOT_NAME


def default_root(plugin_file: str = __file__) -> Path:
    """<profile>/python/gair_deps when this plugin sits in <profile>/python/plugins/gair_qgis."""
    plugin_dir = Path(os.path.abspath(plugin_file)).parent  # not resolved: keep a linked plugin's profile
    plugins = plugin_dir.parent
    if plugins.name == "plugins" and plugins.parent.name == "python":
        return plugins.parent / ROOT_NAME
    raise DepsError(f"the plugin at {plugin_dir} is not inside a QGIS profile's python/plugins folder: "
                    "pass --target <QGIS profile>/python/gair_deps")


def python_folder(root: Path, version_info: Sequence[int] = THIS_PYTHON) -> Path:
    """The folder that goes on sys.path for this Python: <root>/python3.X."""
    return Path(root) / python_tag(version_info)


def read_marker(folder: Path) -> Optional[dict]:
    """The record an install wrote, or None where there is none (or it cannot be read)."""
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --- QGIS's Python -------------------------------------------------------------------------------------


def _looks_like_python(path: str) -> bool:
    return bool(path) and re.match(r"python(\d+(\.\d+)?)?(\.exe)?$", Path(path).name.lower()) is not None


def python_candidates() -> list[Path]:
    """Where QGIS's Python may be, most likely first (see the module docstring)."""
    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    names = ["python.exe", "python3.exe"] if os.name == "nt" else [f"python{minor}", "python3"]
    candidates = [os.environ.get("GAIR_PYTHON", "")]
    candidates += [p for p in (getattr(sys, "_base_executable", ""), sys.executable) if _looks_like_python(p)]
    for prefix in dict.fromkeys((sys.exec_prefix, sys.base_exec_prefix, sys.prefix)):
        folder = Path(prefix) if os.name == "nt" else Path(prefix) / "bin"
        candidates += [str(folder / name) for name in names]
    if sys.platform == "darwin" and sys.executable:  # QGIS.app/Contents/MacOS/QGIS -> .../MacOS/bin/python3
        candidates += [str(Path(sys.executable).parent / "bin" / name) for name in names]
    if os.name != "nt":
        candidates += [shutil.which(name) or "" for name in names]
    return [Path(c) for c in dict.fromkeys(candidates) if c]


def _reports_our_version(python: Path) -> bool:
    try:
        result = subprocess.run([str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                capture_output=True, text=True, timeout=60, **_no_window())
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0 and result.stdout.strip() == f"{sys.version_info[0]}.{sys.version_info[1]}"


def find_qgis_python() -> Path:
    """An interpreter of the same Python QGIS runs (checked by running it)."""
    for candidate in python_candidates():
        if candidate.is_file() and _reports_our_version(candidate):
            return candidate
    raise DepsError(f"cannot find the Python {sys.version_info[0]}.{sys.version_info[1]} interpreter that QGIS runs "
                    f"(looked next to {sys.exec_prefix}); set GAIR_PYTHON to its path")


# --- running programs --------------------------------------------------------------------------------


def _no_window() -> dict:
    """No console window flashing up on Windows."""
    return {"creationflags": getattr(subprocess, "CREATE_NO_WINDOW", 0)} if os.name == "nt" else {}


def child_environment(proxy: Optional[str] = None) -> dict[str, str]:
    """The environment for pip: ours, without settings that would send pip elsewhere than --target."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PIP_USER", "PIP_TARGET", "PIP_PREFIX", "PIP_REQUIRE_VIRTUALENV", "PYTHONNOUSERSITE")}
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONUNBUFFERED"] = "1"
    if proxy:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env[name] = proxy
    return env


def hide_password(text: str) -> str:
    """A proxy URL's password replaced by ***, for logs."""
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)


def run_streaming(command: Sequence[str], log: LogFn, should_cancel: CancelFn, env: Optional[dict] = None,
                  on_line: Optional[Callable[[str], None]] = None) -> int:
    """Run `command`, passing each output line to `log` as it comes; stop it when should_cancel()."""
    log("$ " + hide_password(" ".join(f'"{c}"' if " " in c else c for c in command)))
    process = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, env=env, text=True, encoding="utf-8", errors="replace",
                               bufsize=1, **_no_window())
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            lines.put(line.rstrip("\r\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        while True:
            if should_cancel():
                _stop(process)
                raise Cancelled("cancelled; nothing was changed")
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                break
            if line.strip():
                log(hide_password(line))
                if on_line:
                    on_line(line)
    except BaseException:
        _stop(process)
        raise
    return process.wait()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- pip ---------------------------------------------------------------------------------------------

PIP_PROBE = r"""
import glob, json, os, sys
info = {"pip": None, "wheels": []}
try:
    import pip
    info["pip"] = pip.__version__
except Exception:
    pass
try:
    import ensurepip  # Debian/Ubuntu: python3.X-venv; its wheels come from /usr/share/python-wheels
    folders = [os.path.join(os.path.dirname(ensurepip.__file__), "_bundled"),
               getattr(ensurepip, "_WHEEL_PKG_DIR", None) or "", "/usr/share/python-wheels"]
    for folder in folders:
        if folder:
            info["wheels"] += sorted(glob.glob(os.path.join(folder, "pip-*-py3-none-any.whl")))
except Exception:
    pass
print(json.dumps(info))
"""


def _wheel_version(path: str) -> str:
    return Path(path).name.split("-")[1]


def pip_command(python: Path, root: Path, log: LogFn, proxy: Optional[str] = None,
                allow_own_pip: bool = True) -> list[str]:
    """How to run pip with `python`: its own pip when recent enough, else pip from a wheel file
    (ensurepip's, else the pinned one downloaded into <root>/pip)."""
    result = subprocess.run([str(python), "-c", PIP_PROBE], capture_output=True, text=True, timeout=120,
                            env=child_environment(), **_no_window())
    info = json.loads(result.stdout.strip().splitlines()[-1]) if result.returncode == 0 else {"pip": None, "wheels": []}
    if allow_own_pip and info["pip"] and version_tuple(info["pip"]) >= version_tuple(PIP_MINIMUM):
        log(f"pip {info['pip']} of QGIS's Python")
        return [str(python), "-m", "pip"]
    why = f"pip {info['pip']} is too old" if info["pip"] else "QGIS's Python has no pip"
    wheels = [w for w in info["wheels"] if version_tuple(_wheel_version(w)) >= version_tuple(PIP_MINIMUM)]
    if wheels:
        wheel = max(wheels, key=lambda w: version_tuple(_wheel_version(w)))
        log(f"{why if allow_own_pip else 'private pip asked for'}: running pip from the wheel {wheel}")
    else:
        if not (Path(root) / "pip").exists():
            record_made(root, "pip")
        wheel = str(download_pip_wheel(Path(root) / "pip", log, proxy))
        record_made(root, f"pip/{Path(wheel).name}")
        log(f"{why if allow_own_pip else 'private pip asked for'}: running pip from the wheel {wheel}")
    return [str(python), str(Path(wheel) / "pip")]


def download_pip_wheel(folder: Path, log: LogFn, proxy: Optional[str] = None) -> Path:
    """The pinned pip wheel in `folder`, downloaded from PyPI and checked against its sha256."""
    path = folder / PIP_WHEEL_URL.rsplit("/", 1)[1]
    if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == PIP_WHEEL_SHA256:
        return path
    log(f"downloading {PIP_WHEEL_URL}")
    handlers = [urllib.request.ProxyHandler({"http": proxy, "https": proxy})] if proxy else []
    try:
        with urllib.request.build_opener(*handlers).open(PIP_WHEEL_URL, timeout=120) as response:
            data = response.read()
    except OSError as error:
        raise DepsError(f"cannot download pip from PyPI ({error}); check the network or QGIS's proxy settings, "
                        "or install pip for QGIS's Python") from error
    if hashlib.sha256(data).hexdigest() != PIP_WHEEL_SHA256:
        raise DepsError(f"the pip wheel downloaded from {PIP_WHEEL_URL} has the wrong sha256; not used")
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(data)
    os.replace(partial, path)
    return path


def pip_install_arguments(target: Path, requirements: Sequence[Requirement]) -> list[str]:
    """pip's arguments (the proxy goes by environment: a password in arguments shows in process lists)."""
    return ["install", "--target", str(target), "--no-deps", "--only-binary=:all:", "--no-input",
            "--disable-pip-version-check", "--no-warn-script-location", "--progress-bar", "off",
            *[r.spec for r in requirements]]


# --- install, verify, status, remove ------------------------------------------------------------------


def verify(python: Path, folder: Path, log: LogFn = lambda _: None) -> dict:
    """Import onnxruntime from `folder` in a separate `python` process (with the Python's own numpy)
    and run a one-node graph; returns what it reports; DepsError with the reason when it fails."""
    result = subprocess.run([str(python), "-c", VERIFY_SCRIPT, str(folder), CHECK_GRAPH.hex()],
                            capture_output=True, text=True, timeout=300, env=child_environment(), **_no_window())
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
        for line in lines[-15:]:
            log(line)
        raise DepsError(f"the installed onnxruntime does not work in QGIS's Python: {lines[-1]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    log(f"checked: onnxruntime {report['onnxruntime']} runs with QGIS's numpy {report['numpy']} "
        f"({report['numpy_file']}); execution providers {', '.join(report['providers'])}")
    return report


def folder_size(folder: Path) -> int:
    """Bytes of the files under folder."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file() and not p.is_symlink())


def _check_ours(folder: Path) -> None:
    if folder.exists() and read_marker(folder) is None and any(folder.iterdir()):
        raise DepsError(f"{folder} exists and was not made by this installer; not touched: move it away or "
                        "choose another --target")


def install(root: Path, *, python: Optional[Path] = None, proxy: Optional[str] = None, log: LogFn = print,
            progress: ProgressFn = lambda _p, _t: None, should_cancel: CancelFn = lambda: False,
            allow_own_pip: bool = True) -> dict:
    """Install (or repair: reinstall) the plugin's dependencies into python_folder(root).
    Returns the marker record. The installed folder is replaced only after the new one passed
    `verify`; a failed or cancelled run leaves it as it was."""
    root = Path(root)
    folder = python_folder(root)
    _check_ours(folder)
    progress(2, "checking QGIS's Python")
    plan = make_plan(root)
    for line in plan.describe():
        log(line)
    python = python or find_qgis_python()
    log(f"QGIS's Python interpreter: {python}")
    record_made(root, folder.name, created_root=False)  # creates root where needed, and records that it did
    staging = root / f".staging-{folder.name}-{os.getpid()}"
    record_made(root, staging.name)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        progress(5, "preparing pip")
        pip = pip_command(python, root, log, proxy, allow_own_pip)
        if should_cancel():
            raise Cancelled("cancelled; nothing was changed")
        started = time.monotonic()
        total = max(1, len(plan.install))
        seen: list[str] = []

        def on_pip_line(line: str) -> None:
            if line.startswith("Collecting ") and len(seen) < total:
                seen.append(line)
                progress(10 + 60 * len(seen) // total, line.strip())
            elif line.startswith("Installing collected packages"):
                progress(75, "installing")

        progress(10, "downloading")
        code = run_streaming(pip + pip_install_arguments(staging, plan.install), log, should_cancel,
                             child_environment(proxy), on_pip_line)
        if code != 0:
            raise DepsError(f"pip failed (exit code {code}); the log above says why. Nothing was changed")
        seconds = time.monotonic() - started
        progress(85, "checking the installed packages in a separate process")
        report = verify(python, staging, log)
        record = {"python": plan.python, "numpy": report["numpy"], "onnxruntime": report["onnxruntime"],
                  "packages": {r.name: r.version for r in plan.install}, "uses_qgis": plan.present,
                  "pip": pip, "seconds": round(seconds, 1), "bytes": folder_size(staging),
                  "installed": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        (staging / MARKER).write_text(json.dumps(record, indent=1), encoding="utf-8")
        if should_cancel():
            raise Cancelled("cancelled; nothing was changed")
        _swap(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress(100, "installed")
    log(f"installed into {folder}: {record['bytes'] / 1e6:.0f} MB, download and install took "
        f"{record['seconds']:.0f} s")
    return record


def _swap(staging: Path, folder: Path) -> None:
    """Put the verified staging folder in place of `folder`."""
    old = folder.with_name(f".old-{folder.name}-{os.getpid()}")
    record_made(folder.parent, old.name)
    if folder.exists():
        try:
            os.replace(folder, old)
        except OSError as error:  # Windows: a loaded onnxruntime DLL keeps the folder busy
            raise DepsError(f"cannot replace {folder} while it is in use ({error}): restart QGIS, then repair "
                            "before using GAIR") from error
    os.replace(staging, folder)
    shutil.rmtree(old, ignore_errors=True)


def remove(root: Path, log: LogFn = print) -> bool:
    """Delete what the installer recorded making under root (its manifest, see `record_made`), and
    root itself only when an install created it and it is empty then. A python3.X folder it did not
    make is refused; nothing else is touched. False: nothing of the installer's was there."""
    root = Path(root)
    folder = python_folder(root)
    _check_ours(folder)
    manifest = read_manifest(root)
    made = [root / name for name in manifest["made"]]
    if folder not in made and read_marker(folder) is not None:
        made.append(folder)  # an install by a version without a manifest: its marker is its record
    removed = False
    for path in made:
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        else:
            continue
        log(f"removed {path}")
        removed = True
    (root / MANIFEST).unlink(missing_ok=True)
    if manifest["created_root"] and root.is_dir() and not any(root.iterdir()):
        root.rmdir()
        log(f"removed {root}")
    remove_from_sys_path(folder)
    return removed


def read_manifest(root: Path) -> dict:
    """What installs recorded making under root: {"created_root": bool, "made": [names]}. A name
    that is not a plain relative path inside root (.., absolute, a link out) is refused."""
    path = Path(root) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"created_root": False, "made": []}
    except (OSError, ValueError) as error:
        raise DepsError(f"the installer's record {path} cannot be read ({error}); nothing was removed: delete "
                        f"what you no longer need under {root} by hand") from None
    names = data.get("made") if isinstance(data, dict) else None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise DepsError(f"the installer's record {path} is not one this installer wrote; nothing was removed")
    for name in names:
        _check_inside(Path(root), name, path)
    return {"created_root": data.get("created_root") is True, "made": list(dict.fromkeys(names))}


def _check_inside(root: Path, name: str, manifest: Path) -> None:
    parts = Path(name).parts
    inside = bool(parts) and not Path(name).is_absolute() and ".." not in parts and "\\" not in name
    real_root, real_parent = os.path.realpath(root), os.path.realpath((root / name).parent)
    if inside and (real_parent == real_root or real_parent.startswith(real_root + os.sep)):
        return
    raise DepsError(f"the installer's record {manifest} names {name!r}, which is not inside {root}; nothing "
                    "was removed")


def record_made(root: Path, name: str, created_root: Optional[bool] = None) -> None:
    """Add `name` (relative to root) to the manifest of what the installer made, before it is made,
    so that a killed install leaves it recorded; `created_root` is set by the first install."""
    root = Path(root)
    if _make_root(root):
        created_root = True  # the first thing made (pip, before any install) may make the folder itself
    try:
        manifest = read_manifest(root)
    except DepsError:
        manifest = {"created_root": False, "made": []}
    if not (root / MANIFEST).exists() and created_root is not None:
        manifest["created_root"] = created_root
    if name not in manifest["made"]:
        manifest["made"].append(name)
    partial = root / f"{MANIFEST}.{os.getpid()}.partial"
    partial.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(partial, root / MANIFEST)


def _make_root(root: Path) -> bool:
    """Create root (and its missing parents) where it does not exist yet; True when this call made it."""
    if root.is_dir():
        return False
    try:
        root.mkdir(parents=True)
    except FileExistsError:  # made meanwhile by another install, or a file of that name (refused by mkdir)
        if not root.is_dir():
            raise
        return False
    return True


def status(root: Path, python: Optional[Path] = None, check: bool = True) -> dict:
    """What is installed under root and, with check, whether it works in a separate process."""
    folder = python_folder(root)
    record = read_marker(folder)
    result = {"folder": str(folder), "installed": record is not None, "record": record}
    if record is not None and check:
        try:
            result["check"] = verify(python or find_qgis_python(), folder)
            result["works"] = True
        except DepsError as error:
            result["works"], result["problem"] = False, str(error)
    return result


# --- the running QGIS ----------------------------------------------------------------------------------


def activate(root: Path) -> bool:
    """Put the installed folder first on sys.path (plugin start-up, after an install). Only a folder
    that passed the check (it has the marker) is added. True when it is on sys.path."""
    folder = python_folder(root)
    if read_marker(folder) is None:
        return False
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
        importlib.invalidate_caches()
    return True


def remove_from_sys_path(folder: Path) -> None:
    while str(folder) in sys.path:
        sys.path.remove(str(folder))
    importlib.invalidate_caches()


def onnxruntime_problem() -> Optional[str]:
    """None when onnxruntime imports in this Python, else why not (one line)."""
    try:
        found = importlib.util.find_spec("onnxruntime") is not None
    except ValueError:  # sys.modules["onnxruntime"] is None: its import is blocked
        found = False
    if not found:
        return "onnxruntime is not installed in QGIS's Python"
    try:
        importlib.import_module("onnxruntime")
    except Exception as error:  # a broken install raises anything from ImportError to AttributeError
        return f"onnxruntime does not import in QGIS's Python ({type(error).__name__}: {error})"
    return None


def load_after_install(root: Path) -> tuple[bool, str]:
    """Make a fresh install usable in this running QGIS. (True, message) when onnxruntime now
    imports from the plugin's folder; (False, message) when QGIS must be restarted."""
    folder = python_folder(root)
    if not activate(root):
        return False, f"nothing was installed into {folder} (no {MARKER}): run the installer again"
    restart = f"installed into {folder}; restart QGIS to use it"
    leftovers = [m for m in sys.modules if m == "onnxruntime" or m.startswith("onnxruntime.")]
    if "onnxruntime" in sys.modules:  # loaded (from elsewhere, or the copy a repair replaced): never reload
        return False, f"{restart} (onnxruntime is already loaded in this session)"
    if any(str(getattr(sys.modules[m], "__file__", "")).endswith((".so", ".pyd")) for m in leftovers):
        return False, f"{restart} (a failed import left onnxruntime's library loaded)"
    for name in leftovers:
        del sys.modules[name]  # pure-Python parts left over from a failed import: import them from the new folder
    problem = onnxruntime_problem()
    if problem:
        return False, f"installed into {folder}, but {problem} in this session: restart QGIS"
    module = importlib.import_module("onnxruntime")
    if not loaded_from(module, folder):
        return False, f"installed into {folder}, but onnxruntime comes from {module.__file__}: restart QGIS"
    return True, (f"onnxruntime {module.__version__} installed into {folder} and loaded: GAIR works now, "
                  "no restart needed")


def loaded_from(module, folder: Path) -> bool:
    """Whether an imported module's file lies under folder."""
    return os.path.realpath(getattr(module, "__file__", "") or "").startswith(os.path.realpath(folder) + os.sep)


def missing_message(problem: str) -> str:
    """The message every 'onnxruntime is missing' place shows."""
    return f"{problem}; install it with {INSTALLER_HINT}"


# --- command line -------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 -m gair_qgis.deps",
        description="Install onnxruntime for the GAIR plugin with QGIS's Python, into a folder the plugin owns. "
                    "Run it with QGIS's Python from the QGIS plugins folder.")
    parser.add_argument("command", choices=("install", "repair", "status", "remove", "plan"))
    parser.add_argument("--target", type=Path, help="the plugin's dependency folder "
                        "(default: <QGIS profile>/python/gair_deps, found from where the plugin is)")
    parser.add_argument("--proxy", default=os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy"),
                        help="proxy URL for pip, with credentials if the proxy needs them, as pip's --proxy "
                        "takes it (default: $HTTPS_PROXY)")
    parser.add_argument("--private-pip", action="store_true",
                        help="run pip from a wheel even where QGIS's Python has its own pip")
    parser.add_argument("--cancel-file", type=Path, help="stop (and change nothing) when this file appears")
    parser.add_argument("--progress", action="store_true", help=f"print '{PROGRESS_PREFIX}PERCENT TEXT' lines")
    parser.add_argument("--json", action="store_true", help="status as JSON")
    parser.add_argument("--debug", action="store_true", help="tracebacks on errors")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    def log(line: str) -> None:
        print(line, flush=True)

    def progress(percent: int, text: str) -> None:
        if args.progress:
            print(f"{PROGRESS_PREFIX}{percent} {text}", flush=True)

    cancel_file = args.cancel_file
    try:
        root = args.target.absolute() if args.target else default_root()
        if args.command in ("install", "repair"):
            install(root, proxy=args.proxy, log=log, progress=progress, allow_own_pip=not args.private_pip,
                    should_cancel=lambda: bool(cancel_file and cancel_file.exists()))
            return 0
        if args.command == "plan":
            for line in make_plan(root).describe():
                print(line)
            return 0
        if args.command == "remove":
            print("removed" if remove(root, log) else f"nothing installed in {python_folder(root)}")
            return 0
        report = status(root)
        if args.json:
            print(json.dumps(report, indent=1))
        else:
            _print_status(report)
        return 0 if report.get("works") else EXIT_FAILED
    except Cancelled as error:
        print(f"gair_qgis.deps: {error}", file=sys.stderr)
        return EXIT_CANCELLED
    except (DepsError, OSError) as error:
        if args.debug:
            raise
        print(f"gair_qgis.deps {args.command}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT if isinstance(error, DepsError) else EXIT_FAILED
    except KeyboardInterrupt:
        print("gair_qgis.deps: interrupted; nothing was changed", file=sys.stderr)
        return EXIT_CANCELLED


def _print_status(report: dict) -> None:
    if not report["installed"]:
        print(f"not installed in {report['folder']} (install with: python3 -m gair_qgis.deps install)")
        return
    record = report["record"]
    packages = ", ".join(f"{name} {version}" for name, version in record["packages"].items())
    print(f"installed in {report['folder']}: {packages} ({record['bytes'] / 1e6:.0f} MB, {record['installed']})")
    if report.get("works"):
        check = report["check"]
        print(f"works: onnxruntime {check['onnxruntime']} with QGIS's numpy {check['numpy']}")
    else:
        print(f"BROKEN: {report.get('problem')} (repair with: python3 -m gair_qgis.deps install)")


if __name__ == "__main__":
    sys.exit(main())
