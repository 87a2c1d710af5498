"""The model manager dock: which packages there are (the bundled one is UNTRAINED and says
so) and which one is active, adding a package folder, downloading the released GAIR weights
through QGIS's network stack, importing a local checkpoint without torch, the onnxruntime
execution provider, force-CPU, and a copy-diagnostics action. A downloaded or imported
package becomes the active model, and the message bar says so."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from qgis.core import Qgis, QgsApplication
from qgis.gui import QgisInterface, QgsAuthConfigSelect, QgsDockWidget, QgsFileWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .. import installed_models, settings
from ..plugin_files import icon
from ..runtime.download import DEFAULT_NAME, DEFAULT_URL
from .base_dock import scrolling
from .dependencies import DependencyPanel
from .diagnostics import diagnostics, onnxruntime_status
from .models import UNTRAINED_WARNING, WARNING_STYLE, ModelCatalog, ModelEntry
from .tasks import DownloadTask, ImportCheckpointTask, ProbeProviderTask

LIST_HEIGHT = 110  # px


def wrapping_label(text: str = "") -> QLabel:
    """A label that wraps and never widens the dock (long paths are cut at its edge)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def default_import_folder(name: str = DEFAULT_NAME) -> str:
    """Where downloaded and imported packages go unless the user chooses: the QGIS profile's
    gair/models folder (a free name: an existing package is never replaced by default)."""
    folder = installed_models.models_dir() / name
    number = 2
    while folder.exists():
        folder = installed_models.models_dir() / f"{name}-{number}"
        number += 1
    return str(folder)


def removable(entry: Optional[ModelEntry]) -> bool:
    """A folder the user added (the bundled package and the profile's packages stay listed)."""
    return bool(entry and entry.folder in settings.model_folders()
                and installed_models.models_dir() not in Path(entry.folder).parents)


class PackageList(QWidget):
    """The catalog's packages, the chosen one's details, and add/remove buttons."""

    def __init__(self, catalog: ModelCatalog, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.list = QListWidget()
        self.list.setMaximumHeight(LIST_HEIGHT)
        self.details = wrapping_label()
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning = wrapping_label()
        self.warning.setStyleSheet(WARNING_STYLE)
        self.add_button = QPushButton(self.tr("Add folder…"))
        self.add_button.setToolTip(self.tr("Add a GAIR model package folder (with its model.json)"))
        self.remove_button = QPushButton(self.tr("Remove"))
        self.use_button = QPushButton(self.tr("Use this model"))
        self.use_button.setToolTip(self.tr("Make it the active model: every dock and Processing algorithm uses it"))
        self.active = wrapping_label()
        self.int8_button = QPushButton(self.tr("Make an int8 copy"))
        self.int8_button.setToolTip(self.tr("Write an int8-quantized copy of this package beside it (faster on CPU)"))
        self.int8_task = None
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.int8_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.active)
        layout.addWidget(self.list)
        layout.addWidget(self.warning)
        layout.addWidget(self.details)
        layout.addLayout(buttons)
        self.message = wrapping_label()
        layout.addWidget(self.message)
        self.list.currentRowChanged.connect(self._show_details)
        self.add_button.clicked.connect(self._choose_folder)
        self.remove_button.clicked.connect(self._remove)
        self.use_button.clicked.connect(self.use_current)
        self.int8_button.clicked.connect(self.make_int8_copy)
        catalog.changed.connect(self._refill)
        catalog.active_changed.connect(self._refill)
        self._refill()

    def _refill(self) -> None:
        shown = self.current_entry()
        active = self.catalog.active_folder()
        self.list.clear()
        for entry in self.catalog.entries():
            mark = "\u2713 " if entry.folder == active else ""
            item = QListWidgetItem(mark + entry.label)
            item.setData(Qt.ItemDataRole.UserRole, entry.folder)
            self.list.addItem(item)
        folders = [e.folder for e in self.catalog.entries()]
        wanted = shown.folder if shown and shown.folder in folders else active
        self.list.setCurrentRow(folders.index(wanted) if wanted in folders else 0)
        entry = self.catalog.entry(active)
        self.active.setText(self.tr("Active model: {}").format(entry.label if entry else self.tr("none")))
        self._show_details()

    def use_current(self) -> None:
        """Make the selected package the active model."""
        entry = self.current_entry()
        if entry and entry.package is not None:
            self.catalog.set_active(entry.folder)

    def current_entry(self) -> Optional[ModelEntry]:
        item = self.list.currentItem()
        return self.catalog.entry(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def _show_details(self) -> None:
        entry = self.current_entry()
        self.details.setText(entry.describe() if entry else "")
        self.warning.setText(f"This model is {UNTRAINED_WARNING}." if entry and entry.untrained else "")
        self.warning.setVisible(bool(entry and entry.untrained))
        self.remove_button.setEnabled(removable(entry))
        self.use_button.setEnabled(bool(entry and entry.package is not None
                                        and entry.folder != self.catalog.active_folder()))

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("GAIR model package folder"))
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str) -> ModelEntry:
        """Add a package folder; shows why when it is not a usable package."""
        entry = self.catalog.add_folder(folder)
        self.message.setText(self.tr("Not added: {}").format(entry.error) if entry.error
                             else self.tr("Added {}.").format(entry.name))
        return entry

    def make_int8_copy(self) -> None:
        """Quantize the chosen package in a QgsTask; the copy is added to the list when done."""
        from .quantize_task import start_int8_copy

        entry = self.current_entry()
        if entry is None or self.int8_task is not None:
            return
        self.int8_button.setEnabled(False)
        self.message.setText(self.tr("Making an int8 copy of {}…").format(entry.name))
        self.int8_task = start_int8_copy(entry.folder, self._int8_done)

    def _int8_done(self, ok: bool, result: str) -> None:
        self.int8_task = None
        self.int8_button.setEnabled(True)
        if ok:
            self.add_folder(result)
        else:
            self.message.setText(self.tr("No int8 copy: {}").format(result))

    def _remove(self) -> None:
        entry = self.current_entry()
        if removable(entry):
            self.catalog.remove_folder(entry.folder)


