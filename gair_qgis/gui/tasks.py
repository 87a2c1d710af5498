"""Background work of the model manager that is not a Processing algorithm: downloading
and importing the released checkpoint, importing a local one, and probing the execution
provider. Each is a QgsTask whose `run()`
touches no widget; `done(ok, message)` is emitted from `finished()`, on the main thread."""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Optional

from qgis.core import QgsTask
from qgis.PyQt.QtCore import pyqtSignal

from ..runtime import download
from ..runtime.errors import CheckpointError, PackageError, UnsafeCheckpointError
from ..runtime.import_checkpoint import import_released
from ..runtime.session import GAIRRuntime
from ..translation import translate

IMPORT_STEPS = 3  # progress messages import_released reports before it returns
IMPORT_ERRORS = (CheckpointError, UnsafeCheckpointError, PackageError, OSError, ValueError, KeyError)


class ImportCheckpointTask(QgsTask):
    """The released `checkpoint.pth` -> a model package folder, without torch."""

    done = pyqtSignal(bool, str)

    def __init__(self, checkpoint: Path, out: Path, overwrite: bool = False) -> None:
        super().__init__(
            translate("ImportCheckpointTask", "GAIR: import {}").format(checkpoint.name), QgsTask.Flag.CanCancel
        )
        self.checkpoint = Path(checkpoint)
        self.out = Path(out)
        self.overwrite = overwrite
        self.message = ""
        self._steps = 0

    def _step(self, message: str) -> None:
        """import_released's progress callback; stops the import once cancelled (the
        package is written atomically, so nothing half-written is left)."""
        if self.isCanceled():
            raise InterruptedError("cancelled")
        self._steps += 1
        self.message = message
        self.setProgress(100.0 * self._steps / (IMPORT_STEPS + 1))

    def run(self) -> bool:  # worker thread: no widgets here
        try:
            import_released(
                self.checkpoint, self.out, overwrite=self.overwrite, name=self.out.name, progress=self._step
            )
        except InterruptedError:
            self.message = translate("ImportCheckpointTask", "cancelled")
            return False
        except IMPORT_ERRORS as error:
            self.message = str(error)
            return False
        self.message = translate("ImportCheckpointTask", "package written to {}").format(self.out)
        return True

    def finished(self, ok: bool) -> None:  # main thread
        if not ok and self.isCanceled():
            self.message = translate("ImportCheckpointTask", "cancelled; nothing was written")
        self.done.emit(ok, self.message)


class DownloadTask(QgsTask):
    """Download a checkpoint through QGIS's network stack and import it (runtime.download):
    partial file, resume, retries, free-space check, and with `sha256` the file's expected hash
    (a file with another one is removed and nothing is installed); `status(str)` reports MB, MB/s
    and the time left a few times a second, `done(ok, message)` comes on the main thread."""

    done = pyqtSignal(bool, str)
    status = pyqtSignal(str)
    REPORT_EVERY_S = 0.25

    def __init__(
        self, url: str, out: Path, overwrite: bool = False, authcfg: str = "", sha256: Optional[str] = None
    ) -> None:
        super().__init__(
            translate("DownloadTask", "GAIR: download {}").format(download.file_name(url)), QgsTask.Flag.CanCancel
        )
        self.url, self.out, self.overwrite, self.authcfg = url, Path(out), overwrite, authcfg
        self.sha256 = sha256
        self.message = ""
        self.notes: list[str] = []
        self._last_report = 0.0

    def _progress(self, report: download.Progress) -> None:
        if report.total:
            self.setProgress(95.0 * report.done / report.total)  # the import is the last 5 %
        now = time.monotonic()
        if now - self._last_report >= self.REPORT_EVERY_S:
            self._last_report = now
            self.status.emit(report.describe())

    def _say(self, message: str) -> None:
        self.notes.append(message)
        self.status.emit(message)

    def _sleep(self, seconds: float) -> None:
        """The wait between attempts, cut short by a cancel."""
        end = time.monotonic() + seconds
        while time.monotonic() < end and not self.isCanceled():
            time.sleep(0.1)

    def run(self) -> bool:  # worker thread: no widgets here
        from .network import qgis_transport

        transport = functools.partial(qgis_transport, cancelled=self.isCanceled, authcfg=self.authcfg)
        settings = download.Fetch(
            transport=transport, progress=self._progress, cancelled=self.isCanceled, say=self._say, sleep=self._sleep
        )
        try:
            package = download.download_package(
                self.url, self.out, settings, overwrite=self.overwrite, sha256=self.sha256
            )
        except download.DownloadError as error:
            self.message = str(error)
            return False
        self.setProgress(100.0)
        self.message = translate("DownloadTask", "{} downloaded and imported to {}").format(package.name, self.out)
        return True

    def finished(self, ok: bool) -> None:  # main thread
        if not ok and self.isCanceled():
            self.message = translate("DownloadTask", "cancelled; nothing was installed (download again to resume)")
        self.done.emit(ok, self.message)


class ProbeProviderTask(QgsTask):
    """Open the package's RS graph on onnxruntime and report the execution provider used."""

    done = pyqtSignal(bool, str)

    def __init__(self, package_folder: str, force_cpu: bool) -> None:
        super().__init__(translate("ProbeProviderTask", "GAIR: check the execution provider"), QgsTask.Flag.CanCancel)
        self.package_folder = package_folder
        self.force_cpu = force_cpu
        self.message = ""

    def run(self) -> bool:
        try:
            runtime = GAIRRuntime(self.package_folder or None, force_cpu=self.force_cpu)
            self.message = runtime.provider
            runtime.close()
        except Exception as error:  # onnxruntime's own errors: show any in the UI
            self.message = f"{type(error).__name__}: {error}"
            return False
        return True

    def finished(self, ok: bool) -> None:
        self.done.emit(ok, self.message)
