"""Run a `gair:` Processing algorithm in the background, as the toolbox does.

`AlgorithmRun` owns one QgsProcessingAlgRunnerTask with its context and feedback;
`RunPanel` is the Run / Cancel / progress row every dock shows. Progress reaches the
widgets through the task manager's signals (emitted on the main thread), and results
are handed to the dock in the task's `executed` signal, also on the main thread: no
widget is touched from the worker.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Optional

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsMessageLog,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
)
from qgis.PyQt.QtCore import QObject, Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..runtime.errors import InputError, PackageError
from ..translation import translate
from .messages import user_message

PROVIDER_ID = "gair"
_IN_FLIGHT: set = set()  # AlgorithmRun objects whose task has not finished


class RecordingFeedback(QgsProcessingFeedback):
    """Feedback that keeps the algorithm's messages and its error object (written from the
    worker thread, read on the main thread after the task has finished): the dock recognises
    an error by its type (gui.messages), since only its text crosses QGIS's task."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[str] = []
        self.messages: list[str] = []
        self.error: Optional[BaseException] = None
        self.input_warnings: list[str] = []

    def record_error(self, error: BaseException) -> None:
        """The error the algorithm failed with (processing.errors.record_error)."""
        self.error = error

    def record_warning(self, warning: Warning) -> None:
        """A warning about the user's input, e.g. a photo enlarged more than 4x
        (processing.errors.record_warning); the dock shows it after the run."""
        text = str(warning)
        if text not in self.input_warnings:
            self.input_warnings.append(text)

    def reportError(self, error: str, fatalError: bool = False) -> None:
        self.errors.append(error)

    def pushWarning(self, warning: str) -> None:
        self.messages.append(warning)

    def pushInfo(self, info: str) -> None:
        self.messages.append(info)


def provider_missing_message() -> Optional[str]:
    """Why the docks cannot run, or None when the `gair` Processing provider is there."""
    if QgsApplication.processingRegistry().providerById(PROVIDER_ID) is None:
        return translate("RunPanel", "The GAIR Processing provider is not loaded (is the GAIR plugin enabled?)")
    return None


class AlgorithmRun(QObject):
    """One background run of a Processing algorithm.

    `done(ok, results, message)` is emitted once, on the main thread; `message` is the
    algorithm's error text when it failed, "cancelled" when it was cancelled. A started
    run keeps itself alive (with the context and feedback the task uses from its worker
    thread) until the task has finished, even when the dock that started it is deleted.
    """

    progress = pyqtSignal(float)
    done = pyqtSignal(bool, dict, str)

    def __init__(self, algorithm_id: str, parameters: dict[str, Any]) -> None:
        super().__init__()
        self.algorithm_id = algorithm_id
        self.parameters = dict(parameters)
        self.context = QgsProcessingContext()
        self.context.setProject(QgsProject.instance())
        self.feedback = RecordingFeedback()
        self.task: Optional[QgsProcessingAlgRunnerTask] = None
        self._task_id = -1

    def start(self) -> None:
        """Queue the task; raises LookupError when the algorithm is not registered."""
        algorithm = QgsApplication.processingRegistry().algorithmById(self.algorithm_id)
        if algorithm is None:
            raise LookupError(
                provider_missing_message()
                or translate("RunPanel", "algorithm {} is not available").format(self.algorithm_id)
            )
        self.task = QgsProcessingAlgRunnerTask(algorithm, self.parameters, self.context, self.feedback)
        self.task.executed.connect(self._executed)
        manager = QgsApplication.taskManager()
        manager.progressChanged.connect(self._manager_progress)
        self._task_id = manager.addTask(self.task)
        _IN_FLIGHT.add(self)

    @property
    def running(self) -> bool:
        return self.task is not None

    def cancel(self) -> None:
        """Ask the algorithm to stop; `done` follows when it has."""
        if self.task is not None:
            self.feedback.cancel()
            self.task.cancel()

    def _manager_progress(self, task_id: int, value: float) -> None:
        if task_id == self._task_id:
            self.progress.emit(value)

    def _executed(self, ok: bool, results: dict) -> None:
        QgsApplication.taskManager().progressChanged.disconnect(self._manager_progress)
        self.task = None  # the task manager deletes it
        _IN_FLIGHT.discard(self)
        if ok:
            message = ""
        elif self.feedback.isCanceled():
            message = "cancelled"
        else:
            message = "\n".join(self.feedback.errors) or translate("RunPanel", "{} failed").format(self.algorithm_id)
        self.done.emit(ok, dict(results or {}), message)


