"""The "GAIR" Processing provider (id `gair`)."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ..qgis_io import writable_raster_extensions
from .field import FieldBuildAlgorithm, FieldHeatmapAlgorithm, FieldSearchAlgorithm
from .heatmap import SvHeatmapAlgorithm
from .locationraster import LocationRasterAlgorithm
from .rsembed import RsEmbedAlgorithm
from .svpoints import SvPointsAlgorithm
from .tilepredict import TilePredictAlgorithm

ALGORITHMS = (
    SvHeatmapAlgorithm,
    RsEmbedAlgorithm,
    LocationRasterAlgorithm,
    TilePredictAlgorithm,
    SvPointsAlgorithm,
    FieldBuildAlgorithm,
    FieldSearchAlgorithm,
    FieldHeatmapAlgorithm,
)


class GairProvider(QgsProcessingProvider):
    """GAIR's algorithms: street-view heatmaps, RS embeddings, location rasters, predictions."""

    def id(self) -> str:
        return "gair"

    def name(self) -> str:
        return "GAIR"

    def longName(self) -> str:
        return QCoreApplication.translate(
            "GairProvider", "GAIR geo-foundation model (remote sensing, street view, location)"
        )

    def icon(self) -> QIcon:
        from ..plugin_files import icon  # only the GUI asks for icons

        return icon("gair")

    def svgIconPath(self) -> str:
        from ..plugin_files import icon_path

        return str(icon_path("gair"))

    def supportedOutputRasterLayerExtensions(self) -> list[str]:
        """GeoTIFF first, then every raster format GDAL can create (chosen by extension)."""
        return writable_raster_extensions()

    def load(self) -> bool:
        """Install the plugin's translator when the provider comes without the plugin's GUI
        (qgis_process, tests), then load the algorithms."""
        from ..translation import install_translator

        install_translator()
        return super().load()

    def loadAlgorithms(self) -> None:
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())
