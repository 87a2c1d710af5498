"""How GAIR result layers look, wherever they come from (the docks or the Processing
toolbox): one function per kind of result, a layer name that says what and which model,
new layers on top of the layer tree, and a Processing layer post-processor that applies
all of it to toolbox outputs.

- Similarity (svheatmap, locationraster similarity): cosine similarity on a fixed scale,
  SIMILARITY_SCALE (0 to 0.5) or the model's own (model.json "similarity_scale"), when the
  values fit it; else (and always for an UNTRAINED model) stretched to the values' 2-98 %
  range, and the legend says so. A sequential ramp whose low end fades to transparent; a
  legend that says "cosine similarity, higher = more alike", the values drawn and the value
  at the photo's point.
- PCA views (3 bands): an RGB composite, each band stretched to its 2-98 % range.
- Predictions: a classification head as categories (one colour per class), a regression
  target as graduated colours; one layer per head, so every head can be drawn.
- Sentinel-2 rasters: a true-colour composite (B4, B3, B2) found through the model's band
  mapping (`runtime.preprocess.band_indices`).

Colours are never baked into the data: every style is a renderer over the raw values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Optional

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsColorRampShader,
    QgsContrastEnhancement,
    QgsGradientColorRamp,
    QgsGraduatedSymbolRenderer,
    QgsLayerTreeLayer,
    QgsMapLayer,
    QgsMapLayerLegendUtils,
    QgsMultiBandColorRenderer,
    QgsPalettedRasterRenderer,
    QgsPalLayerSettings,
    QgsProcessingLayerPostProcessorInterface,
    QgsProject,
    QgsRasterBandStats,
    QgsRasterLayer,
    QgsRasterMinMaxOrigin,
    QgsRasterShader,
    QgsRendererCategory,
    QgsRendererRange,
    QgsSingleBandPseudoColorRenderer,
    QgsStyle,
    QgsSymbol,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor

from .translation import QT_TRANSLATE_NOOP, translate

SIMILARITY_SCALE = (0.0, 0.5)  # cosine similarity shown from transparent (0) to the top colour (0.5 and above)
SIMILARITY_LEGEND = QT_TRANSLATE_NOOP("styling", "cosine similarity, higher = more alike")  # shown translated
# (position on the scale, colour, opacity): pale and transparent at the low end, dark red on top
SIMILARITY_STOPS = (
    (0.0, "#ffffb2", 0),
    (0.25, "#fecc5c", 70),
    (0.5, "#fd8d3c", 140),
    (0.75, "#f03b20", 200),
    (1.0, "#99000d", 235),
)  # never fully opaque: the map stays visible
PREDICTION_OPACITY = 0.65
CLASS_COLOURS = (
    "#1f78b4",
    "#33a02c",
    "#e31a1c",
    "#ff7f00",
    "#6a3d9a",
    "#b15928",
    "#a6cee3",
    "#b2df8a",
    "#fb9a99",
    "#fdbf6f",
    "#cab2d6",
    "#ffff99",
)  # ColorBrewer Paired: distinct classes
HIDDEN = "gair/start_hidden"  # a layer added unchecked (further heads: one head shown at a time)
VALUE_RAMP = "Viridis"
MAX_HEAD_LAYERS = 8  # at most this many layers (one per head) from one predictions output
UNTRAINED_TAG = QT_TRANSLATE_NOOP("styling", "UNTRAINED")  # shown translated


# --- names and placement -------------------------------------------------------------------


def layer_name(what: str, subject: str = "", model: str = "", untrained: bool = False) -> str:
    """ "GAIR heatmap: photo.jpg · gair-base (UNTRAINED)": what the layer shows, for which
    photo or task, and which model made it."""
    name = f"GAIR {what}"  # `what` comes translated
    if subject:
        name += f": {subject}"
    if model:
        name += f" · {model}"
    if untrained:
        name += f" ({translate('styling', UNTRAINED_TAG)})"
    return name


def add_on_top(layer: QgsMapLayer, project: Optional[QgsProject] = None) -> QgsMapLayer:
    """Add `layer` at the top of the layer tree (not under whatever layer is selected)."""
    project = project or QgsProject.instance()
    if project.mapLayer(layer.id()) is None:
        project.addMapLayer(layer, False)
    move_to_top(layer, project)
    return layer


def move_to_top(layer: QgsMapLayer, project: Optional[QgsProject] = None) -> None:
    """Put `layer` first in the layer tree's root (moving it if it is elsewhere)."""
    project = project or QgsProject.instance()
    root = project.layerTreeRoot()
    node = root.findLayer(layer.id())
    if node is not None and node.parent() is root and root.children().index(node) == 0:
        return
    clone = node.clone() if node is not None else QgsLayerTreeLayer(layer)
    root.insertChildNode(0, clone)
    if node is not None:
        node.parent().removeChildNode(node)


