"""One reader for Sentinel-2 data in the layouts the project meets, returning the package's
bands on one grid at the finest resolution present (10 m).

Layouts (each tested on a real file in tests/test_sentinel2_reader.py):
- one multi-band file (GeoTIFF or anything GDAL opens), 13 bands B1..B12 with B8A and B10
  (EuroSAT, Sen1Floods11: Level-1C, uint16 or int16, any CRS including EPSG:4326),
  12 bands without B10 (an L2A stack) or the package's 10 bands; band descriptions that
  name the bands win over these orders. 13 bands come in two orders: the product's (B8A
  after B8, Sen1Floods11) and EuroSAT's (B8A last: B1..B8, B9, B10, B11, B12, B8A; the
  dataset's own documentation, and ../shared's copy of it, say otherwise, but its pixels
  are unambiguous: band 10 holds the cirrus values of 5-20 and band 13 follows B8). Without
  descriptions the order is told by where the cirrus band B10 lies: it is by far the
  darkest band (`thirteen_band_order`);
- a folder of one file per band, `*_B02.tif` / `*_B8A.jp2` ... at 10, 20 and 60 m
  (BigEarthNet L2A GeoTIFFs, a SAFE product's IMG_DATA JPEG2000 files): every band is
  resampled bilinearly onto the grid of the finest band.

Level-1C vs Level-2A. The released GAIR (and its preprocessing constants) expects L2A
surface (bottom-of-atmosphere) reflectance x 10000. L1C is top-of-atmosphere reflectance
x 10000, with the same band set plus B10 (cirrus). This reader:
- drops the bands the package does not use: B1 and B9 (60 m, atmospheric) and B10 (L1C only);
- removes the radiometric offset of processing baseline 04.00 and later (products acquired
  from 25 January 2022: DN = reflectance x 10000 + 1000, BOA_ADD_OFFSET / RADIO_ADD_OFFSET
  = -1000), detected from the acquisition date in the file or folder name, or given;
- does NOT correct the atmosphere: L1C values are passed on as TOA reflectance (over land
  they read somewhat brighter than L2A in the blue bands). `Sentinel2Image.level` says which
  one was read, so a model trained on both, as the bundled one is, can be described honestly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from gair_qgis.runtime.errors import InputError
from gair_qgis.runtime.geometry import PixelGrid, ground_pixel_size_m, subgrid
from gair_qgis.runtime.geometry import Window as GridWindow
from gair_qgis.runtime.preprocess import canonical_band_name, released_rs_spec

from .raster import Window, inside, lonlat_function, lonlat_to_crs, random_offset, window_size

S2_13_BANDS = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12")
S2_L2A_12_BANDS = tuple(b for b in S2_13_BANDS if b != "B10")
EUROSAT_13_BANDS = tuple(b for b in S2_13_BANDS if b != "B8A") + ("B8A",)
BASELINE_04_START = date(2022, 1, 25)
BASELINE_04_OFFSET = 1000.0
_BAND_FILE = re.compile(r"_(B\d{2}|B8A)\.(tif|tiff|jp2)$", re.IGNORECASE)
_DATE = re.compile(r"(20\d{2})(\d{2})(\d{2})T\d{6}")


@dataclass(frozen=True)
class Sentinel2Image:
    """Sentinel-2 pixels in the package's band order on one grid."""

    pixels: np.ndarray  # (bands, rows, cols) float32, reflectance x 10000, offset removed
    valid: np.ndarray  # (bands, rows, cols) bool: not nodata
    grid: PixelGrid
    crs: str  # WKT
    is_geographic: bool
    linear_unit_m: float
    bands: tuple[str, ...]
    level: str  # "L1C" (top of atmosphere) or "L2A" (surface reflectance)
    dropped: tuple[str, ...]  # bands of the source that the package does not use
    offset_removed: float
    source: str

    def centre_lonlat(self) -> tuple[float, float]:
        """(lon, lat) of the grid's centre."""
        from rasterio.warp import transform

        left, bottom, right, top = self.grid.bounds
        xs, ys = transform(self.crs, "EPSG:4326", [(left + right) / 2], [(bottom + top) / 2])
        return float(xs[0]), float(ys[0])


def band_files(folder: Path) -> dict[str, Path]:
    """Band name ('B2', 'B8A', ...) -> file, for a folder of one file per band."""
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        match = _BAND_FILE.search(path.name)
        name = canonical_band_name(match.group(1)) if match else None
        if name is not None:
            files[name] = path
    return files


