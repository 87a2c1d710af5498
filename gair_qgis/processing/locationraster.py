"""gair:locationraster: GAIR's location embedding painted over an extent."""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterNumber,
    QgsProcessingParameterPoint,
    QgsProcessingParameterRasterDestination,
)

from .. import compat
from ..analysis import PCA, cosine
from ..qgis_io import (
    OUTPUT_NODATA,
    WGS84,
    atomic_geotiff,
    check_crs,
    transform_point,
    transform_points,
)
from ..runtime.errors import InputError
from ..runtime.geometry import PixelGrid
from ..runtime.location import BandLimitedRaster, equal_earth, highest_frequency
from ..translation import QT_TRANSLATE_NOOP, translate
from .base import GairAlgorithm, Model, Progress, given
from .tiles import output_grid

HELP = QT_TRANSLATE_NOOP(
    "LocationRasterAlgorithm",
    """Evaluates GAIR's location encoder e(lon, lat) at every pixel centre of a grid over the \
<b>{EXTENT}</b> in the <b>{CRS}</b> (default: the extent's CRS) with the <b>{PIXEL_SIZE}</b> in that CRS's units \
(default: 256 pixels across the longer side). Pixel centres are transformed to EPSG:4326 with the \
project's transform context; pixels that cannot be transformed are nodata (-9999).

<b>{OUTPUT_TYPE}</b>:
- PCA view: 3 bands (RGB), components from a sample of the pixels;
- Embedding: the full embedding (D float32 bands);
- Similarity: cosine similarity to a reference: the <b>{REFERENCE_IMAGE}</b>'s projected street-view \
embedding (the pairing GAIR is trained on) when given, else the location embedding of the \
<b>{REFERENCE_POINT}</b>.

Where the pixels are finer than the encoder's highest spatial frequency needs, the encoder is \
evaluated on a coarser lattice and interpolated, certified at every lattice cell centre to stay \
within the <b>{TOLERANCE}</b> (default 0.001) of the exact output; 0 evaluates every pixel.

The number of pixels is limited (GAIR_MAX_PIXELS / QGIS setting gair/max_pixels).""",
)

OUTPUT_TYPES = [
    QT_TRANSLATE_NOOP("LocationRasterAlgorithm", "PCA view (3 bands)"),
    QT_TRANSLATE_NOOP("LocationRasterAlgorithm", "Embedding (D bands)"),
    QT_TRANSLATE_NOOP("LocationRasterAlgorithm", "Similarity to a reference (photo or location)"),
]
PCA_VIEW, EMBEDDING, SIMILARITY = range(3)
CHUNK = 16_384  # pixels per location-encoder call
PCA_SAMPLE = 4096
DEFAULT_PIXELS_ACROSS = 256
DEFAULT_TOLERANCE = 1e-3


