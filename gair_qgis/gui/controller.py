"""The plugin's GUI: the docks, a GAIR toolbar and menu to show them, and their removal.

`GairGui(iface).init_gui()` builds everything; `unload()` cancels running tasks, takes
the map tool and marker off the canvas, and removes and deletes every dock and action,
so nothing of the plugin is left in the main window.
"""
from __future__ import annotations

from typing import Optional

from qgis.gui import QgisInterface, QgsDockWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QAction, QToolBar

from .heatmap_dock import HeatmapDock
from .location_dock import LocationDock
from .model_manager import ModelManagerDock
from .models import ModelCatalog
from .predictions_dock import PredictionsDock
from .resources import icon

MENU = "&GAIR"
DOCK_CLASSES = (HeatmapDock, LocationDock, PredictionsDock, ModelManagerDock)
DOCK_ICONS = {HeatmapDock: "heatmap", LocationDock: "location", PredictionsDock: "predictions",
              ModelManagerDock: "models"}


class GairGui:
    """Owns the docks and their actions for one plugin session."""

    def __init__(self, iface: QgisInterface) -> None:
        self.iface = iface
        self.catalog: Optional[ModelCatalog] = None
        self.docks: list[QgsDockWidget] = []
        self.actions: list[QAction] = []
        self.toolbar: Optional[QToolBar] = None

    def init_gui(self) -> None:
        self.catalog = ModelCatalog()
        self.toolbar = self.iface.addToolBar("GAIR")
        self.toolbar.setObjectName("GairToolbar")
        for dock_class in DOCK_CLASSES:
            dock = dock_class(self.iface, self.catalog)
            if self.docks:  # one tab group on the right, the heatmap dock in front
                self.iface.addTabifiedDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock,
                                                 [self.docks[0].objectName()], False)
            else:
                self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            action = dock.toggleViewAction()
            action.setIcon(icon(DOCK_ICONS[dock_class]))
            action.setText(dock.windowTitle())
            self.toolbar.addAction(action)
            self.iface.addPluginToMenu(MENU, action)
            self.docks.append(dock)
            self.actions.append(action)
        self.docks[0].raise_()

    def dock(self, dock_class: type) -> Optional[QgsDockWidget]:
        """The plugin's dock of that class."""
        return next((d for d in self.docks if isinstance(d, dock_class)), None)

    def unload(self) -> None:
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
