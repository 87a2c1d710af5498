"""The plugin's GUI: the docks, a GAIR toolbar and menu to show them, and their removal.

`GairGui(iface).init_gui()` builds everything; `unload()` cancels running tasks, takes
the map tool and marker off the canvas, and removes and deletes every dock and action,
so nothing of the plugin is left in the main window.

The docks form one tab group on the right, the heatmap dock in front; QGIS restores its
saved window layout after loading plugins, so the group is made again once QGIS is up,
at every start (docks the user made float stay floating). Sentinel-2 rasters added to
the project with QGIS's default band choice are shown in true colour, and every raster
layer's context menu offers "GAIR: Sentinel-2 true colour".

A GAIR result that QGIS makes the active layer when it is added (by a dock or the toolbox)
hands the active layer back to a source raster, so the next Processing dialog's raster input
defaults to a scene, not to a heatmap.
"""

from __future__ import annotations

from typing import Optional

from qgis.core import Qgis, QgsProject, QgsRasterLayer
from qgis.gui import QgisInterface, QgsDockWidget
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtWidgets import QToolBar

from .. import compat, settings, styling

try:
    from qgis.PyQt.QtGui import QAction  # Qt6
except ImportError:
    from qgis.PyQt.QtWidgets import QAction  # Qt5
from ..plugin_files import icon
from ..translation import QT_TRANSLATE_NOOP, translate, translate_for
from .heatmap_dock import HeatmapDock
from .location_dock import LocationDock
from .model_catalog import ModelCatalog
from .models_dock import ModelManagerDock
from .predictions_dock import PredictionsDock

MENU = "&GAIR"
ACTIVE_LAYER_SETTLED_MS = 200  # after layers are added, QGIS has made one of them the active layer by then
DOCK_WIDTH = 400  # px, on first use
DOCK_CLASSES = (HeatmapDock, LocationDock, PredictionsDock, ModelManagerDock)
DOCK_ICONS = {
    HeatmapDock: "heatmap",
    LocationDock: "location",
    PredictionsDock: "predictions",
    ModelManagerDock: "models",
}
# Short dock titles: the four tabs of the group stay readable in a 400 px dock (the menu and
# toolbar keep "GAIR heatmap", ...).
TAB_TITLES = {
    HeatmapDock: QT_TRANSLATE_NOOP("GairGui", "Heatmap"),
    LocationDock: QT_TRANSLATE_NOOP("GairGui", "Location"),
    PredictionsDock: QT_TRANSLATE_NOOP("GairGui", "Predictions"),
    ModelManagerDock: QT_TRANSLATE_NOOP("GairGui", "Models"),
}


