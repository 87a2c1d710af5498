"""Helpers of the GUI tests (tests/test_gui_*.py): waiting for QGIS tasks, isolating the
plugin's settings, registering the GAIR Processing provider, clicking on the canvas."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsProject, QgsRasterLayer, QgsSettings
from qgis.gui import QgsMapCanvas, QgsMapMouseEvent, QgsMapTool
from qgis.PyQt.QtCore import QEvent, QPoint, Qt

TASK_TIMEOUT_S = 120


def wait_until(predicate: Callable[[], object], timeout: float = TASK_TIMEOUT_S, what: str = "condition") -> None:
    """Process Qt events until `predicate()` holds (is truthy); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        QgsApplication.processEvents()
        time.sleep(0.01)
    QgsApplication.processEvents()


def wait_for_tasks(timeout: float = TASK_TIMEOUT_S) -> None:
    """Wait until the task manager has no active task (their finished() has run)."""
    manager = QgsApplication.taskManager()
    wait_until(lambda: manager.countActiveTasks() == 0, timeout, "the QGIS background tasks")


def click(canvas: QgsMapCanvas, tool: QgsMapTool, pixel: QPoint) -> None:
    """A left click (press and release) of `tool` at a canvas pixel."""
    for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
        event = QgsMapMouseEvent(
            canvas, kind, pixel, Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        )
        (tool.canvasPressEvent if kind == QEvent.Type.MouseButtonPress else tool.canvasReleaseEvent)(event)


@pytest.fixture
def gair_settings(tmp_path: Path):
    """The plugin's QgsSettings (gair/...) empty at the start of the test (what an earlier run or
    test left in the shared test profile must not decide it) and restored after; outputs go to
    tmp_path."""
    settings = QgsSettings()
    settings.beginGroup("gair")
    saved = {key: settings.value(key) for key in settings.allKeys()}
    settings.endGroup()
    settings.remove("gair")
    settings.setValue("gair/output_folder", str(tmp_path / "outputs"))
    yield settings
    settings.remove("gair")
    for key, value in saved.items():
        settings.setValue(f"gair/{key}", value)


def photo_with_gps(path: Path, lon: float, lat: float) -> Path:
    """A JPEG whose EXIF GPS tags say (lon, lat)."""
    from PIL import Image

    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)

    exif = Image.Exif()
    exif[0x8825] = {1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)}
    rng = np.random.default_rng(2)
    Image.fromarray(rng.integers(0, 255, size=(120, 160, 3), dtype=np.uint8)).save(path, exif=exif)
    return path


def show_raster(iface, path) -> QgsRasterLayer:
    """Add a raster to the project and show it on the canvas in EPSG:4326."""
    layer = QgsRasterLayer(str(path), "tile")
    assert layer.isValid(), path
    QgsProject.instance().addMapLayer(layer)
    canvas = iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    canvas.setExtent(layer.extent())
    canvas.refresh()
    return layer


@pytest.fixture
def plugin(qgis_iface, qgis_new_project, gair_settings):
    """The GAIR plugin as QGIS starts it (provider and docks), unloaded after the test."""
    from gair_qgis import classFactory

    plugin = classFactory(qgis_iface)
    plugin.initGui()
    qgis_iface.messageBar().clear_messages()
    yield plugin
    wait_for_tasks()
    plugin.unload()


@pytest.fixture
def gui(qgis_iface, qgis_new_project, gair_settings):
    """The plugin's GUI on pytest-qgis's interface; removed again after the test."""
    from gair_qgis.gui import GairGui

    gui = GairGui(qgis_iface)
    gui.init_gui()
    yield gui
    gui.unload()


def bar_texts(bar) -> list[str]:
    """The message bar's items as "title: text" (pytest-qgis records only pushMessage calls)."""
    return [f"{item.title()}: {item.text()}" for item in bar.items()]
