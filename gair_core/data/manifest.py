"""The training manifest: a CSV with `sv_path, lon, lat, rs_path` and an optional `split`.

Relative paths are relative to the manifest's folder. A row may leave one of `sv_path` and
`rs_path` empty: an RS<->location pair (a Sentinel-2 patch and its place) or an
SV<->location pair (a photo and its place), for data where no triple exists. `validate_manifest` checks every row
and returns every problem with its row number (1 = the first row after the header).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from gair_qgis.runtime.errors import InputError
from gair_qgis.runtime.preprocess import RSInputSpec, released_rs_spec
from gair_qgis.runtime.raster_file import RasterInfo, raster_info

from .raster import inside, lonlat_to_crs

REQUIRED_COLUMNS = ("sv_path", "lon", "lat", "rs_path")
OPTIONAL_COLUMNS = ("split",)


@dataclass(frozen=True)
class ManifestRow:
    """One (photo, location, RS raster) triple; paths are absolute."""

    row: int  # 1-based data row number
    sv_path: Optional[str]  # None: an RS<->location row
    lon: float
    lat: float
    rs_path: Optional[str]  # None: an SV<->location row (a file, or a folder of Sentinel-2 band files)
    split: Optional[str] = None

    def required_sv_path(self) -> str:
        """sv_path of a row that has a photo; ValueError (a bug in the caller) for an RS<->location row."""
        if self.sv_path is None:
            raise ValueError(f"manifest row {self.row} has no sv_path; callers must check row.sv_path first")
        return self.sv_path

    def required_rs_path(self) -> str:
        """rs_path of a row that has a raster; ValueError (a bug in the caller) for an SV<->location row."""
        if self.rs_path is None:
            raise ValueError(f"manifest row {self.row} has no rs_path; callers must check row.rs_path first")
        return self.rs_path


@dataclass(frozen=True)
class Problem:
    """A bad manifest row: its number, the column at fault and what is wrong."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.column}: {self.message}"


def _resolve(base: Path, value: Optional[str]) -> Optional[str]:
    text = (value or "").strip()
    if not text:
        return None
    path = Path(text).expanduser()
    return str(path if path.is_absolute() else (base / path))


