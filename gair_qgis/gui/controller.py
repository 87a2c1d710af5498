"""The plugin's GUI: the docks, a GAIR toolbar and menu to show them, and their removal.

`GairGui(iface).init_gui()` builds everything; `unload()` cancels running tasks, takes
the map tool and marker off the canvas, and removes and deletes every dock and action,
so nothing of the plugin is left in the main window.
"""
from __future__ import annotations

from typing import Optional

from qgis.gui import QgisInterface, QgsDockWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QToolBar

from . import settings
from .heatmap_dock import HeatmapDock
from .location_dock import LocationDock
from .model_manager import ModelManagerDock
from .models import ModelCatalog
from .predictions_dock import PredictionsDock
from .resources import icon

MENU = "&GAIR"
DOCK_WIDTH = 400  # px, on first use
DOCK_CLASSES = (HeatmapDock, LocationDock, PredictionsDock, ModelManagerDock)
DOCK_ICONS = {HeatmapDock: "heatmap", LocationDock: "location", PredictionsDock: "predictions",
              ModelManagerDock: "models"}


class GairGui:
    """Owns the docks and their actions for one plugin session."""

    def __init__(self, iface: QgisInterface) -> None:
        self.iface = iface
        self.catalog: Optional[ModelCatalog] = None
        self.docks: list[QgsDockWidget] = []
        self.actions: list = []  # the docks' toggle-view QActions (QtGui in Qt6, QtWidgets in Qt5)
        self.toolbar: Optional[QToolBar] = None

    def init_gui(self) -> None:
        self.catalog = ModelCatalog()
        self.toolbar = self.iface.addToolBar("GAIR")
        self.toolbar.setObjectName("GairToolbar")
        for dock_class in DOCK_CLASSES:
            dock = dock_class(self.iface, self.catalog)
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            action = dock.toggleViewAction()
            action.setIcon(icon(DOCK_ICONS[dock_class]))
            action.setText(dock.windowTitle())
            self.toolbar.addAction(action)
            self.iface.addPluginToMenu(MENU, action)
            self.docks.append(dock)
            self.actions.append(action)
        if not settings.docks_arranged():
            # At start-up QGIS restores its window layout after loading plugins, which would
            # undo the tabs: arrange them once QGIS is up, on first use only (afterwards QGIS
            # restores the user's own arrangement of the docks).
            if self.iface.mainWindow().isVisible():
                self.arrange_docks()
            else:
                self.iface.initializationCompleted.connect(self.arrange_docks)

    def arrange_docks(self) -> None:
        """One tab group on the right for all GAIR docks, the heatmap dock in front."""
        window = self.iface.mainWindow()
        docks = [d for d in self.docks if window.dockWidgetArea(d) != Qt.DockWidgetArea.NoDockWidgetArea]
        for dock in docks[1:]:
            window.tabifyDockWidget(docks[0], dock)
        if docks:
            window.resizeDocks(docks, [DOCK_WIDTH] * len(docks), Qt.Orientation.Horizontal)
            docks[0].raise_()
            settings.set_docks_arranged()

    def dock(self, dock_class: type) -> Optional[QgsDockWidget]:
        """The plugin's dock of that class."""
        return next((d for d in self.docks if isinstance(d, dock_class)), None)

    def unload(self) -> None:
        try:
            self.iface.initializationCompleted.disconnect(self.arrange_docks)
        except (TypeError, RuntimeError):
            pass  # not connected
        for action in self.actions:
            self.iface.removePluginMenu(MENU, action)
        for dock in self.docks:
            dock.cleanup()
            self.iface.removeDockWidget(dock)
            dock.setParent(None)
            dock.deleteLater()
        if self.toolbar is not None:
            self.toolbar.setParent(None)
            self.toolbar.deleteLater()
        self.docks, self.actions, self.toolbar, self.catalog = [], [], None, None
