"""pytest plugin: a DeprecationWarning raised from the project's own code fails the test.

    PYTHONPATH=tests python -m pytest -p deprecations_as_errors ...

`make test-qgis340` runs the QGIS tests this way on QGIS 3.40, whose PyQGIS warns where QGIS 4
breaks (`QgsField(name, QVariant.X)`, `QgsRasterInterface.bandStatistics()`): sip attributes such a
warning to the Python frame that made the call, so the filter below (a regex on the warning's
module, as pytest's filterwarnings mark takes it) catches calls made by gair_qgis, gair_core,
scripts and the tests, and leaves the deprecations inside QGIS's own Python or third-party
packages alone. Warnings raised in other processes (qgis_process, torchrun) are not seen here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
# the test modules and their helpers are imported under their file names (rootdir conftest, no package)
OWN_MODULES = ["gair_qgis", "gair_core", "scripts"] + sorted(path.stem for path in TESTS.glob("*.py"))
FILTER = "error::DeprecationWarning:(" + "|".join(re.escape(name) for name in OWN_MODULES) + r")(\.|$)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test gets the filter as its closest filterwarnings mark (applied after the ini ones)."""
    for item in items:
        item.add_marker(pytest.mark.filterwarnings(FILTER))
