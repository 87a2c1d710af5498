"""The frame every GAIR dock shares: a form, the model chooser, the output folder and the
Run / Cancel / progress row that runs the dock's Processing algorithm in the background."""
from __future__ import annotations

from typing import Optional

from qgis.core import QgsMapLayer, QgsProject
from qgis.gui import QgisInterface, QgsDockWidget, QgsFileWidget
from qgis.PyQt.QtWidgets import QFormLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from . import settings
from .models import ModelCatalog, ModelChooser
from .resources import icon
from .runner import RunPanel


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
        self.output_folder.setFilePath(str(settings.output_folder()))
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
        self.form.addRow(self.tr("Output folder"), self.output_folder)
        layout.addLayout(self.form)
        layout.addWidget(self.run_panel)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.setWidget(scroll)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        """Show the output folder as currently set (another dock may have changed it)."""
        self.output_folder.setFilePath(str(settings.output_folder()))
        super().showEvent(event)

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
        self.run_panel.shutdown()
