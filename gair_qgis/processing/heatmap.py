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
    QgsProcessingParameterNumber,
    QgsProcessingParameterPoint,
    QgsProcessingParameterRasterDestination,
)

from .. import compat
from ..qgis_io import OUTPUT_NODATA, WGS84, RasterSource, atomic_geotiff, transform_point
from ..runtime.errors import InputError
from ..runtime.geometry import (
    PixelGrid,
    TileLattice,
    Window,
    clip_window,
    fractional_pixel,
    subgrid,
)
from ..runtime.photo_gps import photo_gps
from ..translation import QT_TRANSLATE_NOOP, translate
from .base import GairAlgorithm, Model, Progress, given
from .errors import NoOverlap, NoPhotoPosition, PointOutsideRaster, UnreadablePhoto
from .tiles import (
    blended_blocks,
    check_tile_count,
    encode_windows,
    extent_window,
    lattice_blocks,
    nearest_tile,
    output_grid,
    raster_tiles,
)

HELP = QT_TRANSLATE_NOOP(
    "SvHeatmapAlgorithm",
    """Cosine similarity between a street-view photo's projected embedding and the RS embedding \
localized by GAIR's implicit interpolator (NILI) at every output pixel centre.

<b>Tiles</b>: one grid fixed to the raster: tiles of the model's ground size (2 km for GAIR), every \
half tile from the raster's top-left corner (the last ones shifted inside it), read at native \
resolution and resized to the model input as the model was trained. Each place lies in two tiles \
along each axis; their heatmaps are blended with a weight that falls to 0 at each tile's edge, so \
a place gets the same value whatever the point or the area, and no tile edge shows.

<b>{SV_POINT}</b>: in any CRS (transformed to the raster's CRS with the project's transform context). \
Default: the photo's EXIF GPS position when it has one.

<b>{EXTENT}</b>: default: the grid's tile whose centre is nearest to where the photo was taken.

<b>{TILE_EXTENT}</b>: instead of the fixed grid, this window alone encoded as one model tile \
(snapped to the raster's pixels), and tiles of its size side by side over a larger area to map, each \
pixel evaluated in the tile that contains it (no blending).

<b>{PIXEL_SIZE}</b>: in the raster's CRS units (default: the raster's own pixels).

<b>{OUTPUT}</b>: float32 GeoTIFF in the raster's CRS (full WKT), nodata -9999 outside the raster and \
where all model bands are nodata. Encoded tiles are cached: another point or photo on tiles already \
encoded returns at once. The number of tiles is limited (GAIR_MAX_TILES / QGIS setting gair/max_tiles).""",
)


@dataclass
class HeatmapResult:
    values: np.ndarray  # (rows, cols) float32, OUTPUT_NODATA where undefined
    tiles: int
    encoded: int