def read_rows(path: str | Path) -> tuple[list[dict], Path]:
    """The manifest's raw rows and its folder; InputError when the file or its columns are wrong."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"manifest not found: {path}")
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise InputError(
                f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(REQUIRED_COLUMNS)}"
                " and optionally split"
            )
        return list(reader), path.resolve().parent


def parse_row(number: int, raw: dict, base: Path) -> tuple[Optional[ManifestRow], list[Problem]]:
    """One raw CSV row -> a ManifestRow, or the problems that prevent it."""
    problems = []
    for column in ("lon", "lat"):
        if not (raw.get(column) or "").strip():
            problems.append(Problem(number, column, "empty"))
    if not any((raw.get(column) or "").strip() for column in ("sv_path", "rs_path")):
        problems.append(Problem(number, "sv_path/rs_path", "both empty; a row needs a photo, a raster or both"))
    coords = {}
    for column, limit in (("lon", 180.0), ("lat", 90.0)):
        text = (raw.get(column) or "").strip()
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            problems.append(Problem(number, column, f"not a number: {text!r}"))
            continue
        if not (math.isfinite(value) and -limit <= value <= limit):
            problems.append(Problem(number, column, f"{value} is outside [-{limit:g}, {limit:g}] degrees"))
        coords[column] = value
    if problems:
        return None, problems
    split = (raw.get("split") or "").strip() or None
    return ManifestRow(
        number, _resolve(base, raw["sv_path"]), coords["lon"], coords["lat"], _resolve(base, raw["rs_path"]), split
    ), []


def read_manifest(path: str | Path, split: Optional[str] = None) -> list[ManifestRow]:
    """Parsed rows (optionally one split only); InputError listing the rows that cannot be parsed."""
    raw_rows, base = read_rows(path)
    rows, problems = [], []
    for number, raw in enumerate(raw_rows, start=1):
        row, row_problems = parse_row(number, raw, base)
        problems += row_problems
        if row is not None and (split is None or row.split == split):
            rows.append(row)
    if problems:
        raise InputError(f"{path}: {len(problems)} bad row(s):\n" + "\n".join(f"  {p}" for p in problems))
    return rows


def write_manifest(path: str | Path, rows: Iterable[dict]) -> int:
    """Write manifest rows (dicts with the manifest columns); returns the number written."""
    rows = list(rows)
    columns = list(REQUIRED_COLUMNS) + [c for c in OPTIONAL_COLUMNS if any(c in r for r in rows)]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


# --- validation -----------------------------------------------------------------------


def check_photo(path: str) -> Optional[str]:
    """None when the photo decodes, else what is wrong (a reduced-size decode: cheap but thorough)."""
    from PIL import Image

    if not Path(path).is_file():
        return f"file not found: {path}"
    try:
        with Image.open(path) as image:
            image.draft("RGB", (64, 64))
            image.load()
    except Exception as error:  # PIL raises many kinds for broken files
        return f"unreadable photo {path}: {error}"
    return None


class RasterCache:
    """Raster headers read once per path (many rows usually share one raster)."""

    def __init__(self) -> None:
        self._cache: dict[str, RasterInfo | InputError] = {}

    def get(self, path: str) -> RasterInfo:
        if path not in self._cache:
            try:
                self._cache[path] = raster_info(path)
            except InputError as error:
                self._cache[path] = error
        value = self._cache[path]
        if isinstance(value, InputError):
            raise value
        return value


def check_raster(row: ManifestRow, cache: RasterCache, spec: RSInputSpec) -> list[Problem]:
    """Problems of a row's raster: unreadable, unusable band count, no CRS, point outside."""
    from .sentinel2 import check_sentinel2_point, is_sentinel2_source

    rs_path = row.required_rs_path()
    try:
        if is_sentinel2_source(rs_path):
            problem = check_sentinel2_point(rs_path, row.lon, row.lat, spec.bands)
            return [Problem(row.row, "rs_path", problem)] if problem else []
    except InputError as error:
        return [Problem(row.row, "rs_path", str(error))]
    try:
        info = cache.get(rs_path)
    except InputError as error:
        return [Problem(row.row, "rs_path", str(error))]
    problems = []
    try:
        info.band_indices(spec)
    except InputError as error:
        problems.append(Problem(row.row, "rs_path", f"{rs_path}: {error}"))
    try:
        x, y = lonlat_to_crs(row.lon, row.lat, info.crs, info.is_geographic)
    except InputError as error:
        return problems + [Problem(row.row, "rs_path", f"{rs_path}: {error}")]
    u, v = info.grid.uv(x, y)
    if not inside(u, v).all():
        left, bottom, right, top = info.grid.bounds
        problems.append(
            Problem(
                row.row,
                "lon/lat",
                f"point ({row.lon}, {row.lat}) lies outside the footprint of "
                f"{rs_path} (x {left}..{right}, y {bottom}..{top} in the raster's CRS)",
            )
        )
    return problems


def validate_manifest(path: str | Path, spec: Optional[RSInputSpec] = None) -> tuple[int, list[Problem]]:
    """Check every row; returns (number of rows, every problem found, in row order)."""
    spec = spec or released_rs_spec()
    raw_rows, base = read_rows(path)
    cache = RasterCache()
    problems: list[Problem] = []
    seen: dict[tuple, int] = {}
    for number, raw in enumerate(raw_rows, start=1):
        row, row_problems = parse_row(number, raw, base)
        problems += row_problems
        if row is None:
            continue
        triple = (row.sv_path, row.lon, row.lat, row.rs_path)
        if triple in seen:
            problems.append(
                Problem(
                    number,
                    "sv_path",
                    f"duplicate of row {seen[triple]} (same photo, location and "
                    "raster): it would be sampled twice as often; remove it",
                )
            )
            continue
        seen[triple] = number
        photo_problem = check_photo(row.sv_path) if row.sv_path else None
        if photo_problem:
            problems.append(Problem(number, "sv_path", photo_problem))
        if row.rs_path:
            problems += check_raster(row, cache, spec)
    return len(raw_rows), problems
