"""The plugin's Python log (the `gair_qgis` logger and its children, the runtime's included) in
QGIS's Log Messages panel, tab "GAIR", where QGIS users look; installed when the plugin loads.

Command lines log to stderr instead (gair_qgis.runtime.cli).
"""

from __future__ import annotations

import logging

from qgis.core import Qgis, QgsMessageLog

LOGGER_NAME = "gair_qgis"
TAB = "GAIR"


def qgis_level(levelno: int) -> Qgis.MessageLevel:
    """QGIS's message level for a logging level: ERROR and above Critical, WARNING Warning, else Info."""
    if levelno >= logging.ERROR:
        return Qgis.MessageLevel.Critical
    if levelno >= logging.WARNING:
        return Qgis.MessageLevel.Warning
    return Qgis.MessageLevel.Info


class MessageLogHandler(logging.Handler):
    """Writes each record to QGIS's message log, tab "GAIR" (a traceback, if any, below the message)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            QgsMessageLog.logMessage(self.format(record), TAB, qgis_level(record.levelno), notifyUser=False)
        except Exception:  # logging must never raise into the caller
            self.handleError(record)


def install(level: int = logging.INFO) -> MessageLogHandler:
    """Route the `gair_qgis` logger to the message log (once: a second call returns the same handler)."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in logger.handlers:
        if isinstance(handler, MessageLogHandler):
            return handler
    handler = MessageLogHandler()
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    return handler


def remove() -> None:
    """Undo `install` (plugin unload)."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in [h for h in logger.handlers if isinstance(h, MessageLogHandler)]:
        logger.removeHandler(handler)
