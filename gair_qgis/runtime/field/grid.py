"""The inputs of a field and its fixed tile grid in one CRS.

A *scene* is what a field reads its pixels from: one raster holding the model's bands, or a
folder of single-band files of one scene (a Sentinel-2 IMG_DATA folder), in any CRS; GDAL
paths such as `/vsicurl/...` and `/vsis3/...` pass through. The *grid* is one CRS, a tile
size in map units (the model's ground size, measured at the first scene's centre), an
origin on a multiple of the tile size, and square chunks of tiles (one Dask task each).
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
from numpy.typing import NDArray

from gair_qgis.runtime.errors import InputError
from gair_qgis.runtime.geometry import PixelGrid, ground_pixel_size_m
from gair_qgis.runtime.preprocess import RSInputSpec, band_indices, canonical_band_name

RASTER_SUFFIXES = (".tif", ".tiff", ".jp2", ".vrt", ".img")
DEFAULT_CHUNK = 32  # tiles per chunk side: 1,024 tiles per task
MAX_TILES = 1 << 34
Bounds = tuple[
    float, float, float, float
]  # left, bottom, right, top  # a grid beyond this is a mistake (a CRS that does not fit the inputs)


@dataclass(frozen=True)
class BandSource:
    """One model band of a scene: a file and its band number (1-based)."""

    path: str
    band: int


@dataclass(frozen=True)
class Scene:
    """A raster (or a folder of band files) that gives the model's bands, in its own CRS."""

    name: str
    sources: tuple[BandSource, ...]  # model band order
    crs: str  # WKT
    bounds: tuple[float, float, float, float]  # left, bottom, right, top in its CRS
    resolution: tuple[float, float]
    nodata: Optional[float]
    identity: tuple[tuple[str, int, int], ...]  # (path, size, mtime ns) of each local file

    @property
    def files(self) -> list[str]:
        return list(dict.fromkeys(source.path for source in self.sources))

    def bands_of(self, path: str) -> tuple[list[int], list[int]]:
        """(positions in model order, band numbers in the file) of the model bands in `path`."""
        pairs = [(i, s.band) for i, s in enumerate(self.sources) if s.path == path]
        return [i for i, _ in pairs], [b for _, b in pairs]

    def key(self) -> str:
        """What identifies the scene's pixels (paths, sizes, times): a changed file is a new scene."""
        return repr((self.identity, tuple(self.files), [(s.path, s.band) for s in self.sources]))


def _is_remote(path: str) -> bool:
    return path.startswith("/vsi") or "://" in path