def install(catalog: ModelCatalog, folder: Path, done_message: str, announce) -> str:
    """Add a new package to the catalog and make it the active model; returns the status
    line (the error when it cannot be used). `announce(text)` goes to the message bar."""
    entry = catalog.add_folder(folder)
    if entry.error:
        return entry.error
    catalog.set_active(entry.folder)
    text = f"{entry.name} is now the active GAIR model (every GAIR dock and algorithm uses it)."
    announce(text)
    return f"{done_message}; {text}"


class PackageTaskPanel(QGroupBox):
    """A form that writes a model package in a background task: start and Cancel buttons,
    progress, a status line, and on success the package added to the catalog and made active.
    Subclasses build their fields (`form`) and start their task with `run`; the texts they pass
    to __init__ are translated here (self.tr needs the initialised QObject)."""

    def __init__(self, catalog: ModelCatalog, title: str, start_text: str, status_text: str,
                 parent: Optional[QWidget] = None, announce=None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr(title))
        self.catalog = catalog
        self.announce = announce or (lambda text: None)
        self.task = None
        self.out_folder = QgsFileWidget()
        self.out_folder.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.out_folder.setFilePath(default_import_folder())
        self.start_button = QPushButton(self.tr(start_text))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.progress = QProgressBar()
        self.status = wrapping_label(self.tr(status_text))
        self.form = QFormLayout(self)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self._set_running(False)

    def finish_form(self) -> None:
        """The buttons, progress and status below the subclass's fields."""
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        self.form.addRow(buttons)
        self.form.addRow(self.progress)
        self.form.addRow(self.status)

    def start(self) -> bool:
        raise NotImplementedError

    def run(self, task, status_text: str) -> bool:
        """Start `task` (a QgsTask with `done(ok, message)`, `progressChanged` and `out`)."""
        self.task = task
        for signal, slot in self._connections():
            signal.connect(slot)
        QgsApplication.taskManager().addTask(task)
        self._set_running(True)
        self.progress.setValue(0)
        self.status.setText(status_text)
        return True

    def _connections(self) -> list:
        return [(self.task.done, self._done), (self.task.progressChanged, self._progress)]

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _progress(self, value: float) -> None:
        self.progress.setValue(int(value))

    def shutdown(self) -> None:
        """Cancel the task (packages are written atomically: nothing half-written is left)."""
        if self.task is not None:
            for signal, slot in self._connections():
                signal.disconnect(slot)
            self.task.cancel()
            self.task = None

    def _done(self, ok: bool, message: str) -> None:
        out = self.task.out if self.task else None
        self.task = None
        self._set_running(False)
        self.progress.setValue(100 if ok else 0)
        if ok and out is not None:
            message = install(self.catalog, out, message, self.announce)
            self.out_folder.setFilePath(default_import_folder())
        self.status.setText(message)


