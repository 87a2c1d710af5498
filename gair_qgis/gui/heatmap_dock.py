"""The heatmap dock: a photo, where it was taken, an RS layer -> gair:svheatmap, shown on
top of the layer tree as a similarity map (gair_qgis.styling). *Search in field* runs
gair:fieldsearch with the same photo on the active embedding field (`active_field`) and adds
its similarity raster and top places, styled as the toolbox styles them."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
from qgis.core import (
    Qgis,
    QgsMapLayer,
    QgsMapLayerProxyModel,
    QgsPointXY,
    QgsProject,
    QgsRasterLayer,
    QgsReferencedPointXY,
    QgsReferencedRectangle,
)
from qgis.gui import QgisInterface, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QPixmap
from qgis.PyQt.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .. import styling
from ..processing.field import region_extras_message, region_missing, style_search_raster
from ..runtime.errors import InputError
from ..runtime.field.store import PCA_FILE
from ..runtime.photo_gps import photo_gps
from ..translation import QT_TRANSLATE_NOOP, translate
from .base_dock import MESSAGE_SECONDS, AlgorithmDock
from .layers import delete_written_file, load_raster, load_vector, unique_output_path
from .map_tool import WGS84, PointPickerRow, describe_point
from .model_catalog import ModelCatalog

PHOTO_FILTER = QT_TRANSLATE_NOOP("PhotoPicker", "Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp);;All files (*)")
THUMBNAIL_SIZE = (220, 110)
AREA_TILE, AREA_VIEW = "tile", "view"
FIELD_SEARCH = "gair:fieldsearch"
FIELD_SUFFIX = ".zarr"
SEARCH_TOP = 20  # places per ranking, gair:fieldsearch's default


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
        self.search_run: tuple[str, str] = ("", "")  # (photo, field) of the latest field search
        self.search_files: list[str] = []  # the files the running field search writes
        super().__init__(iface, catalog, parent)
        self.run_panel.warned.connect(self.show_input_warning)
        self.run_panel.running.connect(self.update_search_button)
        self.run_panel.finished.connect(self._search_finished)
        self.iface.currentLayerChanged.connect(self.update_search_button)
        QgsProject.instance().layersAdded.connect(self.update_search_button)
        QgsProject.instance().layersRemoved.connect(self.update_search_button)
        self.update_search_button()

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
        self.form.addRow(self._search_row())

    def _search_row(self) -> QWidget:
        """*Search in field* and the name of the field it searches."""
        self.search_button = QPushButton(self.tr("Search in field"))
        self.search_button.clicked.connect(self.search_in_field)
        self.field_label = QLabel()
        self.field_label.setStyleSheet("color: palette(mid);")
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search_button)
        layout.addWidget(self.field_label, 1)
        return row

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

    # --- searching the active field ----------------------------------------------------

    def active_field(self) -> tuple[Optional[Path], str]:
        """The field *Search in field* searches (see `active_field`) and, when none, why."""
        return active_field(self.iface.activeLayer())

    def update_search_button(self, *_: object) -> None:
        """Enabled with the region extras, a field to search and no run going; the tooltip says
        which field, or how to get one."""
        missing = region_missing()
        field, why = (None, region_extras_message(missing)) if missing else self.active_field()
        self.search_button.setEnabled(field is not None and not self.run_panel.busy)
        self.search_button.setToolTip(
            self.tr(
                "Search {} for the places that look like this photo (gair:fieldsearch): adds the similarity "
                "raster and the top places."
            ).format(field.name)
            if field is not None
            else why
        )
        self.field_label.setText(field.name if field is not None else self.tr("no field"))
        self.field_label.setToolTip(str(field) if field is not None else why)

    def search_in_field(self) -> bool:
        """Run gair:fieldsearch with the photo on the active field, in the background."""
        return self.run_other(FIELD_SEARCH, self.search_parameters, self.search_layers, self.search_summary)

    def search_parameters(self) -> dict:
        """gair:fieldsearch's parameters; InputError names what is missing."""
        missing = region_missing()
        if missing:
            raise InputError(region_extras_message(missing))
        field, why = self.active_field()
        if field is None:
            raise InputError(why)
        photo = self.photo.path()
        if not photo:
            raise InputError(self.tr("Choose a street-view photo."))
        stem = f"fieldsearch_{Path(photo).stem}"
        outputs = {
            "OUTPUT_RASTER": unique_output_path(stem, ".tif", self.output_dir()),
            "OUTPUT": unique_output_path(stem, ".gpkg", self.output_dir()),
        }
        self.search_run, self.search_files = (Path(photo).name, field.name), list(outputs.values())
        return {"FIELD": str(field), "SV_IMAGE": photo, "TOP": SEARCH_TOP, **outputs}

    def _search_finished(self, ok: bool, message: str) -> None:
        """A cancelled or failed field search leaves none of its files (a cancel stops the search
        between chunks, and one that had just finished has written them)."""
        files, self.search_files = self.search_files, []
        if not ok:
            for path in files:
                delete_written_file(path)

    def search_layers(self, results: dict) -> list[QgsMapLayer]:
        """The top places over the similarity raster (coloured by the combined score, as the
        toolbox's gair:fieldsearch colours it), named after the photo and the field."""
        photo, field = self.search_run
        places = load_vector(results["OUTPUT"], styling.layer_name(self.tr("top places"), photo, field))
        raster = load_raster(results["OUTPUT_RASTER"], styling.layer_name(self.tr("field similarity"), photo, field))
        style_search_raster(raster)
        return [places, raster]

    def search_summary(self, results: dict) -> str:
        """Where the best place of the combined ranking is, and how many places were ranked."""
        layer = QgsProject.instance().mapLayer(self.result_layer_ids[0]) if self.result_layer_ids else None
        places = list(layer.getFeatures()) if layer is not None else []
        best = [f for f in places if f["ranking"] == "combined" and f["rank"] == 1]
        text = self.tr("{} place(s) ranked in {}.").format(len(places), self.search_run[1])
        if best:
            text += " " + self.tr("Best (combined): tile {} at {:.5f}, {:.5f}, score {:.3f}.").format(
                best[0]["tile"], best[0]["lon"], best[0]["lat"], best[0]["score"]
            )
        return text

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
        self.run_panel.running.disconnect(self.update_search_button)
        self.run_panel.finished.disconnect(self._search_finished)
        self.iface.currentLayerChanged.disconnect(self.update_search_button)
        QgsProject.instance().layersAdded.disconnect(self.update_search_button)
        QgsProject.instance().layersRemoved.disconnect(self.update_search_button)
        self.location.remove()


