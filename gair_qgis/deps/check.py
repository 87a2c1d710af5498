"""The check of an install in a separate process of QGIS's Python: onnxruntime imported from the
new folder with QGIS's own numpy runs a one-node graph; with the region extras, zarr, numcodecs,
dask and distributed import (from the folder where the installer put them there) and a small Zarr
array written with a numcodecs compressor is read back through Dask."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Sequence

from .common import DepsError, LogFn
from .processes import child_environment, no_window

# A graph with one Add (y = x + x), opset 13, IR 7: opened and run by the check after installing.
CHECK_GRAPH = base64.b64decode(
    # that graph, not a secret (detect-secrets reads it as a high-entropy string):
    # pragma: allowlist nextline secret
    "CAcSBGdhaXI6RwoOCgF4CgF4EgF5IgNBZGQSD2dhaXJfZGVwc19jaGVja1oRCgF4EgwKCggBEgYKAAoCCANiEQoBeRIMCgoIARIGCgAKAggDQgQKABAN"
)

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


def run_check(python: Path, script_and_args: list[str], what: str, log: LogFn) -> dict:
    """Run a check script (`python -c SCRIPT ARGS...`) in a separate process; the JSON report it
    prints last, or DepsError saying that `what` does not work, with the end of its output logged."""
    result = subprocess.run(
        [str(python), "-c", *script_and_args],  # nosec B603  # QGIS's Python, argv list, no shell
        capture_output=True,
        text=True,
        timeout=300,
        env=child_environment(),
        **no_window(),
    )
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
        for line in lines[-15:]:
            log(line)
        raise DepsError(f"{what} does not work in QGIS's Python: {lines[-1]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def verify(python: Path, folder: Path, log: LogFn = lambda _: None) -> dict:
    """Import onnxruntime from `folder` in a separate `python` process (with the Python's own numpy)
    and run a one-node graph; returns what it reports; DepsError with the reason when it fails."""
    report = run_check(python, [VERIFY_SCRIPT, str(folder), CHECK_GRAPH.hex()], "the installed onnxruntime", log)
    log(
        f"checked: onnxruntime {report['onnxruntime']} runs with QGIS's numpy {report['numpy']} "
        f"({report['numpy_file']}); execution providers {', '.join(report['providers'])}"
    )
    return report


REGION_VERIFY_SCRIPT = r"""
import json, os, sys, tempfile
folder = os.path.realpath(sys.argv[1])
ours = sys.argv[2].split(",") if sys.argv[2] else []
sys.path.insert(0, folder)
import numpy
import zarr, numcodecs, dask, dask.array, distributed
def inside(module):
    return os.path.realpath(module.__file__).startswith(folder + os.sep)
modules = {"zarr": zarr, "numcodecs": numcodecs, "dask": dask, "distributed": distributed}
for name in ours:
    if not inside(modules[name]):
        raise SystemExit("%s was imported from %s, not from %s" % (name, modules[name].__file__, folder))
if inside(numpy):
    raise SystemExit("numpy was imported from the plugin's folder; QGIS's own numpy must be used")
with tempfile.TemporaryDirectory() as tmp:
    store = zarr.open(os.path.join(tmp, "check.zarr"), mode="w", shape=(6, 6), chunks=(3, 3), dtype="f4",
                      compressor=numcodecs.Blosc())
    store[:] = numpy.arange(36, dtype=numpy.float32).reshape(6, 6)
    total = float(dask.array.from_zarr(os.path.join(tmp, "check.zarr")).sum().compute(scheduler="sync"))
if total != 630.0:
    raise SystemExit("zarr and dask computed a wrong sum: %r" % (total,))
report = {name: module.__version__ for name, module in modules.items()}
report["files"] = {name: module.__file__ for name, module in modules.items()}
print(json.dumps(report))
"""


def verify_regions(python: Path, folder: Path, ours: Sequence[str], log: LogFn = lambda _: None) -> dict:
    """Import zarr, numcodecs, dask and distributed in a separate `python` process with `folder` first
    on sys.path (those named in `ours` must come from it, numpy must not) and read a small Zarr array
    through Dask; returns their versions and files; DepsError with the reason when it fails."""
    report = run_check(python, [REGION_VERIFY_SCRIPT, str(folder), ",".join(ours)], "the installed region extras", log)
    log(
        "checked: "
        + ", ".join(f"{name} {report[name]}" for name in ("dask", "distributed", "zarr", "numcodecs"))
        + " import, and a Zarr array reads back through Dask"
    )
    return report
