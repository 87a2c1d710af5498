"""Render a heatmap over its RS raster with the photo's point marked, as a PNG, with QGIS.

python scripts/render_heatmap.py RS.tif HEATMAP.tif LON LAT OUT.png
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
    QgsColorRampShader,
    QgsContrastEnhancement,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsGeometry,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsMarkerSymbol,
    QgsMultiBandColorRenderer,
    QgsPointXY,
    QgsRasterBandStats,
    QgsRasterLayer,
    QgsRasterShader,
    QgsSingleBandPseudoColorRenderer,
    QgsStyle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

from gair_qgis.runtime.preprocess import canonical_band_name


def true_colour(layer: QgsRasterLayer) -> None:
    """B4, B3, B2 as RGB (by band description; 12-band L2A order otherwise), stretched."""
    names = [
        canonical_band_name(layer.dataProvider().generateBandName(i)) or canonical_band_name(layer.bandName(i))
        for i in range(1, layer.bandCount() + 1)
    ]
    l2a = {"B4": 4, "B3": 3, "B2": 2}
    bands = [names.index(b) + 1 if b in names else l2a[b] for b in ("B4", "B3", "B2")]
    renderer = QgsMultiBandColorRenderer(layer.dataProvider(), *bands)
    for setter, band in zip(
        (renderer.setRedContrastEnhancement, renderer.setGreenContrastEnhancement, renderer.setBlueContrastEnhancement),
        bands,
    ):
        stats = layer.dataProvider().bandStatistics(band, QgsRasterBandStats.Min | QgsRasterBandStats.Max)
        enhancement = QgsContrastEnhancement(layer.dataProvider().dataType(band))
        enhancement.setContrastEnhancementAlgorithm(QgsContrastEnhancement.StretchToMinimumMaximum)
        enhancement.setMinimumValue(stats.minimumValue)
        enhancement.setMaximumValue(stats.minimumValue + 0.4 * (stats.maximumValue - stats.minimumValue))
        setter(enhancement)
    layer.setRenderer(renderer)


def pseudocolour(layer: QgsRasterLayer) -> None:
    stats = layer.dataProvider().bandStatistics(1, QgsRasterBandStats.Min | QgsRasterBandStats.Max)
    ramp = QgsStyle().defaultStyle().colorRamp("Spectral")
    ramp.invert()
    shader_function = QgsColorRampShader(stats.minimumValue, stats.maximumValue, ramp)
    shader_function.classifyColorRamp(8)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(shader_function)
    layer.setRenderer(QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader))
    layer.renderer().setOpacity(0.6)


def point_layer(lon: float, lat: float) -> QgsVectorLayer:
    layer = QgsVectorLayer("Point?crs=EPSG:4326", "photo", "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(lon, lat)))
    layer.dataProvider().addFeatures([feature])
    layer.renderer().setSymbol(
        QgsMarkerSymbol.createSimple({"name": "star", "color": "white", "outline_color": "black", "size": "6"})
    )
    return layer


def render(rs_path: str, heatmap_path: str, lon: float, lat: float, out_png: str) -> None:
    rs = QgsRasterLayer(rs_path, "RS")
    heat = QgsRasterLayer(heatmap_path, "heatmap")
    if not rs.isValid() or not heat.isValid():
        raise SystemExit(f"cannot open {rs_path if not rs.isValid() else heatmap_path}")
    true_colour(rs)
    pseudocolour(heat)
    marker = point_layer(lon, lat)
    settings = QgsMapSettings()
    settings.setLayers([marker, heat, rs])
    settings.setDestinationCrs(rs.crs() if rs.crs().isValid() else QgsCoordinateReferenceSystem("EPSG:4326"))
    settings.setExtent(rs.extent())
    width = 900
    settings.setOutputSize(QSize(width, int(width * rs.height() / rs.width())))
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    if not job.renderedImage().save(out_png, "PNG"):
        raise SystemExit(f"cannot write {out_png}")


def main() -> int:
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    app = QgsApplication([], False)
    app.initQgis()
    try:
        render(sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    finally:
        app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