class RunPanel(QWidget):
    """Run and Cancel buttons, a progress bar and a status line, driving AlgorithmRun.

    The owner gives `parameters` (called at Run; raising ValueError shows its message
    instead of running) and `on_result(results)` (returns an optional summary line);
    `finished(ok, message)` follows every run with the message as shown (an algorithm's
    error in the dock user's words, gui.messages); `refused(message)` every Run that
    could not start (also an output folder that cannot be made); `warned(message)` each
    warning about the input of a run that succeeded (a photo enlarged more than 4x), which
    the status line shows too.
    A failed or cancelled run resets the progress bar. `start_other` runs another algorithm
    of the owner (a dock's second button) through the same Cancel, progress and status;
    `running(bool)` follows every start and end of a run.
    """

    finished = pyqtSignal(bool, str)
    refused = pyqtSignal(str)  # Run could not start: the message says what to set
    warned = pyqtSignal(str)  # a successful run's warning about its input
    running = pyqtSignal(bool)  # a run started (True) or ended (False)

    def __init__(
        self,
        algorithm_id: str,
        parameters: Callable[[], dict],
        on_result: Callable[[dict], Optional[str]],
        parent: Optional[QWidget] = None,
    ) -> None:
        super().__init__(parent)
        self.algorithm_id = algorithm_id
        self._parameters = parameters
        self._on_result = on_result
        self.run: Optional[AlgorithmRun] = None
        self._started = 0.0
        self._run_result = on_result  # the running run's on_result
        self.run_button = QPushButton(self.tr("Run"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.progress_bar = QProgressBar()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout()
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self._set_running(False)

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status)

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if running:
            self.progress_bar.setValue(0)
        self.running.emit(running)

    @property
    def busy(self) -> bool:
        return self.run is not None

    def show_message(self, text: str) -> None:
        self.status.setText(text)

    def start(self) -> bool:
        """Start a run with the owner's parameters; False (with a message shown) if it cannot."""
        return self.start_other(self.algorithm_id, self._parameters, self._on_result)

    def start_other(
        self, algorithm_id: str, parameters: Callable[[], dict], on_result: Callable[[dict], Optional[str]]
    ) -> bool:
        """Start `algorithm_id` with `parameters()` (called now), handing its results to
        `on_result` as `start` does; False (with a message shown) if it cannot."""
        if self.busy:
            self.show_message(self.tr("A run is in progress; wait for it or cancel it."))
            return False
        try:
            run = AlgorithmRun(algorithm_id, parameters())
            run.progress.connect(self._progress)
            run.done.connect(self._done)
            run.start()
        except (InputError, PackageError, LookupError) as error:  # the user's to fix; any other error is a defect
            return self._refuse(str(error))
        except OSError as error:  # the output folder cannot be made (a file in its path, no permission)
            return self._refuse(self.tr("{}; choose an output folder you can write to").format(error))
        self.run, self._run_result = run, on_result
        self._started = time.monotonic()
        self._set_running(True)
        self.show_message(self.tr("Running…"))
        return True

    def _refuse(self, message: str) -> bool:
        """Show why Run could not start (one line) and say so with `refused`; False."""
        self.show_message(message)
        self.refused.emit(message)
        return False

    def cancel(self) -> None:
        if self.run is not None:
            self.show_message(self.tr("Cancelling…"))
            self.run.cancel()

    def _progress(self, value: float) -> None:
        self.progress_bar.setValue(int(value))

    def _done(self, ok: bool, results: dict, message: str) -> None:
        failure = self.run.feedback.error if self.run is not None else None
        algorithm_id = self.run.algorithm_id if self.run is not None else self.algorithm_id
        warnings = list(self.run.feedback.input_warnings) if self.run is not None else []
        warned: list[str] = []  # the input warnings of a run that succeeded, as shown
        self._release()
        self._set_running(False)
        if ok:
            self.progress_bar.setValue(100)
            try:
                summary = self._run_result(results)
                message = self.tr("Done in {:.1f} s.").format(time.monotonic() - self._started)
                message = f"{message} {summary}" if summary else message
                warned = [self.tr("Warning: {}.").format(text) for text in warnings]
                message = " ".join([message, *warned])
            except (ValueError, OSError) as error:  # e.g. an output that cannot be loaded
                ok, message, warned = False, str(error), []
        elif message == "cancelled":
            message = self.tr("Cancelled; nothing was added.")
        else:
            QgsMessageLog.logMessage(f"{algorithm_id}: {message}", "GAIR", Qgis.MessageLevel.Warning)
            message = user_message(failure or message)
        if not ok:
            self.progress_bar.setValue(0)
        self.show_message(message)
        self.finished.emit(ok, message)
        if ok:
            for text in warned:
                self.warned.emit(text)

    def _release(self) -> None:
        """Stop listening to the current run."""
        if self.run is not None:
            self.run.progress.disconnect(self._progress)
            self.run.done.disconnect(self._done)
            self.run = None

    def shutdown(self) -> None:
        """Cancel a running task and stop listening to it (plugin unload)."""
        if self.run is not None:
            self.run.cancel()
            self._release()
