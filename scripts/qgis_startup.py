"""Run inside the QGIS desktop by scripts/run_qgis.sh (`qgis --code`): show the GAIR heatmap
dock filled from the demo project (RS layer, photo, where it was taken).

With the environment variable GAIR_SCREENSHOT=<file.png> it also runs the heatmap, zooms to
the RS layer, saves a screenshot of the main window there and quits QGIS (exit status 0 on
success). QGIS executes this file as a script: there is no __file__ here.
"""
import os
import sys

from qgis.core import QgsCoordinateReferenceSystem, QgsMessageLog, QgsPointXY, QgsProject, QgsReferencedPointXY
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QDockWidget
from qgis.utils import iface, plugins

GAIR_SCOPE = "gair"
SCREENSHOT_SIZE = (1600, 1000)
SCREENSHOT_TIMEOUT_MS = 240_000


def gair_log(message):
    QgsMessageLog.logMessage(message, "GAIR")
    print(f"qgis_startup: {message}", file=sys.stderr, flush=True)


def gair_quit(code):
    QApplication.instance().exit(code)


def gair_heatmap_dock():
    """The plugin's heatmap dock, filled from the project's gair/* entries."""
    from gair_qgis.gui.heatmap_dock import HeatmapDock

    plugin = plugins.get("gair_qgis")
    if plugin is None or plugin.gui is None:
        raise RuntimeError("the GAIR plugin is not loaded")
    dock = plugin.gui.dock(HeatmapDock)
    project = QgsProject.instance()
    layer = project.mapLayer(project.readEntry(GAIR_SCOPE, "rs_layer")[0])
    photo = project.readEntry(GAIR_SCOPE, "photo")[0]
    lon, lat = (project.readEntry(GAIR_SCOPE, key)[0] for key in ("lon", "lat"))
    if layer is not None:
        dock.layer_combo.setLayer(layer)
    if photo:
        dock.photo.file.setFilePath(photo)
    if lon and lat:
        point = QgsReferencedPointXY(QgsPointXY(float(lon), float(lat)), QgsCoordinateReferenceSystem("EPSG:4326"))
        dock.location.set_point(point, "(demo)")
    dock.show()
    dock.raise_()
    return dock


def gair_take_screenshot(dock, path):
    """Run the heatmap; once it is drawn, save the main window to `path` and quit."""
    window = iface.mainWindow()
    window.resize(*SCREENSHOT_SIZE)
    browser = window.findChild(QDockWidget, "Browser")
    if browser is not None:
        browser.hide()
    canvas = iface.mapCanvas()

    def grab():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        saved = window.grab().save(path)
        gair_log(f"screenshot {'saved to' if saved else 'NOT saved to'} {path}")
        gair_quit(0 if saved else 1)

    def drawn():
        if dock.result_layer_id not in [layer.id() for layer in canvas.layers()]:
            canvas.refresh()  # the layer tree has not handed the heatmap to the canvas yet
            return
        canvas.mapCanvasRefreshed.disconnect(drawn)
        QTimer.singleShot(1000, grab)

    def zoom():
        layer = dock.run_layer()
        extent = layer.extent() if layer is not None else canvas.fullExtent()
        extent.scale(1.05)
        canvas.mapCanvasRefreshed.connect(drawn)
        canvas.setExtent(extent)
        canvas.refresh()

    def finished(ok, message):
        gair_log(f"heatmap run: {message}")
        if not ok:
            gair_quit(1)
            return
        QTimer.singleShot(500, zoom)

    dock.run_panel.finished.connect(finished)
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, lambda: (gair_log("timed out"), gair_quit(2)))
    QTimer.singleShot(1500, lambda: dock.run_panel.start() or gair_quit(1))


def gair_startup():
    try:
        dock = gair_heatmap_dock()
    except Exception as error:  # noqa: BLE001 (report anything, then quit in screenshot mode)
        gair_log(f"cannot set up the heatmap dock: {error}")
        if os.environ.get("GAIR_SCREENSHOT"):
            gair_quit(1)
        return
    if os.environ.get("GAIR_SCREENSHOT"):
        gair_take_screenshot(dock, os.environ["GAIR_SCREENSHOT"])


gair_startup()
