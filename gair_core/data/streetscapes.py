"""Import a Global Streetscapes collection into a training manifest.

Layout (as `ualsg/global-streetscapes` writes it): `images/<city_id>/<uuid>.jpeg` (or
`.jpg`/`.png`) and a metadata CSV with at least `uuid, lat, lon` (the common-attributes
file; `sequence_id` is used, when present, to keep a whole sequence in one split).
Each photo is paired with the RS raster that covers its point, preferring the raster in
which the point lies farthest from the edge; photos without an image file or without a
covering raster are counted and left out.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

import numpy as np

from gair_qgis.runtime.errors import InputError
from gair_qgis.runtime.raster_file import RasterInfo, raster_info

from .raster import inside, lonlat_to_crs

IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png")
RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".img", ".jp2")


@dataclass
class ImportReport:
    """Counts of what the importer did, and why rows were left out."""

    rows: list[dict] = field(default_factory=list)
    no_image: list[str] = field(default_factory=list)
    no_raster: list[str] = field(default_factory=list)
    bad_coordinates: list[str] = field(default_factory=list)
    unreadable_rasters: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"{len(self.rows)} photo(s) paired; left out: {len(self.no_image)} without an image file, "
            f"{len(self.no_raster)} without a covering raster, {len(self.bad_coordinates)} with bad "
            f"coordinates; {len(self.unreadable_rasters)} unreadable raster(s)"
        )


def find_images(images_root: Path) -> dict[str, Path]:
    """uuid -> image path for every `<city_id>/<uuid>.<ext>` (or `<uuid>.<ext>`) under images_root."""
    found: dict[str, Path] = {}
    for path in sorted(images_root.rglob("*")):
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
            found.setdefault(path.stem, path)
    return found


def expand_rasters(paths: Iterable[Path]) -> list[Path]:
    """Raster files given directly or found (recursively) in given folders."""
    out = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.suffix.lower() in RASTER_SUFFIXES)
        else:
            out.append(path)
    return out


def edge_distance(info: RasterInfo, lon: float, lat: float) -> Optional[float]:
    """Normalised distance of the point from the raster's nearest edge (0..0.5), None outside."""
    x, y = lonlat_to_crs(lon, lat, info.crs, info.is_geographic)
    u, v = info.grid.uv(x, y)
    if not inside(u, v).all():
        return None
    return float(min(u[0], 1 - u[0], v[0], 1 - v[0]))


def best_raster(rasters: Sequence[RasterInfo], lon: float, lat: float) -> Optional[RasterInfo]:
    """The covering raster in which the point lies farthest from an edge, or None."""
    scored = [(d, r) for r in rasters if (d := edge_distance(r, lon, lat)) is not None]
    return max(scored, key=lambda item: item[0])[1] if scored else None


def split_of(key: str, val_fraction: float, test_fraction: float) -> str:
    """A stable train/val/test split from a hash of `key` (the sequence id, else the uuid)."""
    value = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    if value < test_fraction:
        return "test"
    return "val" if value < test_fraction + val_fraction else "train"


def import_streetscapes(
    images_root: Path,
    metadata: Path,
    rasters: Sequence[Path],
    val_fraction: float = 0.0,
    test_fraction: float = 0.0,
    relative_to: Optional[Path] = None,
) -> ImportReport:
    """Pair the collection's photos with covering rasters; rows for `write_manifest`."""
    report = ImportReport()
    infos = []
    for path in expand_rasters(rasters):
        try:
            infos.append(raster_info(path))
        except InputError:
            report.unreadable_rasters.append(str(path))
    images = find_images(images_root)
    with open(metadata, newline="") as handle:
        for record in csv.DictReader(handle):
            uuid = record["uuid"]
            image = images.get(uuid)
            if image is None:
                report.no_image.append(uuid)
                continue
            try:
                lon, lat = float(record["lon"]), float(record["lat"])
                if not (np.isfinite(lon) and np.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
                    raise ValueError
            except (KeyError, ValueError):
                report.bad_coordinates.append(uuid)
                continue
            raster = best_raster(infos, lon, lat)
            if raster is None:
                report.no_raster.append(uuid)
                continue
            row = {
                "sv_path": _path_text(image, relative_to),
                "lon": repr(lon),
                "lat": repr(lat),
                "rs_path": _path_text(Path(raster.path), relative_to),
            }
            if val_fraction or test_fraction:
                row["split"] = split_of(record.get("sequence_id") or uuid, val_fraction, test_fraction)
            report.rows.append(row)
    return report


def _path_text(path: Path, relative_to: Optional[Path]) -> str:
    import os

    path = path.resolve()
    return os.path.relpath(path, relative_to.resolve()) if relative_to is not None else str(path)