class ImportPanel(PackageTaskPanel):
    """Import a checkpoint.pth file in the background (progress, cancel)."""

    def __init__(self, catalog: ModelCatalog, parent: Optional[QWidget] = None, announce=None) -> None:
        super().__init__(catalog, "Import a checkpoint file", "Import",
                         "A checkpoint.pth in the released GAIR layout; torch is not needed.", parent, announce)
        self.import_button = self.start_button
        self.checkpoint = QgsFileWidget()
        self.checkpoint.setFilter("PyTorch checkpoints (*.pth *.pt *.ckpt);;All files (*)")
        self.overwrite = QCheckBox(self.tr("Replace if it exists"))
        self.form.addRow(self.tr("Checkpoint"), self.checkpoint)
        self.form.addRow(self.tr("Write to"), self.out_folder)
        self.form.addRow("", self.overwrite)
        self.finish_form()

    def start(self) -> bool:
        checkpoint, out = self.checkpoint.filePath().strip(), self.out_folder.filePath().strip()
        if not checkpoint or not Path(checkpoint).is_file():
            self.status.setText(self.tr("Choose the checkpoint file to import."))
            return False
        if not out:
            self.status.setText(self.tr("Choose the folder to write the package to."))
            return False
        if Path(out).exists() and not self.overwrite.isChecked():
            self.status.setText(self.tr("{} already exists; choose another folder or tick Replace.").format(out))
            return False
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        return self.run(ImportCheckpointTask(Path(checkpoint), Path(out), self.overwrite.isChecked()),
                        self.tr("Importing…"))


class DownloadPanel(PackageTaskPanel):
    """Download the released GAIR weights (Hugging Face PingL/GAIR) through QGIS's network
    stack and import them: progress in MB, MB/s and time left, Cancel, resume on the next try."""

    def __init__(self, catalog: ModelCatalog, parent: Optional[QWidget] = None, announce=None) -> None:
        super().__init__(catalog, "Download GAIR (the released weights)", "Download GAIR",
                         "About 814 MB from Hugging Face (PingL/GAIR, Apache-2.0), through QGIS's network "
                         "settings (proxy); an interrupted download resumes.", parent, announce)
        self.download_button = self.start_button
        self.url = QLineEdit(DEFAULT_URL)
        self.url.setToolTip(self.tr("checkpoint.pth of Hugging Face PingL/GAIR (about 814 MB, Apache-2.0)"))
        self.auth = QgsAuthConfigSelect()
        self.form.addRow(self.tr("From"), self.url)
        self.form.addRow(self.tr("Write to"), self.out_folder)
        self.form.addRow(self.tr("Authentication"), self.auth)
        self.finish_form()

    def start(self) -> bool:
        url, out = self.url.text().strip(), self.out_folder.filePath().strip()
        if not url:
            self.status.setText(self.tr("Give the address of the checkpoint to download."))
            return False
        if not out:
            self.status.setText(self.tr("Choose the folder to write the package to."))
            return False
        if Path(out).exists():
            self.status.setText(self.tr("{} already exists; choose another folder.").format(out))
            return False
        return self.run(DownloadTask(url, Path(out), authcfg=self.auth.configId()), self.tr("Connecting…"))

    def _connections(self) -> list:
        return super()._connections() + [(self.task.status, self.status.setText)]


