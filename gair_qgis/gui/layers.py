"""Result layers: unique output paths, adding a layer above another, pseudocolor styling."""
from __future__ import annotations

import math
import re
import sys
import time
from pathlib import Path
from typing import Optional

from qgis.core import (
    QgsColorRampShader,
    QgsMapLayer,
    QgsProject,
    QgsRasterBandStats,
    QgsRasterLayer,
    QgsRasterShader,
    QgsSingleBandPseudoColorRenderer,
    QgsStyle,
    QgsVectorLayer,
)

from qgis.PyQt.QtCore import QTimer

from . import settings

HEATMAP_RAMP = "Turbo"
HEATMAP_OPACITY = 0.7


def unique_output_path(stem: str, suffix: str = ".tif", folder: Optional[Path] = None) -> str:
    """A new file name in the output folder (created if needed); never an existing file."""
    folder = Path(folder) if folder else settings.output_folder()
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^\w.-]+", "_", stem).strip("_") or "gair"
    base = f"{safe}_{time.strftime('%Y%m%d-%H%M%S')}"
    candidate, counter = folder / f"{base}{suffix}", 1
    while candidate.exists():
        candidate, counter = folder / f"{base}_{counter}{suffix}", counter + 1
    return str(candidate)


def add_layer_above(layer: QgsMapLayer, reference: Optional[QgsMapLayer] = None) -> QgsMapLayer:
    """Add `layer` to the project right above `reference` in the layer tree (at the top
    when `reference` is None or not in the tree)."""
    project = QgsProject.instance()
    project.addMapLayer(layer, False)
    root = project.layerTreeRoot()
    node = root.findLayer(reference.id()) if reference is not None else None
    if node is None:
        root.insertLayer(0, layer)
    else:
        group = node.parent()
        group.insertLayer(group.children().index(node), layer)
    QTimer.singleShot(0, lambda: expand_legend(layer.id()))  # after the layer tree view has set it up
    return layer


def expand_legend(layer_id: str) -> None:
    """Show a layer's legend (colour ramp, classes) in the layer tree."""
    node = QgsProject.instance().layerTreeRoot().findLayer(layer_id)
    if node is not None:  # toggled: the view may not have expanded the legend rows it added later
        node.setExpanded(False)
        node.setExpanded(True)


def load_raster(path: str, name: str) -> QgsRasterLayer:
    """A raster layer from a result file; ValueError when QGIS cannot read it."""
    layer = QgsRasterLayer(path, name)
    if not layer.isValid():
        raise ValueError(f"QGIS cannot read the result {path}")
    return layer


def load_vector(path: str, name: str) -> QgsVectorLayer:
    """A vector layer from a result file; ValueError when QGIS cannot read it."""
    layer = QgsVectorLayer(path, name, "ogr")
    if not layer.isValid():
        raise ValueError(f"QGIS cannot read the result {path}")
    return layer


def band_range(layer: QgsRasterLayer, band: int = 1) -> tuple[float, float]:
    """(min, max) of a band's valid pixels; (0, 1) for an empty band."""
    stats = layer.dataProvider().bandStatistics(band, QgsRasterBandStats.Stats.Min | QgsRasterBandStats.Stats.Max)
    low, high = stats.minimumValue, stats.maximumValue  # elementCount stays 0 for Min|Max only
    if not (math.isfinite(low) and math.isfinite(high)) or high < low or abs(low) == sys.float_info.max:
        return 0.0, 1.0
    if high == low:
        return low - 0.5, high + 0.5
    return low, high


def style_pseudocolor(layer: QgsRasterLayer, ramp_name: str = HEATMAP_RAMP, band: int = 1,
                      opacity: float = HEATMAP_OPACITY) -> QgsSingleBandPseudoColorRenderer:
    """Colour band `band` with a continuous ramp stretched over its data range; the legend
    shows the ramp with its values. The data stay raw scores (no colours baked in)."""
    low, high = band_range(layer, band)
    ramp = QgsStyle.defaultStyle().colorRamp(ramp_name) or QgsStyle.defaultStyle().colorRamp("Viridis")
    color_shader = QgsColorRampShader(low, high, ramp, QgsColorRampShader.Type.Interpolated,
                                      QgsColorRampShader.ClassificationMode.Continuous)
    color_shader.classifyColorRamp(5, band, layer.extent(), layer.dataProvider())
    shader = QgsRasterShader(low, high)
    shader.setRasterShaderFunction(color_shader)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), band, shader)
    renderer.setClassificationMin(low)
    renderer.setClassificationMax(high)
    layer.setRenderer(renderer)
    layer.setOpacity(opacity)
    layer.triggerRepaint()
    return renderer


def remove_layer(layer_id: Optional[str]) -> None:
    """Remove a layer the plugin added earlier, if it is still in the project."""
    if layer_id and QgsProject.instance().mapLayer(layer_id) is not None:
        QgsProject.instance().removeMapLayer(layer_id)