class LocationRasterAlgorithm(GairAlgorithm):
    EXTENT = "EXTENT"
    CRS = "CRS"
    PIXEL_SIZE = "PIXEL_SIZE"
    OUTPUT_TYPE = "OUTPUT_TYPE"
    REFERENCE_POINT = "REFERENCE_POINT"
    REFERENCE_IMAGE = "REFERENCE_IMAGE"
    TOLERANCE = "TOLERANCE"

    algorithm_name = "locationraster"
    display_name = QT_TRANSLATE_NOOP("LocationRasterAlgorithm", "Location embedding raster")
    help_text = HELP
    _group, _group_id = "Location", "location"

    def initAlgorithm(self, config=None) -> None:
        self.addParameter(QgsProcessingParameterExtent(self.EXTENT, self.tr("Extent")))
        self.add_with_help(
            QgsProcessingParameterCrs(self.CRS, self.tr("Output CRS"), optional=True),
            self.tr("Default: the extent's CRS."),
        )
        self.add_with_help(
            QgsProcessingParameterNumber(
                self.PIXEL_SIZE, self.tr("Pixel size"), type=compat.NUMBER_DOUBLE, optional=True, minValue=0.0
            ),
            self.tr("In the output CRS's units. Default: 256 pixels across the longer side."),
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.OUTPUT_TYPE,
                self.tr("Output"),
                options=[self.tr(option) for option in OUTPUT_TYPES],
                defaultValue=PCA_VIEW,
            )
        )
        self.add_with_help(
            QgsProcessingParameterPoint(self.REFERENCE_POINT, self.tr("Reference location"), optional=True),
            self.tr("For the similarity output: the place whose location embedding each pixel is compared with."),
        )
        self.add_photo_parameter(
            self.REFERENCE_IMAGE,
            self.tr("Reference photo"),
            optional=True,
            help_text=self.tr(
                "For the similarity output: a street-view photo, used instead of the reference location."
            ),
        )
        tolerance = QgsProcessingParameterNumber(
            self.TOLERANCE,
            self.tr("Interpolation tolerance"),
            type=compat.NUMBER_DOUBLE,
            defaultValue=DEFAULT_TOLERANCE,
            minValue=0.0,
            optional=True,
        )
        tolerance.setFlags(tolerance.flags() | compat.PARAMETER_FLAG_ADVANCED)
        self.add_with_help(
            tolerance, self.tr("The largest interpolation error on an output value; 0 evaluates every pixel.")
        )
        self.add_model_parameter()
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Location raster")))

    def process(self, parameters, context, feedback) -> dict:
        output = self.raster_output(parameters, context)
        crs = self.output_crs(parameters, context)
        grid = self.grid(parameters, context, crs)
        mode = self.parameterAsEnum(parameters, self.OUTPUT_TYPE, context)
        model = self.load_model(parameters, context, feedback)
        reference = self.reference(parameters, context, model, mode, feedback)
        encode = LocationEncoder(model, grid, crs, context)
        output_of = output_function(mode, encode, reference)
        tolerance = self.optional_double(parameters, context, self.TOLERANCE, DEFAULT_TOLERANCE)
        field = BandLimitedRaster(
            grid.width,
            grid.height,
            encode.evaluator(output_of),
            highest_frequency(model.package),
            encode.equal_earth_at,
            tolerance,
        )
        feedback.pushInfo(
            self.tr(
                "Location encoder evaluated on a lattice every {step:.1f} px ({points} points; cell "
                "centres within {error:.1e})"
            ).format(step=field.step, points=field.evaluations, error=field.max_centre_error)
            if field.step
            else self.tr("Location encoder evaluated at every pixel")
        )
        bands = {EMBEDDING: model.package.embed_dim, PCA_VIEW: 3}.get(mode, 1)
        names = (
            [f"embedding_{k}" for k in range(bands)]
            if mode == EMBEDDING
            else ["pc1", "pc2", "pc3"]
            if mode == PCA_VIEW
            else ["similarity"]
        )
        metadata = {**model.package.display_tags(), "GAIR_CONTENT": OUTPUT_TYPES[mode]}
        progress = Progress(feedback, 0, 99)
        with atomic_geotiff(output, grid, bands, crs, names, metadata) as writer:
            rows = max(1, CHUNK // grid.width)
            for row in range(0, grid.height, rows):
                progress.step(row, grid.height)
                values, valid = field.rows(row, min(row + rows, grid.height))
                values = np.where(valid[..., None], values, OUTPUT_NODATA)
                writer.write(values.transpose(2, 0, 1), row)
            progress.check()
        return {self.OUTPUT: str(output)}

    def output_crs(self, parameters, context) -> QgsCoordinateReferenceSystem:
        crs = self.parameterAsCrs(parameters, self.CRS, context) if given(parameters, self.CRS) else None
        if crs is None or not crs.isValid():
            crs = self.parameterAsExtentCrs(parameters, self.EXTENT, context)
        if not crs.isValid():
            crs = QgsCoordinateReferenceSystem(WGS84)
        check_crs(crs, self.tr("the output"))
        return crs

    def grid(self, parameters, context, crs) -> PixelGrid:
        extent = self.parameterAsExtent(parameters, self.EXTENT, context, crs)
        if extent.isEmpty():
            raise InputError(self.tr("EXTENT is empty; give an area with a width and a height"))
        area = PixelGrid.from_bounds(extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum(), 1, 1)
        size = self.optional_double(parameters, context, self.PIXEL_SIZE)
        return output_grid(area, size or max(extent.width(), extent.height()) / DEFAULT_PIXELS_ACROSS)

    def reference(self, parameters, context, model: Model, mode: int, feedback) -> Optional[np.ndarray]:
        """The similarity output's reference: a photo's projected SV embedding, else a location's embedding."""
        if mode != SIMILARITY:
            return None
        photo = self.parameterAsFile(parameters, self.REFERENCE_IMAGE, context)
        if photo:
            feedback.pushInfo(self.tr("Reference: the photo {}").format(photo))
            return model.runtime.encode_photo(photo)[1]
        if not given(parameters, self.REFERENCE_POINT):
            raise InputError(
                self.tr(
                    "the similarity output needs a reference: set {image} (a photo) or {point} (e.g. 'lon,lat [EPSG:4326]')"
                ).format(
                    image=self.parameter_label(self.REFERENCE_IMAGE), point=self.parameter_label(self.REFERENCE_POINT)
                )
            )
        point = self.parameterAsPoint(parameters, self.REFERENCE_POINT, context)
        crs = self.parameterAsPointCrs(parameters, self.REFERENCE_POINT, context)
        wgs84 = QgsCoordinateReferenceSystem(WGS84)
        lon, lat = transform_point(point, crs if crs.isValid() else wgs84, wgs84, context.transformContext())
        feedback.pushInfo(self.tr("Reference: the location ({:.6f}, {:.6f})").format(lon, lat))
        return model.runtime.encode_location(np.array([[lon, lat]]))[0]


def output_function(
    mode: int, encode: LocationEncoder, reference: Optional[np.ndarray]
) -> Callable[[np.ndarray], np.ndarray]:
    """What a pixel's location embedding becomes in the raster: itself (EMBEDDING), three PCA
    colours fitted on a sample of the grid (PCA_VIEW), or its similarity to `reference`."""
    if mode == EMBEDDING:
        return lambda embeddings: embeddings
    if mode == PCA_VIEW:
        return PCA.fit(encode.sample(PCA_SAMPLE)).transform
    if reference is None:
        raise ValueError("internal error: a similarity raster without a reference embedding")
    target = reference
    return lambda embeddings: cosine(embeddings, target)[:, None]


class LocationEncoder:
    """Location embeddings of a grid's pixel centres (transformed to lon/lat with the
    project's transform context), a few rows at a time; untransformable pixels are masked."""

    def __init__(self, model: Model, grid: PixelGrid, crs, context) -> None:
        self.runtime = model.runtime
        self.grid = grid
        self.crs = crs
        self.transform_context = context.transformContext()

    def lonlat(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, 2) lon, lat of flat pixel indices and whether each is usable."""
        row, col = np.divmod(index, self.grid.width)
        return self.lonlat_at(col + 0.5, row + 0.5)

    def sample(self, count: int) -> np.ndarray:
        """Embeddings of up to `count` usable pixels spread over the grid."""
        size = self.grid.width * self.grid.height
        points, valid = self.lonlat(np.unique(np.linspace(0, size - 1, min(count, size)).astype(np.int64)))
        if not valid.any():
            raise InputError(
                translate(
                    "LocationRasterAlgorithm",
                    "no pixel centre of EXTENT can be transformed to longitude/latitude; check the CRS",
                )
            )
        return self.runtime.encode_location(points[valid])

    def lonlat_at(self, cols: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, 2) lon, lat at fractional pixel positions (centres at i + 0.5) and whether each is usable."""
        x = self.grid.left + np.asarray(cols, np.float64) * self.grid.pixel_width
        y = self.grid.top - np.asarray(rows, np.float64) * self.grid.pixel_height
        lon, lat = transform_points(x, y, self.crs, QgsCoordinateReferenceSystem(WGS84), self.transform_context)
        valid = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
        return np.where(valid[:, None], np.stack([lon, lat], axis=1), 0.0), valid

    def equal_earth_at(self, cols: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """(N, 2) Equal Earth coordinates at fractional pixel positions (NaN where not transformable)."""
        points, valid = self.lonlat_at(cols, rows)
        return np.where(valid[:, None], equal_earth(points), np.nan)

    def evaluator(self, output_of):
        """evaluate(cols, rows) -> (output_of(embeddings) (N, K), valid (N,)), in chunks of CHUNK points."""

        def evaluate(cols: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            parts, valids = [], []
            for start in range(0, len(cols), CHUNK):
                points, valid = self.lonlat_at(cols[start : start + CHUNK], rows[start : start + CHUNK])
                parts.append(output_of(self.runtime.encode_location(points)))
                valids.append(valid)
            return np.concatenate(parts), np.concatenate(valids)

        return evaluate
