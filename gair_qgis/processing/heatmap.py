"""gair:svheatmap: where in an RS scene does a street-view photo fit?"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsPointXY,
    QgsProcessingOutputNumber,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterPoint,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from .. import compat
from ..qgis_io import OUTPUT_NODATA, WGS84, RasterSource, atomic_geotiff, check_output_path, transform_point
from ..runtime.errors import InputError
from ..runtime.geometry import (
    PixelGrid,
    TileLattice,
    Window,
    centred_window,
    clip_window,
    fractional_pixel,
    subgrid,
)
from ..runtime.photo_gps import photo_gps
from .base import GairAlgorithm, Model, Progress, clear_errors, given
from .tiles import check_tile_count, encode_windows, extent_window, lattice_blocks, output_grid, tile_size_pixels

HELP = """Cosine similarity between a street-view photo's projected embedding and the RS embedding \
localized by GAIR's implicit interpolator (NILI) at every output pixel centre.

<b>Tile</b>: the window of INPUT encoded as one model tile. TILE_EXTENT sets it exactly (snapped to \
the raster's pixel edges, read at native resolution and resized to the model input as the model \
was trained: no resampling by the data provider). By default it is a window of the model's tile \
ground size (2 km for GAIR) around SV_POINT, shifted to stay inside the raster.

<b>SV_POINT</b>: where the photo was taken, in any CRS (transformed to the raster's CRS with the \
project's transform context). Default: the photo's EXIF GPS position when it has one.

<b>EXTENT</b>: the area to map (default: the tile). When larger than the tile, it is covered by \
tiles of the tile's size aligned with it, and each pixel is evaluated in the tile that contains it.

<b>PIXEL_SIZE</b>: output pixel size in the raster's CRS units (default: the raster's own pixels).

<b>Output</b>: float32 GeoTIFF in the raster's CRS (full WKT), nodata -9999 outside the raster and \
where all model bands are nodata. Encoded tiles are cached: a second photo on the same tile \
returns at once. The number of tiles is limited (GAIR_MAX_TILES / QGIS setting gair/max_tiles)."""


@dataclass
class HeatmapResult:
    values: np.ndarray  # (rows, cols) float32, OUTPUT_NODATA where undefined
    tiles: int
    encoded: int


