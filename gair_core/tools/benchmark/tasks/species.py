"""Presence of the banana slug *Ariolimax buttoni* vs background points in California: ROC AUC.

Data: PyPI `elapid` (MIT), `data/ariolimax.gpkg`: 1,595 presence and 4,990 background
points in UTM zone 10N (EPSG:32610), read with sqlite3 (GeoPackage point blobs) and
converted to lon/lat with rasterio's PROJ. Split blocks are 0.25 degrees.
"""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path
from typing import Optional

import numpy as np

from ..common import BINARY, Task, package_file, subsample

NAME = "species"
BLOCK_DEG = 0.25
TABLE = "ariolimax-buttoni-sample"
ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def point_xy(blob: bytes) -> tuple[float, float]:
    """(x, y) of a GeoPackage point geometry blob (GP header, optional envelope, WKB)."""
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry blob")
    offset = 8 + ENVELOPE_BYTES[(blob[3] >> 1) & 7]
    order = "<" if blob[offset] == 1 else ">"
    (kind,) = struct.unpack(order + "I", blob[offset + 1 : offset + 5])
    if kind % 1000 != 1:
        raise ValueError(f"geometry type {kind} is not a point")
    return struct.unpack(order + "dd", blob[offset + 5 : offset + 21])


def read_points(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(N, 2) lon/lat and (N,) presence 0/1 of the sample."""
    from rasterio.warp import transform

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        (srs,) = connection.execute(
            "select srs_id from gpkg_geometry_columns where table_name = ?", (TABLE,)
        ).fetchone()
        rows = connection.execute(f"select geom, presence from '{TABLE}' order by fid").fetchall()
    xy = np.array([point_xy(g) for g, _ in rows])
    lon, lat = transform(f"EPSG:{srs}", "EPSG:4326", xy[:, 0].tolist(), xy[:, 1].tolist())
    return np.stack((lon, lat), axis=1), np.array([p for _, p in rows], dtype=int)


def load(max_samples: Optional[int], shared: Path) -> Task:
    lonlat, presence = read_points(package_file("elapid", "data/ariolimax.gpkg", "pip install --no-deps elapid"))
    keep = subsample(len(presence), max_samples)
    return Task(
        NAME,
        BINARY,
        lonlat[keep],
        presence[keep],
        BLOCK_DEG,
        labels=("background", "presence"),
        data=f"elapid ariolimax.gpkg (MIT): {len(keep)} of {len(presence)} points ({int(presence.sum())} presence)",
    )
