"""SIGTERM while a GeoTIFF output is written (as `kill PID` on qgis_process) leaves nothing
behind: no output, no hidden partial file."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT

SIGTERM_WHILE_WRITING = """
import os, signal, sys
import numpy as np
from qgis.core import QgsCoordinateReferenceSystem
from gair_qgis.qgis_io import atomic_geotiff
from gair_qgis.runtime.geometry import PixelGrid

grid = PixelGrid(9.16, 48.77, 1e-4, 1e-4, 200, 100)
with atomic_geotiff(sys.argv[1], grid, 1, QgsCoordinateReferenceSystem("EPSG:4326")) as writer:
    writer.write(np.zeros((1, 50, 200)), 0)
    os.kill(os.getpid(), signal.SIGTERM)  # as `kill PID` while qgis_process writes its output
    writer.write(np.ones((1, 50, 200)), 50)
print("not reached")
"""


def test_sigterm_while_a_geotiff_is_written_leaves_nothing_behind(tmp_path):
    out = tmp_path / "heat.tif"
    result = subprocess.run(
        [sys.executable, "-c", SIGTERM_WHILE_WRITING, str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert result.returncode == -15 and "not reached" not in result.stdout, result.stderr[-2000:]
    assert list(tmp_path.iterdir()) == []  # no output and no hidden .partial.tif
