"""gair:tilepredict: a prediction head from the model package on every tile of a raster."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFields,
    QgsGeometry,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterRasterDestination,
    QgsRectangle,
)

from .. import compat
from ..analysis import load_heads
from ..qgis_io import WGS84, RasterSource, atomic_geotiff, check_output_path, transform_points
from ..runtime.geometry import PixelGrid, TileLattice, Window, subgrid
from ..runtime.package import LOCATION, RS_GLOBAL, TILE_HEAD_INPUTS
from ..translation import QT_TRANSLATE_NOOP
from .base import GairAlgorithm, Progress, given
from .errors import NoHeads
from .predictions import head_attributes, head_band_values, head_bands, head_fields
from .tiles import area_window, check_tile_count, encode_windows, lattice_windows, tile_lattice

HELP = QT_TRANSLATE_NOOP(
    "TilePredictAlgorithm",
    """Applies the model package's prediction heads to every tile of a raster (tiles of the \
model's ground size, side by side from the top-left corner of the <b>{EXTENT}</b>, default the whole \
raster; tiles at the edge are shifted inside it).

Heads that take the tile's global RS embedding ('rs_global') get it; heads that take a location \
embedding ('location') get that of the tile's centre. <b>{HEAD}</b> picks one head by name (default: \
all such heads).

<b>{OUTPUT}</b>: a polygon layer with one feature per tile: tile index, column and row, then per \
classification head the class label and one probability per class, per regression head one \
value per target. <b>{OUTPUT_RASTER}</b> (optional): the same values as a raster over the area, never past \
the raster's edge: one pixel per tile where the area is a whole number of tiles, else a few \
pixels per tile (a class-index band first for classifiers).""",
)
MAX_PIXELS_PER_TILE = 8  # across, in the prediction raster where tiles do not fit the area exactly