class SvHeatmapAlgorithm(GairAlgorithm):
    SV_IMAGE = "SV_IMAGE"
    SV_POINT = "SV_POINT"
    TILE_EXTENT = "TILE_EXTENT"
    EXTENT = "EXTENT"
    PIXEL_SIZE = "PIXEL_SIZE"

    algorithm_name = "svheatmap"
    display_name = QT_TRANSLATE_NOOP("SvHeatmapAlgorithm", "Street-view similarity heatmap")
    help_text = HELP
    raster_parameter = GairAlgorithm.INPUT
    _group, _group_id = "Street view", "streetview"

    def initAlgorithm(self, config=None) -> None:
        self.add_raster_input(self.INPUT)
        self.add_photo_parameter(self.SV_IMAGE, self.tr("Street-view photo"))
        # Short labels (the Processing dialog's default width); the details are in each tooltip and the help.
        self.add_with_help(
            QgsProcessingParameterPoint(self.SV_POINT, self.tr("Where the photo was taken"), optional=True),
            self.tr("Default: the photo's EXIF GPS position."),
        )
        self.add_model_parameter()
        self.add_with_help(
            QgsProcessingParameterExtent(self.TILE_EXTENT, self.tr("Tile to encode"), optional=True),
            self.tr(
                "This window alone as one model tile (no blending). Default: the raster's fixed grid of tiles, blended."
            ),
        )
        self.add_with_help(
            QgsProcessingParameterExtent(self.EXTENT, self.tr("Area to map"), optional=True),
            self.tr("Default: the tile of the raster's fixed grid nearest to the point."),
        )
        self.add_with_help(
            QgsProcessingParameterNumber(
                self.PIXEL_SIZE, self.tr("Output pixel size"), type=compat.NUMBER_DOUBLE, optional=True, minValue=0.0
            ),
            self.tr("In the raster's CRS units. Default: the raster's own pixel size."),
        )
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Similarity heatmap")))
        self.add_tile_outputs()
        self.addOutput(QgsProcessingOutputNumber("POINT_SIMILARITY", self.tr("Similarity at the photo's point")))

    def process(self, parameters, context, feedback) -> dict:
        output = self.raster_output(parameters, context)
        source, model, bands = self.raster_model_bands(parameters, context, feedback)
        photo = self.photo_path(parameters, context, self.SV_IMAGE)
        try:
            _, sv_vector = model.runtime.encode_photo(photo)
        except InputError as error:  # the runtime's message names the file and why it cannot be read
            raise UnreadablePhoto(str(error)) from None
        point = self.photo_point(parameters, context, source, photo, feedback)
        pixel_size = self.optional_double(parameters, context, self.PIXEL_SIZE)
        if given(parameters, self.TILE_EXTENT):
            tile = self.tile_window(parameters, context, source, feedback)
            area = self.area(parameters, context, source, tile)
            grid = output_grid(subgrid(source.grid, area), pixel_size)
            result = similarity_heatmap(
                model, source, bands, TileLattice(tile, (tile.width, tile.height)), grid, sv_vector, feedback
            )
            layout = self.tr("one tile, columns {}..{}, rows {}..{}").format(
                tile.col, tile.col + tile.width - 1, tile.row, tile.row + tile.height - 1
            )
        else:
            lattice, cells = raster_tiles(source, model.package)
            area = self.area(parameters, context, source, self.default_area(source, lattice, cells, point))
            grid = output_grid(subgrid(source.grid, area), pixel_size)
            result = blended_heatmap(model, source, bands, lattice, cells, grid, sv_vector, feedback)
            layout = self.tr(
                "the raster's fixed grid: {} x {} px tiles every {} x {} px from its top-left corner, blended"
            ).format(lattice.first.width, lattice.first.height, *lattice.stride)
        area_bounds = subgrid(source.grid, area).bounds
        feedback.pushInfo(
            self.tr("Tiles: {}; area: columns {}..{}, rows {}..{} of the raster, bounds {}").format(
                layout, area.col, area.col + area.width - 1, area.row, area.row + area.height - 1, area_bounds
            )
        )
        point_similarity = self.point_similarity(result, grid, point, feedback)
        metadata = {
            "GAIR_MEASURE": "cosine(projected SV embedding, NILI-localized RS embedding)",
            **model.package.display_tags(),
            "GAIR_PHOTO": photo,
            "GAIR_TILE_BOUNDS": area_bounds,
            "GAIR_TILES": layout,
        }
        if point_similarity is not None:
            metadata["GAIR_POINT_SIMILARITY"] = f"{point_similarity:.6g}"
        with atomic_geotiff(output, grid, 1, source.crs, ["similarity"], metadata) as writer:
            Progress(feedback).check()
            writer.write(result.values[None])
        return {
            self.OUTPUT: str(output),
            "TILES": result.tiles,
            "ENCODED_TILES": result.encoded,
            "POINT_SIMILARITY": point_similarity,
        }

    # --- steps ---------------------------------------------------------------------------

    def photo_point(
        self, parameters, context, source: RasterSource, photo: str, feedback
    ) -> Optional[tuple[float, float]]:
        """SV_POINT (or the photo's EXIF GPS position) in the raster's CRS; None when neither exists."""
        if given(parameters, self.SV_POINT):
            point = self.parameterAsPoint(parameters, self.SV_POINT, context)
            crs = self.parameterAsPointCrs(parameters, self.SV_POINT, context)
            crs = crs if crs.isValid() else source.crs
            label = "SV_POINT ({}, {}) [{}]".format(point.x(), point.y(), crs.authid() or self.tr("raster CRS"))
        else:
            gps = photo_gps(photo)
            if gps is None:
                return None
            point, crs = QgsPointXY(*gps), QgsCoordinateReferenceSystem(WGS84)
            label = self.tr("the photo's EXIF GPS position ({:.6f}, {:.6f})").format(*gps)
            feedback.pushInfo(self.tr("SV_POINT not given: using {}").format(label))
        x, y = transform_point(point, crs, source.crs, context.transformContext())
        u, v = source.grid.uv(x, y)
        if not (0 <= u <= 1 and 0 <= v <= 1):
            left, bottom, right, top = source.grid.bounds
            raise PointOutsideRaster(
                self.tr(
                    "{} lies outside the raster INPUT (x {:.6f}..{:.6f}, y {:.6f}..{:.6f} in {}); give a point inside the "
                    "raster, or check the point's CRS"
                ).format(label, left, right, bottom, top, source.crs.authid() or self.tr("its CRS"))
            )
        return x, y

    def tile_window(self, parameters, context, source: RasterSource, feedback) -> Window:
        """TILE_EXTENT snapped to the raster's pixels and clipped to it."""
        extent = self.parameterAsExtent(parameters, self.TILE_EXTENT, context, source.crs)
        wanted = extent_window(source, extent)
        window = clip_window(source.grid, wanted)
        if window is None:
            raise NoOverlap(
                self.tr("TILE_EXTENT {} does not overlap the raster INPUT; choose a window inside it").format(
                    extent.toString()
                )
            )
        if window != wanted:
            feedback.pushWarning(
                self.tr("TILE_EXTENT reaches outside the raster: the tile is its part inside the raster")
            )
        return window

    def default_area(
        self, source: RasterSource, lattice: TileLattice, cells: tuple[int, int], point: Optional[tuple[float, float]]
    ) -> Window:
        """The tile of the raster's fixed grid whose centre is nearest to the photo's point."""
        if point is None:
            raise NoPhotoPosition(
                self.tr(
                    "the photo has no EXIF GPS position and {point} is not set; give {point} "
                    "(where the photo was taken, e.g. 'lon,lat [EPSG:4326]'), {extent} or {tile_extent}"
                ).format(
                    point=self.parameter_label(self.SV_POINT),
                    extent=self.parameter_label(self.EXTENT),
                    tile_extent=self.parameter_label(self.TILE_EXTENT),
                )
            )
        return nearest_tile(source.grid, lattice, cells, point[0], point[1])

    def area(self, parameters, context, source: RasterSource, default: Window) -> Window:
        """EXTENT snapped to the raster's pixels, else `default`."""
        if not given(parameters, self.EXTENT):
            return default
        return extent_window(source, self.parameterAsExtent(parameters, self.EXTENT, context, source.crs))

    def point_similarity(self, result: HeatmapResult, grid: PixelGrid, point, feedback) -> Optional[float]:
        """The heatmap's value at the output pixel under the photo's point (None if outside)."""
        if point is None:
            return None
        col, row = fractional_pixel(grid, point[0], point[1])
        c, r = int(np.floor(col)), int(np.floor(row))
        if not (0 <= c < grid.width and 0 <= r < grid.height) or result.values[r, c] == OUTPUT_NODATA:
            return None
        value = float(result.values[r, c])
        feedback.pushInfo(self.tr("Similarity at the photo's point: {:.4f}").format(value))
        return value


