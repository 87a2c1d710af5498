"""pip for QGIS's Python: its own when recent enough, else pip run from a wheel file (ensurepip's,
else the pinned wheel downloaded from PyPI and checked against its sha256); pip's arguments."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import urllib.request
from pathlib import Path
from typing import Optional, Sequence

from .common import DepsError, LogFn
from .folders import record_made
from .pins import Requirement, version_tuple
from .processes import child_environment, no_window

PIP_MINIMUM = "20.3"  # older pips do not know the manylinux_2_27/2_28 tags of onnxruntime's wheels
# The private pip, when QGIS's Python has none and no ensurepip wheel: pinned, checked by hash.
PIP_WHEEL_URL = (
    "https://files.pythonhosted.org/packages/de/f0/c81e05b613866b76d2d1066490adf1a3dbc4ee9d9c839961"
    "c3fc8a6997af/pip-26.0.1-py3-none-any.whl"
)
PIP_WHEEL_SHA256 = (
    "bdb1b08f4274833d62c1aa29e20907365a2ceb950410df15fc9521bad440122b"  # pragma: allowlist secret (a sha256 pin)
)

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


def pip_command(
    python: Path, root: Path, log: LogFn, proxy: Optional[str] = None, allow_own_pip: bool = True
) -> list[str]:
    """How to run pip with `python`: its own pip when recent enough, else pip from a wheel file
    (ensurepip's, else the pinned one downloaded into <root>/pip)."""
    result = subprocess.run(
        [str(python), "-c", PIP_PROBE],
        capture_output=True,
        text=True,
        timeout=120,  # nosec B603  # QGIS's Python, argv list
        env=child_environment(),
        **no_window(),
    )
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
        raise DepsError(
            f"cannot download pip from PyPI ({error}); check the network or QGIS's proxy settings, "
            "or install pip for QGIS's Python"
        ) from error
    if hashlib.sha256(data).hexdigest() != PIP_WHEEL_SHA256:
        raise DepsError(f"the pip wheel downloaded from {PIP_WHEEL_URL} has the wrong sha256; not used")
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(data)
    os.replace(partial, path)
    return path


def pip_install_arguments(target: Path, requirements: Sequence[Requirement]) -> list[str]:
    """pip's arguments (the proxy goes by environment: a password in arguments shows in process lists)."""
    return [
        "install",
        "--target",
        str(target),
        "--no-deps",
        "--only-binary=:all:",
        "--no-input",
        "--disable-pip-version-check",
        "--no-warn-script-location",
        "--progress-bar",
        "off",
        *[r.spec for r in requirements],
    ]
