"""What every part of the installer shares: its errors, exit codes, callback types and the texts
other parts of the plugin show."""

from __future__ import annotations

from typing import Callable

LogFn = Callable[[str], None]
ProgressFn = Callable[[int, str], None]
CancelFn = Callable[[], bool]

PROGRESS_PREFIX = "[gair-deps] progress "  # machine-readable CLI lines read by the GUI dialog
INSTALLER_HINT = (
    "the plugin's dependency installer (GAIR models dock > Dependencies > Install, or headless: "
    "`python3 -m gair_qgis.deps install` run with QGIS's Python from the QGIS plugins folder)"
)
EXIT_FAILED, EXIT_BAD_INPUT, EXIT_CANCELLED = 1, 2, 3


class DepsError(Exception):
    """A problem the user can act on; the message is one line that says what to do."""


class Cancelled(DepsError):
    """The user cancelled."""