def similarity_heatmap(
    model: Model, source: RasterSource, bands, lattice: TileLattice, grid: PixelGrid, sv_vector: np.ndarray, feedback
) -> HeatmapResult:
    """Cosine of `sv_vector` with the localized RS embedding at each pixel centre of `grid`
    (in the raster's CRS), each pixel evaluated in the lattice tile that contains it."""
    blocks = lattice_blocks(source.grid, lattice, grid)
    windows = [block.window for block in blocks]
    check_tile_count(
        windows,
        translate("SvHeatmapAlgorithm", "this EXTENT at this tile size"),
        translate("SvHeatmapAlgorithm", "choose a smaller EXTENT or a larger TILE_EXTENT"),
    )
    encoded, fresh = encode_windows(model, source, bands, windows, Progress(feedback, 0, 90), feedback)
    values = np.full((grid.height, grid.width), OUTPUT_NODATA, dtype=np.float32)
    progress = Progress(feedback, 90, 99)
    for done, block in enumerate(blocks):
        progress.step(done, len(blocks))
        item = encoded[block.window]
        similarity = item.tile.similarity(sv_vector, block.x, block.y)
        values[np.ix_(block.rows, block.cols)] = np.where(block.valid(item), similarity, OUTPUT_NODATA)
    return HeatmapResult(values, len(set(windows)), fresh)


def blended_heatmap(
    model: Model,
    source: RasterSource,
    bands,
    lattice: TileLattice,
    cells: tuple[int, int],
    grid: PixelGrid,
    sv_vector: np.ndarray,
    feedback,
) -> HeatmapResult:
    """Cosine of `sv_vector` with the localized RS embedding at each pixel centre of `grid`,
    from the raster's fixed tile grid: each tile's exact NILI heatmap (`EncodedTile.similarity`)
    weighted by its raised-cosine window, summed and divided by the sum of the weights. A place
    gets the same value whatever the grid, and no tile edge shows (the weight is 0 there)."""
    blocks = blended_blocks(source.grid, lattice, cells, grid)
    windows = [block.window for block in blocks]
    check_tile_count(
        windows,
        translate("SvHeatmapAlgorithm", "this EXTENT"),
        translate("SvHeatmapAlgorithm", "choose a smaller EXTENT or zoom in"),
    )
    encoded, fresh = encode_windows(model, source, bands, windows, Progress(feedback, 0, 90), feedback)
    weighted = np.zeros((grid.height, grid.width))
    weights = np.zeros((grid.height, grid.width))
    valid = np.zeros((grid.height, grid.width), dtype=bool)
    progress = Progress(feedback, 90, 99)
    for done, block in enumerate(blocks):
        progress.step(done, len(blocks))
        item = encoded[block.window]
        pixels = np.ix_(block.rows, block.cols)
        weight = block.weight()
        weighted[pixels] += weight * item.tile.similarity(sv_vector, block.x, block.y)
        weights[pixels] += weight
        valid[pixels] = block.valid(item)
    values = np.full((grid.height, grid.width), OUTPUT_NODATA, dtype=np.float32)
    np.divide(weighted, weights, out=values, where=valid & (weights > 0), casting="unsafe")
    return HeatmapResult(values, len(windows), fresh)
