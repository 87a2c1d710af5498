"""QGIS-side input and output: raster windows through data providers, GeoTIFFs written
atomically with GDAL, point transforms, CRS units and a photo's EXIF GPS position.

Everything that maps arrays to map coordinates goes through `runtime.geometry.PixelGrid`.
"""

from __future__ import annotations

import math
import os
import re
import signal
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Sequence

import numpy as np
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsCsException,
    QgsPointXY,
    QgsRasterDataProvider,
    QgsRasterFileWriter,
    QgsRasterLayer,
    QgsRectangle,
)

from . import compat
from .runtime.errors import InputError, OutputExistsError
from .runtime.geometry import PixelGrid, Window, ground_pixel_size_m, subgrid
from .runtime.partial_files import OWNER, owner_tag, remove_stale
from .translation import translate

WGS84 = "EPSG:4326"
OUTPUT_NODATA = -9999.0

_NUMPY_DTYPES = {
    Qgis.DataType.Byte: np.uint8,
    Qgis.DataType.UInt16: np.uint16,
    Qgis.DataType.Int16: np.int16,
    Qgis.DataType.UInt32: np.uint32,
    Qgis.DataType.Int32: np.int32,
    Qgis.DataType.Float32: np.float32,
    Qgis.DataType.Float64: np.float64,
}
GDAL_REOPEN_READS = 32  # windows read through one GDAL handle before it is reopened (see RasterSource)
_GENERATED_BAND_NAME = re.compile(r"^Band \d+(: )?")


# --- reading ---------------------------------------------------------------------------


@dataclass
class RasterSource:
    """A raster layer's pixels as a north-up PixelGrid, read through a clone of its data
    provider (so it may be read from a worker thread). Build it on the main thread."""

    provider: QgsRasterDataProvider
    grid: PixelGrid
    crs: QgsCoordinateReferenceSystem
    band_names: list[Optional[str]]
    nodata: list[Optional[float]]
    source: str
    gdal_path: Optional[str] = None  # the file GDAL opens, when the provider is GDAL's: all bands in one read
    _local: threading.local = field(default_factory=threading.local, repr=False, compare=False)

    @staticmethod
    def from_layer(layer: QgsRasterLayer) -> RasterSource:
        if layer is None or not layer.isValid():
            raise InputError(
                translate("qgis_io", "the raster layer is not valid; check that its file or service can be opened")
            )
        provider = layer.dataProvider().clone()
        extent = provider.extent()
        grid = PixelGrid.from_bounds(
            extent.xMinimum(),
            extent.yMinimum(),
            extent.xMaximum(),
            extent.yMaximum(),
            provider.xSize(),
            provider.ySize(),
        )
        bands = range(1, provider.bandCount() + 1)
        return RasterSource(
            provider=provider,
            grid=grid,
            crs=layer.crs(),
            band_names=[band_description(layer.bandName(b)) for b in bands],
            nodata=[
                provider.sourceNoDataValue(b)
                if provider.sourceHasNoDataValue(b) and provider.useSourceNoDataValue(b)
                else None
                for b in bands
            ],
            source=f"{provider.name()}:{layer.source()}",
            gdal_path=gdal_file(provider, layer.source(), grid),
        )

    @property
    def band_count(self) -> int:
        return len(self.band_names)

    def read(self, window: Window, bands: Sequence[int]) -> np.ndarray:
        """(len(bands), rows, cols) pixels of a window inside the raster, at native resolution.

        `bands` are 0-based. The extent is the window's own grid, so the provider reads
        the raster's pixels one to one (no resampling)."""
        if (
            window.col < 0
            or window.row < 0
            or window.col + window.width > self.grid.width
            or window.row + window.height > self.grid.height
        ):
            raise InputError(
                translate("qgis_io", "window {} reaches outside the raster ({} x {} px)").format(
                    tuple(window), self.grid.width, self.grid.height
                )
            )
        dataset = self._gdal_dataset()
        if dataset is not None:  # one call for every band of the window
            pixels = dataset.ReadAsArray(
                window.col, window.row, window.width, window.height, band_list=[b + 1 for b in bands]
            )
            if pixels is None:
                raise InputError(
                    translate("qgis_io", "cannot read window {} of {}; check the file").format(
                        tuple(window), self.source
                    )
                )
            return pixels.reshape(len(bands), window.height, window.width)
        left, bottom, right, top = subgrid(self.grid, window).bounds
        extent = QgsRectangle(left, bottom, right, top)
        out = []
        for band in bands:
            block = self.provider.block(band + 1, extent, window.width, window.height)
            if not block.isValid():
                raise InputError(
                    translate("qgis_io", "cannot read band {} of {}: {}").format(
                        band + 1, self.source, self.provider.error().summary()
                    )
                )
            dtype = _NUMPY_DTYPES.get(block.dataType())
            if dtype is None:
                raise InputError(
                    translate(
                        "qgis_io", "band {} has an unsupported data type ({}); convert the raster to integers or floats"
                    ).format(band + 1, block.dataType())
                )
            out.append(np.frombuffer(bytes(block.data()), dtype=dtype).reshape(window.height, window.width))
        return np.stack(out)

    def _gdal_dataset(self):
        """This thread's GDAL handle on the file (GDAL datasets are not shared between threads), or
        None. It is opened again every GDAL_REOPEN_READS reads: closing it frees its blocks from
        GDAL's cache (by default 5% of the RAM), so a whole scene is read in bounded memory."""
        if self.gdal_path is None:
            return None
        reads = getattr(self._local, "reads", 0)
        if getattr(self._local, "dataset", None) is None or reads >= GDAL_REOPEN_READS:
            self._local.dataset = None
            self._local.dataset = open_gdal_direct(self.gdal_path)
            reads = 0
        self._local.reads = reads + 1
        return self._local.dataset

    def valid_mask(self, pixels: np.ndarray, bands: Sequence[int]) -> np.ndarray:
        """(rows, cols) True where at least one of `bands` (the rows of `pixels`) holds data."""
        if pixels.dtype.kind != "f" and any(self.nodata[band] is None for band in bands):
            return np.ones(pixels.shape[1:], dtype=bool)  # an integer band without nodata holds data everywhere
        valid = np.zeros(pixels.shape[1:], dtype=bool)
        for values, band in zip(pixels, bands):
            band_valid = np.isfinite(values) if values.dtype.kind == "f" else np.ones(values.shape, bool)
            if self.nodata[band] is not None:
                band_valid &= values != self.nodata[band]
            valid |= band_valid
        return valid


