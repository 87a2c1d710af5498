"""gair:fieldbuild, gair:fieldsearch, gair:fieldheatmap: embedding fields (a region's tiles
encoded once on Dask into a Zarr store, then searched with a photo) from the toolbox. Thin glue
over gair_qgis.runtime.field, which does the work and the checks."""

from __future__ import annotations

import importlib.util
import multiprocessing
import sys
from pathlib import Path
from typing import Any, Callable

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessingContext,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputNumber,
    QgsProcessingOutputRasterLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
    QgsProject,
    QgsRasterLayer,
)

from .. import compat, model_store, settings
from ..runtime.errors import InputError
from ..translation import QT_TRANSLATE_NOOP, translate
from .base import GairAlgorithm, given

RASTER_TYPE = compat.scoped_value("ProcessingSourceType.Raster", "QgsProcessing.SourceType.TypeRaster")
REGION_PACKAGES = ("dask", "distributed", "zarr", "numcodecs")

BUILD_HELP = QT_TRANSLATE_NOOP(
    "FieldBuildAlgorithm",
    """Encodes every tile of one fixed grid over the <b>{INPUTS}</b> \
and the <b>{FOLDER}</b> (single-band files of one Sentinel-2 scene) with the model's RS \
encoder, once, into an embedding field: a Zarr store that GDAL, QGIS and xarray open, with the PCA view \
(three components as RGB) beside it, which is loaded as a layer.

The work runs on Dask: by default a local cluster of one single-threaded worker process per core \
(<b>{WORKERS}</b>); the <b>{SCHEDULER}</b> (default: the setting gair/dask_scheduler) sends it to a Dask \
cluster instead (tcp://host:8786; start one with `dask scheduler` and `dask worker ADDRESS`). An existing \
field is resumed (complete chunks are skipped, damaged ones redone) or extended with new rasters of the same grid.

With <b>{TOKENS}</b>, each tile's per-cell tables (float16) are stored too, so fine heatmaps \
(gair:fieldheatmap) never re-encode.""",
)

SEARCH_HELP = QT_TRANSLATE_NOOP(
    "FieldSearchAlgorithm",
    """Where in the field was this photo taken? Compares the \
photo's projected street-view embedding with the embedding of every tile of the <b>{FIELD}</b> (band 1, rs_cosine) \
and with the location embedding of every tile centre (band 2, location_cosine); band 3 is the sum of their \
z-scores. The best tiles of each ranking (<b>{TOP}</b>; rankings rs, location, combined; with per-cell tables \
also rs_refined: the best point inside each best tile) are written as points with rank, score and tile.""",
)

HEATMAP_HELP = QT_TRANSLATE_NOOP(
    "FieldHeatmapAlgorithm",
    """The fine similarity heatmap of a photo over the \
<b>{EXTENT}</b> of an embedding field built with per-cell tables (gair:fieldbuild's per-cell tables option): the \
NILI cosine at every output pixel from the stored tables; nothing is re-encoded. <b>{PIXEL_SIZE}</b> in the \
field's map units (default: the model's pixel).""",
)


def region_missing() -> list[str]:
    """The region extras this Python lacks."""
    return [name for name in REGION_PACKAGES if importlib.util.find_spec(name) is None]


def region_extras_message(missing: list[str]) -> str:
    """Why a region algorithm cannot run without the extras `missing`, and how to get them."""
    return translate(
        "FieldAlgorithm",
        "{} not installed in QGIS's Python; install the region extras: GAIR models dock > "
        "Dependencies > Install with the region extras ticked, or with QGIS's Python from "
        "the QGIS plugins folder: python3 -m gair_qgis.deps install --regions (outside "
        "QGIS: pip install 'dask[distributed]' 'zarr>=2.16,<3' numcodecs)",
    ).format(", ".join(missing))


def scheduler_default() -> str:
    """The SCHEDULER default: GAIR_DASK_SCHEDULER, else the setting gair/dask_scheduler
    (settings.dask_scheduler), else ""."""
    return settings.dask_scheduler()