def label_legend(layer: QgsMapLayer, text: str, project: Optional[QgsProject] = None) -> None:
    """Replace the first legend line of `layer` (QGIS's "Band 1: ... (Gray)") by `text`;
    kept in the project with the layer tree node."""
    node = (project or QgsProject.instance()).layerTreeRoot().findLayer(layer.id())
    if node is not None:
        QgsMapLayerLegendUtils.setLegendNodeUserLabel(node, 0, text)
        refresh_legend(node)


def refresh_legend(node: QgsLayerTreeLayer) -> None:
    """Have the desktop's layer tree show a changed legend (no-op without a desktop)."""
    try:
        from qgis.utils import iface
    except ImportError:
        return
    try:
        view = iface.layerTreeView() if iface is not None else None
    except (AttributeError, TypeError, RuntimeError):  # a test interface without a layer tree view
        return
    if view is not None and view.layerTreeModel() is not None:
        view.layerTreeModel().refreshLayerLegend(node)


# --- similarity ------------------------------------------------------------------------------


def band_statistics(layer: QgsRasterLayer, band: int) -> QgsRasterBandStats:
    """The band's statistics over all its pixels. All of them (the default): on QGIS 3.40 PyQGIS
    picks the deprecated overload for any explicit selection (Min | Max), which QGIS 4 drops."""
    return layer.dataProvider().bandStatistics(band)


def band_percentiles(layer: QgsRasterLayer, band: int = 1) -> tuple[float, float]:
    """(2 %, 98 %) of a band's valid pixels (QGIS's estimate); (0, 1) for an empty band."""
    stats = band_statistics(layer, band)
    low, high = stats.minimumValue, stats.maximumValue
    if not (math.isfinite(low) and math.isfinite(high)) or high < low or abs(low) > 1e30:
        return 0.0, 1.0
    low_cut, high_cut = layer.dataProvider().cumulativeCut(band, 0.02, 0.98, layer.extent(), 250_000)
    if math.isfinite(low_cut) and math.isfinite(high_cut) and high_cut > low_cut:
        low, high = low_cut, high_cut
    return (low - 0.5, high + 0.5) if high == low else (low, high)


def similarity_range(
    layer: QgsRasterLayer, untrained: bool, model_scale: Optional[tuple[float, float]] = None
) -> tuple[float, float, bool]:
    """The colour scale (low, high, stretched): the model's own fixed scale (model.json
    "similarity_scale", tag GAIR_SIMILARITY_SCALE, else SIMILARITY_SCALE) when the layer's
    2-98 % range fits inside it, else that range (always for an untrained model), so the
    colours never saturate on most of the map."""
    data = band_percentiles(layer)
    fixed = model_scale or SIMILARITY_SCALE
    if not untrained and fixed[0] <= data[0] and data[1] <= fixed[1]:
        return fixed[0], fixed[1], False
    return data[0], data[1], True


def band_range(layer: QgsRasterLayer, band: int = 1) -> Optional[tuple[float, float]]:
    """The smallest and largest valid value of a band (None for an empty band)."""
    stats = band_statistics(layer, band)
    low, high = stats.minimumValue, stats.maximumValue
    return (low, high) if math.isfinite(low) and math.isfinite(high) and low <= high else None


def similarity_legend(layer: QgsRasterLayer, point: Optional[float] = None) -> str:
    """The legend's title line: what the colours mean, the values drawn and the photo's point."""
    text = translate("styling", SIMILARITY_LEGEND)
    values = band_range(layer)
    if values is not None:
        text += translate("styling", "; values {:.3g} to {:.3g}").format(*values)
    if point is not None:
        text += translate("styling", "; {:.3g} at the photo's point").format(point)
    return text