def acquisition_date(path: Path) -> Optional[date]:
    """The first yyyymmddThhmmss date in the path, if any."""
    match = _DATE.search(str(path))
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def detect_level(path: Path, source_bands: Sequence[str]) -> str:
    """'L2A' or 'L1C' from the product name (MSIL2A / MSIL1C, L2A / L1C), else from B10:
    L1C products carry the cirrus band B10, L2A products do not."""
    name = str(path).upper()
    for level in ("L2A", "L1C"):
        if level in name:
            return level
    return "L1C" if "B10" in source_bands else "L2A"


def default_offset(path: Path) -> float:
    """1000 for products of processing baseline 04.00 and later (by acquisition date), else 0."""
    acquired = acquisition_date(path)
    return BASELINE_04_OFFSET if acquired is not None and acquired >= BASELINE_04_START else 0.0


def _source_bands(count: int, descriptions: Sequence[Optional[str]], wanted: Sequence[str]) -> list[str]:
    """Band names of a multi-band file: its descriptions when they name every wanted band,
    else by band count (13: L1C order, 12: L2A order, 10: the package's order)."""
    named = [canonical_band_name(d) for d in descriptions]
    if all(band in named for band in wanted):
        return [n or f"?{i}" for i, n in enumerate(named)]
    orders = {13: S2_13_BANDS, 12: S2_L2A_12_BANDS, len(wanted): tuple(wanted)}
    if count not in orders:
        raise InputError(
            f"the raster has {count} band(s) without band descriptions; expected 13 (B1..B12 with B8A "
            f"and B10), 12 (L2A, no B10) or {len(wanted)} ({', '.join(wanted)}); "
            "name the bands in their descriptions"
        )
    return list(orders[count])


def _grid_and_crs(dataset) -> tuple[PixelGrid, str, bool, float]:
    from gair_qgis.runtime.raster_file import grid_of

    crs = dataset.crs
    if crs is None:
        raise InputError(f"{dataset.name}: the raster has no CRS; georeference it (e.g. gdal_edit.py -a_srs)")
    linear = 1.0 if crs.is_geographic else float(crs.linear_units_factor[1])
    return grid_of(dataset), crs.to_wkt(), bool(crs.is_geographic), linear


def thirteen_band_order(dataset) -> tuple[str, ...]:
    """The order of an undescribed 13-band file: EuroSAT's when band 10 (B10 there) is darker
    than band 11 (B11 there), else the product's (B9 at band 10, B10 at band 11). Cirrus
    (B10) reads 5-50 over nearly everything, B9 and B11 tens to thousands."""
    cirrus_at_10, cirrus_at_11 = (float(dataset.read(band, masked=True).astype(np.float64).mean()) for band in (10, 11))
    return EUROSAT_13_BANDS if cirrus_at_10 < cirrus_at_11 else S2_13_BANDS


def _read_stack(path: Path, wanted: Sequence[str]):
    import rasterio

    with rasterio.open(path) as dataset:
        names = _source_bands(dataset.count, dataset.descriptions, wanted)
        described = all(band in map(canonical_band_name, dataset.descriptions) for band in wanted)
        if dataset.count == len(S2_13_BANDS) and not described:
            names = list(thirteen_band_order(dataset))
        indexes = [names.index(band) + 1 for band in wanted]
        data = dataset.read(indexes, masked=True)
        return (names, np.ma.getdata(data).astype(np.float32), ~np.ma.getmaskarray(data)) + _grid_and_crs(dataset)


def _read_band_files(folder: Path, wanted: Sequence[str]):
    import rasterio
    from rasterio.enums import Resampling

    files = band_files(folder)
    missing = [band for band in wanted if band not in files]
    if missing:
        raise InputError(
            f"{folder}: no file for band(s) {', '.join(missing)} (expected names ending in _B02.tif, _B8A.jp2, ...)"
        )
    finest = min(wanted, key=lambda band: _pixel_size(files[band]))
    with rasterio.open(files[finest]) as reference:
        grid, crs, geographic, linear = _grid_and_crs(reference)
    pixels, valid = [], []
    for band in wanted:
        with rasterio.open(files[band]) as dataset:
            own = _grid_and_crs(dataset)[0]
            if not np.allclose(own.bounds, grid.bounds, atol=max(own.pixel_width, own.pixel_height) / 2):
                raise InputError(
                    f"{files[band]}: its extent {own.bounds} differs from {files[finest].name}'s "
                    f"{grid.bounds}; the band files must cover the same area"
                )
            data = dataset.read(1, out_shape=(grid.height, grid.width), masked=True, resampling=Resampling.bilinear)
        pixels.append(np.ma.getdata(data).astype(np.float32))
        valid.append(~np.ma.getmaskarray(data))
    return list(files), np.stack(pixels), np.stack(valid), grid, crs, geographic, linear


