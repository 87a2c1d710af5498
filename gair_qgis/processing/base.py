"""What every GAIR algorithm shares: the model, band mapping, tile encoding through the
cache, limits, progress/cancel and turning known errors into clear Processing messages."""

from __future__ import annotations

import functools
import importlib.util
import re
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from qgis.core import (
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputLayerDefinition,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBand,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProperty,
    QgsRectangle,
)

from .. import cache, compat, model_store
from ..deps import missing_message
from ..qgis_io import (
    RasterSource,
    check_crs,
    check_output_folder,
    check_output_path,
    input_sidecars_suppressed,
    overwrites_outputs,
)
from ..runtime.errors import InputError, OutputExistsError, OutsideTileError, PackageError
from ..runtime.package import ModelPackage, load_package
from ..runtime.preprocess import SmallPhotoWarning, band_indices, check_band_choice
from ..runtime.session import RuntimeUnavailable
from ..settings import check_settings, force_cpu, limit_sources, setting_limit
from ..translation import translate, translate_for
from .errors import BandLayout, OverLimit, record_error, record_warning

if TYPE_CHECKING:
    from ..runtime.session import GAIRRuntime


def given(parameters: dict, name: str) -> bool:
    """Whether an optional parameter has a value."""
    value = parameters.get(name)
    return value is not None and value != ""


class Cancelled(Exception):
    """The user cancelled; nothing was written."""


def check_limit(name: str, needed: int, what: str, fix: str) -> None:
    """OverLimit when `what` needs more tiles or pixels than the limit `name` allows; `what`
    and `fix` come translated."""
    limit = setting_limit(name)
    if needed > limit:
        unit = {"tiles": translate("GairAlgorithm", "tiles"), "pixels": translate("GairAlgorithm", "pixels")}
        word = name.split("_")[1]
        raise OverLimit(
            translate(
                "GairAlgorithm",
                "{what} needs {needed} {unit}, more than the limit of {limit}; {fix}, or raise the limit ({sources})",
            ).format(
                what=what, needed=needed, unit=unit.get(word, word), limit=limit, fix=fix, sources=limit_sources(name)
            ),
            word,
            needed,
            limit,
        )


# The feedback of the algorithm that runs in this thread (the docks run several in worker threads).
_RUNNING = threading.local()
_showwarning_before: Optional[Callable] = None


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """warnings.showwarning while GAIR algorithms run: the runtime's warnings about the user's
    input (SmallPhotoWarning) go to the log of the algorithm running in this thread; any other
    warning is shown as before."""
    feedback = getattr(_RUNNING, "feedback", None)
    if feedback is not None and isinstance(category, type) and issubclass(category, SmallPhotoWarning):
        feedback.pushWarning(str(message))
        record_warning(feedback, message if isinstance(message, Warning) else category(str(message)))
    elif _showwarning_before is not None:
        _showwarning_before(message, category, filename, lineno, file, line)


def _forward_input_warnings() -> None:
    """Install `_show_warning` (once) and show every SmallPhotoWarning, not only its first time."""
    global _showwarning_before
    if warnings.showwarning is not _show_warning:
        _showwarning_before = warnings.showwarning
        warnings.showwarning = _show_warning
    warnings.filterwarnings("always", category=SmallPhotoWarning)


_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # memory:, ogr:, postgres:// (a drive letter is one letter)


def output_file(value, context) -> Optional[str]:
    """The file an output parameter's value names, or None (not given, a temporary output, a
    memory layer or a database URI)."""
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        value = value.sink
    if isinstance(value, QgsProperty):
        value = value.valueAsString(context.expressionContext())[0]
    if not isinstance(value, str):
        return None
    path = value.split("|")[0].strip()
    if not path or path == QgsProcessing.TEMPORARY_OUTPUT or _URI_SCHEME.match(path):
        return None
    return path


def check_destinations(algorithm: QgsProcessingAlgorithm, parameters: dict, context) -> None:
    """Every output file the parameters name lies in an existing folder this process can write
    into: checked before the work (a vector output is otherwise made only after it)."""
    for definition in algorithm.destinationParameterDefinitions():
        path = output_file(parameters.get(definition.name()), context)
        if path is not None:
            check_output_folder(path)


