"""The location dock: paint GAIR location embeddings over an area (gair:locationraster),
as a 3-band PCA view, the full embedding, or the similarity to a reference place or photo."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProject,
    QgsRasterLayer,
    QgsReferencedRectangle,
    QgsUnitTypes,
)
from qgis.gui import (
    QgisInterface,
    QgsDoubleSpinBox,
    QgsExtentWidget,
    QgsFileWidget,
    QgsProjectionSelectionWidget,
)
from qgis.PyQt.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from .. import styling
from ..processing.locationraster import DEFAULT_PIXELS_ACROSS
from ..processing.locationraster import EMBEDDING as MODE_EMBEDDING
from ..processing.locationraster import PCA_VIEW as MODE_PCA
from ..processing.locationraster import SIMILARITY as MODE_SIMILARITY
from ..runtime.errors import InputError
from ..translation import QT_TRANSLATE_NOOP, translate
from .base_dock import AlgorithmDock
from .heatmap_dock import PHOTO_FILTER
from .layers import load_raster, unique_output_path
from .map_tool import PointPickerRow, describe_point
from .model_catalog import ModelCatalog

REFERENCE_POINT, REFERENCE_PHOTO = "point", "photo"
# The pixel size to start from while the map shows nothing: about 10 m (in degrees, or in
# the projected CRS's units, metres for nearly all).
DEFAULT_PIXEL_SIZE_GEOGRAPHIC, DEFAULT_PIXEL_SIZE_PROJECTED = 0.0001, 10.0


class LocationDock(AlgorithmDock):
    """What does GAIR's location encoder see over this area?"""

    algorithm_id = "gair:locationraster"
    title = QT_TRANSLATE_NOOP("LocationDock", "GAIR location")
    icon_name = "location"
    help_text = QT_TRANSLATE_NOOP(
        "LocationDock",
        "What does GAIR know about places? Paint its location embeddings "
        "over the map view: a PCA colour view, or how similar every place "
        "is to a reference place or photo.",
    )

    def __init__(self, iface: QgisInterface, catalog: ModelCatalog, parent: Optional[QWidget] = None) -> None:
        self.area_set_by_user = False
        super().__init__(iface, catalog, parent)
        self.use_map_view()
        self.extent.extentChanged.connect(self._area_edited)
        canvas = iface.mapCanvas()
        canvas.extentsChanged.connect(self._map_view_changed)
        canvas.destinationCrsChanged.connect(self._map_view_changed)

    def build_form(self) -> None:
        canvas = self.iface.mapCanvas()
        self.extent = QgsExtentWidget()
        self.extent.setMapCanvas(canvas)
        self.crs = QgsProjectionSelectionWidget()
        self.crs.crsChanged.connect(self._update_units)
        self.pixel_size = QgsDoubleSpinBox()
        self.pixel_size.setDecimals(6)
        self.pixel_size.setRange(1e-6, 1e7)
        self.units = QLabel()
        self.mode = QComboBox()
        self.mode.addItem(self.tr("PCA colour view (3 bands)"), MODE_PCA)
        self.mode.addItem(self.tr("Full embedding (one band per dimension)"), MODE_EMBEDDING)
        self.mode.addItem(self.tr("Similarity to a place"), (MODE_SIMILARITY, REFERENCE_POINT))
        self.mode.addItem(self.tr("Similarity to a photo"), (MODE_SIMILARITY, REFERENCE_PHOTO))
        self.mode.currentIndexChanged.connect(self._update_reference)
        self.reference_point = PointPickerRow(canvas, self.tr("click on the map"))
        self.reference_photo = QgsFileWidget()
        self.reference_photo.setFilter(translate("PhotoPicker", PHOTO_FILTER))
        self.form.addRow(self.tr("Area"), self.extent)
        self.form.addRow(self.tr("CRS"), self.crs)
        self.form.addRow(self.tr("Pixel size"), self.pixel_size)
        self.form.addRow("", self.units)
        self.form.addRow(self.tr("Output"), self.mode)
        self.form.addRow(self.tr("Reference place"), self.reference_point)
        self.form.addRow(self.tr("Reference photo"), self.reference_photo)
        self._update_reference()

    def use_map_view(self) -> None:
        """Area, CRS and a pixel size giving about 256 pixels across, from the map view; while
        the map shows nothing, the map's (else the project's, else WGS 84) CRS and a 10 m pixel."""
        canvas = self.iface.mapCanvas()
        extent = canvas.extent()
        crs = canvas.mapSettings().destinationCrs()
        if not crs.isValid():
            crs = QgsProject.instance().crs()
        self.crs.setCrs(crs if crs.isValid() else QgsCoordinateReferenceSystem("EPSG:4326"))
        if extent.isEmpty() or not all(map(math.isfinite, (extent.width(), extent.height()))):
            geographic = self.crs.crs().isGeographic()
            self.pixel_size.setValue(DEFAULT_PIXEL_SIZE_GEOGRAPHIC if geographic else DEFAULT_PIXEL_SIZE_PROJECTED)
            return
        self.extent.blockSignals(True)
        self.extent.setOutputCrs(self.crs.crs())
        self.extent.setCurrentExtent(extent, self.crs.crs())
        self.extent.setOutputExtentFromCurrent()
        self.extent.blockSignals(False)
        for edit in self.extent.findChildren(QLineEdit):  # the coordinates from their start, not their end
            edit.setCursorPosition(0)
        self.pixel_size.setValue(max(extent.width(), extent.height()) / DEFAULT_PIXELS_ACROSS)

    def _area_edited(self) -> None:
        self.area_set_by_user = True

    def _map_view_changed(self) -> None:
        """Follow the map view (shown or not) until the user sets an area."""
        if not self.area_set_by_user:
            self.use_map_view()

    def showEvent(self, event) -> None:
        """Follow the map view until the user sets an area (the dock is made before any project)."""
        super().showEvent(event)
        if not self.area_set_by_user or self.extent.outputExtent().isEmpty():
            self.use_map_view()

    def reset(self) -> None:
        """A new project: no reference place; the area follows the map again."""
        super().reset()
        self.reference_point.set_point(None)
        self.area_set_by_user = False

    def _update_units(self) -> None:
        crs = self.crs.crs()
        self.extent.setOutputCrs(crs)
        self.units.setText(self.tr("in {}").format(QgsUnitTypes.toString(crs.mapUnits())) if crs.isValid() else "")

    def _update_reference(self) -> None:
        data = self.mode.currentData()
        reference = data[1] if isinstance(data, tuple) else None
        for widget, kind in ((self.reference_point, REFERENCE_POINT), (self.reference_photo, REFERENCE_PHOTO)):
            widget.setEnabled(reference == kind)
            self.form.labelForField(widget).setEnabled(reference == kind)

    # --- running ---------------------------------------------------------------------

    def parameters(self) -> dict:
        if self.extent.outputExtent().isEmpty():
            self.use_map_view()
        crs = self.crs.crs()
        if not crs.isValid():
            raise InputError(self.tr("Choose the output CRS."))
        if not self.extent.isValid() or self.extent.outputExtent().isEmpty():
            raise InputError(self.tr("Choose the area to map (or show something on the map first)."))
        data = self.mode.currentData()
        mode, reference = data if isinstance(data, tuple) else (data, None)
        parameters = {
            "EXTENT": QgsReferencedRectangle(self.extent.outputExtent(), crs),
            "CRS": crs,
            "PIXEL_SIZE": self.pixel_size.value(),
            "OUTPUT_TYPE": mode,
            "MODEL": self.model_parameter(),
            "OUTPUT": unique_output_path("location", folder=self.output_dir()),
        }
        if reference == REFERENCE_POINT:
            if self.reference_point.point is None:
                raise InputError(self.tr("Click on the map to choose the reference place."))
            parameters["REFERENCE_POINT"] = self.reference_point.point
        elif reference == REFERENCE_PHOTO:
            if not self.reference_photo.filePath().strip():
                raise InputError(self.tr("Choose the reference photo."))
            parameters["REFERENCE_IMAGE"] = self.reference_photo.filePath().strip()
        return parameters

    def result_layers(self, results: dict) -> list:
        """The location raster styled by its content (similarity, PCA view or embedding)."""
        layer: QgsRasterLayer = load_raster(results["OUTPUT"])
        styling.style_result_raster(layer, subject=self.subject(), what=self.tr("location"))
        return [layer]

    def subject(self) -> str:
        """What the output shows: "PCA view", "similarity to 42.48°, -83.26°", "similarity to photo.jpg"."""
        data = self.mode.currentData()
        mode, reference = data if isinstance(data, tuple) else (data, None)
        if reference == REFERENCE_POINT and self.reference_point.point is not None:
            return self.tr("similarity to {}").format(describe_point(self.reference_point.point))
        if reference == REFERENCE_PHOTO:
            return self.tr("similarity to {}").format(Path(self.reference_photo.filePath().strip()).name)
        return self.tr("PCA view") if mode == MODE_PCA else self.tr("embedding")

    def cleanup(self) -> None:
        canvas = self.iface.mapCanvas()
        canvas.extentsChanged.disconnect(self._map_view_changed)
        canvas.destinationCrsChanged.disconnect(self._map_view_changed)
        super().cleanup()
        self.reference_point.remove()
