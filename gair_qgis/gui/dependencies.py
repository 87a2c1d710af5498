"""The dependency installer in the GUI: the message-bar offer when onnxruntime is missing, the
installer dialog (what will be installed, progress, log, Cancel) and the models dock's
Dependencies panel (status, Install/Repair, Remove).

The dialog runs the same core as the command line (`gair_qgis.deps`) in a QProcess with QGIS's
own Python: `python -m gair_qgis.deps install --progress --cancel-file F` from the plugins folder.
QGIS stays responsive, Cancel creates F (the installer stops pip and changes nothing), and a crash
of pip cannot take QGIS down. Afterwards the new folder goes on sys.path in this QGIS
(`deps.load_after_install`), which says whether a restart is needed.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import quote

from qgis.core import Qgis, QgsApplication, QgsSettings
from qgis.gui import QgisInterface, QgsMessageBarItem
from qgis.PyQt.QtCore import QCoreApplication, QObject, QProcess, QProcessEnvironment, Qt, QTimer, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import deps
from ..translation import translate
from .widgets import button_grid, wrapping_label

PLUGINS_DIR = Path(deps.__file__).resolve().parents[2]  # where `-m gair_qgis.deps` is found (deps/__init__.py)
KILL_AFTER_MS = 20_000  # a cancelled installer that has not stopped by then is killed
# (program, arguments) of the installer process, given the dependency folder and the cancel file.
CommandFactory = Callable[[Path, Path], tuple[str, list[str]]]


def deps_root() -> Path:
    """The plugin's dependency folder in the current QGIS profile."""
    return deps.root_in_profile(QgsApplication.qgisSettingsDirPath())


def qgis_proxy() -> Optional[str]:
    """QGIS's proxy (Settings > Options > Network) as a URL for pip, or None (no proxy, or the
    system's, which pip reads from the environment itself)."""
    settings = QgsSettings()
    if not settings.value("proxy/proxyEnabled", False, type=bool):
        return None
    kind = settings.value("proxy/proxyType", "", type=str)
    host = settings.value("proxy/proxyHost", "", type=str).strip()
    if not host or kind == "DefaultProxy":
        return None
    port = settings.value("proxy/proxyPort", "", type=str).strip()
    user = settings.value("proxy/proxyUser", "", type=str)
    password = settings.value("proxy/proxyPassword", "", type=str)
    credentials = f"{quote(user, safe='')}:{quote(password, safe='')}@" if user else ""
    scheme = "socks5" if kind == "Socks5Proxy" else "http"
    return f"{scheme}://{credentials}{host}{':' + port if port else ''}"


def installer_command(root: Path, cancel_file: Path) -> tuple[str, list[str]]:
    """QGIS's Python running the installer's command line."""
    python = deps.find_qgis_python()
    return str(python), [
        "-m",
        "gair_qgis.deps",
        "install",
        "--target",
        str(root),
        "--progress",
        "--cancel-file",
        str(cancel_file),
    ]