def check_vector_destination(destination: str) -> None:
    """Refuse an existing vector output file (QGIS's writers would replace it), except in the
    QGIS desktop, whose dialog asks before an existing file is chosen (`overwrites_outputs`)."""
    path = destination.split("|")[0]
    if destination.startswith(("memory:", "ogr:", "postgres:", "spatialite:")) or not path:
        return
    if Path(path).exists() and not overwrites_outputs():
        raise OutputExistsError(
            translate(
                "GairAlgorithm",
                "the output {} already exists and is not overwritten; delete it or choose another file name",
            ).format(path)
        )


def clear_errors(process: Callable) -> Callable:
    """Check the settings (a bad limit is an error before any work), then turn known errors into
    QgsProcessingException with their message (the error itself goes to a feedback that keeps
    it: the docks say it in their words, processing.errors). Warnings about the input (a photo
    far smaller than the model's input) go to the algorithm's log."""

    @functools.wraps(process)
    def wrapper(self, parameters, context, feedback):
        _forward_input_warnings()
        _RUNNING.feedback = feedback
        try:
            check_settings()
            check_destinations(self, parameters, context)
            return process(self, parameters, context, feedback)
        except (Cancelled, InterruptedError):  # InterruptedError: the runtime's progress callback said stop
            raise QgsProcessingException(
                translate("GairAlgorithm", "cancelled by the user; no output was written")
            ) from None
        except RuntimeUnavailable as error:  # the runtime knows no installer: the plugin offers its own
            record_error(feedback, error)
            raise QgsProcessingException(
                missing_message(translate("GairAlgorithm", "onnxruntime is not installed in QGIS's Python"))
            ) from None
        except (InputError, PackageError, OutsideTileError, ImportError) as error:
            record_error(feedback, error)
            raise QgsProcessingException(str(error)) from None
        except OSError as error:  # a file the user named: missing, unreadable or unwritable (the text names it)
            raise QgsProcessingException(
                translate("GairAlgorithm", "{}; check the file and the folder's permissions").format(error)
            ) from None
        finally:
            _RUNNING.feedback = None

    return wrapper


class Progress:
    """Maps work steps into a range of the feedback's percentage; raises Cancelled."""

    def __init__(self, feedback: Optional[QgsProcessingFeedback], start: float = 0.0, end: float = 100.0) -> None:
        self.feedback, self.start, self.end = feedback, start, end

    def check(self) -> None:
        if self.feedback is not None and self.feedback.isCanceled():
            raise Cancelled()

    def __call__(self, done: int, total: int) -> bool:
        """Progress callback for the runtime: False means cancel."""
        if self.feedback is not None:
            self.feedback.setProgress(self.start + (self.end - self.start) * done / max(total, 1))
            return not self.feedback.isCanceled()
        return True

    def step(self, done: int, total: int) -> None:
        self(done, total)
        self.check()


@dataclass
class Model:
    """A loaded package and its runtime."""

    package: ModelPackage
    runtime: GAIRRuntime


class RasterInput(QgsProcessingParameterRasterLayer):
    """A raster layer parameter whose check (qgis_process loads a file given by path there, before
    the algorithm starts) leaves no .aux.xml beside the user's raster (`input_sidecars_suppressed`)."""

    @staticmethod
    def like(param: QgsProcessingParameterRasterLayer) -> RasterInput:
        """The same parameter as this class (its flags, optional included, help and metadata)."""
        copy = RasterInput(param.name(), param.description(), param.defaultValue())
        copy.setFlags(param.flags())
        copy.setHelp(param.help())
        copy.setMetadata(param.metadata())
        return copy

    def checkValueIsAcceptable(self, value, context=None) -> bool:
        with input_sidecars_suppressed([value]):
            return super().checkValueIsAcceptable(value, context)

    def clone(self) -> RasterInput:
        return RasterInput.like(self)


