"""Raster files through rasterio (outside QGIS: the command lines, export checks, training data).

One reader of a file's grid, CRS and band names, with clear errors; rasterio is imported
only when a file is opened, so the plugin never loads it.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional

import numpy as np
from numpy.typing import NDArray

from .errors import InputError
from .geometry import PixelGrid
from .preprocess import RSInputSpec, band_indices

if TYPE_CHECKING:
    from rasterio.io import DatasetReader


@dataclass(frozen=True)
class RasterInfo:
    """What is known about a raster without reading its pixels."""

    path: str
    grid: PixelGrid
    crs: Optional[str]  # WKT; None when the file has no CRS
    is_geographic: bool
    count: int
    band_names: tuple[Optional[str], ...]
    nodata: Optional[float]

    def band_indices(self, spec: RSInputSpec) -> list[int]:
        """Indices of the model's bands; raises InputError when the bands cannot be used."""
        return band_indices(self.count, spec, list(self.band_names))


def grid_of(dataset: DatasetReader) -> PixelGrid:
    """The north-up PixelGrid of an open rasterio dataset (or WarpedVRT)."""
    t = dataset.transform
    if t.is_identity and dataset.crs is None:
        raise InputError(
            f"{dataset.name} has no georeference (no geotransform and no CRS); georeference it "
            "(e.g. gdal_translate -a_ullr ... -a_srs ...) or give its box with --rs-bbox"
        )
    if t.b != 0 or t.d != 0 or t.e >= 0:
        raise InputError(f"{dataset.name}: rotated or south-up rasters are not supported; warp it north-up first")
    return PixelGrid(t.c, t.f, t.a, -t.e, dataset.width, dataset.height)


@contextmanager
def open_raster(path: str | Path) -> Iterator[DatasetReader]:
    """An open rasterio dataset; InputError when the file is missing or unreadable."""
    import rasterio

    if not Path(path).is_file():
        raise InputError(f"raster not found: {path}")
    try:
        with rasterio.open(path) as dataset:
            yield dataset
    except rasterio.errors.RasterioIOError as error:
        raise InputError(f"cannot read the raster {path}: {error}") from None


def info_of(dataset: DatasetReader, path: str | Path) -> RasterInfo:
    crs = dataset.crs
    return RasterInfo(
        path=str(path),
        grid=grid_of(dataset),
        crs=crs.to_wkt() if crs else None,
        is_geographic=bool(crs and crs.is_geographic),
        count=dataset.count,
        band_names=tuple(dataset.descriptions),
        nodata=dataset.nodata,
    )


def raster_info(path: str | Path) -> RasterInfo:
    """A raster's header only."""
    with open_raster(path) as dataset:
        return info_of(dataset, path)


def check_has_data(info: RasterInfo, pixels: NDArray[Any], bands: list[int]) -> None:
    """InputError when every pixel of the used bands is nodata (or not finite): the model
    would embed the fill value and return meaningless numbers."""
    used = pixels[bands]
    valid = np.isfinite(used) if used.dtype.kind == "f" else np.ones(used.shape, bool)
    if info.nodata is not None:
        valid &= used != info.nodata
    if not valid.any():
        raise InputError(
            f"{info.path} holds no data: every pixel of the model's bands is nodata "
            f"(value {info.nodata}) or not a number; give a raster with data"
        )


def read_raster(path: str | Path) -> tuple[RasterInfo, NDArray[Any]]:
    """A whole raster: its header and its (bands, rows, cols) pixels."""
    with open_raster(path) as dataset:
        return info_of(dataset, path), dataset.read()
