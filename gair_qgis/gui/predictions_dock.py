"""The predictions dock: apply a prediction head of the model package to every tile of a
raster (gair:tilepredict); the result is a grid of tiles with the prediction as fields."""

from __future__ import annotations

from typing import Optional

from qgis.core import QgsMapLayerProxyModel
from qgis.gui import QgisInterface, QgsMapLayerComboBox
from qgis.PyQt.QtWidgets import QCheckBox, QComboBox, QWidget

from .. import styling
from ..runtime.errors import InputError
from ..runtime.package import TILE_HEAD_INPUTS  # the heads gair:tilepredict applies
from ..translation import QT_TRANSLATE_NOOP
from .base_dock import AlgorithmDock
from .layers import load_raster, load_vector, unique_output_path
from .model_catalog import ModelCatalog

ALL_HEADS = "*"


class PredictionsDock(AlgorithmDock):
    """Label every tile of a scene with one of the package's prediction heads."""

    algorithm_id = "gair:tilepredict"
    title = QT_TRANSLATE_NOOP("PredictionsDock", "GAIR predictions")
    icon_name = "predictions"
    help_text = QT_TRANSLATE_NOOP(
        "PredictionsDock",
        "What is on each tile? Apply the model's prediction heads to "
        "every tile of a Sentinel-2 layer; each head becomes its own layer.",
    )

    def __init__(self, iface: QgisInterface, catalog: ModelCatalog, parent: Optional[QWidget] = None) -> None:
        super().__init__(iface, catalog, parent)
        self.model_chooser.currentIndexChanged.connect(self.fill_heads)
        catalog.changed.connect(self.fill_heads)
        self.fill_heads()

    def build_form(self) -> None:
        self.layer_combo = QgsMapLayerComboBox()
        self.layer_combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.head = QComboBox()
        self.with_raster = QCheckBox(self.tr("Also write a raster (a pixel per tile)"))
        self.form.addRow(self.tr("RS layer"), self.layer_combo)
        self.form.addRow(self.tr("Prediction"), self.head)
        self.form.addRow(self.with_raster)

    def tile_heads(self) -> list:
        """The chosen package's heads that work on tiles (HeadSpec list)."""
        entry = self.model_chooser.current_entry()
        heads = entry.package.heads if entry and entry.package else []
        return [head for head in heads if head.input in TILE_HEAD_INPUTS]

    def fill_heads(self) -> None:
        """Every head of the chosen (active) package: the tile heads to choose from, photo
        heads listed but greyed (they need a photo: gair:svpoints); says so when it has none."""
        self.head.clear()
        heads = self.tile_heads()
        if len(heads) > 1:
            self.head.addItem(self.tr("All heads"), ALL_HEADS)
        for head in heads:
            self.head.addItem(f"{head.name} ({head.task})", head.name)
        if not heads:
            self.head.addItem(self.tr("this model package has no prediction heads for tiles"), "")
        for head in self.photo_heads():
            self.head.addItem(self.tr("{} (photo head: use gair:svpoints)").format(head.name), "")
            self.head.model().item(self.head.count() - 1).setEnabled(False)
        self.head.setCurrentIndex(0)
        self.head.setEnabled(bool(heads))

    def photo_heads(self) -> list:
        """The chosen package's heads that need a street-view photo."""
        entry = self.model_chooser.current_entry()
        heads = entry.package.heads if entry and entry.package else []
        return [head for head in heads if head.input not in TILE_HEAD_INPUTS]

    def parameters(self) -> dict:
        layer = self.layer_combo.currentLayer()
        if layer is None:
            raise InputError(self.tr("Choose an RS raster layer."))
        head = self.head.currentData()
        if not head:
            raise InputError(self.tr("The chosen model package has no prediction heads; choose another one."))
        folder = self.output_dir()
        stem = "predictions" if head == ALL_HEADS else f"predictions_{head}"
        parameters = {
            "INPUT": layer.id(),
            "MODEL": self.model_parameter(),
            "OUTPUT": unique_output_path(stem, ".gpkg", folder),
        }
        if head != ALL_HEADS:
            parameters["HEAD"] = head
        if self.with_raster.isChecked():
            parameters["OUTPUT_RASTER"] = unique_output_path(stem, ".tif", folder)
        self.run_layer_id = layer.id()
        return parameters

    def result_layers(self, results: dict) -> list:
        """One layer per head (categories for a classification, graduated colours for a
        regression), each named after its head and the model; the raster when asked for."""
        name, untrained = self.run_model
        grid = load_vector(results["OUTPUT"])
        layers = styling.prediction_layers(grid, self.head.currentText(), name, untrained)
        if results.get("OUTPUT_RASTER"):
            raster = load_raster(results["OUTPUT_RASTER"])
            styling.style_result_raster(raster)
            layers.append(raster)
        return layers

    def summary(self, results: dict) -> str:
        return self.tr("{} tile(s); one layer per prediction head.").format(int(results.get("TILES") or 0))
