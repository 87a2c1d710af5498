"""The model manager dock: which packages there are (the bundled one is UNTRAINED and says
so) and which one is active, adding a package folder, downloading the released GAIR weights
through QGIS's network stack, importing a local checkpoint without torch, the onnxruntime
execution provider, force-CPU, the Dask scheduler of region builds, and a copy-diagnostics
action. A downloaded or imported package becomes the active model, and the message bar says so."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional

from qgis.core import Qgis, QgsApplication, QgsTask
from qgis.gui import QgisInterface, QgsAuthConfigSelect, QgsDockWidget, QgsFileWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .. import model_store, settings
from ..cache import SESSIONS
from ..plugin_files import icon
from ..runtime.download import DEFAULT_NAME, DEFAULT_URL, SHA256
from ..runtime.errors import InputError, PackageError
from ..translation import QT_TRANSLATE_NOOP, translate, translate_for
from .base_dock import scrolling
from .dependencies import DependencyPanel, DependencyStatus, dependency_status
from .diagnostics import diagnostics, onnxruntime_status
from .model_catalog import UNTRAINED_WARNING, WARNING_STYLE, ModelCatalog, ModelEntry
from .tasks import DownloadTask, ImportCheckpointTask, ProbeProviderTask
from .widgets import ZERO_WIDTH_SPACE, ElidedLabel, WrappingLabel, button_grid, wrapping_label

LIST_HEIGHT = 110  # px
LONG_RUN = re.compile(r"[0-9A-Za-z]{17,}")  # a hash or token no word-wrap can break
RUN_PIECE = 16  # characters between the break opportunities put into such a run


def default_import_folder(name: str = DEFAULT_NAME) -> str:
    """Where downloaded and imported packages go unless the user chooses: the QGIS profile's
    gair/models folder (a free name: an existing package is never replaced by default)."""
    folder = model_store.models_dir() / name
    number = 2
    while folder.exists():
        folder = model_store.models_dir() / f"{name}-{number}"
        number += 1
    return str(folder)


def user_folder(entry: Optional[ModelEntry]) -> bool:
    """A folder the user added from elsewhere: Remove takes it off the list and deletes nothing."""
    return bool(entry and entry.folder in settings.model_folders() and not model_store.is_own_package(entry.folder))


def own_package(entry: Optional[ModelEntry]) -> bool:
    """A package the plugin downloaded, imported or quantized into its models folder: Remove
    deletes it (after asking). Never the bundled package or a user's folder."""
    return bool(entry and not entry.bundled and model_store.is_own_package(entry.folder))


def removable(entry: Optional[ModelEntry]) -> bool:
    """Whether Remove applies to the entry (`user_folder` or `own_package`)."""
    return user_folder(entry) or own_package(entry)