class ProviderPanel(QGroupBox):
    """The onnxruntime execution provider, force-CPU, and copy-diagnostics."""

    def __init__(self, catalog: ModelCatalog, package_list: PackageList, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Execution provider"))
        self.catalog = catalog
        self.package_list = package_list
        self.task: Optional[ProbeProviderTask] = None
        self.summary = wrapping_label()
        self.force_cpu = QCheckBox(self.tr("Force CPU"))
        self.force_cpu.setChecked(settings.force_cpu())
        self.check_button = QPushButton(self.tr("Check"))
        self.copy_button = QPushButton(icon("gair"), self.tr("Copy diagnostics"))
        self.check_button.setToolTip(self.tr("Open the selected model on onnxruntime and show the provider it runs on"))
        self.force_cpu.setToolTip(self.tr("Run GAIR on the CPU even where a GPU execution provider is available"))
        self.copy_button.setToolTip(self.tr("Copy versions, execution providers and paths for a bug report"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.force_cpu)
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addWidget(self.copy_button)
        layout.addLayout(row)
        self.force_cpu.toggled.connect(self._force_cpu_changed)
        self.check_button.clicked.connect(self.probe)
        self.copy_button.clicked.connect(self.copy_diagnostics)
        self.refresh()

    def refresh(self, measured: str = "") -> None:
        version, available, chosen = onnxruntime_status()
        if not available:
            self.summary.setText(version)  # why onnxruntime is missing
            return
        text = self.tr("onnxruntime {}; available: {}.\nActive: {}").format(
            version, ", ".join(available), measured or chosen + self.tr(" (requested)"))
        self.summary.setText(text)

    def _force_cpu_changed(self, value: bool) -> None:
        settings.set_force_cpu(value)
        self.refresh()

    def probe(self) -> None:
        """Open the selected package on onnxruntime in the background and show the provider."""
        if self.task is not None:
            return
        entry = self.package_list.current_entry()
        self.task = ProbeProviderTask(entry.folder if entry else "", self.force_cpu.isChecked())
        self.task.done.connect(self._probed)
        self.check_button.setEnabled(False)
        QgsApplication.taskManager().addTask(self.task)

    def shutdown(self) -> None:
        if self.task is not None:
            self.task.done.disconnect(self._probed)
            self.task.cancel()
            self.task = None

    def _probed(self, ok: bool, message: str) -> None:
        self.task = None
        self.check_button.setEnabled(True)
        if ok:
            self.refresh(self.tr("{} (measured)").format(message))
        else:
            self.summary.setText(self.tr("Cannot open the model: {}").format(message))

    def copy_diagnostics(self) -> str:
        text = diagnostics(self.catalog)
        QApplication.clipboard().setText(text)
        return text


class ModelManagerDock(QgsDockWidget):
    """Model packages, the released-checkpoint import and the execution provider."""

    title = "GAIR models"

    def __init__(self, iface: QgisInterface, catalog: ModelCatalog, parent: Optional[QWidget] = None) -> None:
        super().__init__(self.title, parent or iface.mainWindow())
        self.setObjectName("GairModelManagerDock")
        self.setWindowIcon(icon("models"))
        self.iface = iface
        self.catalog = catalog
        self.packages = PackageList(catalog)
        self.downloader = DownloadPanel(catalog, announce=self.announce)
        self.importer = ImportPanel(catalog, announce=self.announce)
        self.providers = ProviderPanel(catalog, self.packages)
        self.dependencies = DependencyPanel()
        self.dependencies.changed.connect(self.providers.refresh)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.packages)
        layout.addWidget(self.downloader)
        layout.addWidget(self.importer)
        layout.addWidget(self.providers)
        layout.addWidget(self.dependencies)
        layout.addStretch(1)
        self.setWidget(scrolling(body))

    def cleanup(self) -> None:
        """Cancel background work and stop listening to it (plugin unload)."""
        for panel in (self.downloader, self.importer, self.providers, self.dependencies):
            panel.shutdown()

    def announce(self, text: str) -> None:
        """A line in QGIS's message bar."""
        self.iface.messageBar().pushMessage(self.tr("GAIR"), text, Qgis.MessageLevel.Success, 8)