def open_gdal_direct(path: str):
    """A GDAL dataset of `path` that reads uncompressed GeoTIFF windows straight into the
    caller's array (GTIFF_DIRECT_IO) instead of through GDAL's block cache: a window then
    costs only its own bytes, not whole blocks (5 MB for a 512 px block of 10 uint16 bands,
    read again each time the handle is reopened), which took a 200 px window from ~4 to
    ~2 ms. GDAL reads the option when the dataset opens; it is set for this thread only
    and restored, and compressed files ignore it."""
    from osgeo import gdal

    previous = gdal.GetThreadLocalConfigOption("GTIFF_DIRECT_IO", None)
    gdal.SetThreadLocalConfigOption("GTIFF_DIRECT_IO", "YES")
    try:
        return gdal.OpenEx(path, gdal.OF_RASTER)
    finally:
        gdal.SetThreadLocalConfigOption("GTIFF_DIRECT_IO", previous)


def gdal_file(provider: QgsRasterDataProvider, source: str, grid: PixelGrid) -> Optional[str]:
    """The path GDAL opens for a GDAL-provider layer whose file has exactly the layer's grid
    (so windows read one to one), else None (reads go through the provider, one band at a time)."""
    if provider.name() != "gdal":
        return None
    from osgeo import gdal
    from qgis.core import QgsProviderRegistry

    parts = QgsProviderRegistry.instance().decodeUri("gdal", source)
    path = parts.get("path") or source
    if parts.get("layerName") or parts.get("openOptions"):
        return None
    dataset = gdal.OpenEx(path, gdal.OF_RASTER)
    if dataset is None or (dataset.RasterXSize, dataset.RasterYSize) != (grid.width, grid.height):
        return None
    transform = dataset.GetGeoTransform()
    if transform[2] or transform[4] or not np.allclose(transform, grid.geotransform, rtol=1e-12, atol=1e-9):
        return None
    return path


def band_description(display_name: str) -> Optional[str]:
    """'Band 02: B2' -> 'B2'; 'Band 1' -> None (QGIS's generated part removed)."""
    rest = _GENERATED_BAND_NAME.sub("", display_name or "").strip()
    return rest or None


# --- CRS and units -----------------------------------------------------------------------


