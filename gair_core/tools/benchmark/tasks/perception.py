"""Place Pulse 1.0 perception scores (safer, unique, upperclass) from street photos: R2 per
indicator (and their mean).

Data: `../shared/data/placepulse1-streetwise` (Salesses et al. 2013; Google Street View
imagery, no licence: evaluation only, read from ../shared, never copied or used for a
shipped head). `images320/imgN.jpg` is row N (0-based) of `pic_data_MIT.csv`. Photos lie in
4 cities; split blocks are 0.02 degrees (~2 km), so a test street has no training photo
within its block.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Optional

import numpy as np

from gair_qgis.runtime.package import REGRESSION

from ..common import SkipTask, Task, subsample

NAME = "perception"
BLOCK_DEG = 0.02
FOLDER = Path("data/placepulse1-streetwise")
TARGETS = ("QS_Safer", "QS_Unique", "QS_Upperclass")


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def load(max_samples: Optional[int], shared: Path) -> Task:
    folder = Path(shared) / FOLDER
    table = folder / "pic_data_MIT.csv"
    if not table.is_file():
        raise SkipTask(f"{table} not found (needs ../shared: Place Pulse photos are evaluation-only data)")
    with open(table, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    photos, lonlat, targets = [], [], []
    for index, row in enumerate(rows):
        photo = folder / "images320" / f"img{index}.jpg"
        values = [_number(row[t]) for t in TARGETS] + [_number(row["Lon"]), _number(row["Lat"])]
        if photo.is_file() and np.isfinite(values).all():
            photos.append(photo)
            targets.append(values[:3])
            lonlat.append(values[3:])
    keep = subsample(len(photos), max_samples)
    return Task(
        NAME,
        REGRESSION,
        np.array(lonlat)[keep],
        np.array(targets)[keep],
        BLOCK_DEG,
        labels=("safer", "unique", "upperclass"),
        modality="sv",
        photos=[photos[i] for i in keep],
        data=f"Place Pulse 1.0 via streetwise-data (../shared, evaluation only): {len(keep)} photos, 4 cities",
    )