class TilePredictAlgorithm(GairAlgorithm):
    HEAD = "HEAD"
    EXTENT = "EXTENT"
    OUTPUT_RASTER = "OUTPUT_RASTER"

    algorithm_name = "tilepredict"
    display_name = QT_TRANSLATE_NOOP("TilePredictAlgorithm", "Predict per tile (model heads)")
    help_text = HELP
    raster_parameter = GairAlgorithm.INPUT
    _group, _group_id = "Remote sensing", "remotesensing"

    def initAlgorithm(self, config=None) -> None:
        self.add_raster_input(self.INPUT)
        self.add_model_parameter()
        self.add_head_parameter(self.HEAD, TILE_HEAD_INPUTS, self.tr("A head's name. Default: all tile heads."))
        self.add_with_help(
            QgsProcessingParameterExtent(self.EXTENT, self.tr("Area"), optional=True),
            self.tr("Default: the whole raster."),
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Tile predictions"), compat.SOURCE_VECTOR_POLYGON)
        )
        self.addParameter(
            QgsProcessingParameterRasterDestination(
                self.OUTPUT_RASTER, self.tr("Prediction raster"), optional=True, createByDefault=False
            )
        )
        self.add_tile_outputs(encoded=False)

    def process(self, parameters, context, feedback) -> dict:
        raster_out = (
            self.parameterAsOutputLayer(parameters, self.OUTPUT_RASTER, context)
            if given(parameters, self.OUTPUT_RASTER)
            else None
        )
        if raster_out:
            check_output_path(raster_out)
        source = self.raster()
        model = self.load_model(parameters, context, feedback)
        heads = load_heads(model.package, TILE_HEAD_INPUTS, self.parameterAsString(parameters, self.HEAD, context))
        if not heads:  # said before the bands are matched: a package without heads cannot run here at all
            raise NoHeads(
                self.tr(
                    "the model package {} has no prediction head for tiles (input 'rs_global' or "
                    "'location'); choose a package with heads (MODEL)"
                ).format(model.package.name)
            )
        bands = self.band_mapping(parameters, context, source, model.package)
        area = area_window(source, self.optional_extent(parameters, context, self.EXTENT, source.crs))
        lattice, cells = tile_lattice(source, model.package, area)
        indices, windows = zip(*lattice_windows(source, lattice, cells))
        check_tile_count(windows, self.tr("this EXTENT"), self.tr("choose a smaller EXTENT"))
        encoded, _ = encode_windows(model, source, bands, windows, Progress(feedback, 0, 90), feedback)
        inputs = {RS_GLOBAL: np.stack([encoded[w].tile.global_embedding for w in windows])}
        if any(h.spec.input == LOCATION for h in heads):
            inputs[LOCATION] = self.centre_embeddings(model, source, windows, context)
        predictions = [head.predict(inputs[head.spec.input]) for head in heads]
        dest = self.write_tiles(parameters, context, source, heads, predictions, indices, windows)
        if raster_out:
            self.write_raster(raster_out, source, model, heads, predictions, lattice, cells, area)
        return {self.OUTPUT: dest, self.OUTPUT_RASTER: raster_out, "TILES": len(windows)}

    @staticmethod
    def centre_embeddings(model, source: RasterSource, windows: Sequence[Window], context) -> np.ndarray:
        """Location embeddings of the tiles' centres."""
        centres = [subgrid(source.grid, w).centre for w in windows]
        xs, ys = np.array([c[0] for c in centres]), np.array([c[1] for c in centres])
        lon, lat = transform_points(xs, ys, source.crs, QgsCoordinateReferenceSystem(WGS84), context.transformContext())
        return model.runtime.encode_location(np.stack([lon, lat], axis=1))

    def write_tiles(self, parameters, context, source, heads, predictions, indices, windows) -> str:
        """The polygon layer, written only once every prediction is ready."""
        fields = QgsFields()
        for name in ("tile", "col", "row"):
            fields.append(compat.field(name, "int"))
        for field in head_fields(heads):
            fields.append(field)
        features = []
        for n, ((i, j), window) in enumerate(zip(indices, windows)):
            left, bottom, right, top = subgrid(source.grid, window).bounds
            feature = QgsFeature(fields)
            feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(left, bottom, right, top)))
            attributes = [n, i, j]
            for head, values in zip(heads, predictions):
                attributes += head_attributes(head, values[n])
            feature.setAttributes(attributes)
            features.append(feature)
        return self.write_features(parameters, context, self.OUTPUT, fields, compat.WKB_POLYGON, source.crs, features)

    @staticmethod
    def write_raster(path, source, model, heads, predictions, lattice: TileLattice, cells, area: Window) -> None:
        """The tiles' values on `prediction_grid`: each pixel takes the value of the tile whose
        lattice cell holds its centre (the edge tiles, shifted inside, hold the rest)."""
        grid, (step_x, step_y) = prediction_grid(source.grid, area, lattice)
        per_tile = np.concatenate([head_band_values(h, p) for h, p in zip(heads, predictions)], axis=1)
        cols = area.col + (np.arange(grid.width) + 0.5) * step_x
        rows = area.row + (np.arange(grid.height) + 0.5) * step_y
        i, _ = lattice.cell_of(cols, np.full_like(cols, area.row))
        _, j = lattice.cell_of(np.full_like(rows, area.col), rows)
        tile = np.clip(j, 0, cells[1] - 1)[:, None] * cells[0] + np.clip(i, 0, cells[0] - 1)[None, :]
        values = np.moveaxis(per_tile[tile], -1, 0)
        with atomic_geotiff(
            path,
            grid,
            values.shape[0],
            source.crs,
            head_bands(heads),
            {"GAIR_MODEL": model.package.name, "GAIR_UNTRAINED": model.package.untrained},
        ) as writer:
            writer.write(values)


def prediction_grid(grid: PixelGrid, area: Window, lattice: TileLattice) -> tuple[PixelGrid, tuple[float, float]]:
    """The prediction raster's grid, exactly over `area` (never past the raster's edge), and its
    pixel size in raster pixels (x, y): one pixel per tile where the area is a whole number of
    tiles; else a pixel that divides both the tile and the area where one gives at most
    MAX_PIXELS_PER_TILE pixels per tile (tile edges on pixel edges), else MAX_PIXELS_PER_TILE
    pixels per tile stretched to end at the area's edge (tile edges within a pixel)."""
    counts = [_pixels_across(stride, size) for stride, size in zip(lattice.stride, (area.width, area.height))]
    steps = (area.width / counts[0], area.height / counts[1])
    cells = subgrid(grid, area)
    return PixelGrid(
        cells.left, cells.top, steps[0] * grid.pixel_width, steps[1] * grid.pixel_height, counts[0], counts[1]
    ), steps


def _pixels_across(stride: int, size: int) -> int:
    exact = math.gcd(stride, size)
    if stride // exact <= MAX_PIXELS_PER_TILE:
        return size // exact
    return math.ceil(size * MAX_PIXELS_PER_TILE / stride)
