"""Nothing in a GAIR dock is cut off: in a 1280x800 QGIS main window with the docks at their
default width, no widget reaches past the dock's viewport, no text runs past its widget, and
the dock never scrolls sideways (real headless QGIS, the plugin's own docks)."""

from __future__ import annotations

import re

import pytest
from qgis.gui import QgsExtentWidget, QgsFileWidget, QgsProjectionSelectionWidget
from qgis.PyQt.QtCore import QPoint, Qt
from qgis.PyQt.QtWidgets import QAbstractButton, QLabel, QLineEdit, QScrollArea, QWidget

from gair_qgis.gui.controller import DOCK_WIDTH
from gair_qgis.gui.heatmap_dock import HeatmapDock
from gair_qgis.gui.location_dock import LocationDock
from gair_qgis.gui.models_dock import ModelManagerDock
from gair_qgis.gui.predictions_dock import PredictionsDock
from gair_qgis.gui.widgets import ZERO_WIDTH_SPACE, ElidedLabel

from gui_support import wait_until

SCREEN = (1280, 800)
TEXT_PADDING = 6  # px a button's frame takes at least


@pytest.fixture
def main_window(qgis_iface):
    """pytest-qgis's main window at 1280x800 with a stand-in for the map in the middle."""
    window = qgis_iface.mainWindow()
    placeholder = window.centralWidget() is None
    if placeholder:
        window.setCentralWidget(QLabel("map"))
    window.resize(*SCREEN)
    window.show()
    yield window
    window.hide()
    if placeholder:
        window.takeCentralWidget().deleteLater()


def show_docks(main_window, gui) -> None:
    gui.arrange_docks()
    wait_until(lambda: all(dock.width() > 0 for dock in gui.docks), 10, "the docks to be laid out")


def viewport_of(dock) -> tuple[QScrollArea, QWidget]:
    scroll = dock.findChild(QScrollArea)
    return scroll, scroll.viewport()


def words(text: str) -> list[str]:
    """The runs a word-wrapping label cannot break."""
    return [w for w in re.split(rf"[\s{ZERO_WIDTH_SPACE}]+", text) if w]


# QGIS's own composite widgets: QGIS sizes their parts (QgsExtentWidget's "…" button is 36 px on
# QGIS 3.40, where the heuristic below asks 39 px for the glyph), so their buttons are not judged here
QGIS_COMPOSITES = (QgsExtentWidget, QgsFileWidget, QgsProjectionSelectionWidget)


def inside_qgis_composite(widget: QWidget, top: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if isinstance(parent, QGIS_COMPOSITES):
            return True
        parent = parent.parentWidget()
    return False


def clipped(dock) -> list[str]:
    """What is cut off in `dock` (one line each)."""
    scroll, viewport = viewport_of(dock)
    width = viewport.width()
    problems = []
    if scroll.horizontalScrollBar().maximum() > 0:
        problems.append(f"scrolls sideways by {scroll.horizontalScrollBar().maximum()} px")
    for widget in scroll.widget().findChildren(QWidget):
        if not widget.isVisibleTo(scroll.widget()) or widget.width() <= 0:
            continue
        name = f"{type(widget).__name__} {getattr(widget, 'text', lambda: '')()[:40]!r}"
        right = widget.mapTo(viewport, QPoint(widget.width(), 0)).x()
        if right > width:
            problems.append(f"{name} ends at {right} px, past the viewport's {width} px")
        metrics = widget.fontMetrics()
        if isinstance(widget, QLabel) and not isinstance(widget, ElidedLabel) and widget.text():
            shown = QLabel.text(widget)  # as drawn (with the break opportunities WrappingLabel adds)
            runs = words(shown) if widget.wordWrap() else [shown]
            wide = [r for r in runs if metrics.horizontalAdvance(r) > widget.contentsRect().width()]
            if wide:
                problems.append(f"{name}: {wide[0][:40]!r} is wider than the label ({widget.width()} px)")
        if isinstance(widget, QAbstractButton) and widget.text() and not inside_qgis_composite(widget, scroll.widget()):
            needed = metrics.horizontalAdvance(widget.text().replace("&", "")) + TEXT_PADDING
            needed += widget.iconSize().width() if not widget.icon().isNull() else 0
            if needed > widget.width():
                problems.append(f"{name}: its text needs {needed} px, the button has {widget.width()}")
        if isinstance(widget, QLineEdit) and widget.width() < 3 * metrics.averageCharWidth():
            problems.append(f"{name}: {widget.width()} px wide, too narrow to type in")
    return problems


@pytest.mark.parametrize("dock_class", [HeatmapDock, ModelManagerDock, LocationDock, PredictionsDock])
def test_nothing_is_cut_off_at_1280x800_with_the_default_dock_width(gui, main_window, dock_class):
    show_docks(main_window, gui)
    dock = gui.dock(dock_class)
    dock.raise_()
    wait_until(lambda: dock.isVisible() and viewport_of(dock)[1].width() > 0, 10, "the dock to show")
    assert abs(dock.width() - DOCK_WIDTH) < 40, dock.width()
    assert clipped(dock) == []


def test_focusing_a_field_of_the_models_dock_does_not_scroll_sideways(gui, main_window):
    show_docks(main_window, gui)
    dock = gui.dock(ModelManagerDock)
    dock.raise_()
    scroll, _ = viewport_of(dock)
    for field in (dock.downloader.url, dock.importer.checkpoint.lineEdit()):
        field.setFocus(Qt.FocusReason.MouseFocusReason)
        scroll.ensureWidgetVisible(field)
        wait_until(lambda: True, 1)
        assert scroll.horizontalScrollBar().value() == 0


def test_a_long_model_folder_wraps_inside_the_dock(gui, main_window, tmp_path):
    show_docks(main_window, gui)
    dock = gui.dock(ModelManagerDock)
    dock.raise_()
    dock.packages.details.setText("/a/very/long/folder/name/without/any/spaces/" * 6)
    dock.packages.message.setText("No int8 copy: " + "x_" * 80)
    wait_until(lambda: True, 1)
    assert clipped(dock) == []


def test_choosing_a_photo_moves_nothing_below_it(gui, main_window, tmp_path):
    """The thumbnail has a fixed height: the rows under it stay under the pointer."""
    from PIL import Image

    from gair_qgis.gui.heatmap_dock import HeatmapDock

    show_docks(main_window, gui)
    dock = gui.dock(HeatmapDock)
    dock.raise_()
    wait_until(lambda: dock.isVisible(), 10, "the heatmap dock to show")
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (160, 120), (90, 120, 200)).save(photo)
    before = dock.location.mapTo(dock, QPoint(0, 0)).y()
    dock.photo.file.setFilePath(str(photo))
    wait_until(
        lambda: dock.photo.thumbnail.pixmap() is not None and not dock.photo.thumbnail.pixmap().isNull(),
        5,
        "the thumbnail",
    )
    wait_until(lambda: True, 0.2)  # the layout settles
    assert dock.location.mapTo(dock, QPoint(0, 0)).y() == before