def field_of_layer(layer: Optional[QgsMapLayer]) -> Optional[Path]:
    """The embedding field a layer shows: its PCA view (<field>.zarr/pca_rgb.tif) or a
    gair:fieldsearch raster (which records its field in the tag GAIR_FIELD); else None."""
    if not isinstance(layer, QgsRasterLayer):
        return None
    source = Path(layer.source().split("|")[0])
    if source.name == PCA_FILE and source.parent.suffix.lower() == FIELD_SUFFIX:
        return source.parent
    recorded = styling.raster_tags(layer).get("GAIR_FIELD", "")
    if recorded and Path(recorded).suffix.lower() == FIELD_SUFFIX and Path(recorded).is_dir():
        return Path(recorded)
    return None


def active_field(active: Optional[QgsMapLayer]) -> tuple[Optional[Path], str]:
    """The field to search: the one the active layer shows, else the one field the project's
    layers show; when none (or several and none active), None and what to do."""
    field = field_of_layer(active)
    if field is not None:
        return field, ""
    fields = {f for f in map(field_of_layer, QgsProject.instance().mapLayers().values()) if f is not None}
    if len(fields) == 1:
        return fields.pop(), ""
    if fields:
        return None, translate(
            "HeatmapDock", "{} embedding fields are in the project: select the one to search in the Layers panel."
        ).format(len(fields))
    return None, translate(
        "HeatmapDock",
        "No embedding field in the project: build one with gair:fieldbuild (Processing Toolbox > GAIR > Region (embedding fields)) "
        "and add it (its PCA view, pca_rgb.tif inside the .zarr folder, is added when the build ends).",
    )


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
