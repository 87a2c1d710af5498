"""The heatmap dock: a photo, where it was taken, an RS layer -> gair:svheatmap, shown
over the RS layer as a pseudocolor similarity map."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from qgis.core import QgsMapLayerProxyModel, QgsPointXY, QgsReferencedPointXY, QgsReferencedRectangle
from qgis.gui import QgisInterface, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QPixmap
from qgis.PyQt.QtWidgets import QCheckBox, QComboBox, QLabel, QVBoxLayout, QWidget

from ..qgis_io import photo_gps
from .base_dock import AlgorithmDock
from .layers import add_layer_above, load_raster, remove_layer, style_pseudocolor, unique_output_path
from .map_tool import WGS84, PointPickerRow
from .models import ModelCatalog

PHOTO_FILTER = "Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp);;All files (*)"
THUMBNAIL_SIZE = (240, 150)
AREA_TILE, AREA_VIEW = "tile", "view"


class PhotoPicker(QWidget):
    """A photo file chooser with a thumbnail of the chosen photo."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.file = QgsFileWidget()
        self.file.setFilter(PHOTO_FILTER)
        self.file.setDialogTitle(self.tr("Street-view photo"))
        self.thumbnail = QLabel(self.tr("No photo"))
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setMinimumHeight(THUMBNAIL_SIZE[1] // 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.file)
        layout.addWidget(self.thumbnail)
        self.file.fileChanged.connect(self._show_thumbnail)

    def path(self) -> str:
        return self.file.filePath().strip()

    def _show_thumbnail(self, path: str) -> None:
        pixmap = QPixmap(path) if path else QPixmap()
        if pixmap.isNull():
            self.thumbnail.setPixmap(QPixmap())
            self.thumbnail.setText(self.tr("Cannot read this photo") if path else self.tr("No photo"))
            return
        self.thumbnail.setPixmap(pixmap.scaled(*THUMBNAIL_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                               Qt.TransformationMode.SmoothTransformation))


class HeatmapDock(AlgorithmDock):
    """Where in the RS scene does this street-view photo fit?"""

    algorithm_id = "gair:svheatmap"
    title = "GAIR heatmap"
    icon_name = "heatmap"
    help_text = ("Choose a Sentinel-2 layer and a street-view photo, then click where the photo was taken. "
                 "The heatmap shows how well each place in the scene matches the photo.")

    def __init__(self, iface: QgisInterface, catalog: ModelCatalog, parent: Optional[QWidget] = None) -> None:
        self.result_layer_id: Optional[str] = None
        self.last_results: dict = {}
        self.run_photo_name = ""
        super().__init__(iface, catalog, parent)

    def build_form(self) -> None:
        self.layer_combo = QgsMapLayerComboBox()
        self.layer_combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.photo = PhotoPicker()
        self.photo.file.fileChanged.connect(self.on_photo_changed)
        self.location = PointPickerRow(self.iface.mapCanvas(), self.tr("not set: click on the map"))
        self.location.point_changed.connect(self.on_point_changed)
        self.area_combo = QComboBox()
        self.area_combo.addItem(self.tr("One model tile around the point"), AREA_TILE)
        self.area_combo.addItem(self.tr("The current map view (tiled)"), AREA_VIEW)
        self.run_on_click = QCheckBox(self.tr("Run when I click on the map"))
        self.run_on_click.setChecked(True)
        self.form.addRow(self.tr("RS layer"), self.layer_combo)
        self.form.addRow(self.tr("Photo"), self.photo)
        self.form.addRow(self.tr("Taken at"), self.location)
        self.form.addRow(self.tr("Area"), self.area_combo)
        self.form.addRow(self.run_on_click)

    # --- inputs ----------------------------------------------------------------------

    def on_photo_changed(self, path: str) -> None:
        """Fill the location from the photo's EXIF GPS tags when it has them."""
        lonlat = photo_gps(path) if path else None
        if lonlat is not None:
            self.location.set_point(QgsReferencedPointXY(QgsPointXY(*lonlat), WGS84), self.tr("(photo GPS)"))

    def on_point_changed(self, source: str) -> None:
        """A click on the map runs at once when everything else is set."""
        if source != "click" or not self.run_on_click.isChecked() or not self.ready():
            return
        if self.run_panel.busy:
            self.run_panel.show_message(self.tr("Still working on the previous click; click again when it is done."))
        else:
            self.run_panel.start()

    def ready(self) -> bool:
        return (self.layer_combo.currentLayer() is not None and bool(self.photo.path())
                and self.location.point is not None)

    # --- running ---------------------------------------------------------------------

    def parameters(self) -> dict:
        layer = self.layer_combo.currentLayer()
        if layer is None:
            raise ValueError(self.tr("Choose an RS raster layer."))
        photo = self.photo.path()
        if not photo:
            raise ValueError(self.tr("Choose a street-view photo."))
        if self.location.point is None:
            raise ValueError(self.tr("Click on the map where the photo was taken."))
        parameters = {
            "INPUT": layer.id(),
            "SV_IMAGE": photo,
            "SV_POINT": self.location.point,
            "MODEL": self.model_parameter(),
            "OUTPUT": unique_output_path(f"heatmap_{Path(photo).stem}", folder=self.output_dir()),
        }
        if self.area_combo.currentData() == AREA_VIEW:
            canvas = self.iface.mapCanvas()
            parameters["EXTENT"] = QgsReferencedRectangle(canvas.extent(), canvas.mapSettings().destinationCrs())
        self.run_layer_id = layer.id()
        self.run_photo_name = Path(photo).name
        return parameters

    def add_results(self, results: dict) -> Optional[str]:
        """Show the heatmap right above its RS layer, replacing this dock's previous one."""
        self.last_results = dict(results)
        name = self.tr("GAIR heatmap: {}").format(self.run_photo_name)
        layer = load_raster(results["OUTPUT"], name)
        style_pseudocolor(layer)
        remove_layer(self.result_layer_id)
        add_layer_above(layer, self.run_layer())
        self.result_layer_id = layer.id()
        return heatmap_summary(results)

    def cleanup(self) -> None:
        super().cleanup()
        self.location.remove()


def heatmap_summary(results: dict) -> str:
    """"1 tile (from the cache); similarity at the photo's point 0.123"."""
    tiles, encoded = int(results.get("TILES") or 0), int(results.get("ENCODED_TILES") or 0)
    text = f"{tiles} tile(s), {encoded} encoded now" if encoded else f"{tiles} tile(s) from the cache"
    similarity = results.get("POINT_SIMILARITY")
    if similarity is not None:
        text += f"; similarity at the photo's point {float(similarity):.3f}"
    return text + "."