class DependencyStatus(QObject):
    """What this QGIS session knows about GAIR's Python dependencies, in one object: whether
    onnxruntime imports (`problem`, None when it does), where it comes from (`description`),
    what the plugin's installer put into the profile (`record`), and whether onnx (needed only
    for an int8 copy) is there. Every panel that shows any of it listens to `changed`, and the
    installer, repair and remove call `refresh`, so no panel keeps an old answer."""

    changed = pyqtSignal()

    def __init__(self, root: Path, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.root = Path(root)
        self.problem: Optional[str] = None
        self.description = ""
        self.record: Optional[dict] = None
        self.has_onnx = False
        self._measure()

    def _measure(self) -> None:
        self.problem = deps.onnxruntime_problem()
        self.description = where_onnxruntime_is(self.root)
        self.record = deps.read_marker(deps.python_folder(self.root))
        self.has_onnx = module_available("onnx")

    def refresh(self) -> None:
        """Look again (after an install, repair or remove) and tell every listener."""
        self._measure()
        self.changed.emit()


_STATUSES: dict[str, DependencyStatus] = {}


def dependency_status(root: Optional[Path] = None) -> DependencyStatus:
    """The one status object of a dependency folder (the profile's unless `root` is given)."""
    key = str(Path(root) if root else deps_root())
    if key not in _STATUSES:
        _STATUSES[key] = DependencyStatus(Path(key))
    return _STATUSES[key]


def module_available(name: str) -> bool:
    """Whether `name` can be imported in this Python (without importing it)."""
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # ValueError: sys.modules[name] is None (a blocked import)
        return False


class DependenciesDialog(QDialog):
    """What will be installed, Install, progress, the log, Cancel."""

    installed = pyqtSignal(bool, str)  # (ok, message) when an install run ends

    def __init__(
        self, root: Optional[Path] = None, parent: Optional[QWidget] = None, command: CommandFactory = installer_command
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("GAIR: install the Python dependencies"))
        self.root = Path(root) if root else deps_root()
        self.command = command
        self.process: Optional[QProcess] = None
        self.cancel_file: Optional[Path] = None
        self.last_error = ""
        self.close_when_done = False
        self.plan_label = QLabel()
        self.plan_label.setWordWrap(True)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMinimumSize(560, 220)
        self.progress = QProgressBar()
        self.status = wrapping_label()
        self.regions_box = QCheckBox(
            self.tr("Also install the region extras (Dask, Zarr) for the embedding-field algorithms")
        )
        self.regions_box.setToolTip(
            self.tr(
                "dask[distributed], zarr 2 and numcodecs, which gair:fieldbuild, "
                "fieldsearch and fieldheatmap need; about 85 MB more"
            )
        )
        self.install_button = QPushButton(self.tr("Install"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.close_button = QPushButton(self.tr("Close"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.install_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.plan_label)
        layout.addWidget(self.regions_box)
        layout.addWidget(self.progress)
        layout.addWidget(self.log)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.install_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        self.regions_box.setChecked(bool((deps.read_marker(deps.python_folder(self.root)) or {}).get("regions")))
        self.regions_box.toggled.connect(lambda _checked: self._show_plan())
        self._show_plan()
        self._set_running(False)

    def _show_plan(self) -> None:
        folder = deps.python_folder(self.root)
        try:
            lines = deps.make_plan(self.root, regions=self.regions_box.isChecked()).describe()
        except deps.DepsError as error:
            self.plan_label.setText(self.tr("Cannot install: {}").format(error))
            self.install_button.setEnabled(False)
            return
        repair = deps.read_marker(folder) is not None
        self.install_button.setText(self.tr("Repair") if repair else self.tr("Install"))
        text = self.tr("GAIR runs its models on onnxruntime. With QGIS's own Python, pip will:") + "\n  • "
        text += "\n  • ".join(lines)
        text += "\n" + self.tr(
            "into {} (a folder of your QGIS profile; no admin rights needed, kept across "
            "plugin updates). Needs internet access to pypi.org."
        ).format(folder)
        self.plan_label.setText(text)

    def _set_running(self, running: bool) -> None:
        self.install_button.setEnabled(not running and not self.plan_label.text().startswith(self.tr("Cannot")))
        self.regions_box.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.close_button.setEnabled(not running)

    def is_running(self) -> bool:
        return self.process is not None

    def start(self) -> bool:
        """Start the installer process; False (and why, in the status line) where it cannot."""
        if self.process is not None:
            return False
        self.cancel_file = Path(tempfile.mkdtemp(prefix="gair-deps-")) / "cancel"
        try:
            program, arguments = self.command(self.root, self.cancel_file)
            arguments = [*arguments, "--regions" if self.regions_box.isChecked() else "--no-regions"]
        except deps.DepsError as error:
            self.status.setText(str(error))
            return False
        process = QProcess(self)
        process.setProgram(program)
        process.setArguments(arguments)
        process.setWorkingDirectory(str(PLUGINS_DIR))
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        environment = QProcessEnvironment.systemEnvironment()
        proxy = qgis_proxy()
        if proxy:  # by environment, not by argument: a password must not show in process lists
            for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
                environment.insert(name, proxy)
        process.setProcessEnvironment(environment)
        process.readyReadStandardOutput.connect(self._read_output)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error)
        self.process = process
        self.last_error = ""
        self.log.clear()
        self.progress.setValue(0)
        self.status.setText(self.tr("Installing…"))
        self._set_running(True)
        process.start()
        return True

    def cancel(self) -> None:
        """Ask the installer to stop (it stops pip and leaves everything as it was)."""
        if self.process is None or self.cancel_file is None:
            return
        self.cancel_file.touch()
        self.status.setText(self.tr("Cancelling…"))
        process = self.process
        QTimer.singleShot(KILL_AFTER_MS, lambda: process.kill() if self.process is process else None)

    def _read_output(self) -> None:
        if self.process is None:
            return
        text = bytes(self.process.readAllStandardOutput()).decode("utf-8", errors="replace")
        for line in text.splitlines():
            self._line(line)

    def _line(self, line: str) -> None:
        if line.startswith(deps.PROGRESS_PREFIX):
            percent, _, what = line[len(deps.PROGRESS_PREFIX) :].partition(" ")
            if percent.isdigit():
                self.progress.setValue(int(percent))
                self.status.setText(what)
            return
        if line.strip():
            self.log.appendPlainText(line)
            if line.startswith("gair_qgis.deps"):
                self.last_error = line.split(": ", 1)[-1]

    def _error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart and self.process is not None:
            self._done(False, self.tr("Could not start QGIS's Python: {}").format(self.process.errorString()))

    def _finished(self, code: int, _status=None) -> None:
        self._read_output()
        if code == 0:
            _, message = deps.load_after_install(self.root)  # the message says whether QGIS needs a restart
            installed = deps.read_marker(deps.python_folder(self.root)) is not None
            self.progress.setValue(100 if installed else 0)
            self._done(installed, message)
        elif code == deps.EXIT_CANCELLED or (self.cancel_file is not None and self.cancel_file.exists()):
            self.progress.setValue(0)
            self._done(False, self.tr("Cancelled; nothing was changed."))
        else:
            self._done(False, self.tr("Failed: {}").format(self.last_error or self.tr("see the log")))

    def _done(self, ok: bool, message: str) -> None:
        if self.process is None:
            return
        self.process = None
        if self.cancel_file is not None:
            self.cancel_file.unlink(missing_ok=True)
            try:
                self.cancel_file.parent.rmdir()
            except OSError:
                pass
        self.log.appendPlainText(message)
        self.status.setText(message)
        self._set_running(False)
        self._show_plan()
        dependency_status(self.root).refresh()  # before `installed`: its listeners see the new state
        self.installed.emit(ok, message)
        if self.close_when_done:
            self.close_when_done = False
            self.close()

    def shutdown(self) -> None:
        """Stop a running installer now (plugin unload)."""
        process = self.process
        if process is not None:
            self.process = None
            process.kill()
            process.waitForFinished(5000)

    def closeEvent(self, event) -> None:
        if self.process is not None:
            self.cancel()
            self.close_when_done = True
            event.ignore()  # closes once the installer has stopped and cleaned up
            return
        super().closeEvent(event)


def where_onnxruntime_is(root: Path) -> str:
    """'onnxruntime X (from ...)' or why it is not usable."""
    problem = deps.onnxruntime_problem()
    if problem:
        return problem
    module = sys.modules["onnxruntime"]
    path = os.path.realpath(getattr(module, "__file__", "") or "")
    folder = os.path.realpath(deps.python_folder(root))
    origin = (
        translate("DependencyPanel", "the plugin's folder")
        if path.startswith(folder + os.sep)
        else translate("DependencyPanel", "QGIS's Python ({})").format(Path(path).parent.parent)
    )
    return translate("DependencyPanel", "onnxruntime {} from {}").format(module.__version__, origin)


class DependencyPanel(QGroupBox):
    """The models dock's dependency status with Install/Repair and Remove; it shows the shared
    `DependencyStatus` and follows its `changed`."""

    changed = pyqtSignal()

    def __init__(self, root: Optional[Path] = None, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Dependencies"))
        self.root = Path(root) if root else deps_root()
        self.status = dependency_status(self.root)
        self.dialog: Optional[DependenciesDialog] = None
        self.note = ""  # what the last remove did, shown under the status until the next change
        self.summary = wrapping_label()
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.install_button = QPushButton(self.tr("Install…"))
        self.remove_button = QPushButton(self.tr("Remove"))
        self.install_button.setToolTip(self.tr("Install onnxruntime with QGIS's Python into your QGIS profile"))
        self.remove_button.setToolTip(self.tr("Delete what the installer put into your QGIS profile"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(button_grid([self.install_button, self.remove_button]))
        self.install_button.clicked.connect(self.open_installer)
        self.remove_button.clicked.connect(lambda: self.remove())
        self.status.changed.connect(self._show)
        self._show()

    def refresh(self) -> None:
        """Look at the dependencies again (every panel follows)."""
        self.status.refresh()

    def _show(self) -> None:
        folder = deps.python_folder(self.root)
        record = self.status.record
        text = self.status.description
        if record:
            packages = ", ".join(f"{name} {version}" for name, version in record.get("packages", {}).items())
            text += "\n" + self.tr("Installed by the plugin in {}: {}").format(folder, packages)
        elif self.status.problem:
            text += "\n" + self.tr("Install it with the button below (the plugin's dependency installer).")
        if self.note:
            text += "\n" + self.note
        self.summary.setText(text)
        self.install_button.setText(self.tr("Repair…") if record else self.tr("Install…"))
        self.remove_button.setEnabled(record is not None)
        self.note = ""
        self.changed.emit()

    def open_installer(self) -> DependenciesDialog:
        if self.dialog is None:
            self.dialog = DependenciesDialog(self.root, self.window())
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def remove(self, confirm: bool = True) -> str:
        """Delete the installed folder (after asking); returns what happened."""
        folder = deps.python_folder(self.root)
        if (
            confirm
            and QMessageBox.question(
                self,
                self.tr("Remove GAIR's dependencies"),
                self.tr("Delete {}? GAIR needs onnxruntime; you can install it again later.").format(folder),
            )
            != QMessageBox.StandardButton.Yes
        ):
            return ""
        module = sys.modules.get("onnxruntime")
        loaded_here = module is not None and deps.loaded_from(module, folder)
        try:
            deps.remove(self.root, log=lambda _line: None)
            message = self.tr("Removed {}.").format(folder)
            if loaded_here:
                message += " " + self.tr("onnxruntime stays loaded until QGIS restarts.")
        except (deps.DepsError, OSError) as error:
            message = self.tr("Not removed: {}").format(error)
        self.note = message
        self.status.refresh()
        return message

    def shutdown(self) -> None:
        self.status.changed.disconnect(self._show)
        if self.dialog is not None:
            self.dialog.shutdown()
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None


class DependencyOffer:
    """The message bar's offer of the installer: at plugin start when onnxruntime is missing or
    does not import, and again when a run fails because of it (`offer_after_failure`)."""

    def __init__(self, iface: QgisInterface, root: Optional[Path] = None) -> None:
        self.iface = iface
        self.root = Path(root) if root else deps_root()
        self.status = dependency_status(self.root)
        self.item: Optional[QgsMessageBarItem] = None  # the bar's offer while it is shown
        self.dialog: Optional[DependenciesDialog] = None
        self.status.changed.connect(self._status_changed)

    def offer_if_needed(self) -> bool:
        """Show the offer when onnxruntime is not usable; True when it is shown."""
        problem = deps.onnxruntime_problem()
        if problem is None:
            return False
        self.show_offer(
            QCoreApplication.translate("DependencyOffer", "{}: the GAIR algorithms need it.").format(problem)
        )
        return True

    def offer_after_failure(self) -> bool:
        """After a failed run: look again, and offer the installer when onnxruntime is the cause."""
        self.status.refresh()
        return self.offer_if_needed()

    def show_offer(self, text: str) -> None:
        """A message-bar warning with an Install… button (one at a time)."""
        self._pop()
        bar = self.iface.messageBar()
        item = bar.createMessage("GAIR", text)
        button = QPushButton(QCoreApplication.translate("DependencyOffer", "Install…"))
        button.clicked.connect(self.open_installer)
        item.layout().addWidget(button)
        bar.pushWidget(item, Qgis.MessageLevel.Warning)
        self.item = item

    def open_installer(self) -> DependenciesDialog:
        if self.dialog is None:
            self.dialog = DependenciesDialog(self.root, self.iface.mainWindow())
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def _status_changed(self) -> None:
        if self.status.problem is None:
            self._pop()

    def _pop(self) -> None:
        if self.item is not None:
            try:
                self.iface.messageBar().popWidget(self.item)
            except RuntimeError:
                pass  # already closed by the user
            self.item = None

    def unload(self) -> None:
        self.status.changed.disconnect(self._status_changed)
        self._pop()
        if self.dialog is not None:
            self.dialog.shutdown()
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