def check_crs(crs: QgsCoordinateReferenceSystem, what: str) -> str:
    """A short description of a usable CRS; InputError when it is missing or invalid.
    A CRS without an authority id (a custom WKT) is fine: outputs carry its full WKT."""
    if not crs.isValid():
        raise InputError(
            translate(
                "qgis_io",
                "{} has no valid CRS; assign one (Layer Properties > Source, or gdal_edit.py -a_srs) and run again",
            ).format(what)
        )
    return crs.authid() or f"custom CRS '{crs.description() or 'unnamed'}' (no authority id; written as WKT)"


def ground_pixel_m(grid: PixelGrid, crs: QgsCoordinateReferenceSystem, x: float, y: float) -> tuple[float, float]:
    """Ground size (x, y) in metres of one pixel at map point (x, y), in any CRS: the CRS's
    local scale there, through a transform to WGS84 (`runtime.geometry.ground_pixel_size_m`)."""
    wgs84 = QgsCoordinateReferenceSystem(WGS84)

    def to_lonlat(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return transform_points(xs, ys, crs, wgs84, QgsCoordinateTransformContext())

    try:
        return ground_pixel_size_m(grid, to_lonlat, x, y)
    except ValueError:
        raise InputError(
            translate(
                "qgis_io",
                "the point ({}, {}) of the raster cannot be transformed from {} to "
                "longitude and latitude, so its ground size is unknown; check the "
                "raster's CRS or reproject it",
            ).format(x, y, crs.authid() or crs.description())
        ) from None


def wkt(crs: QgsCoordinateReferenceSystem) -> str:
    """The full WKT (as GDAL prefers it) of a CRS."""
    return crs.toWkt(compat.CRS_WKT_PREFERRED_GDAL)


# --- points ------------------------------------------------------------------------------


def transform_points(
    xs: np.ndarray,
    ys: np.ndarray,
    source: QgsCoordinateReferenceSystem,
    target: QgsCoordinateReferenceSystem,
    context: QgsCoordinateTransformContext,
) -> tuple[np.ndarray, np.ndarray]:
    """Transform points between CRSs with the project's transform context; NaN where a point
    cannot be transformed (outside the target projection's domain)."""
    xs = np.atleast_1d(np.asarray(xs, dtype=np.float64))
    ys = np.atleast_1d(np.asarray(ys, dtype=np.float64))
    if source == target:
        return xs.copy(), ys.copy()
    transform = QgsCoordinateTransform(source, target, context)
    out_x, out_y = np.full(xs.shape, np.nan), np.full(ys.shape, np.nan)
    for i, (x, y) in enumerate(zip(xs.tolist(), ys.tolist())):
        try:
            point = transform.transform(QgsPointXY(x, y))
        except QgsCsException:
            continue
        if math.isfinite(point.x()) and math.isfinite(point.y()):
            out_x[i], out_y[i] = point.x(), point.y()
    return out_x, out_y


def transform_point(
    point: QgsPointXY,
    source: QgsCoordinateReferenceSystem,
    target: QgsCoordinateReferenceSystem,
    context: QgsCoordinateTransformContext,
) -> tuple[float, float]:
    """One point into `target`; InputError naming both CRSs when it cannot be transformed."""
    x, y = transform_points(point.x(), point.y(), source, target, context)
    if not (math.isfinite(x[0]) and math.isfinite(y[0])):
        raise InputError(
            translate("qgis_io", "the point ({}, {}) in {} cannot be transformed to {}; check the point's CRS").format(
                point.x(),
                point.y(),
                source.authid() or translate("qgis_io", "its CRS"),
                target.authid() or translate("qgis_io", "the raster CRS"),
            )
        )
    return float(x[0]), float(y[0])


# --- writing -----------------------------------------------------------------------------


NOT_WRITABLE = ("VRT",)  # GDAL can Create() these, but not write pixel values into them


def overwrites_outputs() -> bool:
    """Whether an algorithm may replace an existing output file: in the QGIS desktop, whose
    Processing dialog asks before an existing file is chosen (as QGIS's own algorithms do);
    never from qgis_process or a script (platform "qgis_process" / "external")."""
    return QgsApplication.platform() == "desktop"


def raster_driver(path: str | Path) -> str:
    """The GDAL driver QGIS picks for the output's extension (.tif GeoTIFF, .img, .nc, ...);
    InputError when GDAL cannot write rasters of that kind."""
    from osgeo import gdal

    suffix = Path(path).suffix.lstrip(".")
    name = QgsRasterFileWriter.driverForExtension(suffix) if suffix else ""
    driver = gdal.GetDriverByName(name) if name else None
    if driver is None or name in NOT_WRITABLE or driver.GetMetadataItem("DCAP_CREATE") != "YES":
        raise InputError(
            translate(
                "qgis_io",
                "the output {} has an extension ('{}') GDAL cannot write a raster to; "
                "choose .tif (GeoTIFF) or another writable format such as .img or .nc",
            ).format(path, suffix)
        )
    return name


def writable_raster_extensions() -> list[str]:
    """The raster output extensions the algorithms offer: tif first, then every other one
    GDAL can create here."""
    extensions = []
    for extension in QgsRasterFileWriter.supportedFormatExtensions():
        try:
            raster_driver(f"x.{extension}")
        except InputError:
            continue
        extensions.append(extension)
    return ["tif"] + [e for e in extensions if e not in ("tif", "tiff")]


# `.<name>.<8 hex>.<pid>@<host>.partial<.ext>` and GDAL's side files of it (.aux.xml, .hdr, ...)
PARTIAL_OUTPUT = re.compile(rf"\..+\.[0-9a-f]{{8}}\.{OWNER.pattern}\.partial(\..+)?")


def check_output_path(path: str | Path, overwrite: Optional[bool] = None) -> Path:
    """A raster output path in a format GDAL writes, in an existing folder this process can write
    into (tried: permission bits do not stop root, a read-only disk does), that does not exist yet
    unless `overwrite` (default: `overwrites_outputs()`). Call it before the work. Partial files a
    killed run left in that folder (`remove_stale_partials`) go."""
    path = Path(path)
    raster_driver(path)
    if path.exists() and not (overwrites_outputs() if overwrite is None else overwrite):
        raise OutputExistsError(
            translate(
                "qgis_io", "the output {} already exists and is not overwritten; delete it or choose another file name"
            ).format(path)
        )
    check_output_folder(path)
    remove_stale_partials(path.parent)
    return path


def check_output_folder(path: str | Path) -> None:
    """The folder of output file `path` exists and this process can write into it: tried with a
    probe file, removed at once (permission bits do not stop root, a read-only disk does)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(
            translate("qgis_io", "the output folder {} does not exist; create it or choose another").format(path.parent)
        )
    probe = partial_name(path)
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except OSError as error:
        raise InputError(
            translate("qgis_io", "the output folder {} is not writable ({}); choose a folder you can write to").format(
                path.parent, error.strerror
            )
        ) from None


def partial_name(path: Path) -> Path:
    """The hidden file beside `path` that a write goes to before it is moved into place; it names
    this process, so that a later run can tell it was left by a killed one."""
    return path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.{owner_tag()}.partial{path.suffix}")


def remove_stale_partials(folder: Path) -> list[Path]:
    """Delete the partial outputs (and their GDAL side files) that processes of this machine which
    no longer run (kill -9, a crash) left in `folder`; nothing else is touched."""
    return remove_stale(folder, PARTIAL_OUTPUT)


@contextmanager
def input_sidecars_suppressed(sources: Sequence[object]) -> Iterator[None]:
    """While raster files named by `sources` are opened in this block (this thread), GDAL writes
    no `<raster>.aux.xml` beside them. QGIS computes a histogram when it loads a raster layer (its
    default contrast stretch; qgis_process loads every input while checking the parameters), and
    GDAL would keep it in a new `.aux.xml` beside the user's input. Where one of them already has
    an .aux.xml, nothing changes: its contents (georeferencing, band names, nodata) must be read."""
    from osgeo import gdal

    files = [Path(str(s)) for s in sources if isinstance(s, (str, Path)) and str(s) and Path(str(s)).is_file()]
    if not files or any(Path(f"{f}.aux.xml").exists() for f in files):
        yield
        return
    previous = gdal.GetThreadLocalConfigOption("GDAL_PAM_ENABLED", None)
    gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO")
    try:
        yield
    finally:
        gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", previous)


class GeoTiffWriter:
    """An open float32 GeoTIFF being written (see `atomic_geotiff`)."""

    def __init__(self, dataset, height: int) -> None:
        self._dataset = dataset
        self._height = height

    def write(self, values: np.ndarray, row: int = 0) -> None:
        """Write (bands, rows, cols) values starting at output row `row`."""
        values = np.asarray(values, dtype=np.float32)
        for index in range(values.shape[0]):
            self._dataset.GetRasterBand(index + 1).WriteArray(values[index], 0, row)


@contextmanager
def atomic_geotiff(
    path: str | Path,
    grid: PixelGrid,
    band_count: int,
    crs: QgsCoordinateReferenceSystem,
    band_names: Sequence[str] = (),
    metadata: Optional[dict] = None,
    nodata: float = OUTPUT_NODATA,
    overwrite: Optional[bool] = None,
) -> Iterator[GeoTiffWriter]:
    """Write a float32 raster (GeoTIFF, or the GDAL format of the path's extension) with an
    explicit geotransform and the full WKT CRS into a temporary file beside `path`, then move
    it into place only when the block succeeds. An existing `path` is replaced only where
    `check_output_path` allows it; a failed or cancelled write leaves nothing."""
    from osgeo import gdal

    overwrite = overwrites_outputs() if overwrite is None else overwrite
    path = check_output_path(path, overwrite)
    driver = gdal.GetDriverByName(raster_driver(path))
    partial = partial_name(path)
    options = ["COMPRESS=DEFLATE", "TILED=YES", "BIGTIFF=IF_SAFER"] if driver.ShortName == "GTiff" else []
    with _removed_on_sigterm(partial):
        dataset = driver.Create(str(partial), grid.width, grid.height, band_count, gdal.GDT_Float32, options)
        if dataset is None:
            raise InputError(translate("qgis_io", "cannot create {}: {}").format(partial, gdal.GetLastErrorMsg()))
        try:
            dataset.SetGeoTransform(grid.geotransform)
            dataset.SetProjection(wkt(crs))
            for index in range(band_count):
                band = dataset.GetRasterBand(index + 1)
                band.SetNoDataValue(nodata)
                band.Fill(nodata)
                if index < len(band_names):
                    band.SetDescription(band_names[index])
            if metadata:
                dataset.SetMetadata({str(k): str(v) for k, v in metadata.items()})
            yield GeoTiffWriter(dataset, grid.height)
            dataset.FlushCache()
            dataset = None
            _move_into_place(driver, partial, path, overwrite)
        finally:
            dataset = None
            if partial.exists():
                driver.Delete(str(partial))  # with its side files (.aux.xml, .hdr, ...)


def _move_into_place(driver, partial: Path, path: Path, overwrite: bool) -> None:
    """Move a finished raster to `path`; an existing file is replaced only when `overwrite`."""
    if driver.ShortName == "GTiff":
        if overwrite:
            os.replace(partial, path)
        else:
            _link_into_place(partial, path)
        return
    if path.exists():  # other formats may have side files: GDAL renames them together
        if not overwrite:
            raise OutputExistsError(
                translate("qgis_io", "the output {} already exists and is not overwritten").format(path)
            ) from None
        driver.Delete(str(path))
    if driver.Rename(str(path), str(partial)) != 0:
        raise InputError(
            translate("qgis_io", "cannot move {} to {}: check the folder's permissions").format(partial, path)
        )


_PARTIAL_FILES: set[Path] = set()  # files being written, removed if SIGTERM arrives meanwhile


def _remove_partial_files_and_terminate(signum: int, frame) -> None:
    """SIGTERM handler while a GeoTIFF is written: remove the partial files, then terminate as
    SIGTERM does (default handler, same signal), so nothing hidden is left behind."""
    for partial in list(_PARTIAL_FILES):
        partial.unlink(missing_ok=True)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


@contextmanager
def _removed_on_sigterm(partial: Path) -> Iterator[None]:
    """Within the block, SIGTERM removes `partial` before the process ends. Only the main thread
    may set signal handlers (qgis_process runs algorithms there); elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _PARTIAL_FILES.add(partial)
    previous = signal.signal(signal.SIGTERM, _remove_partial_files_and_terminate)
    try:
        yield
    finally:
        _PARTIAL_FILES.discard(partial)
        if not _PARTIAL_FILES:
            signal.signal(signal.SIGTERM, previous)


def _link_into_place(partial: Path, path: Path) -> None:
    """Move a finished file to `path` without ever replacing an existing file."""
    try:
        os.link(partial, path)  # fails if path exists: no race with another writer
    except FileExistsError:
        raise OutputExistsError(
            translate("qgis_io", "the output {} appeared while writing; it was not overwritten").format(path)
        ) from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise OutputExistsError(
                translate("qgis_io", "the output {} already exists and is not overwritten").format(path)
            ) from None
        os.replace(partial, path)
