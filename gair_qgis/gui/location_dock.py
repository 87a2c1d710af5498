"""The location dock: paint GAIR location embeddings over an area (gair:locationraster),
as a 3-band PCA view, the full embedding, or the similarity to a reference place or photo."""
from __future__ import annotations

from typing import Optional

from qgis.core import QgsCoordinateReferenceSystem, QgsRasterLayer, QgsReferencedRectangle, QgsUnitTypes
from qgis.gui import QgisInterface, QgsDoubleSpinBox, QgsExtentWidget, QgsFileWidget, QgsProjectionSelectionWidget
from qgis.PyQt.QtWidgets import QComboBox, QLabel, QWidget

from ..processing.locationraster import DEFAULT_PIXELS_ACROSS
from ..processing.locationraster import EMBEDDING as MODE_EMBEDDING
from ..processing.locationraster import PCA_VIEW as MODE_PCA
from ..processing.locationraster import SIMILARITY as MODE_SIMILARITY
from .base_dock import AlgorithmDock
from .heatmap_dock import PHOTO_FILTER
from .layers import add_layer_above, load_raster, style_pseudocolor, unique_output_path
from .map_tool import PointPickerRow
from .models import ModelCatalog

REFERENCE_POINT, REFERENCE_PHOTO = "point", "photo"


class LocationDock(AlgorithmDock):
    """What does GAIR's location encoder see over this area?"""

    algorithm_id = "gair:locationraster"
    title = "GAIR location"
    icon_name = "location"
    help_text = ("Paint GAIR location embeddings over an area: a PCA colour view, the full embedding, "
                 "or how similar every place is to a reference place or photo.")

    def __init__(self, iface: QgisInterface, catalog: ModelCatalog, parent: Optional[QWidget] = None) -> None:
        super().__init__(iface, catalog, parent)
        self.use_map_view()

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
        self.reference_photo.setFilter(PHOTO_FILTER)
        self.form.addRow(self.tr("Area"), self.extent)
        self.form.addRow(self.tr("CRS"), self.crs)
        self.form.addRow(self.tr("Pixel size"), self.pixel_size)
        self.form.addRow("", self.units)
        self.form.addRow(self.tr("Output"), self.mode)
        self.form.addRow(self.tr("Reference place"), self.reference_point)
        self.form.addRow(self.tr("Reference photo"), self.reference_photo)
        self._update_reference()

    def use_map_view(self) -> None:
        """Area, CRS and a pixel size giving about 256 pixels across, from the map view."""
        canvas = self.iface.mapCanvas()
        crs = canvas.mapSettings().destinationCrs()
        self.crs.setCrs(crs if crs.isValid() else QgsCoordinateReferenceSystem("EPSG:4326"))
        self.extent.setOutputCrs(self.crs.crs())
        self.extent.setCurrentExtent(canvas.extent(), self.crs.crs())
        self.extent.setOutputExtentFromCurrent()
        width = canvas.extent().width()
        self.pixel_size.setValue(width / DEFAULT_PIXELS_ACROSS if width > 0 else 0.01)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        """Take the map view as the area when none is set yet (the dock was made before a project)."""
        super().showEvent(event)
        if self.extent.outputExtent().isEmpty():
            self.use_map_view()

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
        crs = self.crs.crs()
        if not crs.isValid():
            raise ValueError(self.tr("Choose the output CRS."))
        if not self.extent.isValid():
            raise ValueError(self.tr("Choose the area to map."))
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
                raise ValueError(self.tr("Click on the map to choose the reference place."))
            parameters["REFERENCE_POINT"] = self.reference_point.point
        elif reference == REFERENCE_PHOTO:
            if not self.reference_photo.filePath().strip():
                raise ValueError(self.tr("Choose the reference photo."))
            parameters["REFERENCE_IMAGE"] = self.reference_photo.filePath().strip()
        return parameters

    def add_results(self, results: dict) -> Optional[str]:
        layer: QgsRasterLayer = load_raster(results["OUTPUT"], self.tr("GAIR location: {}").format(self.mode.currentText()))
        if layer.bandCount() == 1:
            style_pseudocolor(layer, opacity=1.0)
        add_layer_above(layer)
        return None

    def cleanup(self) -> None:
        super().cleanup()
        self.reference_point.remove()
