"""The check of an install in a separate process of QGIS's Python: onnxruntime imported from the
new folder with QGIS's own numpy runs a one-node graph."""
from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

from .common import DepsError, LogFn
from .processes import child_environment, no_window

# A graph with one Add (y = x + x), opset 13, IR 7: opened and run by the check after installing.
CHECK_GRAPH = base64.b64decode(
    # that graph, not a secret (detect-secrets reads it as a high-entropy string):
    # pragma: allowlist nextline secret
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


def verify(python: Path, folder: Path, log: LogFn = lambda _: None) -> dict:
    """Import onnxruntime from `folder` in a separate `python` process (with the Python's own numpy)
    and run a one-node graph; returns what it reports; DepsError with the reason when it fails."""
    result = subprocess.run([str(python), "-c", VERIFY_SCRIPT, str(folder), CHECK_GRAPH.hex()],  # nosec B603  # QGIS's Python, argv list, no shell
                            capture_output=True, text=True, timeout=300, env=child_environment(), **no_window())
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
        for line in lines[-15:]:
            log(line)
        raise DepsError(f"the installed onnxruntime does not work in QGIS's Python: {lines[-1]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    log(f"checked: onnxruntime {report['onnxruntime']} runs with QGIS's numpy {report['numpy']} "
        f"({report['numpy_file']}); execution providers {', '.join(report['providers'])}")
    return report
