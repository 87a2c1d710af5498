"""A GeoPackage point layer written with sqlite3 alone (OGC GeoPackage 1.2: the three core
tables and one feature table), so a search's top places need neither GDAL's Python bindings
nor fiona. QGIS and GDAL open it as any other GeoPackage."""

from __future__ import annotations

import os
import sqlite3
import struct
import time
from pathlib import Path
from typing import Any, Optional, Sequence

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10200
CUSTOM_SRS_ID = 100000

_CORE = """
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
  srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
"""

_DEFAULT_SRS = [
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
]


def point_blob(x: float, y: float, srs_id: int) -> bytes:
    """A GeoPackage geometry: header (magic, version 0, little-endian, no envelope) + WKB point."""
    return b"GP" + struct.pack("<BBi", 0, 1, srs_id) + struct.pack("<BIdd", 1, 1, x, y)


def _sql_type(value: Any) -> str:
    if isinstance(value, int):  # bool too
        return "INTEGER"
    if isinstance(value, float):
        return "REAL"
    return "TEXT"


def write_points(
    path: str | Path,
    layer: str,
    crs_wkt: str,
    epsg: Optional[int],
    rows: Sequence[dict[str, Any]],
    xy: Sequence[tuple[float, float]],
) -> Path:
    """A GeoPackage at `path` with one point layer: a feature per row (its fields), at `xy`
    (map units of `crs_wkt`). Written aside and moved into place."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    srs_id = epsg if epsg else CUSTOM_SRS_ID
    columns = list(rows[0]) if rows else ["rank"]
    try:
        with sqlite3.connect(partial) as db:
            db.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {GPKG_USER_VERSION}")
            db.executescript(_CORE)
            db.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", _DEFAULT_SRS)
            db.execute(
                "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
                ("field CRS", srs_id, "EPSG" if epsg else "NONE", epsg or srs_id, crs_wkt, ""),
            )
            kinds = {c: _sql_type(rows[0][c]) if rows else "INTEGER" for c in columns}
            fields = ", ".join(f'"{c}" {kinds[c]}' for c in columns)
            db.execute(f'CREATE TABLE "{layer}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POINT, {fields})')
            marks = ", ".join("?" for _ in columns)
            names = ", ".join(f'"{c}"' for c in columns)
            db.executemany(
                f'INSERT INTO "{layer}" (geom, {names}) VALUES (?, {marks})',  # nosec B608  # quoted identifiers, values bound
                [(point_blob(x, y, srs_id), *[row[c] for c in columns]) for row, (x, y) in zip(rows, xy)],
            )
            xs, ys = [p[0] for p in xy] or [0.0], [p[1] for p in xy] or [0.0]
            db.execute(
                "INSERT INTO gpkg_contents VALUES (?, 'features', ?, '', ?, ?, ?, ?, ?, ?)",
                (
                    layer,
                    layer,
                    time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    min(xs),
                    min(ys),
                    max(xs),
                    max(ys),
                    srs_id,
                ),
            )
            db.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', ?, 0, 0)", (layer, srs_id))
        db.close()
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
