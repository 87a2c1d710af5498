"""Finding QGIS's Python interpreter on Linux, Windows and macOS (see the package docstring)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .common import DepsError
from .processes import no_window


def _looks_like_python(path: str) -> bool:
    return bool(path) and re.match(r"python(\d+(\.\d+)?)?(\.exe)?$", Path(path).name.lower()) is not None


def python_candidates() -> list[Path]:
    """Where QGIS's Python may be, most likely first (see the package docstring)."""
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
        result = subprocess.run(
            [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],  # nosec B603  # a fixed argv
            capture_output=True,
            text=True,
            timeout=60,
            **no_window(),
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0 and result.stdout.strip() == f"{sys.version_info[0]}.{sys.version_info[1]}"


def find_qgis_python() -> Path:
    """An interpreter of the same Python QGIS runs (checked by running it)."""
    for candidate in python_candidates():
        if candidate.is_file() and _reports_our_version(candidate):
            return candidate
    raise DepsError(
        f"cannot find the Python {sys.version_info[0]}.{sys.version_info[1]} interpreter that QGIS runs "
        f"(looked next to {sys.exec_prefix}); set GAIR_PYTHON to its path"
    )
