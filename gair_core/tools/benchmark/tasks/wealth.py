"""Asset-wealth index of DHS survey clusters in 23 African countries (R2), from their location.

Data: `../shared/data/africa-poverty-dhs/dhs_clusters.csv` (Yeh et al. 2020, Nat. Commun.
11:2583; aggregates of DHS surveys, whose programme restricts redistribution): read from
../shared, never copied into the project, and no shipped head is trained on it.
Target `wealthpooled`. Clusters are jittered by up to 2 km (urban) / 5-10 km (rural), so the
split blocks are 1 degree (~110 km).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Optional

import numpy as np

from gair_qgis.runtime.package import REGRESSION

from ..common import SkipTask, Task, subsample

NAME = "wealth"
BLOCK_DEG = 1.0
RELATIVE = Path("data/africa-poverty-dhs/dhs_clusters.csv")


def load(max_samples: Optional[int], shared: Path) -> Task:
    path = Path(shared) / RELATIVE
    if not path.is_file():
        raise SkipTask(f"{path} not found (needs ../shared: DHS data stays out of the project)")
    with open(path, newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["wealthpooled"].strip()]
    lonlat = np.array([[float(r["lon"]), float(r["lat"])] for r in rows])
    y = np.array([float(r["wealthpooled"]) for r in rows])
    keep = subsample(len(y), max_samples)
    return Task(
        NAME,
        REGRESSION,
        lonlat[keep],
        y[keep],
        BLOCK_DEG,
        labels=("wealthpooled",),
        data=f"DHS clusters, Yeh et al. 2020 (../shared, evaluation only): {len(keep)} of {len(y)}",
    )
