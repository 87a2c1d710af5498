"""The plugin's dependency installer: onnxruntime (and whichever of its small dependencies QGIS's
Python lacks), optionally Dask and Zarr for the embedding fields, installed with QGIS's own Python into a folder the plugin owns. Standard library only:
no QGIS, no numpy, so it runs anywhere QGIS's Python runs, also on the command line:

    cd <QGIS profile>/python/plugins          # e.g. ~/.local/share/QGIS/QGIS3/profiles/default/python/plugins
    python3 -m gair_qgis.deps status          # what QGIS's Python has, what is installed, does it import
    python3 -m gair_qgis.deps install         # install, or repair (reinstall) what is there
    python3 -m gair_qgis.deps install --regions   # also Dask, Zarr 2, numcodecs (the embedding fields)
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
- The region extras (`--regions`, kept by a repair unless `--no-regions`): dask[distributed], zarr 2
  and numcodecs with every dependency pinned per Python (REGION_PINS; --no-deps as above), checked
  in the same way (`verify_regions`: they import from the folder, numpy does not, a Zarr array
  reads back through Dask), recorded in the marker ("regions"), in the same python3.X folder, so
  `remove` deletes them with the rest. Dask's worker processes inherit the folder on sys.path.
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

One module per concern:
- `pins`: the pinned packages per Python and the plan (what QGIS's Python lacks);
- `qgis_python`: finding QGIS's Python interpreter;
- `processes`: running pip and the checks, output streamed, cancel, proxy by environment;
- `pip_wheel`: pip itself (QGIS's, ensurepip's wheel, or the pinned wheel downloaded and hash-checked);
- `check`: the check of an install in a separate process;
- `folders`: the folders it owns, the marker and the manifest of what installs made;
- `install`: install (staging, check, swap), remove, status;
- `activation`: the running QGIS (sys.path, whether onnxruntime imports, loading without a restart);
- `__main__`: the command line.
This package re-exports what the rest of the plugin and the tests use.
"""

from __future__ import annotations

from .activation import activate, load_after_install, loaded_from, missing_message, onnxruntime_problem
from .check import verify
from .common import EXIT_CANCELLED, PROGRESS_PREFIX, Cancelled, DepsError
from .folders import (
    MANIFEST,
    MARKER,
    default_root,
    python_folder,
    read_manifest,
    read_marker,
    record_made,
    root_in_profile,
)
from .install import install, remove
from .pins import PINS, make_plan, python_tag, requirements_for, version_tuple
from .pip_wheel import PIP_PROBE, PIP_WHEEL_URL, pip_command
from .processes import hide_password, run_streaming
from .qgis_python import find_qgis_python

__all__ = [
    "EXIT_CANCELLED",
    "MANIFEST",
    "MARKER",
    "PINS",
    "PIP_PROBE",
    "PIP_WHEEL_URL",
    "PROGRESS_PREFIX",
    "Cancelled",
    "DepsError",
    "activate",
    "default_root",
    "find_qgis_python",
    "hide_password",
    "install",
    "load_after_install",
    "loaded_from",
    "make_plan",
    "missing_message",
    "onnxruntime_problem",
    "pip_command",
    "python_folder",
    "python_tag",
    "read_manifest",
    "read_marker",
    "record_made",
    "remove",
    "requirements_for",
    "root_in_profile",
    "run_streaming",
    "verify",
    "version_tuple",
]
