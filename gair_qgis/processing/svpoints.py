"""gair:svpoints: similarity of each photo point's street-view embedding with the RS
embedding localized at the point (and the package's head predictions) as fields."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFields,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
)

from .. import compat
from ..analysis import Head, load_heads
from ..qgis_io import WGS84, RasterSource, transform_points
from ..runtime.errors import InputError
from ..runtime.geometry import Window, centred_window, subgrid
from ..runtime.package import LOCATION, RS_GLOBAL, SV
from ..translation import QT_TRANSLATE_NOOP, translate
from .base import GairAlgorithm, Model, Progress
from .predictions import head_attributes, head_fields
from .tiles import check_tile_count, encode_windows, tile_size_pixels

POINT_HEAD_INPUTS = (SV, LOCATION, RS_GLOBAL)

HELP = QT_TRANSLATE_NOOP(
    "SvPointsAlgorithm",
    """For each point of the <b>{INPUT}</b>, reads the photo named in the <b>{PHOTO_FIELD}</b> \
(relative paths are resolved against the <b>{PHOTO_FOLDER}</b>, default the layer's folder), encodes it, \
and compares its projected street-view embedding with the RS embedding of the raster localized at \
the point: the tile is a window of the model's tile ground size around the point (shifted inside the \
raster), as in gair:svheatmap; tiles are cached and shared by nearby points.

<b>{OUTPUT}</b>: the input features with `gair_sim` (cosine similarity), `gair_tile` (the tile's \
column, row, width, height in the raster) and, where the model package has heads, their \
predictions: 'sv' heads on the photo's embedding, 'location' heads on the point's location \
embedding, 'rs_global' heads on the tile's global embedding (<b>{HEAD}</b>: only the head of that name). \
Points outside the raster or with unreadable photos keep NULL values and are listed as warnings. \
Multi-points use their centroid.""",
)


@dataclass
class PointInput:
    """One feature's inputs; `problem` says why it cannot be evaluated."""

    feature: QgsFeature
    photo: Optional[Path] = None
    x: float = float("nan")
    y: float = float("nan")
    window: Optional[Window] = None
    pooled: Optional[np.ndarray] = None
    projected: Optional[np.ndarray] = None
    problem: Optional[str] = None

    def placed(self) -> tuple[Window, np.ndarray, np.ndarray]:
        """The window, pooled and projected photo embeddings of an input without a problem."""
        if self.problem is not None or self.window is None or self.pooled is None or self.projected is None:
            raise ValueError(f"internal error: feature {self.feature.id()} was not evaluated ({self.problem})")
        return self.window, self.pooled, self.projected


class SvPointsAlgorithm(GairAlgorithm):
    PHOTO_FIELD = "PHOTO_FIELD"
    PHOTO_FOLDER = "PHOTO_FOLDER"
    RASTER = "RASTER"
    HEAD = "HEAD"

    algorithm_name = "svpoints"
    display_name = QT_TRANSLATE_NOOP("SvPointsAlgorithm", "Street-view photo points: similarity and predictions")
    help_text = HELP
    raster_parameter = RASTER
    _group, _group_id = "Street view", "streetview"

    def initAlgorithm(self, config=None) -> None:
        self.addParameter(
            QgsProcessingParameterFeatureSource(self.INPUT, self.tr("Photo points"), [compat.SOURCE_VECTOR_POINT])
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.PHOTO_FIELD,
                self.tr("Photo path field"),
                parentLayerParameterName=self.INPUT,
                type=compat.FIELD_TYPE_STRING,
            )
        )
        self.add_with_help(
            QgsProcessingParameterFile(
                self.PHOTO_FOLDER, self.tr("Photo folder"), behavior=compat.FILE_BEHAVIOR_FOLDER, optional=True
            ),
            self.tr("Relative photo paths start here. Default: the layer's folder."),
        )
        self.add_raster_input(self.RASTER)
        self.add_model_parameter()
        self.add_head_parameter(
            self.HEAD, POINT_HEAD_INPUTS, self.tr("A head's name. Default: every head of the model.")
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, self.tr("Points with similarity"), compat.SOURCE_VECTOR_POINT
            )
        )
        self.addOutput(QgsProcessingOutputNumber("EVALUATED", self.tr("Points evaluated")))

    def prepareAlgorithm(self, parameters, context, feedback) -> bool:
        """The raster (GairAlgorithm) and the point layer's folder, on the main thread."""
        super().prepareAlgorithm(parameters, context, feedback)
        layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        self._layer_folder = Path(layer.source().split("|")[0]).parent if layer is not None else Path.cwd()
        return True

    def process(self, parameters, context, feedback) -> dict:
        points = self.parameterAsSource(parameters, self.INPUT, context)
        if points is None:
            raise InputError(self.tr("INPUT is not a readable point layer"))
        field = self.parameterAsString(parameters, self.PHOTO_FIELD, context)
        folder = Path(self.parameterAsFile(parameters, self.PHOTO_FOLDER, context) or self._layer_folder)
        source, model, bands = self.raster_model_bands(parameters, context, feedback)
        heads = load_heads(model.package, POINT_HEAD_INPUTS, self.parameterAsString(parameters, self.HEAD, context))
        inputs = self.collect(points, field, folder, source, model, context, Progress(feedback, 0, 40))
        for item in inputs:
            if item.problem:
                feedback.pushWarning(self.tr("feature {}: {}").format(item.feature.id(), item.problem))
        windows = [item.placed()[0] for item in inputs if item.problem is None]
        check_tile_count(windows, self.tr("these points"), self.tr("split the layer or use fewer, closer points"))
        encoded, _ = encode_windows(model, source, bands, windows, Progress(feedback, 40, 90), feedback)
        fields = QgsFields(points.fields())
        for field_ in [compat.field("gair_sim", "double"), compat.field("gair_tile", "string")]:
            fields.append(field_)
        for field_ in head_fields(heads):
            fields.append(field_)
        rows = self.evaluate(inputs, encoded, heads, model, source, context)
        features = []
        for item, extra in zip(inputs, rows):
            feature = item.feature
            feature.setFields(fields, False)
            feature.setAttributes(list(item.feature.attributes()) + extra)
            features.append(feature)
        dest = self.write_features(
            parameters, context, self.OUTPUT, fields, points.wkbType(), points.sourceCrs(), features
        )
        evaluated = sum(1 for item in inputs if item.problem is None)
        feedback.pushInfo(self.tr("{} of {} point(s) evaluated").format(evaluated, len(inputs)))
        return {self.OUTPUT: dest, "EVALUATED": evaluated}

    def collect(
        self, points, field: str, folder: Path, source: RasterSource, model: Model, context, progress: Progress
    ) -> list[PointInput]:
        """Read every feature's photo and place its point in the raster."""
        features = list(points.getFeatures())
        xs = np.array([f.geometry().centroid().asPoint().x() if f.hasGeometry() else np.nan for f in features])
        ys = np.array([f.geometry().centroid().asPoint().y() if f.hasGeometry() else np.nan for f in features])
        xs, ys = transform_points(xs, ys, points.sourceCrs(), source.crs, context.transformContext())
        inputs = []
        for n, (feature, x, y) in enumerate(zip(features, xs, ys)):
            progress.step(n, len(features))
            inputs.append(self.point_input(feature, field, folder, float(x), float(y), source, model))
        return inputs

    @staticmethod
    def point_input(
        feature, field: str, folder: Path, x: float, y: float, source: RasterSource, model: Model
    ) -> PointInput:
        item = PointInput(feature, x=x, y=y)
        value = feature[field]
        if not value:
            item.problem = translate("SvPointsAlgorithm", "no photo path in field {}").format(field)
            return item
        item.photo = Path(str(value)) if Path(str(value)).is_absolute() else folder / str(value)
        u, v = source.grid.uv(x, y)
        if not (np.isfinite(u) and 0 <= u <= 1 and 0 <= v <= 1):
            item.problem = translate(
                "SvPointsAlgorithm",
                "the point lies outside the raster RASTER (or cannot be transformed to its CRS); move it inside",
            )
            return item
        try:
            item.pooled, item.projected = model.runtime.encode_photo(item.photo)
        except InputError as error:
            item.problem = f"{error}"
            return item
        cols, rows = tile_size_pixels(source, model.package, x, y)
        item.window = centred_window(source.grid, x, y, cols, rows)
        return item

    @staticmethod
    def evaluate(
        inputs: list[PointInput], encoded, heads: list[Head], model: Model, source: RasterSource, context
    ) -> list[list]:
        """Extra attributes per input: similarity, tile, then head outputs (NULL where not evaluated)."""
        ok = [item for item in inputs if item.problem is None]
        head_inputs = {}
        if ok:
            head_inputs[SV] = np.stack([item.placed()[1] for item in ok])
            head_inputs[RS_GLOBAL] = np.stack([encoded[item.placed()[0]].tile.global_embedding for item in ok])
            if any(h.spec.input == LOCATION for h in heads):
                lon, lat = transform_points(
                    np.array([i.x for i in ok]),
                    np.array([i.y for i in ok]),
                    source.crs,
                    QgsCoordinateReferenceSystem(WGS84),
                    context.transformContext(),
                )
                head_inputs[LOCATION] = model.runtime.encode_location(np.stack([lon, lat], axis=1))
        predictions = [head.predict(head_inputs[head.spec.input]) for head in heads] if ok else []
        rows, k = [], 0
        for item in inputs:
            if item.problem is not None:
                rows.append([None, None] + sum((head_attributes(h, None) for h in heads), []))
                continue
            window, _, projected = item.placed()
            u, v = subgrid(source.grid, window).uv(item.x, item.y)
            similarity = encoded[window].tile.similarity(projected, np.array([2 * u - 1]), np.array([2 * v - 1]))
            extra = [float(similarity[0]), ",".join(str(n) for n in window)]
            for head, values in zip(heads, predictions):
                extra += head_attributes(head, values[k])
            rows.append(extra)
            k += 1
        return rows
