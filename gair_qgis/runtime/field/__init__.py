"""Embedding fields: one model's global RS embedding of every tile of a fixed grid over a
region, in a Zarr (format 2) store, built on Dask, searched with a street photo.

`python -m gair_qgis.runtime.field build|info|search|heatmap` (see `cli.py`). dask,
distributed and zarr are optional (`pip install 'gair-qgis[region]'`): they are imported
lazily, inside this package only, through `need()`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

INSTALL_HINT = (
    "install the region extras: for QGIS, with QGIS's Python from the QGIS plugins folder "
    "`python3 -m gair_qgis.deps install --regions` (or GAIR models dock > Dependencies > Install, "
    "with the region extras ticked); elsewhere pip install 'dask[distributed]>=2023.1' "
    "'zarr>=2.16,<3' numcodecs"
)


class RegionUnavailable(ImportError):
    """dask, distributed or zarr is not installed in this Python."""


class ClusterLost(RuntimeError):
    """The Dask scheduler went away (or a chunk kept killing workers) during a build; what was
    complete stays in the field and a rerun resumes."""


def need(module: str) -> ModuleType:
    """Import one of the optional region modules, or raise RegionUnavailable saying how to get it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise RegionUnavailable(f"{module} is not installed ({error}); {INSTALL_HINT}") from None


def region_available() -> bool:
    """Whether dask, distributed and zarr can be imported."""
    try:
        for module in ("dask", "distributed", "zarr", "numcodecs"):
            need(module)
    except RegionUnavailable:
        return False
    return True