def _pixel_size(path: Path) -> float:
    import rasterio

    with rasterio.open(path) as dataset:
        return abs(dataset.transform.a)


def read_sentinel2(
    path: str | Path, bands: Optional[Sequence[str]] = None, level: Optional[str] = None, offset: Optional[float] = None
) -> Sentinel2Image:
    """Read Sentinel-2 data in any supported layout (see the module docstring).

    `bands`: the bands wanted, in order (default: the package's 10 bands); `level`: 'L1C' or
    'L2A' when the name and band set do not tell; `offset`: DN offset to remove (default by
    acquisition date: 1000 from baseline 04.00, else 0)."""
    path = Path(path)
    wanted = tuple(bands or released_rs_spec().bands)
    if not path.exists():
        raise InputError(f"Sentinel-2 data not found: {path}")
    try:
        reader = _read_band_files if path.is_dir() else _read_stack
        source_bands, pixels, valid, grid, crs, geographic, linear = reader(path, wanted)
    except InputError:
        raise
    except Exception as error:  # rasterio raises several kinds for unreadable files
        raise InputError(f"cannot read Sentinel-2 data {path}: {error}") from None
    level = (level or detect_level(path, source_bands)).upper()
    if level not in ("L1C", "L2A"):
        raise InputError(f"level must be L1C or L2A, not {level!r}")
    removed = default_offset(path) if offset is None else float(offset)
    if removed:
        pixels = pixels - np.float32(removed)
    np.maximum(pixels, 0, out=pixels)  # int16 products hold small negative values where reflectance is ~0
    return Sentinel2Image(
        pixels,
        valid,
        grid,
        crs,
        geographic,
        linear,
        wanted,
        level,
        tuple(b for b in source_bands if b not in wanted and not b.startswith("?")),
        removed,
        str(path),
    )


def sentinel2_window(
    image: Sentinel2Image, lon: float, lat: float, ground_size_m: float, rng: np.random.Generator
) -> Window:
    """A window about `ground_size_m` across with (lon, lat) at a random position inside it
    (as `raster.read_window`, from pixels already in memory)."""
    grid = image.grid
    x, y = lonlat_to_crs(lon, lat, image.crs, image.is_geographic)
    u, v = grid.uv(x, y)
    if not inside(u, v).all():
        raise InputError(f"{image.source}: point ({lon}, {lat}) lies outside the raster")
    to_lonlat = lonlat_function(image.crs, image.is_geographic)
    cols, rows = window_size(grid, ground_pixel_size_m(grid, to_lonlat, float(x[0]), float(y[0])), ground_size_m)
    col0 = random_offset(float(u[0]) * grid.width, cols, grid.width, rng)
    row0 = random_offset(float(v[0]) * grid.height, rows, grid.height, rng)
    window_grid = subgrid(grid, GridWindow(col0, row0, cols, rows))
    wu, wv = window_grid.uv(x, y)
    pixels = image.pixels[:, row0 : row0 + rows, col0 : col0 + cols].astype(np.float64)
    valid = image.valid[:, row0 : row0 + rows, col0 : col0 + cols]
    return Window(pixels, valid, window_grid, float(wu[0]), float(wv[0]))


def is_sentinel2_source(path: str | Path) -> bool:
    """Whether a training raster goes through this reader: a folder of band files, or a
    multi-band file of 13 bands (which the generic raster path cannot map)."""
    path = Path(path)
    if path.is_dir():
        return True
    from gair_qgis.runtime.raster_file import raster_info

    return raster_info(path).count == len(S2_13_BANDS)


def tile_centres(image: Sentinel2Image, tile_px: int) -> list[tuple[float, float]]:
    """(lon, lat) centres of the non-overlapping tile_px x tile_px tiles that fit in the image."""
    from rasterio.warp import transform

    grid = image.grid
    cols, rows = grid.width // tile_px, grid.height // tile_px
    xs, ys = [], []
    for j in range(rows):
        for i in range(cols):
            xs.append(grid.left + (i + 0.5) * tile_px * grid.pixel_width)
            ys.append(grid.top - (j + 0.5) * tile_px * grid.pixel_height)
    if not xs:
        return []
    lons, lats = transform(image.crs, "EPSG:4326", xs, ys)
    return list(zip(lons, lats))


def check_sentinel2_point(path: str | Path, lon: float, lat: float, bands: Sequence[str]) -> Optional[str]:
    """None when the data reads and covers (lon, lat), else what is wrong (for manifest validation)."""
    image = read_sentinel2(path, bands)
    x, y = lonlat_to_crs(lon, lat, image.crs, image.is_geographic)
    if not inside(*image.grid.uv(x, y)).all():
        return f"point ({lon}, {lat}) lies outside {path}"
    return None
