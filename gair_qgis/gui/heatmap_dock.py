"""The heatmap dock: a photo, where it was taken, an RS layer -> gair:svheatmap, shown on
top of the layer tree as a similarity map (gair_qgis.styling)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
from qgis.core import (
    Qgis,
    QgsMapLayerProxyModel,
    QgsPointXY,
    QgsProject,
    QgsReferencedPointXY,
    QgsReferencedRectangle,
)
from qgis.gui import QgisInterface, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QPixmap
from qgis.PyQt.QtWidgets import QCheckBox, QComboBox, QLabel, QVBoxLayout, QWidget

from .. import styling
from ..runtime.errors import InputError
from ..runtime.photo_gps import photo_gps
from ..translation import QT_TRANSLATE_NOOP, translate
from .base_dock import MESSAGE_SECONDS, AlgorithmDock
from .layers import load_raster, unique_output_path
from .map_tool import WGS84, PointPickerRow, describe_point
from .model_catalog import ModelCatalog

PHOTO_FILTER = QT_TRANSLATE_NOOP("PhotoPicker", "Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp);;All files (*)")
THUMBNAIL_SIZE = (220, 110)
AREA_TILE, AREA_VIEW = "tile", "view"


class PhotoPicker(QWidget):
    """A photo file chooser with a thumbnail of the chosen photo."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.file = QgsFileWidget()
        self.file.setFilter(self.tr(PHOTO_FILTER))
        self.file.setDialogTitle(self.tr("Street-view photo"))
        self.thumbnail = QLabel(self.tr("No photo"))
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setFixedHeight(THUMBNAIL_SIZE[1])  # a photo arriving moves nothing below it
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
        self.thumbnail.setPixmap(
            pixmap.scaled(
                *THUMBNAIL_SIZE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )


class HeatmapDock(AlgorithmDock):
    """Where in the RS scene does this street-view photo fit?

    *Pick on map* (and nothing else) arms the pick tool: a click on the map then sets where
    the photo was taken, marks it, and runs the heatmap of the raster's fixed-grid tile
    nearest to it. The status says what the click set and, for a click whose tile is the one
    shown, that the heatmap stays the same and what the similarity is where it landed."""

    algorithm_id = "gair:svheatmap"
    title = QT_TRANSLATE_NOOP("HeatmapDock", "GAIR heatmap")
    icon_name = "heatmap"
    help_text = QT_TRANSLATE_NOOP(
        "HeatmapDock",
        "Where in the satellite scene does this street-view photo fit? Choose "
        "the photo, then click on the map where it was taken: the heatmap colours each "
        "place by how well it matches the photo.",
    )

    def __init__(self, iface: QgisInterface, catalog: ModelCatalog, parent: Optional[QWidget] = None) -> None:
        self.last_results: dict = {}
        self.shown_tile = ""  # GAIR_TILE_BOUNDS of the heatmap on the map
        super().__init__(iface, catalog, parent)
        self.run_panel.warned.connect(self.show_input_warning)

    @property
    def result_layer_id(self) -> Optional[str]:
        """The heatmap layer on the map (None when there is none)."""
        return self.result_layer_ids[0] if self.result_layer_ids else None

    def build_form(self) -> None:
        self.layer_combo = QgsMapLayerComboBox()
        self.layer_combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.photo = PhotoPicker()
        self.photo.file.fileChanged.connect(self.on_photo_changed)
        self.location = PointPickerRow(self.iface.mapCanvas(), self.tr("not set: press Pick on map, then click"))
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
        """Fill the location from the photo's EXIF GPS tags when it has them; say what comes next."""
        lonlat = photo_gps(path) if path else None
        if lonlat is not None:
            self.location.set_point(QgsReferencedPointXY(QgsPointXY(*lonlat), WGS84), self.tr("(photo GPS)"))
            self.run_panel.show_message(
                self.tr("The photo's GPS position is set: press Run, or Pick on map to click another place.")
            )
        elif path:
            self.run_panel.show_message(self.tr("Now press Pick on map and click where the photo was taken."))

    def on_point_changed(self, source: str) -> None:
        """Say what a click set; it runs at once when everything else is set."""
        if source != "click":
            return
        where = describe_point(self.location.point)
        if not self.run_on_click.isChecked() or not self.ready():
            missing = (
                self.tr("choose the RS layer and the photo, then press Run")
                if not self.ready()
                else self.tr("press Run")
            )
            self.run_panel.show_message(
                self.tr("Your click set where the photo was taken: {}. Now {}.").format(where, missing)
            )
            return
        if self.run_panel.busy:
            self.run_panel.show_message(self.tr("Still working on the previous click; click again when it is done."))
        elif self.run_panel.start():
            self.run_panel.show_message(
                self.tr(
                    "Your click set where the photo was taken: {}. Computing the heatmap of the tile around it…"
                ).format(where)
            )

    def show_input_warning(self, text: str) -> None:
        """A run's warning about its input (a photo enlarged more than 4x) on the message bar, as a
        warning: the heatmap was made, but from a photo with little detail."""
        self.iface.messageBar().pushMessage(self.tr(self.title), text, Qgis.MessageLevel.Warning, MESSAGE_SECONDS)

    def ready(self) -> bool:
        return (
            self.layer_combo.currentLayer() is not None and bool(self.photo.path()) and self.location.point is not None
        )

    # --- running ---------------------------------------------------------------------

    def parameters(self) -> dict:
        layer = self.layer_combo.currentLayer()
        if layer is None:
            raise InputError(self.tr("Choose an RS raster layer."))
        photo = self.photo.path()
        if not photo:
            raise InputError(self.tr("Choose a street-view photo."))
        if self.location.point is None:
            raise InputError(self.tr("Click on the map where the photo was taken."))
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
        return parameters

    def result_layers(self, results: dict) -> list:
        """The heatmap, styled as similarity and named after the photo and the model."""
        self.last_results = dict(results)
        layer = load_raster(results["OUTPUT"])
        styling.style_result_raster(layer)
        return [layer]

    def summary(self, results: dict) -> str:
        tile = (
            styling.raster_tags(QgsProject.instance().mapLayer(self.result_layer_id)).get("GAIR_TILE_BOUNDS", "")
            if self.result_layer_id
            else ""
        )
        same_tile, self.shown_tile = bool(tile) and tile == self.shown_tile, tile
        return heatmap_summary(results, same_tile, share_below(results.get("OUTPUT"), results.get("POINT_SIMILARITY")))

    def reset(self) -> None:
        """A new project: no point, no marker, no heatmap of the old project."""
        super().reset()
        self.shown_tile, self.last_results = "", {}
        self.location.set_point(None)

    def cleanup(self) -> None:
        super().cleanup()
        self.location.remove()


def share_below(path: Optional[str], value: Optional[float]) -> Optional[float]:
    """The share of the heatmap's valid pixels below `value` (None when unknown)."""
    if not path or value is None:
        return None
    from osgeo import gdal

    dataset = gdal.Open(str(path))
    if dataset is None:
        return None
    band = dataset.GetRasterBand(1)
    values, nodata = band.ReadAsArray(), band.GetNoDataValue()
    dataset = None
    valid = values[np.isfinite(values) & (values != nodata)] if nodata is not None else values[np.isfinite(values)]
    return float((valid < float(value)).mean()) if valid.size else None


def heatmap_summary(results: dict, same_tile: bool = False, share: Optional[float] = None) -> str:
    """What the run did and what the click means, in a sentence or three."""
    tiles, encoded = int(results.get("TILES") or 0), int(results.get("ENCODED_TILES") or 0)
    text = (
        translate("HeatmapDock", "{} tile(s), {} encoded now.").format(tiles, encoded)
        if encoded
        else translate("HeatmapDock", "{} tile(s) from the cache.").format(tiles)
    )
    if same_tile:
        text += " " + translate(
            "HeatmapDock",
            "Same tile as before, so the heatmap is unchanged: it compares the "
            "photo with every place of the tile. Your click moved the photo's point (blue cross).",
        )
    similarity = results.get("POINT_SIMILARITY")
    if similarity is not None:
        text += " " + (
            translate(
                "HeatmapDock", "Similarity at the photo's point: {:.3f}, higher than {:.0f} % of the tile."
            ).format(float(similarity), 100 * share)
            if share is not None
            else translate("HeatmapDock", "Similarity at the photo's point: {:.3f}.").format(float(similarity))
        )
    return text
