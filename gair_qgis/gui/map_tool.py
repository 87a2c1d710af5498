"""Pick a point on the map canvas and keep it marked.

`PointPickerTool` is a map tool that emits the clicked point with the canvas CRS;
`PointMarker` draws a cross at a referenced point and follows changes of the canvas
CRS, so the marker stays on the photo's location whatever the project CRS becomes;
`PointPickerRow` puts both behind a label and a "Pick on map" button for the docks: the
tool is armed only by that button, and released by Esc, by another map tool, or when the
row is hidden (its dock's tab left for another, the dock closed).
"""

from __future__ import annotations

from typing import Optional

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCsException,
    QgsPointXY,
    QgsProject,
    QgsReferencedPointXY,
)
from qgis.gui import (
    QgsMapCanvas,
    QgsMapMouseEvent,
    QgsMapTool,
    QgsMapToolEmitPoint,
    QgsVertexMarker,
)
from qgis.PyQt import sip
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor, QKeyEvent
from qgis.PyQt.QtWidgets import QDockWidget, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from ..plugin_files import icon

WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")
MARKER_COLOUR = "#005aff"  # blue: stands out on the similarity ramp's reds


def transform_point(
    point: QgsPointXY, source: QgsCoordinateReferenceSystem, target: QgsCoordinateReferenceSystem
) -> QgsPointXY:
    """`point` from `source` to `target` with the project's transform context.
    Raises QgsCsException where the point has no image in `target`."""
    if source == target:
        return QgsPointXY(point)
    transform = QgsCoordinateTransform(source, target, QgsProject.instance().transformContext())
    return transform.transform(point)


def as_lonlat(point: QgsReferencedPointXY) -> Optional[QgsPointXY]:
    """The point in WGS 84 degrees, or None when it cannot be transformed."""
    try:
        return transform_point(QgsPointXY(point), point.crs(), WGS84)
    except QgsCsException:
        return None