class _Placeholders(dict):
    """Help text values; a placeholder without one stays as written ({NAME})."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class GairAlgorithm(QgsProcessingAlgorithm):
    """Base of the GAIR algorithms: the skeleton every one shares, so that each is thin glue over
    its engine (as QGIS's own algorithms are). A subclass sets `algorithm_name`, `display_name`
    and `help_text` (marked with QT_TRANSLATE_NOOP in its own context), `raster_parameter` when
    it reads a raster layer, declares its parameters in `initAlgorithm` with the helpers below
    (`add_raster_input`, `add_model_parameter`, `add_with_help`, `add_tile_outputs`) and does its
    work in `process`. The base prepares the raster on the main thread, checks the settings and
    output folders, turns known errors into one-line Processing errors (recorded for the docks,
    `clear_errors`), forwards warnings about the input, and styles the layers QGIS loads."""

    MODEL = "MODEL"
    BANDS = "BANDS"
    INPUT = "INPUT"
    OUTPUT = "OUTPUT"

    algorithm_name = ""  # the id after "gair:"
    display_name = ""  # QT_TRANSLATE_NOOP(<the class's name>, ...)
    help_text = ""  # QT_TRANSLATE_NOOP(<the class's name>, ...); {placeholders} filled by `help_values`
    raster_parameter: Optional[str] = None  # the raster layer parameter read by `raster()`, if any

    _group = ""
    _group_id = ""
    # the raster of `prepare_raster` (main thread) for `raster` (the worker), or why it cannot be read
    _raster: Optional[RasterSource] = None
    _raster_error: Optional[InputError] = None
    _raster_name = "INPUT"

    def createInstance(self):
        return type(self)()

    def tr(self, text: str) -> str:
        """`text` in the user's language (contexts: this algorithm's classes, gair_qgis.translation)."""
        return translate_for(type(self), text)

    def name(self) -> str:
        return self.algorithm_name

    def displayName(self) -> str:
        return self.tr(self.display_name)

    def shortHelpString(self) -> str:
        """The help in the user's language, speaking of the parameters by their labels, then a
        short note with the IDs that qgis_process and scripts use."""
        labels = {p.name(): p.description() for p in self.parameterDefinitions()}
        text = self.tr(self.help_text).format_map(_Placeholders(labels, **self.help_values()))
        return text + "\n\n" + self.command_line_note()

    def help_values(self) -> dict:
        """Values of the help text's placeholders other than the parameters' labels ({EXTENT} is
        the label of EXTENT in the user's language), filled after translation."""
        return {}

    def command_line_note(self) -> str:
        """Which parameter ID each label is, for qgis_process and Python scripts."""
        ids = "; ".join(f"{p.name()} = {p.description()}" for p in self.parameterDefinitions())
        return self.tr("<b>Command line</b> (qgis_process, processing.run): the parameter IDs are {}.").format(ids)

    def prepareAlgorithm(self, parameters, context, feedback) -> bool:
        """On the main thread: the raster layer (`raster_parameter`) read by the worker."""
        if self.raster_parameter is not None:
            self.prepare_raster(parameters, context, self.raster_parameter)
        return True

    @clear_errors
    def processAlgorithm(self, parameters, context, feedback) -> dict:
        """`process` with the checks and the error handling every GAIR algorithm shares: an
        existing vector output file is refused before the work, as raster ones are."""
        for definition in self.parameterDefinitions():
            if isinstance(definition, QgsProcessingParameterFeatureSink):
                check_vector_destination(self.parameterAsOutputLayer(parameters, definition.name(), context))
        return self.process(parameters, context, feedback)

    def process(self, parameters, context, feedback) -> dict:
        """The algorithm's work: its outputs by name."""
        raise NotImplementedError(f"{type(self).__name__}.process")

    def group(self) -> str:
        names = {
            "streetview": self.tr("Street view"),
            "location": self.tr("Location"),
            "remotesensing": self.tr("Remote sensing"),
        }  # literals, so that pylupdate5 finds them
        return names.get(self._group_id, self._group)

    def groupId(self) -> str:
        return self._group_id

    def canExecute(self):
        if importlib.util.find_spec("onnxruntime") is None:
            return False, missing_message(self.tr("onnxruntime is not installed in QGIS's Python"))
        return True, ""

    def postProcessAlgorithm(self, context, feedback) -> dict:
        """Outputs that QGIS loads (toolbox, modeler) are styled, named and put on top of the
        layer tree as the docks do (gair_qgis.styling)."""
        from ..styling import attach_post_processors

        model, untrained = getattr(self, "_model_label", ("", False))
        attach_post_processors(self, context, model, untrained, self.displayName())
        return {}

    # --- parameters ----------------------------------------------------------------------

    def add_with_help(self, parameter, text: str = ""):
        """Add `parameter`, with its tooltip `text` (translated) when given; the parameter."""
        if text:
            parameter.setHelp(text)
        self.addParameter(parameter)
        return parameter

    def add_photo_parameter(self, name: str, description: str, optional: bool = False, help_text: str = "") -> None:
        """A street-view photo file (`description` and `help_text` come translated)."""
        self.add_with_help(
            QgsProcessingParameterFile(
                name,
                description,
                behavior=compat.FILE_BEHAVIOR_FILE,
                optional=optional,
                fileFilter=self.tr("Images")
                + " (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp);;"
                + self.tr("All files")
                + " (*.*)",
            ),
            help_text,
        )

    def add_raster_input(self, name: str = "INPUT") -> None:
        """The Sentinel-2 raster layer `name` and the optional band order (BANDS) read from it."""
        self.addParameter(QgsProcessingParameterRasterLayer(name, self.tr("Sentinel-2 L2A raster (any CRS)")))
        self.add_bands_parameter(name)

    def add_tile_outputs(self, encoded: bool = True) -> None:
        """The numbers of tiles used (TILES) and, with `encoded`, of tiles this run encoded."""
        self.addOutput(QgsProcessingOutputNumber("TILES", self.tr("Tiles")))
        if encoded:
            self.addOutput(
                QgsProcessingOutputNumber(
                    "ENCODED_TILES", self.tr("Tiles encoded by this run (others came from the cache)")
                )
            )

    def add_model_parameter(self) -> None:
        """MODEL: an installed package by name (offered in a list, the active one preselected)
        or a package folder path; empty means the active package. A short label (the dialog's
        width), the rest in its tooltip."""
        param = QgsProcessingParameterString(
            self.MODEL, self.tr("Model"), defaultValue=model_store.active_label(), optional=True
        )
        param.setMetadata(
            {"widget_wrapper": {"value_hints": list(model_store.labels(model_store.installed_packages()))}}
        )
        self.add_with_help(
            param,
            self.tr("An installed model package (offered in the list) or a package folder. Default: the active model."),
        )

    def add_head_parameter(self, name: str, inputs: tuple[str, ...], help_text: str) -> None:
        """An optional head name, offering the active package's heads that take `inputs`
        (`help_text`, its tooltip, comes translated)."""
        param = QgsProcessingParameterString(name, self.tr("Head"), optional=True)
        param.setMetadata({"widget_wrapper": {"value_hints": model_store.active_head_names(inputs)}})
        self.add_with_help(param, help_text)

    def add_bands_parameter(self, parent: str) -> None:
        param = QgsProcessingParameterBand(
            self.BANDS,
            self.tr("Bands in model order"),
            parentLayerParameterName=parent,
            optional=True,
            allowMultiple=True,
        )
        param.setHelp(
            self.tr("B2, B3, B4, B5, B6, B7, B8, B8A, B11, B12 in this order; default: found from the band names")
        )
        self.addParameter(param)

    # --- values --------------------------------------------------------------------------

    def raster_output(self, parameters, context, name: str = "OUTPUT") -> Path:
        """The raster output file `name`, checked before the work (`check_output_path`)."""
        return check_output_path(self.parameterAsOutputLayer(parameters, name, context))

    def optional_double(self, parameters, context, name: str, default: float = 0.0) -> float:
        """A number parameter's value, `default` when not given."""
        return self.parameterAsDouble(parameters, name, context) if given(parameters, name) else default

    def optional_extent(self, parameters, context, name: str, crs) -> Optional[QgsRectangle]:
        """An extent parameter in `crs`, None when not given."""
        return self.parameterAsExtent(parameters, name, context, crs) if given(parameters, name) else None

    def parameter_label(self, name: str) -> str:
        """A parameter as errors name it: its label in the dialog, and the name qgis_process takes."""
        definition = self.parameterDefinition(name)
        return f"'{definition.description()}' ({name})" if definition else name

    def photo_path(self, parameters, context, name: str = "SV_IMAGE") -> str:
        """The photo file parameter `name`; InputError when it is not set."""
        path = self.parameterAsFile(parameters, name, context)
        if not path:
            raise InputError(self.tr("{} is not set; choose the street-view photo").format(self.parameter_label(name)))
        return path

    def write_features(self, parameters, context, name: str, fields, geometry_type, crs, features) -> str:
        """Write `features` (all computed: nothing half-written) to the feature sink `name`; its
        destination."""
        sink, destination = self.parameterAsSink(parameters, name, context, fields, geometry_type, crs)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, name))
        for feature in features:
            sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert)
        return destination

    # --- model and bands -----------------------------------------------------------------

    def raster_model_bands(self, parameters, context, feedback) -> tuple[RasterSource, Model, list[int]]:
        """The prepared raster, the loaded model and the raster's bands in model order, in that
        order (the first that fails says why)."""
        source = self.raster()
        model = self.load_model(parameters, context, feedback)
        return source, model, self.band_mapping(parameters, context, source, model.package)

    def load_model(self, parameters, context, feedback) -> Model:
        folder = model_store.resolve_model(self.parameterAsString(parameters, self.MODEL, context))
        package = load_package(folder or None)
        runtime = cache.SESSIONS.runtime(package, force_cpu=force_cpu())
        feedback.pushInfo(
            self.tr("Model: {name} ({folder}); execution provider {provider}").format(
                name=package.name, folder=package.root, provider=runtime.provider
            )
        )
        self._model_label = (package.name, bool(package.untrained))  # names the loaded layers (postProcessAlgorithm)
        if package.untrained:
            feedback.pushWarning(
                self.tr(
                    "The model package {} is UNTRAINED (random weights): its outputs "
                    "exercise the pipeline but carry no meaning. Import the released GAIR "
                    "checkpoint for real results."
                ).format(package.name)
            )
        return Model(package, runtime)

    def band_mapping(self, parameters, context, source: RasterSource, package: ModelPackage) -> list[int]:
        """0-based raster bands in model order, from BANDS or from the band names."""
        wanted = package.rs_spec.bands
        chosen = self.band_numbers(parameters, context)
        if chosen:
            if len(chosen) != len(wanted) or not all(1 <= b <= source.band_count for b in chosen):
                raise InputError(
                    self.tr(
                        "BANDS lists {count} band(s) {chosen}; give exactly {wanted} band numbers between 1 and {bands}, "
                        "for {names} in that order (on the command line: BANDS=2,3,4,... or BANDS=2;3;4;...)"
                    ).format(
                        count=len(chosen),
                        chosen=chosen,
                        wanted=len(wanted),
                        bands=source.band_count,
                        names=", ".join(wanted),
                    )
                )
            check_band_choice([b - 1 for b in chosen], package.rs_spec, source.band_names)
            return [b - 1 for b in chosen]
        try:
            return band_indices(source.band_count, package.rs_spec, source.band_names)
        except InputError as error:
            raise BandLayout(
                self.tr(
                    "{error} With the BANDS parameter, list {count} band numbers of the raster for {names}."
                ).format(error=error, count=len(wanted), names=", ".join(wanted)),
                source.band_count,
            ) from None

    def band_numbers(self, parameters, context) -> list[int]:
        """BANDS as 1-based numbers; also accepts a comma-separated string ("2,3,4")."""
        raw = parameters.get(self.BANDS)
        if isinstance(raw, str) and "," in raw:
            try:
                return [int(part) for part in raw.replace(";", ",").split(",") if part.strip()]
            except ValueError:
                raise InputError(
                    self.tr("BANDS {} is not a list of band numbers such as 2,3,4").format(repr(raw))
                ) from None
        return self.parameterAsInts(parameters, self.BANDS, context)

    # --- rasters: prepared on the main thread, checked in processAlgorithm ---------------------

    def addParameter(self, param, createOutput=True) -> bool:
        """QGIS's addParameter; a raster layer parameter becomes a `RasterInput`."""
        if isinstance(param, QgsProcessingParameterRasterLayer) and not isinstance(param, RasterInput):
            param = RasterInput.like(param)
        return super().addParameter(param, createOutput)

    def checkParameterValues(self, parameters, context):
        """QGIS's checks; the raster files it loads meanwhile get no .aux.xml beside them."""
        with input_sidecars_suppressed(self.raster_files(parameters)):
            return super().checkParameterValues(parameters, context)

    def raster_files(self, parameters) -> list:
        """The values of the raster layer parameters (paths where the user gave a file)."""
        return [
            parameters.get(p.name())
            for p in self.parameterDefinitions()
            if isinstance(p, QgsProcessingParameterRasterLayer)
        ]

    def prepare_raster(self, parameters, context, name: str = "INPUT") -> bool:
        """Clone the raster parameter's provider (main thread); errors surface in `raster()`,
        where Processing shows their message. A raster file loaded here gets no .aux.xml beside it."""
        self._raster_name = name
        try:
            with input_sidecars_suppressed(self.raster_files(parameters)):
                layer = self.parameterAsRasterLayer(parameters, name, context)
            self._raster = RasterSource.from_layer(layer)
            self._raster_error = None
        except InputError as error:
            self._raster, self._raster_error = None, error
        return True

    def raster(self) -> RasterSource:
        """The prepared raster, with a usable CRS."""
        if self._raster_error is not None:
            raise self._raster_error
        if self._raster is None:
            raise ValueError("internal error: raster() before prepare_raster()")
        check_crs(self._raster.crs, self.tr("the raster {}").format(self._raster_name))
        return self._raster