class PackageList(QWidget):
    """The catalog's packages, the chosen one's details, and add/remove buttons."""

    def __init__(
        self, catalog: ModelCatalog, status: Optional[DependencyStatus] = None, parent: Optional[QWidget] = None
    ) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.status = status or dependency_status()
        self.list = QListWidget()
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
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
        self.active = ElidedLabel()
        self.int8_button = QPushButton(self.tr("Make an int8 copy"))
        self.int8_task: Optional[QgsTask] = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.active)
        layout.addWidget(self.list)
        layout.addWidget(self.warning)
        layout.addWidget(self.details)
        layout.addLayout(button_grid([self.use_button, self.add_button, self.remove_button, self.int8_button]))
        self.message = wrapping_label()
        layout.addWidget(self.message)
        self.list.currentRowChanged.connect(self._show_details)
        self.add_button.clicked.connect(self._choose_folder)
        self.remove_button.clicked.connect(self._remove)
        self.use_button.clicked.connect(self.use_current)
        self.int8_button.clicked.connect(self.make_int8_copy)
        catalog.changed.connect(self._refill)
        catalog.active_changed.connect(self._refill)
        self.status.changed.connect(self._show_details)
        self._refill()

    def _refill(self) -> None:
        shown = self.current_entry()
        active = self.catalog.active_folder()
        self.list.clear()
        for entry in self.catalog.entries():
            mark = "\u2713 " if entry.folder == active else ""
            item = QListWidgetItem(mark + entry.label)
            item.setData(Qt.ItemDataRole.UserRole, entry.folder)
            item.setToolTip(f"{entry.label}\n{entry.folder}")
            self.list.addItem(item)
        folders = [e.folder for e in self.catalog.entries()]
        wanted = shown.folder if shown and shown.folder in folders else active
        self.list.setCurrentRow(folders.index(wanted) if wanted in folders else 0)
        chosen = self.catalog.entry(active)
        self.active.setText(self.tr("Active model: {}").format(chosen.label if chosen else self.tr("none")))
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
        self.warning.setText(
            self.tr("This model is {}.").format(translate("ModelEntry", UNTRAINED_WARNING))
            if entry and entry.untrained
            else ""
        )
        self.warning.setVisible(bool(entry and entry.untrained))
        self.remove_button.setEnabled(removable(entry))
        self.remove_button.setToolTip(
            self.tr("Delete this package from your QGIS profile (it asks first)")
            if own_package(entry)
            else self.tr("Take this folder off the list (its files stay where they are)")
            if user_folder(entry)
            else self.tr("Only packages GAIR downloaded or imported, and folders you added, can be removed")
        )
        self.use_button.setEnabled(
            bool(entry and entry.package is not None and entry.folder != self.catalog.active_folder())
        )
        self._show_int8_state(entry)

    def _show_int8_state(self, entry: Optional[ModelEntry]) -> None:
        """Offer "Make an int8 copy" only where it can work: onnx is installed (the dependency
        installer does not install it) and the package is not already int8."""
        quantized = bool(entry and entry.package and entry.package.meta.get("quantization"))
        if not self.status.has_onnx:
            self.int8_button.setEnabled(False)
            self.int8_button.setToolTip(
                self.tr(
                    "Needs the Python package onnx, which GAIR's dependency installer does not install; "
                    "the command line makes int8 copies: python -m gair_qgis.runtime.quantize"
                )
            )
        elif quantized:
            self.int8_button.setEnabled(False)
            self.int8_button.setToolTip(self.tr("This package is already an int8 copy"))
        else:
            self.int8_button.setEnabled(bool(entry and entry.package is not None) and self.int8_task is None)
            self.int8_button.setToolTip(
                self.tr("Write an int8-quantized copy of this package into your QGIS profile (faster on CPU)")
            )

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("GAIR model package folder"))
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str) -> ModelEntry:
        """Add a package folder; shows why when it is not a usable package."""
        entry = self.catalog.add_folder(folder)
        self.message.setText(
            self.tr("Not added: {}").format(entry.error) if entry.error else self.tr("Added {}.").format(entry.name)
        )
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
        self._show_int8_state(self.current_entry())
        if ok:
            self.add_folder(result)
        else:
            self.message.setText(self.tr("No int8 copy: {}").format(result))

    def shutdown(self) -> None:
        """Stop following the dependency status (plugin unload)."""
        self.status.changed.disconnect(self._show_details)

    def _remove(self) -> None:
        entry = self.current_entry()
        if entry is None:
            return
        if own_package(entry):
            self.remove_package(entry, confirm=True)
        elif user_folder(entry):
            self.catalog.remove_folder(entry.folder)
            self.message.setText(self.tr("{} is off the list; its folder was not touched.").format(entry.folder))

    def remove_package(self, entry: ModelEntry, confirm: bool = True) -> bool:
        """Delete one of the plugin's own packages (after asking); False when nothing was deleted."""
        size_mb = sum(p.stat().st_size for p in Path(entry.folder).rglob("*") if p.is_file()) / 1e6
        if (
            confirm
            and QMessageBox.question(
                self,
                self.tr("Remove a GAIR model"),
                self.tr("Delete {} ({:.0f} MB) from your QGIS profile? You can download or import it again.").format(
                    entry.folder, size_mb
                ),
            )
            != QMessageBox.StandardButton.Yes
        ):
            return False
        SESSIONS.clear()  # no onnxruntime session keeps the package's files open
        try:
            model_store.remove_own_package(entry.folder)
        except (PackageError, OSError) as error:
            self.message.setText(self.tr("Not removed: {}").format(error))
            return False
        self.catalog.remove_folder(entry.folder)
        self.message.setText(self.tr("Removed {} ({:.0f} MB freed).").format(entry.name, size_mb))
        return True


class StatusLabel(WrappingLabel):
    """A panel's status line: wraps like every label of the docks, and also inside long runs of
    letters and digits (a SHA-256 is 64), which would otherwise run past the dock's edge."""

    def setText(self, text: str) -> None:
        super().setText(
            LONG_RUN.sub(
                lambda run: ZERO_WIDTH_SPACE.join(
                    run.group(0)[i : i + RUN_PIECE] for i in range(0, len(run.group(0)), RUN_PIECE)
                ),
                text or "",
            )
        )


def install(catalog: ModelCatalog, folder: Path, done_message: str, announce) -> str:
    """Add a new package to the catalog and make it the active model; returns the status
    line (the error when it cannot be used). `announce(text)` goes to the message bar."""
    entry = catalog.add_folder(folder)
    if entry.error:
        return entry.error
    catalog.set_active(entry.folder)
    text = translate(
        "PackageTaskPanel", "{} is now the active GAIR model (every GAIR dock and algorithm uses it)."
    ).format(entry.name)
    announce(text)
    return f"{done_message}; {text}"


