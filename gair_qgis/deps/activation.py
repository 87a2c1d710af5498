"""The running QGIS: the installed folder first on sys.path, whether onnxruntime imports, and
loading a fresh install without a restart where that is safe."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Optional

from .common import INSTALLER_HINT
from .folders import MARKER, python_folder, read_marker


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
    """Take `folder` off sys.path (after a remove)."""
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
    return True, (
        f"onnxruntime {module.__version__} installed into {folder} and loaded: GAIR works now, no restart needed"
    )


def loaded_from(module: ModuleType, folder: Path) -> bool:
    """Whether an imported module's file lies under folder."""
    return os.path.realpath(getattr(module, "__file__", "") or "").startswith(os.path.realpath(folder) + os.sep)


def missing_message(problem: str) -> str:
    """The message every 'onnxruntime is missing' place shows."""
    return f"{problem}; install it with {INSTALLER_HINT}"