class GairGui:
    """Owns the docks and their actions for one plugin session."""

    def __init__(self, iface: QgisInterface) -> None:
        self.iface = iface
        self.catalog: Optional[ModelCatalog] = None
        self.docks: list[QgsDockWidget] = []
        self.actions: list = []  # the docks' toggle-view QActions (QtGui in Qt6, QtWidgets in Qt5)
        self.toolbar: Optional[QToolBar] = None
        self.true_colour_action: Optional[QAction] = None

    def init_gui(self) -> None:
        self.catalog = ModelCatalog()
        self.toolbar = self.iface.addToolBar("GAIR")
        self.toolbar.setObjectName("GairToolbar")
        for dock_class in DOCK_CLASSES:
            dock = dock_class(self.iface, self.catalog)
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            dock.setWindowTitle(translate("GairGui", TAB_TITLES[dock_class]))
            action = dock.toggleViewAction()
            action.setIcon(icon(DOCK_ICONS[dock_class]))
            title = translate_for(dock_class, dock_class.title)
            action.setText(title)
            action.setToolTip(title)
            self.toolbar.addAction(action)
            self.iface.addPluginToMenu(MENU, action)
            self.docks.append(dock)
            self.actions.append(action)
        self.true_colour_action = QAction(
            icon("gair"), translate("GairGui", "GAIR: Sentinel-2 true colour"), self.iface.mainWindow()
        )
        self.true_colour_action.triggered.connect(self.true_colour_of_current_layer)
        self.iface.addCustomActionForLayerType(self.true_colour_action, "", compat.LAYER_TYPE_RASTER, True)
        QgsProject.instance().layersAdded.connect(self.recognise_sentinel2)
        QgsProject.instance().layersAdded.connect(self.keep_a_source_active_later)
        if self.iface.mainWindow().isVisible():
            self.arrange_docks()
        else:
            self.iface.initializationCompleted.connect(self.arrange_docks)

    def arrange_docks(self) -> None:
        """One tab group for all docked GAIR docks (right side), the heatmap dock in front on first use."""
        window = self.iface.mainWindow()
        docks = [d for d in self.docks if not d.isFloating()]
        if not docks:
            return
        first_use = not settings.docks_arranged()
        for dock in docks:
            if window.dockWidgetArea(dock) != Qt.DockWidgetArea.RightDockWidgetArea and first_use:
                window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        anchor = docks[0]
        grouped = set(window.tabifiedDockWidgets(anchor))
        for dock in docks[1:]:
            if dock not in grouped:
                window.tabifyDockWidget(anchor, dock)
        if first_use:
            window.resizeDocks([anchor], [DOCK_WIDTH], Qt.Orientation.Horizontal)
            anchor.show()
            anchor.raise_()
            settings.set_docks_arranged()

    def recognise_sentinel2(self, layers: list) -> None:
        """Show Sentinel-2 rasters that still have QGIS's default bands (1, 2, 3) in true colour."""
        for layer in layers:
            if isinstance(layer, QgsRasterLayer) and styling.shows_default_style(layer):
                styling.style_true_colour(layer)

    def keep_a_source_active_later(self, layers: list) -> None:
        """After GAIR results are added (and QGIS has made one the active layer): `keep_a_source_active`."""
        if any(is_gair_result(layer) for layer in layers):
            QTimer.singleShot(ACTIVE_LAYER_SETTLED_MS, self.keep_a_source_active)

    def keep_a_source_active(self) -> Optional[QgsRasterLayer]:
        """When the active layer is a GAIR result raster, make the topmost other raster of the
        layer tree active (the scene it was made from, typically); returns the one it chose."""
        if not is_gair_result(self.iface.activeLayer()):
            return None
        root = QgsProject.instance().layerTreeRoot()
        source = next(
            (layer for layer in root.layerOrder() if isinstance(layer, QgsRasterLayer) and not is_gair_result(layer)),
            None,
        )
        if source is not None:
            self.iface.setActiveLayer(source)
        return source

    def true_colour_of_current_layer(self) -> None:
        layer = self.iface.activeLayer()
        if not isinstance(layer, QgsRasterLayer) or not styling.style_true_colour(layer):
            self.iface.messageBar().pushMessage(
                "GAIR",
                translate(
                    "GairGui",
                    "This layer is not a Sentinel-2 stack GAIR recognises (bands B2, B3, "
                    "B4 ... by name, or 10 or 12 bands in Sentinel-2 order).",
                ),
                Qgis.MessageLevel.Info,
                8,
            )

    def dock(self, dock_class: type) -> Optional[QgsDockWidget]:
        """The plugin's dock of that class."""
        return next((d for d in self.docks if isinstance(d, dock_class)), None)

    def unload(self) -> None:
        try:
            self.iface.initializationCompleted.disconnect(self.arrange_docks)
        except (TypeError, RuntimeError):
            pass  # not connected
        QgsProject.instance().layersAdded.disconnect(self.recognise_sentinel2)
        QgsProject.instance().layersAdded.disconnect(self.keep_a_source_active_later)
        if self.true_colour_action is not None:
            self.iface.removeCustomActionForLayerType(self.true_colour_action)
            self.true_colour_action = None
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


def is_gair_result(layer) -> bool:
    """A raster GAIR wrote (its file carries GAIR_* tags: heatmaps, location and prediction rasters)."""
    return isinstance(layer, QgsRasterLayer) and bool(styling.raster_tags(layer))