def python_executable() -> str:
    """The Python that Dask's worker processes start with: the interpreter of this Python's own
    installation (sys.exec_prefix). Inside QGIS sys.executable is QGIS itself or whatever
    `python3` is first on PATH (another installation, whose standard library does not match)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    prefix = Path(sys.exec_prefix)
    for candidate in (
        prefix / "bin" / version,
        prefix / "bin" / "python3",
        prefix / "python.exe",
        prefix / "python3.exe",
    ):
        if candidate.is_file():
            return str(candidate)
    return sys.executable


class FieldAlgorithm(GairAlgorithm):
    """What the three field algorithms share: their group and the region extras."""

    FIELD = "FIELD"
    SV_IMAGE = "SV_IMAGE"

    _group, _group_id = "Region", "region"

    def group(self) -> str:
        return self.tr("Region (embedding fields)")

    def canExecute(self):
        missing = region_missing()
        if missing:
            return False, region_extras_message(missing)
        return super().canExecute()

    def add_field_parameter(self) -> None:
        self.addParameter(
            QgsProcessingParameterFile(
                self.FIELD, self.tr("Embedding field (a .zarr folder)"), behavior=compat.FILE_BEHAVIOR_FOLDER
            )
        )

    def add_sv_image(self) -> None:
        self.add_photo_parameter(self.SV_IMAGE, self.tr("Street-view photo"))

    def field_path(self, parameters, context) -> str:
        path = self.parameterAsFile(parameters, self.FIELD, context)
        if not path:
            raise InputError(self.tr("FIELD is empty; give a field built with gair:fieldbuild"))
        return path


class FieldBuildAlgorithm(FieldAlgorithm):
    INPUTS = "INPUTS"
    FOLDER = "FOLDER"
    CRS = "CRS"
    TOKENS = "TOKENS"
    CHUNK = "CHUNK"
    SCHEDULER = "SCHEDULER"
    WORKERS = "WORKERS"
    PCA = "PCA"

    algorithm_name = "fieldbuild"
    display_name = QT_TRANSLATE_NOOP("FieldBuildAlgorithm", "Build an embedding field (Dask)")
    help_text = BUILD_HELP

    def initAlgorithm(self, config=None) -> None:
        self.addParameter(
            QgsProcessingParameterMultipleLayers(self.INPUTS, self.tr("Rasters (any CRS)"), RASTER_TYPE, optional=True)
        )
        self.add_with_help(
            QgsProcessingParameterFile(
                self.FOLDER, self.tr("Band files folder"), behavior=compat.FILE_BEHAVIOR_FOLDER, optional=True
            ),
            self.tr("Optional: a folder of one Sentinel-2 scene's single-band files."),
        )
        self.add_with_help(
            QgsProcessingParameterCrs(self.CRS, self.tr("Field CRS"), optional=True),
            self.tr("Default: the first raster's CRS."),
        )
        self.add_with_help(
            QgsProcessingParameterBoolean(self.TOKENS, self.tr("Store per-cell tables"), defaultValue=False),
            self.tr("Needed for fine heatmaps (gair:fieldheatmap); the field gets larger."),
        )
        self.add_with_help(
            QgsProcessingParameterString(
                self.SCHEDULER, self.tr("Dask scheduler"), defaultValue=scheduler_default(), optional=True
            ),
            self.tr("An address such as tcp://host:8786. Empty: a local cluster."),
        )
        workers = QgsProcessingParameterNumber(
            self.WORKERS, self.tr("Local workers"), defaultValue=0, minValue=0, optional=True
        )
        workers.setHelp(self.tr("Worker processes of the local cluster; 0: one per core."))
        chunk = QgsProcessingParameterNumber(
            self.CHUNK, self.tr("Chunk size (tiles)"), defaultValue=0, minValue=0, optional=True
        )
        chunk.setHelp(self.tr("Tiles per chunk side, one Dask task each; 0: the default."))
        for param in (workers, chunk):
            param.setFlags(param.flags() | compat.PARAMETER_FLAG_ADVANCED)
            self.addParameter(param)
        self.add_model_parameter()
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT, self.tr("Embedding field (.zarr)"), fileFilter=self.tr("Zarr store") + " (*.zarr)"
            )
        )
        self.addOutput(QgsProcessingOutputRasterLayer(self.PCA, self.tr("PCA view")))
        self.addOutput(QgsProcessingOutputNumber("ENCODED_TILES", self.tr("Tiles encoded")))

    def inputs(self, parameters, context) -> list[str]:
        layers = self.parameterAsLayerList(parameters, self.INPUTS, context)
        paths = [layer.source() for layer in layers]
        folder = self.parameterAsFile(parameters, self.FOLDER, context)
        if folder:
            paths.append(folder)
        if not paths:
            raise InputError(self.tr("no input: give rasters (INPUTS) or a folder of band files (FOLDER)"))
        return paths

    def process(self, parameters, context, feedback) -> dict:
        from ..runtime.field.build import build_field

        inputs = self.inputs(parameters, context)
        out = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if not out.lower().endswith(".zarr"):
            raise InputError(self.tr("OUTPUT {} must end with .zarr").format(out))
        crs = self.parameterAsCrs(parameters, self.CRS, context) if given(parameters, self.CRS) else None
        scheduler = self.parameterAsString(parameters, self.SCHEDULER, context).strip() or "local"
        workers = self.parameterAsInt(parameters, self.WORKERS, context) if given(parameters, self.WORKERS) else 0
        chunk = self.parameterAsInt(parameters, self.CHUNK, context) if given(parameters, self.CHUNK) else 0
        package = model_store.resolve_model(self.parameterAsString(parameters, self.MODEL, context))
        multiprocessing.set_executable(python_executable())  # the local cluster's worker processes
        result = build_field(
            inputs,
            out,
            package or None,
            crs.authid() or crs.toWkt() if crs and crs.isValid() else None,
            None,
            chunk or None,
            self.parameterAsBoolean(parameters, self.TOKENS, context),
            scheduler,
            workers or None,
            feedback_progress(feedback),
            feedback.pushInfo,
        )
        feedback.pushInfo(
            self.tr(
                "{field}: {chunks} chunk(s), {skipped} already complete, {tiles} tiles encoded in "
                "{seconds:.1f} s ({rate:.1f} tiles/s) on {workers} worker(s)"
            ).format(
                field=result.field,
                chunks=result.chunks,
                skipped=result.skipped,
                tiles=result.encoded,
                seconds=result.seconds,
                rate=result.tiles_per_second,
                workers=result.workers,
            )
        )
        pca = Path(out) / "pca_rgb.tif"
        if pca.exists():
            details = QgsProcessingContext.LayerDetails(
                self.tr("PCA view of {}").format(Path(out).name), context.project() or QgsProject.instance(), self.PCA
            )
            details.setPostProcessor(RgbAsIs.create())
            context.addLayerToLoadOnCompletion(str(pca), details)
        return {self.OUTPUT: out, self.PCA: str(pca) if pca.exists() else None, "ENCODED_TILES": result.encoded}

    def postProcessAlgorithm(self, context, feedback) -> dict:
        return {}  # the PCA view keeps its own post-processor (RgbAsIs)


def feedback_progress(feedback) -> Callable[..., None]:
    """(done, in all, ...) -> the feedback's progress; a cancel raises InterruptedError, which stops
    a build (its Dask futures are cancelled; complete chunks stay and a rerun resumes) or a search
    (nothing is left behind)."""

    def report(done: int, total: int, *_: float) -> None:
        feedback.setProgress(100.0 * done / max(total, 1))
        if feedback.isCanceled():
            raise InterruptedError()

    return report


class FieldSearchAlgorithm(FieldAlgorithm):
    TOP = "TOP"
    MIN_COVERAGE = "MIN_COVERAGE"
    OUTPUT_RASTER = "OUTPUT_RASTER"

    algorithm_name = "fieldsearch"
    display_name = QT_TRANSLATE_NOOP("FieldSearchAlgorithm", "Search an embedding field with a photo")
    help_text = SEARCH_HELP

    def initAlgorithm(self, config=None) -> None:
        self.add_field_parameter()
        self.add_sv_image()
        self.addParameter(
            QgsProcessingParameterNumber(self.TOP, self.tr("Places per ranking"), defaultValue=20, minValue=1)
        )
        coverage = QgsProcessingParameterNumber(
            self.MIN_COVERAGE, self.tr("Minimum coverage (%)"), defaultValue=50, minValue=0, maxValue=100
        )
        coverage.setFlags(coverage.flags() | compat.PARAMETER_FLAG_ADVANCED)
        self.add_with_help(coverage, self.tr("The percent of a tile with data that it needs to be ranked."))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT_RASTER, self.tr("Similarity raster")))
        self.addParameter(
            QgsProcessingParameterVectorDestination(self.OUTPUT, self.tr("Top places"), compat.SOURCE_VECTOR_POINT)
        )

    def process(self, parameters, context, feedback) -> dict:
        from ..runtime.field.search import search_field

        points = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        raster = self.parameterAsOutputLayer(parameters, self.OUTPUT_RASTER, context)
        if context.willLoadLayerOnCompletion(raster):
            context.layerToLoadOnCompletionDetails(raster).setPostProcessor(CombinedScore.create())
        result = search_field(
            self.field_path(parameters, context),
            self.photo_path(parameters, context, self.SV_IMAGE),
            points.split("|")[0],
            raster,
            self.parameterAsInt(parameters, self.TOP, context),
            min_coverage=self.parameterAsInt(parameters, self.MIN_COVERAGE, context),
            overwrite=True,
            progress=feedback_progress(feedback),
        )
        for line in result.summary().splitlines():
            feedback.pushInfo(line)
        return {self.OUTPUT: str(result.points), self.OUTPUT_RASTER: str(result.raster)}

    def postProcessAlgorithm(self, context, feedback) -> dict:
        return {}  # the raster keeps its own post-processor (CombinedScore)


class FieldHeatmapAlgorithm(FieldAlgorithm):
    EXTENT = "EXTENT"
    PIXEL_SIZE = "PIXEL_SIZE"

    algorithm_name = "fieldheatmap"
    display_name = QT_TRANSLATE_NOOP("FieldHeatmapAlgorithm", "Fine heatmap from an embedding field")
    help_text = HEATMAP_HELP

    def initAlgorithm(self, config=None) -> None:
        self.add_field_parameter()
        self.add_sv_image()
        self.addParameter(QgsProcessingParameterExtent(self.EXTENT, self.tr("Extent")))
        self.add_with_help(
            QgsProcessingParameterNumber(
                self.PIXEL_SIZE, self.tr("Pixel size"), type=compat.NUMBER_DOUBLE, optional=True, minValue=0.0
            ),
            self.tr("In the field's map units. Default: the model's pixel."),
        )
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Heatmap")))

    def process(self, parameters, context, feedback) -> dict:
        from ..runtime.field import store
        from ..runtime.field.heatmap import field_heatmap

        field = self.field_path(parameters, context)
        crs = QgsCoordinateReferenceSystem.fromWkt(store.read_info(field).grid.crs)
        box = self.parameterAsExtent(parameters, self.EXTENT, context, crs)
        if box.isEmpty():
            raise InputError(self.tr("EXTENT is empty; give an area with a width and a height"))
        pixel = self.optional_double(parameters, context, self.PIXEL_SIZE)
        out = field_heatmap(
            field,
            self.photo_path(parameters, context, self.SV_IMAGE),
            (box.xMinimum(), box.yMinimum(), box.xMaximum(), box.yMaximum()),
            self.parameterAsOutputLayer(parameters, self.OUTPUT, context),
            pixel or None,
            overwrite=True,
        )
        return {self.OUTPUT: str(out)}


# --- how QGIS shows the outputs ---------------------------------------------------------------------


class KeptPostProcessor(QgsProcessingLayerPostProcessorInterface):
    """A post-processor kept referenced (QGIS does not own Python ones)."""

    _KEEP: list[Any] = []

    @classmethod
    def create(cls) -> KeptPostProcessor:
        instance = cls()
        cls._KEEP.append(instance)
        return instance


class RgbAsIs(KeptPostProcessor):
    """The PCA view as RGB with its stored values (already scaled 1..255; 0 is no data)."""

    def postProcessLayer(self, layer, context, feedback) -> None:
        from qgis.core import QgsMultiBandColorRenderer

        if isinstance(layer, QgsRasterLayer):
            layer.setRenderer(QgsMultiBandColorRenderer(layer.dataProvider(), 1, 2, 3))
            layer.triggerRepaint()


class CombinedScore(KeptPostProcessor):
    """The search raster coloured by its combined score (band 3) with GAIR's similarity ramp."""

    def postProcessLayer(self, layer, context, feedback) -> None:
        if isinstance(layer, QgsRasterLayer):
            style_search_raster(layer)