class PackageTaskPanel(QGroupBox):
    """A form that writes a model package in a background task: start and Cancel buttons,
    progress, a status line, and on success the package added to the catalog and made active.
    Subclasses build their fields (`form`) and start their task with `run`; the texts they pass
    to __init__ (marked with QT_TRANSLATE_NOOP under the subclass) are translated here (self.tr
    needs the initialised QObject)."""

    def tr(self, text: str) -> str:
        """`text` in the user's language, from the contexts of this panel's classes (PyQt's tr()
        looks only in the instance's own class, which misses this base class's strings)."""
        return translate_for(type(self), text)

    def __init__(
        self,
        catalog: ModelCatalog,
        title: str,
        start_text: str,
        status_text: str,
        parent: Optional[QWidget] = None,
        announce=None,
    ) -> None:
        super().__init__(parent)
        self.setTitle(self.tr(title))
        self.catalog = catalog
        self.announce = announce or (lambda text: None)
        self.task: Any = None  # the running QgsTask (with done, progressChanged, out), else None
        self.out_folder = QgsFileWidget()
        self.out_folder.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.out_folder.setFilePath(default_import_folder())
        self.start_button = QPushButton(self.tr(start_text))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.progress = QProgressBar()
        self.status = StatusLabel(self.tr(status_text))
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form = QFormLayout(self)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # labels above: fields get the width
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self._set_running(False)

    def finish_form(self) -> None:
        """The buttons, progress and status below the subclass's fields."""
        self.form.addRow(button_grid([self.start_button, self.cancel_button]))
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
        super().__init__(
            catalog,
            QT_TRANSLATE_NOOP("ImportPanel", "Import a checkpoint file"),
            QT_TRANSLATE_NOOP("ImportPanel", "Import"),
            QT_TRANSLATE_NOOP("ImportPanel", "A checkpoint.pth in the released GAIR layout; torch is not needed."),
            parent,
            announce,
        )
        self.import_button = self.start_button
        self.checkpoint = QgsFileWidget()
        self.checkpoint.setFilter(self.tr("PyTorch checkpoints (*.pth *.pt *.ckpt);;All files (*)"))
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
        return self.run(
            ImportCheckpointTask(Path(checkpoint), Path(out), self.overwrite.isChecked()), self.tr("Importing…")
        )


class DownloadPanel(PackageTaskPanel):
    """Download the released GAIR weights (Hugging Face PingL/GAIR) through QGIS's network
    stack and import them: progress in MB, MB/s and time left, Cancel, resume on the next try;
    an optional expected SHA-256 of the file (a file with another hash is removed, nothing is
    installed)."""

    def __init__(self, catalog: ModelCatalog, parent: Optional[QWidget] = None, announce=None) -> None:
        super().__init__(
            catalog,
            QT_TRANSLATE_NOOP("DownloadPanel", "Download GAIR"),
            QT_TRANSLATE_NOOP("DownloadPanel", "Download GAIR"),
            QT_TRANSLATE_NOOP(
                "DownloadPanel",
                "About 814 MB from Hugging Face (PingL/GAIR, Apache-2.0), "
                "through QGIS's network settings (proxy); an interrupted "
                "download resumes.",
            ),
            parent,
            announce,
        )
        self.download_button = self.start_button
        self.url = QLineEdit(DEFAULT_URL)
        self.url.setCursorPosition(0)
        self.url.setToolTip(self.tr("checkpoint.pth of Hugging Face PingL/GAIR (about 814 MB, Apache-2.0)"))
        self.sha256 = QLineEdit()
        self.sha256.setPlaceholderText(self.tr("Optional: 64 hex digits, to check the file"))
        self.sha256.setToolTip(
            self.tr(
                "The SHA-256 published with the file (64 hexadecimal digits). When given, a downloaded file "
                "with another hash is removed and nothing is installed. Leave it empty to skip the check."
            )
        )
        self.auth = QgsAuthConfigSelect()
        self.auth.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.form.addRow(self.tr("From"), self.url)
        self.form.addRow(self.tr("Expected SHA-256"), self.sha256)
        self.form.addRow(self.tr("Write to"), self.out_folder)
        self.form.addRow(self.tr("Authentication"), self.auth)
        self.finish_form()

    def expected_sha256(self) -> tuple[bool, Optional[str]]:
        """(valid, hash): the field's hash in lower case, None when it is empty; not valid
        (and the status line says why) when it is not 64 hexadecimal digits. Spaces and the
        invisible break opportunities of a copied GAIR label are not part of it."""
        text = "".join(self.sha256.text().replace(ZERO_WIDTH_SPACE, " ").split()).lower()
        if not text:
            return True, None
        if not SHA256.fullmatch(text):
            other = sum(c not in "0123456789abcdef" for c in text)
            self.status.setText(
                self.tr(
                    "Not started: the expected SHA-256 must be 64 hexadecimal digits (0-9, a-f); this one has {} "
                    "characters, {} of them not hexadecimal. Copy it whole from where the file is published, or "
                    "leave the field empty."
                ).format(len(text), other)
            )
            return False, None
        return True, text

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
        valid, sha256 = self.expected_sha256()
        if not valid:
            return False
        return self.run(
            DownloadTask(url, Path(out), authcfg=self.auth.configId(), sha256=sha256), self.tr("Connecting…")
        )

    def _connections(self) -> list:
        return super()._connections() + [(self.task.status, self.status.setText)]