def point_similarity(tags: dict) -> Optional[float]:
    """The value at the photo's point a heatmap's GAIR_POINT_SIMILARITY tag names, if any."""
    try:
        value = float(tags.get("GAIR_POINT_SIMILARITY", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def model_similarity_scale(tags: dict) -> Optional[tuple[float, float]]:
    """The scale a result raster's GAIR_SIMILARITY_SCALE tag names ("low,high"), if any."""
    try:
        low, high = (float(v) for v in str(tags.get("GAIR_SIMILARITY_SCALE", "")).split(","))
    except ValueError:
        return None
    return (low, high) if high > low else None


def similarity_shader(low: float, high: float, stretched: bool) -> QgsColorRampShader:
    """The similarity colour ramp from `low` (transparent) to `high` (opaque), with a
    continuous legend that names both ends (a stretched scale: values beyond an end take its colour)."""
    items = []
    for position, colour, alpha in SIMILARITY_STOPS:
        value = low + position * (high - low)
        color = QColor(colour)
        color.setAlpha(alpha)
        items.append(QgsColorRampShader.ColorRampItem(value, color, f"{value:.3g}"))
    shader = QgsColorRampShader(low, high)
    shader.setColorRampType(QgsColorRampShader.Type.Interpolated)
    shader.setColorRampItemList(items)
    shader.setSourceColorRamp(QgsGradientColorRamp(items[0].color, items[-1].color))
    legend = shader.legendSettings()
    legend.setUseContinuousLegend(True)
    if stretched:
        legend.setMinimumLabel(translate("styling", "{:.3g} or less: least alike (stretched)").format(low))
        legend.setMaximumLabel(translate("styling", "{:.3g} or more: most alike").format(high))
    else:
        legend.setMinimumLabel(translate("styling", "{:.3g}: least alike").format(low))
        legend.setMaximumLabel(translate("styling", "{:.3g}: most alike").format(high))
    shader.setLegendSettings(legend)
    return shader


SIMILARITY_LEGEND_PROPERTY = "gair/similarity_legend"  # the legend title style_similarity chose


def style_similarity(
    layer: QgsRasterLayer,
    untrained: bool = False,
    model_scale: Optional[tuple[float, float]] = None,
    point: Optional[float] = None,
) -> tuple[float, float]:
    """Colour band 1 as cosine similarity (see the module docstring); returns the scale used.
    `point`: the value at the photo's point, named in the legend."""
    low, high, stretched = similarity_range(layer, untrained, model_scale)
    function = similarity_shader(low, high, stretched)
    shader = QgsRasterShader(low, high)
    shader.setRasterShaderFunction(function)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(low)
    renderer.setClassificationMax(high)
    layer.setRenderer(renderer)
    layer.setOpacity(1.0)  # the ramp's own alpha fades the low values
    legend = similarity_legend(layer, point)
    layer.setCustomProperty(SIMILARITY_LEGEND_PROPERTY, legend)
    metadata = layer.metadata()
    abstract = (
        translate("styling", "{}; colour scale {:.3g} (transparent) to {:.3g} (the values' 2-98 % range).")
        if stretched
        else translate("styling", "{}; colour scale {:.3g} (transparent) to {:.3g}.")
    )
    metadata.setAbstract(abstract.format(legend, low, high))
    layer.setMetadata(metadata)
    layer.triggerRepaint()
    return low, high


# --- PCA views ---------------------------------------------------------------------------------


def style_rgb(layer: QgsRasterLayer, bands: Sequence[int] = (1, 2, 3)) -> QgsMultiBandColorRenderer:
    """An RGB composite of three bands, each stretched to its 2-98 % range."""
    renderer = QgsMultiBandColorRenderer(layer.dataProvider(), *bands)
    layer.setRenderer(renderer)
    layer.setContrastEnhancement(
        QgsContrastEnhancement.ContrastEnhancementAlgorithm.StretchToMinimumMaximum,
        QgsRasterMinMaxOrigin.Limits.CumulativeCut,
    )
    layer.setOpacity(1.0)
    layer.triggerRepaint()
    return layer.renderer()


# --- Sentinel-2 -------------------------------------------------------------------------------


def true_colour_bands(layer: QgsRasterLayer) -> Optional[tuple[int, int, int]]:
    """1-based (B4, B3, B2) of a raster the model can read as Sentinel-2, else None."""
    from .qgis_io import band_description
    from .runtime.errors import InputError, PackageError
    from .runtime.package import load_package
    from .runtime.preprocess import band_indices

    if not isinstance(layer, QgsRasterLayer) or not layer.isValid() or layer.bandCount() < 3:
        return None
    provider = layer.dataProvider()
    names = [band_description(provider.displayBandName(b)) for b in range(1, layer.bandCount() + 1)]
    try:
        spec = load_package().rs_spec
        indices = band_indices(layer.bandCount(), spec, names)
    except (PackageError, InputError, OSError, KeyError, ValueError):
        return None
    position = {band: indices[k] + 1 for k, band in enumerate(spec.bands)}
    if not all(band in position for band in ("B4", "B3", "B2")):
        return None
    return position["B4"], position["B3"], position["B2"]


def style_true_colour(layer: QgsRasterLayer) -> bool:
    """Show a Sentinel-2 raster in true colour (B4, B3, B2, 2-98 % stretch); False if it is none."""
    bands = true_colour_bands(layer)
    if bands is None:
        return False
    style_rgb(layer, bands)
    return True


def shows_default_style(layer: QgsRasterLayer) -> bool:
    """Whether a raster still has the style QGIS gives a new multi-band layer (bands 1, 2, 3)."""
    renderer = layer.renderer()
    return isinstance(renderer, QgsMultiBandColorRenderer) and (
        renderer.redBand(),
        renderer.greenBand(),
        renderer.blueBand(),
    ) == (1, 2, 3)


# --- predictions -------------------------------------------------------------------------------


def head_views(layer: QgsVectorLayer) -> list[tuple[str, str]]:
    """(field, kind) to draw from a predictions layer: a classification head's label field
    ("classes") or a regression target's value field ("values"), in field order. Label
    fields are the text fields F that have probability fields F_p_*; the other numeric
    fields are regression targets (tile bookkeeping and the similarity left out)."""
    fields = [f for f in layer.fields()]
    names = [f.name() for f in fields]
    classifiers = [f.name() for f in fields if not f.isNumeric() and any(n.startswith(f"{f.name()}_p_") for n in names)]
    probability_prefixes = tuple(f"{c}_p_" for c in classifiers)
    skip = {"tile", "col", "row", "gair_sim", "fid"}
    views = []
    for field in fields:
        name = field.name()
        if name in classifiers:
            views.append((name, "classes"))
        elif field.isNumeric() and name not in skip and not name.startswith(probability_prefixes):
            views.append((name, "values"))
    return views[:MAX_HEAD_LAYERS]


def _fill_symbol(layer: QgsVectorLayer, colour: QColor) -> QgsSymbol:
    symbol = QgsSymbol.defaultSymbol(layer.geometryType())
    symbol.setColor(colour)
    symbol.setOpacity(PREDICTION_OPACITY)
    return symbol


def style_classes(layer: QgsVectorLayer, field: str) -> None:
    """One colour per class of `field` from the head's colour table: the k-th class in the
    head's own order (that of its probability fields `<field>_p_<label>`) gets class_colour(k),
    as in the head's prediction raster (`style_prediction_raster`)."""
    index = layer.fields().indexOf(field)
    present = sorted(str(v) for v in layer.uniqueValues(index) if v is not None and str(v) != "NULL")
    order = [name for name in layer.fields().names() if name.startswith(f"{field}_p_")]
    position = {
        label: order.index(field_safe(field, "p", label)) for label in present if field_safe(field, "p", label) in order
    }
    unnamed = [label for label in present if label not in position]  # not a GAIR layer's class
    position.update({label: len(order) + k for k, label in enumerate(unnamed)})
    labels = sorted(present, key=position.__getitem__)
    categories = [
        QgsRendererCategory(label, _fill_symbol(layer, class_colour(position[label])), label) for label in labels
    ]
    layer.setRenderer(QgsCategorizedSymbolRenderer(field, categories))
    label_features(layer, field)


def field_safe(*parts: str) -> str:
    """Parts joined into a field name (letters, digits, "_"): how head outputs are named."""
    return re.sub(r"[^0-9A-Za-z_]+", "_", "_".join(parts)).strip("_")


def class_colour(index: int) -> QColor:
    """The colour of a head's `index`-th class (the head's colour table, for layer and raster alike)."""
    return QColor(CLASS_COLOURS[index % len(CLASS_COLOURS)])


def label_features(layer: QgsVectorLayer, field: str) -> None:
    """Write each feature's `field` on the map (a predicted class on its tile)."""
    settings = QgsPalLayerSettings()
    settings.fieldName = field
    text = QgsTextFormat()
    text.setSize(10)
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    text.setBuffer(buffer)
    settings.setFormat(text)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def style_values(layer: QgsVectorLayer, field: str, classes: int = 5) -> None:
    """Graduated colours (equal-count classes) of a numeric `field`."""
    index = layer.fields().indexOf(field)
    values = sorted(
        float(v) for v in (f.attribute(index) for f in layer.getFeatures()) if v is not None and str(v) != "NULL"
    )
    ramp = QgsStyle.defaultStyle().colorRamp(VALUE_RAMP)
    ranges = []
    if values:
        edges = [values[min(len(values) - 1, round(k * (len(values) - 1) / classes))] for k in range(classes + 1)]
        edges = sorted(set(edges)) if len(set(edges)) > 1 else [values[0], values[0] + 1e-9]
        for k in range(len(edges) - 1):
            colour = ramp.color(k / max(1, len(edges) - 2))
            label = f"{edges[k]:.3g} – {edges[k + 1]:.3g}"
            ranges.append(QgsRendererRange(edges[k], edges[k + 1], _fill_symbol(layer, colour), label))
    layer.setRenderer(QgsGraduatedSymbolRenderer(field, ranges))


def style_head(layer: QgsVectorLayer, field: str, kind: str) -> None:
    """Draw one head output of a predictions layer."""
    (style_classes if kind == "classes" else style_values)(layer, field)
    layer.triggerRepaint()


def style_prediction_raster(layer: QgsRasterLayer) -> None:
    """A tilepredict raster: the first head's class index as labelled classes, or its first
    value as a pseudocolor ramp. Band names are "<head>:class_index", "<head>:<label>"."""
    descriptions = band_names(layer)
    if descriptions and descriptions[0].endswith(":class_index"):
        head = descriptions[0].rsplit(":", 1)[0]
        labels = [d.split(":", 1)[1] for d in descriptions[1:] if d.startswith(f"{head}:")]
        classes = [QgsPalettedRasterRenderer.Class(k, class_colour(k), label) for k, label in enumerate(labels)]
        layer.setRenderer(QgsPalettedRasterRenderer(layer.dataProvider(), 1, classes))
    else:
        low, high = band_percentiles(layer)
        ramp = QgsStyle.defaultStyle().colorRamp(VALUE_RAMP)
        function = QgsColorRampShader(low, high, ramp, QgsColorRampShader.Type.Interpolated)
        function.classifyColorRamp(5, 1, layer.extent(), layer.dataProvider())
        shader = QgsRasterShader(low, high)
        shader.setRasterShaderFunction(function)
        layer.setRenderer(QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader))
    layer.setOpacity(PREDICTION_OPACITY)
    layer.triggerRepaint()


def prediction_layers(layer: QgsVectorLayer, task_name: str, model: str, untrained: bool) -> list[QgsVectorLayer]:
    """`layer` styled for its first head and a copy of it per further head, each named
    after its head: every head can be drawn. Nothing is added to a project."""
    views = head_views(layer)
    if not views:
        layer.setName(layer_name(translate("styling", "predictions"), task_name, model, untrained))
        return [layer]
    layers = []
    for k, (field, kind) in enumerate(views):
        view = layer if k == 0 else layer.clone()
        view.setCustomProperty(HIDDEN, k > 0)
        view.setName(layer_name(translate("styling", "predictions"), field, model, untrained))
        style_head(view, field, kind)
        layers.append(view)
    return layers


# --- reading what a GAIR output is ---------------------------------------------------------------


def raster_tags(layer: QgsRasterLayer) -> dict:
    """The GAIR_* metadata written into a result GeoTIFF (empty for other rasters)."""
    from osgeo import gdal

    path = layer.source().split("|")[0]
    if not Path(path).is_file():
        return {}
    dataset = gdal.Open(path)
    tags = dict(dataset.GetMetadata() or {}) if dataset is not None else {}
    dataset = None
    return {k: v for k, v in tags.items() if k.startswith("GAIR_")}


def band_names(layer: QgsRasterLayer) -> list[str]:
    """The band descriptions of a raster file ("" where a band has none)."""
    from osgeo import gdal

    dataset = gdal.Open(layer.source().split("|")[0]) if layer.isValid() else None
    if dataset is None:
        return [""] * layer.bandCount()
    names = [dataset.GetRasterBand(b).GetDescription() or "" for b in range(1, dataset.RasterCount + 1)]
    dataset = None
    return names


def raster_kind(layer: QgsRasterLayer) -> str:
    """ "similarity", "pca", "prediction" or "other", from the band names."""
    names = band_names(layer)
    if names == ["similarity"]:
        return "similarity"
    if names == ["pc1", "pc2", "pc3"]:
        return "pca"
    if names and ":" in names[0]:
        return "prediction"
    return "other"


RASTER_TITLES = {
    "similarity": QT_TRANSLATE_NOOP("styling", "similarity"),
    "pca": QT_TRANSLATE_NOOP("styling", "PCA view"),
    "prediction": QT_TRANSLATE_NOOP("styling", "predictions (raster)"),
    "other": QT_TRANSLATE_NOOP("styling", "embedding"),
}  # shown translated


def style_result_raster(layer: QgsRasterLayer, subject: str = "", what: str = "") -> str:
    """Style and name a GAIR result raster from what it contains; returns its kind."""
    tags = raster_tags(layer)
    kind = raster_kind(layer)
    untrained = str(tags.get("GAIR_UNTRAINED", "")).lower() == "true"
    photo = Path(tags["GAIR_PHOTO"]).name if tags.get("GAIR_PHOTO") else ""
    if kind == "similarity":
        style_similarity(layer, untrained, model_similarity_scale(tags), point_similarity(tags))
    elif kind == "pca":
        style_rgb(layer)
    elif kind == "prediction":
        style_prediction_raster(layer)
    title = what or (
        translate("styling", "heatmap") if photo and kind == "similarity" else translate("styling", RASTER_TITLES[kind])
    )
    layer.setName(layer_name(title, subject or photo, tags.get("GAIR_MODEL", ""), untrained))
    return kind


def finish_on_top(layers: Iterable[QgsMapLayer], project: Optional[QgsProject] = None) -> None:
    """Put `layers` on top of the layer tree (the first one topmost) and label similarity legends."""
    project = project or QgsProject.instance()
    for layer in reversed(list(layers)):
        add_on_top(layer, project)
        node = project.layerTreeRoot().findLayer(layer.id())
        if layer.customProperty(HIDDEN, False) and node is not None:
            node.setItemVisibilityChecked(False)
        if isinstance(layer, QgsRasterLayer) and raster_kind(layer) == "similarity":
            label_legend(
                layer,
                layer.customProperty(SIMILARITY_LEGEND_PROPERTY, translate("styling", SIMILARITY_LEGEND)),
                project,
            )


# --- Processing ----------------------------------------------------------------------------------


class ResultPostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Styles, names and raises a GAIR output that the Processing toolbox loads.

    QGIS calls `postProcessLayer` after adding the layer to the project. Instances are
    kept in `_KEEP` because QGIS does not own them (a collected instance would crash it)."""

    _KEEP: list = []

    def __init__(self, model: str = "", untrained: bool = False, task: str = "") -> None:
        super().__init__()
        self.model, self.untrained, self.task = model, untrained, task

    @classmethod
    def create(cls, **kwargs) -> ResultPostProcessor:
        instance = cls(**kwargs)
        cls._KEEP.append(instance)
        return instance

    def postProcessLayer(self, layer, context, feedback) -> None:
        project = context.project() or QgsProject.instance()
        if isinstance(layer, QgsRasterLayer):
            style_result_raster(layer)
            finish_on_top([layer], project)
        elif isinstance(layer, QgsVectorLayer):
            if "gair_sim" in layer.fields().names():
                layer.setName(layer_name(translate("styling", "photo points"), "", self.model, self.untrained))
                style_values(layer, "gair_sim")
                finish_on_top([layer], project)
                return
            views = prediction_layers(layer, self.task, self.model, self.untrained)
            for extra in views[1:]:
                project.addMapLayer(extra, False)
            finish_on_top(views, project)


def attach_post_processors(algorithm, context, model: str = "", untrained: bool = False, task: str = "") -> None:
    """Give every output of `algorithm` that QGIS will load a ResultPostProcessor."""
    outputs = {definition.name() for definition in algorithm.destinationParameterDefinitions()}
    for value, details in context.layersToLoadOnCompletion().items():
        if details.outputName in outputs or not details.outputName:
            post_processor = ResultPostProcessor.create(model=model, untrained=untrained, task=task)
            context.layerToLoadOnCompletionDetails(value).setPostProcessor(post_processor)  # a reference
