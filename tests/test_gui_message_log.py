"""The plugin's Python log reaches QGIS's Log Messages panel (tab GAIR) once the plugin is loaded."""

from __future__ import annotations

import logging

import pytest
from qgis.core import Qgis, QgsApplication

from gair_qgis import classFactory, message_log


@pytest.fixture
def received():
    """The (message, tab, level) triples QGIS's message log receives during the test."""
    messages: list[tuple[str, str, Qgis.MessageLevel]] = []

    def keep(message, tab, level):
        messages.append((message, tab, level))

    log = QgsApplication.messageLog()
    log.messageReceived.connect(keep)
    yield messages
    log.messageReceived.disconnect(keep)
    message_log.remove()


def test_a_runtime_warning_lands_in_the_gair_tab(received):
    message_log.install()
    logging.getLogger("gair_qgis.runtime.session").warning("CUDA provider failed; running on CPU")
    logging.getLogger("gair_qgis.gui").error("the task failed")
    logging.getLogger("gair_qgis").info("model loaded")
    logging.getLogger("someone_else").warning("not ours")
    assert received == [
        ("gair_qgis.runtime.session: CUDA provider failed; running on CPU", "GAIR", Qgis.MessageLevel.Warning),
        ("gair_qgis.gui: the task failed", "GAIR", Qgis.MessageLevel.Critical),
        ("gair_qgis: model loaded", "GAIR", Qgis.MessageLevel.Info),
    ]


def test_an_exception_is_logged_with_its_traceback(received):
    message_log.install()
    try:
        raise ValueError("broken package")
    except ValueError:
        logging.getLogger("gair_qgis.processing").exception("gair:svheatmap failed")
    [(message, tab, level)] = received
    assert message.startswith("gair_qgis.processing: gair:svheatmap failed\nTraceback")
    assert "ValueError: broken package" in message and tab == "GAIR" and level == Qgis.MessageLevel.Critical


def test_installing_twice_logs_once(received):
    assert message_log.install() is message_log.install()
    logging.getLogger("gair_qgis").warning("once")
    assert [message for message, _, _ in received] == ["gair_qgis: once"]


def test_the_plugin_installs_the_handler_at_load_and_removes_it_at_unload(
    qgis_iface, qgis_new_project, gair_settings, received
):
    def handlers():
        return [h for h in logging.getLogger("gair_qgis").handlers if isinstance(h, message_log.MessageLogHandler)]

    message_log.remove()
    plugin = classFactory(qgis_iface)
    assert len(handlers()) == 1
    plugin.initGui()
    logging.getLogger("gair_qgis.cache").warning("cache folder is read-only")
    assert ("gair_qgis.cache: cache folder is read-only", "GAIR", Qgis.MessageLevel.Warning) in received
    plugin.unload()
    assert handlers() == []
