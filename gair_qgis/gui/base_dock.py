"""The frame every GAIR dock shares: a form, the model chooser, the output folder and the
Run / Cancel / progress row that runs the dock's Processing algorithm in the background."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from qgis.core import QgsMapLayer, QgsProject
from qgis.gui import QgisInterface, QgsDockWidget, QgsFileWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QComboBox, QFormLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from . import settings
from .models import SMALL_MODEL_NOTE, UNTRAINED_WARNING, WARNING_STYLE, ModelCatalog, ModelChooser
from .resources import icon
from .runner import RunPanel

MIN_COMBO_CHARACTERS = 10


class AlgorithmDock(QgsDockWidget):
    """A dock that fills in the parameters of `algorithm_id` and adds its results.

    Subclasses build their inputs into `self.form` (in `build_form`), return the
    algorithm's parameters from `parameters()` (ValueError with a message when an input
    is missing), and add the results to the project in `add_results(results)`, which
    may return a summary line for the status.
    """

    algorithm_id = ""
    title = ""
    icon_name = "gair"
    help_text = ""

    def __init__(self, iface: QgisInterface, catalog: ModelCatalog, parent: Optional[QWidget] = None) -> None:
        super().__init__(self.title, parent or iface.mainWindow())
        self.iface = iface
        self.catalog = catalog
        self.run_layer_id = ""  # the input layer of the latest run; results go above it
        self.setObjectName(f"Gair{type(self).__name__}")
        self.setWindowIcon(icon(self.icon_name))
        self.model_chooser = ModelChooser(catalog)
        self.output_folder = QgsFileWidget()
        self.output_folder.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.show_output_folder()
        self.output_folder.fileChanged.connect(settings.set_output_folder)
        self.run_panel = RunPanel(self.algorithm_id, self.parameters, self.add_results)
        self.form = QFormLayout()
        self._build_body()

    def _build_body(self) -> None:
        body = QWidget()
        layout = QVBoxLayout(body)
        if self.help_text:
            intro = QLabel(self.help_text)
            intro.setWordWrap(True)
            layout.addWidget(intro)
        self.build_form()
        self.form.addRow(self.tr("Model"), self.model_chooser)
        self.untrained_warning = QLabel(self.tr("This model is {}.").format(UNTRAINED_WARNING))
        self.untrained_warning.setWordWrap(True)
        self.untrained_warning.setStyleSheet(WARNING_STYLE)
        self.form.addRow(self.untrained_warning)
        self.small_model_note = QLabel(self.tr(SMALL_MODEL_NOTE))
        self.small_model_note.setWordWrap(True)
        self.form.addRow(self.small_model_note)
        self.model_chooser.currentIndexChanged.connect(self.show_untrained_warning)
        self.show_untrained_warning()
        self.form.addRow(self.tr("Output folder"), self.output_folder)
        layout.addLayout(self.form)
        layout.addWidget(self.run_panel)
        layout.addStretch(1)
        self.setWidget(scrolling(body))
        QgsProject.instance().homePathChanged.connect(self.show_output_folder)

    def show_untrained_warning(self) -> None:
        """Say plainly, next to the model chooser, when the chosen model is untrained."""
        entry = self.model_chooser.current_entry()
        self.untrained_warning.setVisible(bool(entry and entry.untrained))
        self.small_model_note.setVisible(bool(entry and entry.bundled and not entry.untrained))

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        """Show the output folder as currently set (another dock or the project may have changed it)."""
        self.show_output_folder()
        super().showEvent(event)

    def show_output_folder(self) -> None:
        """The chosen folder, or (greyed) the default one, which follows the project."""
        self.output_folder.blockSignals(True)
        self.output_folder.setFilePath(settings.chosen_output_folder())
        self.output_folder.blockSignals(False)
        self.output_folder.lineEdit().setPlaceholderText(str(settings.default_output_folder()))

    def output_dir(self) -> Path:
        """Where this run writes: the folder in the widget, else the default."""
        return Path(self.output_folder.filePath().strip() or settings.default_output_folder())

    # --- for subclasses --------------------------------------------------------------

    def build_form(self) -> None:
        """Add the dock's input rows to `self.form`."""
        raise NotImplementedError

    def parameters(self) -> dict:
        """The algorithm's parameters from the widgets; ValueError names what is missing."""
        raise NotImplementedError

    def add_results(self, results: dict) -> Optional[str]:
        """Add the algorithm's outputs to the project (main thread); returns a summary line."""
        raise NotImplementedError

    def model_parameter(self) -> str:
        """The MODEL value: the chosen package folder; ValueError when none is usable."""
        folder = self.model_chooser.current_folder()
        if not folder:
            raise ValueError(self.tr("No usable model package; open the GAIR model manager."))
        return folder

    def run_layer(self) -> Optional[QgsMapLayer]:
        """The latest run's input layer, if it is still in the project."""
        return QgsProject.instance().mapLayer(self.run_layer_id) if self.run_layer_id else None

    def cleanup(self) -> None:
        """Cancel a running task and free canvas items (plugin unload)."""
        QgsProject.instance().homePathChanged.disconnect(self.show_output_folder)
        self.run_panel.shutdown()


def scrolling(body: QWidget) -> QScrollArea:
    """`body` in a vertical scroll area whose combo boxes may shrink with a narrow dock."""
    for combo in body.findChildren(QComboBox):
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(MIN_COMBO_CHARACTERS)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(body)
    return scroll