class ProviderPanel(QGroupBox):
    """The onnxruntime execution provider, force-CPU, the Dask scheduler of region builds
    (gair:fieldbuild), and copy-diagnostics."""

    def __init__(
        self,
        catalog: ModelCatalog,
        package_list: PackageList,
        status: Optional[DependencyStatus] = None,
        parent: Optional[QWidget] = None,
    ) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Execution provider"))
        self.catalog = catalog
        self.package_list = package_list
        self.status = status or dependency_status()
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
        layout.addLayout(self._scheduler_rows())
        layout.addLayout(button_grid([self.check_button, self.copy_button]))
        self.force_cpu.toggled.connect(self._force_cpu_changed)
        self.check_button.clicked.connect(self.probe)
        self.copy_button.clicked.connect(self.copy_diagnostics)
        self.status.changed.connect(self.refresh)
        self.refresh()

    def _scheduler_rows(self) -> QFormLayout:
        """The Dask scheduler address of region builds, and a line for what is wrong with it."""
        self.scheduler = QLineEdit(settings.dask_scheduler_setting())
        self.scheduler.setPlaceholderText(self.tr("empty: a local cluster on this machine"))
        self.scheduler.setToolTip(
            self.tr(
                "Where gair:fieldbuild sends its work: a Dask scheduler address such as tcp://10.0.0.5:8786 "
                "(start one with `dask scheduler` and `dask worker ADDRESS`). Empty: a local cluster on this machine."
            )
        )
        self.scheduler_message = wrapping_label()
        self.scheduler_message.setStyleSheet(WARNING_STYLE)
        self.scheduler_message.hide()
        self.scheduler.editingFinished.connect(self.save_scheduler)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(self.tr("Dask scheduler"), self.scheduler)
        form.addRow(self.scheduler_message)
        return form

    def save_scheduler(self) -> bool:
        """Store the address typed (gair/dask_scheduler); a value that is not tcp://host:port
        (or tls://) is refused with a line saying how to fix it, and nothing is stored."""
        try:
            self.scheduler.setText(settings.set_dask_scheduler(self.scheduler.text()))
        except InputError as error:
            self.scheduler_message.setText(str(error))
            self.scheduler_message.show()
            return False
        self.scheduler_message.setText("")
        self.scheduler_message.hide()
        return True

    def refresh(self, measured: str = "") -> None:
        """The provider line from the shared dependency status (the Dependencies panel shows the same)."""
        self.check_button.setEnabled(self.status.problem is None and self.task is None)
        if self.status.problem is not None:
            self.summary.setText(
                self.tr("No execution provider: {} (see Dependencies below).").format(self.status.problem)
            )
            return
        version, available, chosen = onnxruntime_status()
        text = self.tr("onnxruntime {}; available: {}.\nActive: {}").format(
            version, ", ".join(available) or self.tr("none"), measured or chosen + self.tr(" (requested)")
        )
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
        self.status.changed.disconnect(self.refresh)
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

    title = QT_TRANSLATE_NOOP("ModelManagerDock", "GAIR models")

    def __init__(self, iface: QgisInterface, catalog: ModelCatalog, parent: Optional[QWidget] = None) -> None:
        super().__init__(self.title, parent or iface.mainWindow())
        self.setObjectName("GairModelManagerDock")
        self.setWindowIcon(icon("models"))
        self.iface = iface
        self.catalog = catalog
        self.status = dependency_status()
        self.packages = PackageList(catalog, self.status)
        self.downloader = DownloadPanel(catalog, announce=self.announce)
        self.importer = ImportPanel(catalog, announce=self.announce)
        self.providers = ProviderPanel(catalog, self.packages, self.status)
        self.dependencies = DependencyPanel()
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
        for panel in (self.packages, self.downloader, self.importer, self.providers, self.dependencies):
            panel.shutdown()

    def announce(self, text: str) -> None:
        """A line in QGIS's message bar."""
        self.iface.messageBar().pushMessage(self.tr("GAIR"), text, Qgis.MessageLevel.Success, 8)