def style_search_raster(layer: QgsRasterLayer) -> None:
    """A search raster coloured by its combined score (band 3) with GAIR's similarity ramp
    (the toolbox's gair:fieldsearch and the heatmap dock's Search in field show it so)."""
    from qgis.core import QgsRasterShader, QgsSingleBandPseudoColorRenderer

    from ..styling import similarity_shader

    if layer.bandCount() < 3:
        return
    low, high = combined_range(layer)
    shader = QgsRasterShader(low, high)
    shader.setRasterShaderFunction(similarity_shader(low, high, True))
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 3, shader)
    renderer.setClassificationMin(low)
    renderer.setClassificationMax(high)
    layer.setRenderer(renderer)
    layer.triggerRepaint()


def combined_range(layer: QgsRasterLayer) -> tuple[float, float]:
    """The 2-98 % range of the combined score (band 3), read with rasterio (the field is sparse:
    QGIS's sampled statistics can miss every tile with data)."""
    import numpy as np
    import rasterio

    with rasterio.open(layer.source()) as dataset:
        values = dataset.read(3)
    finite = values[np.isfinite(values)]
    if not finite.size:
        return -1.0, 1.0
    low, high = (float(v) for v in np.percentile(finite, [2, 98]))
    return low, max(high, low + 1e-6)
