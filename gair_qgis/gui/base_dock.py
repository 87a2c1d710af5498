"""The frame every GAIR dock shares: a form, the model chooser with a fixed-height note,
the output folder and "keep every result", a link to the user guide, and the Run /
Cancel / progress row that runs the dock's Processing algorithm in the background.

Results: a dock's new result layers go on top of the layer tree and replace its previous
ones (and the files it wrote for them) unless "Keep every result" is ticked. A failed run
says why in QGIS's message bar, in the user's words, and renames the result still on the
map "[previous] ...". A new project resets the dock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Optional

from qgis.core import Qgis, QgsMapLayer, QgsProject
from qgis.gui import QgisInterface, QgsDockWidget, QgsFileWidget
from qgis.PyQt.QtCore import Qt, QUrl
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import settings, styling
from ..plugin_files import icon, user_guide_url
from ..runtime.errors import InputError
from ..translation import QT_TRANSLATE_NOOP, translate, translate_for
from .dependencies import DependencyOffer, dependency_status
from .layers import (
    delete_written_file,
    expand_legends_later,
    output_folder,
    remove_layer,
)
from .messages import push_with_details
from .model_catalog import SMALL_MODEL_NOTE, UNTRAINED_WARNING, WARNING_STYLE, ModelCatalog, ModelChooser
from .runner import RunPanel
from .widgets import wrapping_label

MIN_COMBO_CHARACTERS = 10
NOTE_LINES = 2  # the model note always takes this many lines, so switching models moves nothing
PREVIOUS = QT_TRANSLATE_NOOP("AlgorithmDock", "[previous] ")
MESSAGE_SECONDS = 10


class AlgorithmDock(QgsDockWidget):
    """A dock that fills in the parameters of `algorithm_id` and adds its results.

    Subclasses build their inputs into `self.form` (in `build_form`), return the
    algorithm's parameters from `parameters()` (ValueError with a message when an input
    is missing), and turn the results into layers in `result_layers(results)`, after
    which `summary(results)` may return a line for the status.
    """

    algorithm_id = ""
    title = ""
    icon_name = "gair"
    help_text = ""
    help_anchor = ""

    def tr(self, text: str) -> str:
        """`text` in the user's language, from the contexts of this dock's classes (PyQt's tr()
        looks only in the instance's own class, which misses this base class's strings)."""
        return translate_for(type(self), text)

    def __init__(self, iface: QgisInterface, catalog: ModelCatalog, parent: Optional[QWidget] = None) -> None:
        super().__init__(self.title, parent or iface.mainWindow())
        self.iface = iface
        self.catalog = catalog
        self.run_layer_id = ""  # the input layer of the latest run
        self.result_layer_ids: list[str] = []  # this dock's result layers on the map
        self.written_files: list[str] = []  # the files this dock wrote for them
        self.run_files: list[str] = []  # the files the running run writes
        self.run_model = ("", False)  # (name, untrained) of the model of the latest run
        self.dependencies = dependency_status()
        self.dependency_offer: Optional[DependencyOffer] = None  # made when a run fails for want of onnxruntime
        self.failed_for_dependencies = False
        self.setObjectName(f"Gair{type(self).__name__}")
        self.setWindowIcon(icon(self.icon_name))
        self.model_chooser = ModelChooser(catalog)
        self.output_folder = QgsFileWidget()
        self.output_folder.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.keep_results = QCheckBox(self.tr("Keep every result"))
        self.keep_results.setToolTip(
            self.tr(
                "Ticked: each run adds a new layer and keeps its file. Not ticked: a new result replaces this dock's "
                "previous one and its file."
            )
        )
        self.show_output_folder()
        self.output_folder.fileChanged.connect(settings.set_output_folder)
        self.run_panel = RunPanel(self.algorithm_id, self._parameters, self._add_results)
        self.run_panel.finished.connect(self._run_finished)
        self.run_panel.refused.connect(self._run_refused)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._build_body()
        QgsProject.instance().cleared.connect(self.reset)
        self.dependencies.changed.connect(self._dependencies_changed)

    def _build_body(self) -> None:
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(self._intro_row())
        self.build_form()
        self.form.addRow(QLabel(self.tr("Model")))  # above its chooser: long model names keep the dock's width
        self.form.addRow(self.model_chooser)
        self.model_note = QLabel()
        self.model_note.setWordWrap(True)
        self.model_note.setFixedHeight(self.model_note.fontMetrics().lineSpacing() * NOTE_LINES + 4)
        self.model_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.form.addRow(self.model_note)
        self.model_chooser.currentIndexChanged.connect(self.show_model_note)
        self.catalog.changed.connect(self.show_model_note)
        self.show_model_note()
        self.form.addRow(self.tr("Output folder"), self.output_folder)
        self.form.addRow(self.keep_results)
        layout.addLayout(self.form)
        layout.addStretch(1)
        frame = QWidget()  # the form scrolls; Run, progress and status always stay in view
        outer = QVBoxLayout(frame)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(body), 1)
        self.run_panel.layout().setContentsMargins(9, 3, 9, 6)
        outer.addWidget(self.run_panel)
        self.setWidget(frame)
        QgsProject.instance().homePathChanged.connect(self.show_output_folder)

    def _intro_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        intro = wrapping_label(self.tr(self.help_text))
        self.help_button = QToolButton()
        self.help_button.setText("?")
        self.help_button.setToolTip(self.tr("Open the GAIR user guide"))
        self.help_button.clicked.connect(self.open_help)
        row.addWidget(intro, 1)
        row.addWidget(self.help_button, 0, Qt.AlignmentFlag.AlignTop)
        return row

    def help_url(self) -> QUrl:
        """The user guide (plugin_files.user_guide_url)."""
        return user_guide_url()

    def open_help(self) -> bool:
        """Open the user guide with the system's viewer."""
        return QDesktopServices.openUrl(self.help_url())

    def show_model_note(self) -> None:
        """One fixed-height line under the model chooser: UNTRAINED in red, or the model's name."""
        entry = self.model_chooser.current_entry()
        if entry is not None and entry.untrained:
            self.model_note.setText(self.tr("This model is {}.").format(translate("ModelEntry", UNTRAINED_WARNING)))
            self.model_note.setStyleSheet(WARNING_STYLE)
        elif entry is not None and entry.bundled:
            self.model_note.setText(translate("ModelEntry", SMALL_MODEL_NOTE))
            self.model_note.setStyleSheet("color: palette(mid);")
        else:
            self.model_note.setText(self.tr("Trained model: {}.").format(entry.name) if entry else "")
            self.model_note.setStyleSheet("color: palette(mid);")
        self.model_note.setToolTip(self.model_note.text())
        self.model_chooser.setToolTip(self.model_chooser.currentText())

    def showEvent(self, event) -> None:
        """Show the output folder as currently set (another dock or the project may have changed it)."""
        self.show_output_folder()
        super().showEvent(event)

    def show_output_folder(self) -> None:
        """The chosen folder, or (greyed) where results go by default."""
        self.output_folder.blockSignals(True)
        self.output_folder.setFilePath(settings.chosen_output_folder())
        self.output_folder.blockSignals(False)
        self.output_folder.lineEdit().setPlaceholderText(str(output_folder()))
        self.output_folder.setToolTip(self.tr("Results go to {}").format(self.output_dir()))

    def output_dir(self) -> Path:
        """Where this run writes: the folder in the widget, else the default (gui.layers.output_folder)."""
        return Path(self.output_folder.filePath().strip() or output_folder())

    # --- running and results ------------------------------------------------------------

    def _parameters(self, parameters: Optional[Callable[[], dict]] = None) -> dict:
        values = (parameters or self.parameters)()
        entry = self.model_chooser.current_entry()
        self.run_model = (entry.name, entry.untrained) if entry else ("", False)
        self.run_files = [str(v) for k, v in values.items() if k.startswith("OUTPUT") and isinstance(v, str)]
        return values

    def _add_results(
        self,
        results: dict,
        result_layers: Optional[Callable[[dict], list[QgsMapLayer]]] = None,
        summary: Optional[Callable[[dict], Optional[str]]] = None,
    ) -> Optional[str]:
        layers = (result_layers or self.result_layers)(results)
        self.replace_results(layers)
        return (summary or self.summary)(results)

    def run_other(
        self,
        algorithm_id: str,
        parameters: Callable[[], dict],
        result_layers: Callable[[dict], list[QgsMapLayer]],
        summary: Callable[[dict], Optional[str]],
    ) -> bool:
        """Run another algorithm than the dock's own (a second button) the way Run runs it: in
        the background, through the same Cancel, progress and status, its layers replacing
        this dock's previous results unless every result is kept. False when it cannot start."""
        return self.run_panel.start_other(
            algorithm_id,
            lambda: self._parameters(parameters),
            lambda results: self._add_results(results, result_layers, summary),
        )

    def replace_results(self, layers: Sequence[QgsMapLayer]) -> None:
        """Put `layers` on top of the layer tree; unless every result is kept, this dock's
        previous results leave the project and their files are deleted."""
        if not self.keep_results.isChecked():
            self.clear_results()
        styling.finish_on_top(layers)
        expand_legends_later(layers)
        self.result_layer_ids = [layer.id() for layer in layers]
        self.written_files += self.run_files
        self.run_files = []

    def clear_results(self) -> None:
        """Remove this dock's result layers and delete the files it wrote for them."""
        for layer_id in self.result_layer_ids:
            remove_layer(layer_id)
        for path in self.written_files:
            delete_written_file(path)
        self.result_layer_ids, self.written_files = [], []

    def _run_finished(self, ok: bool, message: str) -> None:
        if ok:
            self.failed_for_dependencies = False
            return
        previous = self.mark_previous_results()
        text = message + (
            self.tr(" The map still shows the previous result, named “{}”.").format(previous) if previous else ""
        )
        self.run_panel.show_message(text)
        if self._offer_dependencies():
            return
        push_with_details(
            self.iface.messageBar(), self.tr(self.title), text, Qgis.MessageLevel.Warning, MESSAGE_SECONDS
        )

    def _offer_dependencies(self) -> bool:
        """After a failed run: when onnxruntime is what is missing (the shared dependency status,
        looked at again, says so), the message bar offers the installer; True when it did."""
        if self.dependency_offer is None:
            self.dependency_offer = DependencyOffer(self.iface)
        self.failed_for_dependencies = False  # this failure's message stays while the status is looked at
        self.failed_for_dependencies = self.dependency_offer.offer_after_failure()
        return self.failed_for_dependencies

    def _dependencies_changed(self) -> None:
        """The dependencies were installed, repaired or removed: an error about them is old news."""
        if self.failed_for_dependencies and self.dependencies.problem is None and not self.run_panel.busy:
            self.failed_for_dependencies = False
            self.run_panel.show_message(self.tr("onnxruntime works now: run again."))

    def _run_refused(self, message: str) -> None:
        self.iface.messageBar().pushMessage(self.tr(self.title), message, Qgis.MessageLevel.Info, MESSAGE_SECONDS)

    def mark_previous_results(self) -> str:
        """Rename this dock's results on the map "[previous] ..."; the first one's new name."""
        names = []
        for layer_id in self.result_layer_ids:
            layer = QgsProject.instance().mapLayer(layer_id)
            if layer is not None:
                if not layer.name().startswith(self.tr(PREVIOUS)):
                    layer.setName(self.tr(PREVIOUS) + layer.name())
                names.append(layer.name())
        return names[0] if names else ""

    def reset(self) -> None:
        """A new project: forget results, status and progress (subclasses clear their points)."""
        self.result_layer_ids, self.written_files, self.run_files, self.run_layer_id = [], [], [], ""
        if not self.run_panel.busy:
            self.run_panel.progress_bar.setValue(0)
            self.run_panel.show_message("")
        self.show_output_folder()

    # --- for subclasses --------------------------------------------------------------

    def build_form(self) -> None:
        """Add the dock's input rows to `self.form`."""
        raise NotImplementedError

    def parameters(self) -> dict:
        """The algorithm's parameters from the widgets; ValueError names what is missing."""
        raise NotImplementedError

    def result_layers(self, results: dict) -> list[QgsMapLayer]:
        """The algorithm's outputs as styled, named layers (main thread; not yet in the project)."""
        raise NotImplementedError

    def summary(self, results: dict) -> Optional[str]:
        """A line for the status after a successful run."""
        return None

    def model_parameter(self) -> str:
        """The MODEL value: the chosen package folder; ValueError when none is usable."""
        folder = self.model_chooser.current_folder()
        if not folder:
            raise InputError(self.tr("No usable model package; open the GAIR model manager."))
        return folder

    def cleanup(self) -> None:
        """Cancel a running task and free canvas items (plugin unload)."""
        QgsProject.instance().homePathChanged.disconnect(self.show_output_folder)
        QgsProject.instance().cleared.disconnect(self.reset)
        self.dependencies.changed.disconnect(self._dependencies_changed)
        if self.dependency_offer is not None:
            self.dependency_offer.unload()
            self.dependency_offer = None
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
