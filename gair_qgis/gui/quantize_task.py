"""The models dock's "Make an int8 copy": runtime.quantize.quantize_package in a QgsTask."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from qgis.core import QgsApplication, QgsTask
from qgis.PyQt.QtCore import pyqtSignal

from ..runtime.errors import PackageError
from ..translation import translate


def int8_folder(package_folder: str | Path) -> Path:
    """Where the int8 copy of a package goes: the QGIS profile's gair/models/<name>-int8 (or -int8-2, ...),
    never beside the package (the bundled one lives inside the plugin)."""
    models = Path(QgsApplication.qgisSettingsDirPath()) / "gair" / "models"
    name = Path(package_folder).name
    candidate, index = models / f"{name}-int8", 2
    while candidate.exists():
        candidate, index = models / f"{name}-int8-{index}", index + 1
    return candidate


class QuantizeTask(QgsTask):
    """A float package -> its int8 copy (written atomically; fidelity on seeded inputs)."""

    done = pyqtSignal(bool, str)

    def __init__(self, package: Path, out: Path) -> None:
        super().__init__(
            translate("QuantizeTask", "GAIR: int8 copy of {}").format(Path(package).name), QgsTask.Flag.CanCancel
        )
        self.package, self.out, self.message = Path(package), Path(out), ""

    def _say(self, message: str) -> None:
        if self.isCanceled():
            raise InterruptedError("cancelled")
        self.message = message
        self.setProgress(min(90.0, self.progress() + 30.0))

    def run(self) -> bool:  # worker thread: no widgets here
        from ..runtime.quantize import quantize_package

        try:
            quantize_package(self.package, self.out, say=self._say)
        except InterruptedError:
            self.message = translate("QuantizeTask", "cancelled; nothing was written")
            return False
        except (PackageError, ValueError, OSError, ImportError) as error:
            self.message = str(error)
            return False
        self.message = str(self.out)
        return True

    def finished(self, ok: bool) -> None:  # main thread
        self.done.emit(ok, self.message)


def start_int8_copy(package_folder: str, on_done: Callable[[bool, str], None]) -> QuantizeTask:
    """Start the task for a package folder; `on_done(ok, folder or message)` runs on the main thread."""
    task = QuantizeTask(Path(package_folder), int8_folder(package_folder))
    task.done.connect(on_done)
    QgsApplication.taskManager().addTask(task)
    return task