def file_identity(path: str) -> tuple[str, int, int]:
    if _is_remote(path):
        return (path, -1, -1)
    stat = os.stat(path)
    return (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


def _open(path: str) -> Any:
    import rasterio

    if not _is_remote(path) and not Path(path).is_file():
        raise InputError(f"raster not found: {path}; give raster files, a folder of them, or a VRT")
    try:
        return rasterio.open(path)
    except rasterio.errors.RasterioIOError as error:
        raise InputError(f"cannot read the raster {path}: {error}; give a raster GDAL reads") from None


def _header(path: str) -> dict[str, Any]:
    from gair_qgis.runtime.raster_file import grid_of

    with _open(path) as dataset:
        if dataset.crs is None:
            raise InputError(f"{path} has no CRS; assign one (gdal_edit.py -a_srs EPSG:...) before building a field")
        grid = grid_of(dataset)
        return {
            "crs": dataset.crs.to_wkt(),
            "bounds": grid.bounds,
            "count": dataset.count,
            "names": list(dataset.descriptions),
            "nodata": dataset.nodata,
            "resolution": (grid.pixel_width, grid.pixel_height),
        }


def band_of_file_name(path: str) -> Optional[str]:
    """'T33UUU_20170216T102101_B02.jp2' -> 'B2' (the last name part that names a band)."""
    for part in reversed(Path(path).stem.replace("-", "_").split("_")):
        band = canonical_band_name(part)
        if band is not None:
            return band
    return None


def scene_of_file(path: str, spec: RSInputSpec) -> Scene:
    head = _header(path)
    try:
        indices = band_indices(head["count"], spec, head["names"])
    except InputError as error:
        raise InputError(f"{path}: {error}") from None
    sources = tuple(BandSource(path, i + 1) for i in indices)
    return Scene(
        Path(path).name,
        sources,
        head["crs"],
        head["bounds"],
        head["resolution"],
        head["nodata"],
        (file_identity(path),),
    )


def scene_of_band_files(folder: Path, files: Sequence[str], spec: RSInputSpec) -> Optional[Scene]:
    """A folder of single-band files named by band (…_B02.jp2) as one scene; None if it is not one."""
    named = {band_of_file_name(f): f for f in files}
    if not all(band in named for band in spec.bands):
        return None
    chosen = [named[band] for band in spec.bands]
    heads = [_header(f) for f in chosen]
    if any(h["count"] != 1 for h in heads) or len({h["crs"] for h in heads}) != 1:
        return None
    finest = min(heads, key=lambda h: h["resolution"][0])
    return Scene(
        folder.name,
        tuple(BandSource(f, 1) for f in chosen),
        finest["crs"],
        finest["bounds"],
        finest["resolution"],
        finest["nodata"],
        tuple(file_identity(f) for f in chosen),
    )


def discover_scenes(paths: Sequence[str], spec: RSInputSpec) -> list[Scene]:
    """Scenes of the given rasters and folders, in order; InputError for anything unusable."""
    if not paths:
        raise InputError("no input rasters; give raster files, folders of them or VRTs")
    scenes: list[Scene] = []
    for given in paths:
        path = Path(given)
        if not _is_remote(given) and path.is_dir():
            files = sorted(str(p) for p in path.iterdir() if p.suffix.lower() in RASTER_SUFFIXES)
            if not files:
                raise InputError(f"the folder {given} holds no rasters ({', '.join(RASTER_SUFFIXES)})")
            stacked = scene_of_band_files(path, files, spec)
            scenes.extend([stacked] if stacked else [scene_of_file(f, spec) for f in files])
        else:
            scenes.append(scene_of_file(given, spec))
    return scenes


# --- the grid ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldGrid:
    """Tiles of `tile_width` x `tile_height` map units from (`left`, `top`), `cols` x `rows`
    of them, stored in chunks of `chunk` x `chunk` tiles; each tile is read as `tile_pixels`
    pixels a side (the model's ground size at its nominal pixel size)."""

    crs: str
    left: float
    top: float
    tile_width: float
    tile_height: float
    cols: int
    rows: int
    chunk: int
    tile_pixels: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> FieldGrid:
        return FieldGrid(
            str(data["crs"]),
            float(data["left"]),
            float(data["top"]),
            float(data["tile_width"]),
            float(data["tile_height"]),
            int(data["cols"]),
            int(data["rows"]),
            int(data["chunk"]),
            int(data["tile_pixels"]),
        )

    @property
    def tiles(self) -> PixelGrid:
        """One pixel per tile."""
        return PixelGrid(self.left, self.top, self.tile_width, self.tile_height, self.cols, self.rows)

    @property
    def chunk_counts(self) -> tuple[int, int]:
        """Chunks along x and y."""
        return math.ceil(self.cols / self.chunk), math.ceil(self.rows / self.chunk)

    def chunk_tiles(self, ci: int, cj: int) -> tuple[int, int, int, int]:
        """(col0, row0, col1, row1) of the tiles of chunk (ci, cj), ends exclusive."""
        c0, r0 = ci * self.chunk, cj * self.chunk
        return c0, r0, min(c0 + self.chunk, self.cols), min(r0 + self.chunk, self.rows)

    def pixels_of(self, col0: int, row0: int, col1: int, row1: int) -> PixelGrid:
        """The reading grid (tile_pixels per tile) of a block of tiles."""
        p = self.tile_pixels
        return PixelGrid(
            self.left + col0 * self.tile_width,
            self.top - row0 * self.tile_height,
            self.tile_width / p,
            self.tile_height / p,
            (col1 - col0) * p,
            (row1 - row0) * p,
        )

    def tile_centres(self, col0: int, row0: int, col1: int, row1: int) -> tuple[NDArray[Any], NDArray[Any]]:
        """Map coordinates (rows, cols) of the tile centres of a block."""
        xs, ys = self.tiles.centres_of(np.arange(col0, col1), np.arange(row0, row1))
        x, y = np.meshgrid(xs, ys)
        return x, y

    def chunks_over(self, bounds: Bounds) -> list[tuple[int, int]]:
        """Chunks (ci, cj) whose tiles meet `bounds` (field CRS)."""
        left, bottom, right, top = bounds
        c0 = max(0, math.floor((left - self.left) / self.tile_width))
        c1 = min(self.cols, math.ceil((right - self.left) / self.tile_width))
        r0 = max(0, math.floor((self.top - top) / self.tile_height))
        r1 = min(self.rows, math.ceil((self.top - bottom) / self.tile_height))
        if c1 <= c0 or r1 <= r0:
            return []
        return [
            (ci, cj)
            for cj in range(r0 // self.chunk, (r1 - 1) // self.chunk + 1)
            for ci in range(c0 // self.chunk, (c1 - 1) // self.chunk + 1)
        ]


def to_lonlat_of(crs: str) -> Any:
    """A function (x, y) arrays in `crs` -> (lon, lat) arrays."""
    from rasterio.warp import transform

    def to_lonlat(x: NDArray[Any], y: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
        lon, lat = transform(crs, "EPSG:4326", np.ravel(x).tolist(), np.ravel(y).tolist())
        return np.asarray(lon, np.float64).reshape(np.shape(x)), np.asarray(lat, np.float64).reshape(np.shape(y))

    return to_lonlat


def field_bounds(scene: Scene, crs: str) -> Bounds:
    """A scene's bounds in the field CRS; InputError when it cannot be mapped there faithfully
    (a CRS whose area of use is far from the scene, such as a UTM zone on another continent)."""
    from rasterio.warp import transform, transform_bounds

    left, bottom, right, top = scene.bounds
    try:
        mapped = transform_bounds(scene.crs, crs, left, bottom, right, top, densify_pts=21)
        xs, ys = transform(scene.crs, crs, [left, right, left, right], [bottom, bottom, top, top])
        back_x, back_y = transform(crs, scene.crs, xs, ys)
    except Exception as error:  # PROJ's errors have no common type
        raise InputError(
            f"{scene.name} cannot be mapped into the field CRS ({error}); give --crs EPSG:3857 or a CRS "
            "that covers every input"
        ) from None
    size = max(right - left, top - bottom)
    error_size = max(
        np.max(np.abs(np.subtract(back_x, [left, right, left, right]))),
        np.max(np.abs(np.subtract(back_y, [bottom, bottom, top, top]))),
    )
    if not (np.all(np.isfinite(mapped)) and error_size < 1e-3 * size):
        raise InputError(
            f"{scene.name} lies outside the area where the field CRS is usable; give --crs EPSG:3857 "
            "(or another CRS that covers every input)"
        )
    return (float(mapped[0]), float(mapped[1]), float(mapped[2]), float(mapped[3]))


def tile_size_of(crs: str, spec: RSInputSpec, at: tuple[float, float]) -> tuple[float, float]:
    """The model's tile ground size in map units of `crs` at map point `at`: the ground size
    itself in a metric CRS whose scale is within 1% of true there, else the local scale."""
    metres = ground_pixel_size_m(PixelGrid(at[0] - 0.5, at[1] + 0.5, 1.0, 1.0, 1, 1), to_lonlat_of(crs), *at)
    ground = spec.tile_ground_size_m
    if all(abs(m - 1.0) < 0.01 for m in metres):
        return ground, ground
    return float(f"{ground / metres[0]:.6g}"), float(f"{ground / metres[1]:.6g}")


MAX_SCALE_CHANGE = 2.0  # a tile may be at most this much larger or smaller on the ground than the model's


AREA_MARGIN_DEG = 10.0  # how far outside its CRS's area of use a scene may lie (neighbouring UTM zones)


def area_of_use(crs: str) -> Optional[Bounds]:
    """(west, south, east, north) degrees where an EPSG CRS is meant to be used (pyproj, when
    installed), else None."""
    from rasterio.crs import CRS

    try:
        import pyproj

        code = CRS.from_wkt(crs).to_epsg()
        area = pyproj.CRS.from_epsg(code).area_of_use if code else None
    except Exception:  # no pyproj, or a CRS it does not know: no check
        return None
    return (area.west, area.south, area.east, area.north) if area else None


def check_scale(scene: Scene, box: Bounds, crs: str, spec: RSInputSpec, tile: tuple[float, float]) -> None:
    """InputError when the scene lies far outside the field CRS's area of use, or the CRS
    distorts it so much that a tile of the grid is far from the model's ground size there."""
    area = area_of_use(crs)
    if area is not None:
        lon, lat = to_lonlat_of(scene.crs)(
            np.array([(scene.bounds[0] + scene.bounds[2]) / 2]), np.array([(scene.bounds[1] + scene.bounds[3]) / 2])
        )
        m = AREA_MARGIN_DEG
        if not (area[0] - m <= lon[0] <= area[2] + m and area[1] - m <= lat[0] <= area[3] + m):
            raise InputError(
                f"{scene.name} ({lon[0]:.2f}, {lat[0]:.2f}) lies far outside the area where the field CRS "
                f"is meant to be used ({area[0]:g}..{area[2]:g} E, {area[1]:g}..{area[3]:g} N); give --crs "
                "EPSG:3857 or another CRS that covers every input, or build one field per region"
            )
    local = tile_size_of(crs, spec, ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2))
    ratio = tile[0] / local[0]
    if not 1 / MAX_SCALE_CHANGE <= ratio <= MAX_SCALE_CHANGE:
        raise InputError(
            f"{scene.name}: a tile of the field's grid would be {ratio * spec.tile_ground_size_m:.0f} m on "
            f"the ground there, not {spec.tile_ground_size_m:.0f} m (the field CRS distorts it); give --crs "
            "EPSG:3857 or another CRS that covers every input, or build one field per region"
        )


def plan_grid(
    scenes: Sequence[Scene],
    spec: RSInputSpec,
    crs: Optional[str] = None,
    tile_size: Optional[float] = None,
    chunk: int = DEFAULT_CHUNK,
) -> tuple[FieldGrid, list[Bounds]]:
    """The grid over every scene, and each scene's bounds in the grid's CRS."""
    from rasterio.crs import CRS
    from rasterio.errors import CRSError

    try:
        field_crs = CRS.from_user_input(crs).to_wkt() if crs else scenes[0].crs
    except CRSError as error:
        raise InputError(f"--crs {crs!r} is not a CRS ({error}); give e.g. EPSG:32633") from None
    if chunk < 1:
        raise InputError(f"--chunk {chunk}: give a positive number of tiles")
    bounds = [field_bounds(scene, field_crs) for scene in scenes]
    first = bounds[0]
    if tile_size is not None:
        if not tile_size > 0:
            raise InputError(f"--tile-size {tile_size}: give a positive size in map units")
        tw = th = float(tile_size)
    else:
        tw, th = tile_size_of(field_crs, spec, ((first[0] + first[2]) / 2, (first[1] + first[3]) / 2))
    for scene, box in zip(scenes, bounds):
        check_scale(scene, box, field_crs, spec, (tw, th))
    left = math.floor(min(b[0] for b in bounds) / tw) * tw
    top = math.ceil(max(b[3] for b in bounds) / th) * th
    cols = max(1, math.ceil((max(b[2] for b in bounds) - left) / tw))
    rows = max(1, math.ceil((top - min(b[1] for b in bounds)) / th))
    if cols * rows > MAX_TILES:
        raise InputError(f"the inputs span {cols} x {rows} tiles in the field CRS; give --crs a CRS that fits them all")
    pixels = max(1, round(spec.tile_ground_size_m / spec.nominal_pixel_size_m))
    return FieldGrid(field_crs, left, top, tw, th, cols, rows, chunk, pixels), bounds


def chunk_scenes(grid: FieldGrid, bounds: Sequence[Bounds]) -> dict[tuple[int, int], list[int]]:
    """For every chunk that meets a scene: the scenes (indices) it reads, in input order."""
    found: dict[tuple[int, int], list[int]] = {}
    for index, box in enumerate(bounds):
        for key in grid.chunks_over(box):
            found.setdefault(key, []).append(index)
    return dict(sorted(found.items(), key=lambda item: (item[0][1], item[0][0])))