class SvHeatmapAlgorithm(GairAlgorithm):
    INPUT = "INPUT"
    SV_IMAGE = "SV_IMAGE"
    SV_POINT = "SV_POINT"
    TILE_EXTENT = "TILE_EXTENT"
    EXTENT = "EXTENT"
    PIXEL_SIZE = "PIXEL_SIZE"
    OUTPUT = "OUTPUT"

    _group, _group_id = "Street view", "streetview"

    def name(self) -> str:
        return "svheatmap"

    def displayName(self) -> str:
        return self.tr("Street-view similarity heatmap")

    def shortHelpString(self) -> str:
        return self.tr(HELP)

    def initAlgorithm(self, config=None) -> None:
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, self.tr("Sentinel-2 L2A raster (any CRS)")))
        self.add_bands_parameter(self.INPUT)
        self.addParameter(QgsProcessingParameterFile(
            self.SV_IMAGE, self.tr("Street-view photo"), behavior=compat.FILE_BEHAVIOR_FILE,
            fileFilter="Images (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp);;All files (*.*)"))
        # Short labels (the Processing dialog's default width); the details are in each tooltip and the help.
        self.add_with_help(QgsProcessingParameterPoint(self.SV_POINT, self.tr("Where the photo was taken"), optional=True),
                           "Default: the photo's EXIF GPS position.")
        self.add_model_parameter()
        self.add_with_help(QgsProcessingParameterExtent(self.TILE_EXTENT, self.tr("Tile to encode"), optional=True),
                           "The window of the raster encoded as one model tile. Default: the model's tile ground "
                           "size around the point.")
        self.add_with_help(QgsProcessingParameterExtent(self.EXTENT, self.tr("Area to map"), optional=True),
                           "Default: the tile.")
        self.add_with_help(QgsProcessingParameterNumber(
            self.PIXEL_SIZE, self.tr("Output pixel size"), type=compat.NUMBER_DOUBLE, optional=True,
            minValue=0.0), "In the raster's CRS units. Default: the raster's own pixel size.")
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Similarity heatmap")))
        self.addOutput(QgsProcessingOutputNumber("TILES", self.tr("Tiles used")))
        self.addOutput(QgsProcessingOutputNumber("ENCODED_TILES", self.tr("Tiles encoded by this run (others came from the cache)")))
        self.addOutput(QgsProcessingOutputNumber("POINT_SIMILARITY", self.tr("Similarity at the photo's point")))

    def add_with_help(self, parameter, text: str) -> None:
        parameter.setHelp(self.tr(text))
        self.addParameter(parameter)

    def prepareAlgorithm(self, parameters, context, feedback) -> bool:
        return self.prepare_raster(parameters, context, self.INPUT)

    @clear_errors
    def processAlgorithm(self, parameters, context, feedback) -> dict:
        output = check_output_path(self.parameterAsOutputLayer(parameters, self.OUTPUT, context))
        source = self.raster()
        model = self.load_model(parameters, context, feedback)
        bands = self.band_mapping(parameters, context, source, model.package)
        photo = self.parameterAsFile(parameters, self.SV_IMAGE, context)
        if not photo:
            raise InputError("SV_IMAGE is not set; choose the street-view photo")
        _, sv_vector = model.runtime.encode_photo(photo)
        point = self.photo_point(parameters, context, source, photo, feedback)
        tile = self.tile_window(parameters, context, source, model, point, feedback)
        tile_grid = subgrid(source.grid, tile)
        feedback.pushInfo(f"Tile: columns {tile.col}..{tile.col + tile.width - 1}, rows {tile.row}..{tile.row + tile.height - 1} "
                          f"of the raster, bounds {tile_grid.bounds}")
        extent = self.parameterAsExtent(parameters, self.EXTENT, context, source.crs)
        area = subgrid(source.grid, extent_window(source, extent)) if given(parameters, self.EXTENT) else tile_grid
        pixel_size = self.parameterAsDouble(parameters, self.PIXEL_SIZE, context) if given(parameters, self.PIXEL_SIZE) else 0.0
        grid = output_grid(area, pixel_size)
        result = similarity_heatmap(model, source, bands, TileLattice(tile, (tile.width, tile.height)), grid, sv_vector,
                                    feedback)
        point_similarity = self.point_similarity(result, grid, point, feedback)
        metadata = {"GAIR_MEASURE": "cosine(projected SV embedding, NILI-localized RS embedding)",
                    **model.package.display_tags(),
                    "GAIR_PHOTO": photo, "GAIR_TILE_BOUNDS": tile_grid.bounds}
        with atomic_geotiff(output, grid, 1, source.crs, ["similarity"], metadata) as writer:
            Progress(feedback).check()
            writer.write(result.values[None])
        return {self.OUTPUT: str(output), "TILES": result.tiles, "ENCODED_TILES": result.encoded,
                "POINT_SIMILARITY": point_similarity}

    # --- steps ---------------------------------------------------------------------------

    def photo_point(self, parameters, context, source: RasterSource, photo: str, feedback) -> Optional[tuple[float, float]]:
        """SV_POINT (or the photo's EXIF GPS position) in the raster's CRS; None when neither exists."""
        if given(parameters, self.SV_POINT):
            point = self.parameterAsPoint(parameters, self.SV_POINT, context)
            crs = self.parameterAsPointCrs(parameters, self.SV_POINT, context)
            crs = crs if crs.isValid() else source.crs
            label = f"SV_POINT ({point.x()}, {point.y()}) [{crs.authid() or 'raster CRS'}]"
        else:
            gps = photo_gps(photo)
            if gps is None:
                return None
            point, crs = QgsPointXY(*gps), QgsCoordinateReferenceSystem(WGS84)
            label = f"the photo's EXIF GPS position ({gps[0]:.6f}, {gps[1]:.6f})"
            feedback.pushInfo(f"SV_POINT not given: using {label}")
        x, y = transform_point(point, crs, source.crs, context.transformContext())
        u, v = source.grid.uv(x, y)
        if not (0 <= u <= 1 and 0 <= v <= 1):
            left, bottom, right, top = source.grid.bounds
            raise InputError(f"{label} lies outside the raster INPUT (x {left:.6f}..{right:.6f}, y {bottom:.6f}..{top:.6f} "
                             f"in {source.crs.authid() or 'its CRS'}); give a point inside the raster, or check the point's CRS")
        return x, y

    def tile_window(self, parameters, context, source: RasterSource, model: Model,
                    point: Optional[tuple[float, float]], feedback) -> Window:
        """TILE_EXTENT snapped to the raster's pixels, or the default window around the point."""
        if given(parameters, self.TILE_EXTENT):
            extent = self.parameterAsExtent(parameters, self.TILE_EXTENT, context, source.crs)
            wanted = extent_window(source, extent)
            window = clip_window(source.grid, wanted)
            if window is None:
                raise InputError(f"TILE_EXTENT {extent.toString()} does not overlap the raster INPUT; choose a window inside it")
            if window != wanted:
                feedback.pushWarning("TILE_EXTENT reaches outside the raster: the tile is its part inside the raster")
            return window
        if point is None:
            raise InputError("the photo has no EXIF GPS position and SV_POINT is not set; give SV_POINT (where the photo "
                             "was taken, e.g. 'lon,lat [EPSG:4326]') or TILE_EXTENT")
        cols, rows = tile_size_pixels(source, model.package, point[0], point[1])
        return centred_window(source.grid, point[0], point[1], cols, rows)

    def point_similarity(self, result: HeatmapResult, grid: PixelGrid, point, feedback) -> Optional[float]:
        """The heatmap's value at the output pixel under the photo's point (None if outside)."""
        if point is None:
            return None
        col, row = fractional_pixel(grid, point[0], point[1])
        c, r = int(np.floor(col)), int(np.floor(row))
        if not (0 <= c < grid.width and 0 <= r < grid.height) or result.values[r, c] == OUTPUT_NODATA:
            return None
        value = float(result.values[r, c])
        feedback.pushInfo(f"Similarity at the photo's point: {value:.4f}")
        return value


def similarity_heatmap(model: Model, source: RasterSource, bands, lattice: TileLattice, grid: PixelGrid,
                       sv_vector: np.ndarray, feedback) -> HeatmapResult:
    """Cosine of `sv_vector` with the localized RS embedding at each pixel centre of `grid`
    (in the raster's CRS), each pixel evaluated in the lattice tile that contains it."""
    blocks = lattice_blocks(source.grid, lattice, grid)
    windows = [block.window for block in blocks]
    check_tile_count(windows, "this EXTENT at this tile size", "choose a smaller EXTENT or a larger TILE_EXTENT")
    encoded, fresh = encode_windows(model, source, bands, windows, Progress(feedback, 0, 90), feedback)
    values = np.full((grid.height, grid.width), OUTPUT_NODATA, dtype=np.float32)
    progress = Progress(feedback, 90, 99)
    for done, block in enumerate(blocks):
        progress.step(done, len(blocks))
        item = encoded[block.window]
        similarity = item.tile.similarity(sv_vector, block.x, block.y)
        values[np.ix_(block.rows, block.cols)] = np.where(block.valid(item), similarity, OUTPUT_NODATA)
    return HeatmapResult(values, len(set(windows)), fresh)