class PointPickerTool(QgsMapToolEmitPoint):
    """Left click -> `picked(QgsReferencedPointXY)` in the canvas CRS; Esc -> `escaped`."""

    picked = pyqtSignal(QgsReferencedPointXY)
    escaped = pyqtSignal()

    def __init__(self, canvas: QgsMapCanvas) -> None:
        super().__init__(canvas)
        self.setCursor(QgsApplication.getThemeCursor(QgsApplication.Cursor.CapturePoint))

    def canvasReleaseEvent(self, event: QgsMapMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        crs = self.canvas().mapSettings().destinationCrs()
        self.picked.emit(QgsReferencedPointXY(event.mapPoint(), crs))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            event.accept()
            self.escaped.emit()
            return
        event.ignore()


class PointMarker:
    """A cross on the canvas at a referenced point (shown in whatever the canvas CRS is)."""

    def __init__(self, canvas: QgsMapCanvas, color: Optional[QColor] = None) -> None:
        color = color or QColor(MARKER_COLOUR)
        self.canvas = canvas
        self.point: Optional[QgsReferencedPointXY] = None
        self.marker = QgsVertexMarker(canvas)
        self.marker.setIconType(QgsVertexMarker.IconType.ICON_CROSS)
        self.marker.setIconSize(22)
        self.marker.setPenWidth(3)
        self.marker.setColor(color)
        self.marker.hide()
        canvas.destinationCrsChanged.connect(self._place)

    def show(self, point: Optional[QgsReferencedPointXY]) -> None:
        """Mark `point` (None hides the marker)."""
        self.point = point
        self._place()

    def _place(self) -> None:
        if self.point is None:
            self.marker.hide()
            return
        try:
            center = transform_point(
                QgsPointXY(self.point), self.point.crs(), self.canvas.mapSettings().destinationCrs()
            )
        except QgsCsException:
            self.marker.hide()
            return
        self.marker.setCenter(center)
        self.marker.show()

    def remove(self) -> None:
        """Take the marker off the canvas (dock closed, plugin unloaded)."""
        try:
            self.canvas.destinationCrsChanged.disconnect(self._place)
        except TypeError:
            pass
        self.canvas.scene().removeItem(self.marker)
        self.point = None


ARMED_STYLE = "QToolButton:checked { background-color: #ffd54f; border: 2px solid #d9482b; font-weight: bold; }"


class PointPickerRow(QWidget):
    """ "Taken at: <lat, lon> [Pick on map]": a point picked on the canvas or set by code,
    marked on the map. Emits `point_changed(source)` where source is "click" or "code".

    Only the button arms the pick tool (a click meant to pan or focus the map never moves the
    point by surprise). While armed, the button is checked, highlighted and says so, and the
    canvas shows QGIS's point-capture cursor; Esc, another map tool or hiding the row (another
    dock's tab, the dock closed) gives the canvas back its previous map tool."""

    point_changed = pyqtSignal(str)

    def __init__(self, canvas: QgsMapCanvas, empty_text: str, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.point: Optional[QgsReferencedPointXY] = None
        self.empty_text = empty_text
        self.label = QLabel(empty_text)
        self.label.setWordWrap(True)
        self.button = QToolButton()
        self.button.setIcon(icon("pick_point"))
        self.button.setText(self.tr("Pick on map"))
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setCheckable(True)
        self.button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.button.setStyleSheet(ARMED_STYLE)
        self.button.setToolTip(self.tr("Click on the map to set the point"))
        layout = QVBoxLayout(self)  # the button under the place: both stay readable in a narrow dock
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.button)
        self.tool = PointPickerTool(canvas)
        self.tool.picked.connect(lambda point: self.set_point(point, self.tr("(clicked)"), "click"))
        self.tool.deactivated.connect(self._replaced)
        self.tool.escaped.connect(self.release)
        self.previous_tool: Optional[QgsMapTool] = None
        self._being_replaced = False
        self._followed_dock: Optional[QDockWidget] = None
        self.marker = PointMarker(canvas)
        self.button.toggled.connect(self.activate)
        self.button.toggled.connect(self._show_armed)

    def _show_armed(self, armed: bool) -> None:
        self.button.setText(self.tr("Picking: click the map") if armed else self.tr("Pick on map"))

    @property
    def armed(self) -> bool:
        """Whether a click on the map canvas sets this row's point."""
        return self.canvas.mapTool() is self.tool

    def arm(self) -> None:
        """Make the pick tool the canvas's map tool (the button shows it)."""
        self.button.setChecked(True)
        self.activate(True)

    def _replaced(self) -> None:
        """The canvas is switching to another map tool (the user's choice): show it, keep it."""
        self._being_replaced, self.previous_tool = True, None
        try:
            self.button.setChecked(False)
        finally:
            self._being_replaced = False

    def release(self) -> None:
        """Give the canvas back its previous map tool (the button shows it)."""
        self.button.setChecked(False)
        self.activate(False)

    def activate(self, active: bool) -> None:
        """Make the picker the canvas's map tool, or give the canvas back the tool it had before."""
        current = self.canvas.mapTool()
        if active and current is not self.tool:
            self.previous_tool = current
            self.canvas.setMapTool(self.tool)
        elif not active and current is self.tool and not self._being_replaced:
            previous, self.previous_tool = self.previous_tool, None
            if previous is not None and not sip.isdeleted(previous):
                self.canvas.setMapTool(previous)
            else:
                self.canvas.unsetMapTool(self.tool)

    def showEvent(self, event) -> None:
        """Follow the dock the row is in: a tab of docks moves the others off screen (no hide event)."""
        super().showEvent(event)
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QDockWidget):
            parent = parent.parentWidget()
        if parent is not None and parent is not self._followed_dock:
            parent.visibilityChanged.connect(self._dock_visibility_changed)
            self._followed_dock = parent

    def _dock_visibility_changed(self, visible: bool) -> None:
        if not visible:
            self.release()

    def hideEvent(self, event) -> None:
        """Hidden (its dock closed): stop picking."""
        super().hideEvent(event)
        self.release()

    def set_point(self, point: Optional[QgsReferencedPointXY], note: str = "", source: str = "code") -> None:
        """Use `point` (None clears it), mark it, and say where it came from."""
        self.point = point
        self.marker.show(point)
        self.label.setText(self.empty_text if point is None else f"{describe_point(point)} {note}".strip())
        self.label.setToolTip(self.label.text())
        self.point_changed.emit(source)

    def remove(self) -> None:
        """Give the canvas back and take the marker off (dock removed)."""
        self.activate(False)
        self.marker.remove()


def describe_point(point: QgsReferencedPointXY) -> str:
    """ "lat°, lon°" when the point has a WGS 84 image, else its coordinates and CRS."""
    lonlat = as_lonlat(point)
    if lonlat is None:
        return f"{point.x():.2f}, {point.y():.2f} ({point.crs().authid() or point.crs().description()})"
    return f"{lonlat.y():.6f}°, {lonlat.x():.6f}°"
