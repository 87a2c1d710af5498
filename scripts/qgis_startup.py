"""Run inside the QGIS desktop by scripts/run_qgis.sh (`qgis --code`): zoom to the demo
tile and show the GAIR heatmap dock filled from the demo project (RS layer, photo, where
it was taken), its pick tool armed: one click on the map gives the heatmap.

With GAIR_SCREENSHOT=<folder> it also walks through every dock and result as a user would
(clicks on the map are real X clicks through xdotool), saves a screenshot of the whole
screen after each step into that folder (01_heatmap_dock.png, ...), and quits QGIS (exit
status 0 when every step worked). QGIS executes this file as a script: no __file__ here.
"""
import os
import shutil
import subprocess
import sys
import time

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsMessageLog,
    QgsPointXY,
    QgsProject,
    QgsReferencedPointXY,
)
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QDockWidget
from qgis.utils import iface, plugins

GAIR_SCOPE = "gair"
GAIR_STEP_TIMEOUT_MS = 180_000
GAIR_SETTLE_MS = 1500  # after a result: let the canvas and the layer tree draw it
GAIR_WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")
GAIR_STARTED = time.monotonic()


def gair_log(message):
    QgsMessageLog.logMessage(message, "GAIR")
    line = f"[{time.monotonic() - GAIR_STARTED:6.1f} s] {message}"
    print(f"qgis_startup: {line}", file=sys.stderr, flush=True)
    folder = os.environ.get("GAIR_SCREENSHOT")
    if folder and os.path.isdir(folder):
        with open(os.path.join(folder, "tour.log"), "a", encoding="utf-8") as log:
            log.write(line + "\n")


def gair_quit(code):
    QApplication.instance().exit(code)


def gair_gui():
    plugin = plugins.get("gair_qgis")
    if plugin is None or plugin.gui is None:
        raise RuntimeError("the GAIR plugin is not loaded")
    return plugin.gui


def gair_demo_inputs():
    """(RS layer, photo, lon/lat point) from the project's gair/* entries."""
    project = QgsProject.instance()
    layer = project.mapLayer(project.readEntry(GAIR_SCOPE, "rs_layer")[0])
    photo = project.readEntry(GAIR_SCOPE, "photo")[0]
    lon, lat = (project.readEntry(GAIR_SCOPE, key)[0] for key in ("lon", "lat"))
    point = QgsReferencedPointXY(QgsPointXY(float(lon), float(lat)), GAIR_WGS84) if lon and lat else None
    return layer, photo, point


def gair_zoom_to(layer):
    canvas = iface.mapCanvas()
    transform = QgsCoordinateTransform(layer.crs(), canvas.mapSettings().destinationCrs(), QgsProject.instance())
    extent = transform.transformBoundingBox(layer.extent())
    extent.scale(1.1)
    canvas.setExtent(extent)
    canvas.refresh()


def gair_heatmap_dock():
    """The plugin's heatmap dock, filled from the demo project; the pick tool armed."""
    from gair_qgis.gui.heatmap_dock import HeatmapDock

    dock = gair_gui().dock(HeatmapDock)
    layer, photo, point = gair_demo_inputs()
    if layer is not None:
        dock.layer_combo.setLayer(layer)
        gair_zoom_to(layer)
    if photo:
        dock.photo.file.setFilePath(photo)
    if point is not None:
        dock.location.set_point(point, "(demo)")
    dock.show()
    dock.raise_()
    dock.location.arm()
    dock.run_panel.show_message("Demo ready: click on the map where the photo was taken (the blue cross), "
                                "or press Run.")
    return dock


# --- the screenshot walk-through -------------------------------------------------------------


class GairTour:
    """Steps run one after another; each ends by saving a screenshot."""

    def __init__(self, folder):
        self.folder = folder
        self.steps = []
        self.failed = []
        os.makedirs(folder, exist_ok=True)
        self.timer = QTimer()
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(lambda: self.fail("timed out"))

    def add(self, name, action):
        """`action(done)` starts the step and calls done() (or done(error)) when it is over."""
        self.steps.append((name, action))

    def start(self):
        QTimer.singleShot(GAIR_SETTLE_MS * 2, self.next)

    def next(self):
        if not self.steps:
            gair_log(f"tour finished; failed steps: {self.failed or 'none'}")
            sys.stderr.flush()
            os._exit(1 if self.failed else 0)  # QGIS 3.22 may abort while tearing down under Xvfb
            return
        name, action = self.steps.pop(0)
        gair_log(f"step {name}")
        self.current = name
        self.timer.start(GAIR_STEP_TIMEOUT_MS)
        try:
            action(lambda error=None: self.done(name, error))
        except Exception as error:  # noqa: BLE001 (report any failure of a step and go on)
            self.done(name, f"{type(error).__name__}: {error}")

    def done(self, name, error=None):
        if self.current != name:
            return
        self.current = None
        self.timer.stop()
        if error:
            gair_log(f"step {name} FAILED: {error}")
            self.failed.append(name)
        QTimer.singleShot(GAIR_SETTLE_MS, lambda: (self.grab(name), self.next()))

    def fail(self, error):
        if self.current:
            self.done(self.current, error)

    def grab(self, name):
        path = os.path.join(self.folder, f"{name}.png")
        screen = QApplication.primaryScreen()
        saved = screen.grabWindow(0).save(path)
        gair_log(f"screenshot {'saved to' if saved else 'NOT saved to'} {path}")


def gair_click_map(point):
    """A real left click (xdotool) on the canvas at a map point (in the canvas CRS)."""
    canvas = iface.mapCanvas()
    pixel = canvas.getCoordinateTransform().transform(point)
    screen = canvas.mapToGlobal(canvas.rect().topLeft())
    x, y = screen.x() + round(pixel.x()), screen.y() + round(pixel.y())
    subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], check=True)


def gair_after_run(dock, done, expect_ok=True):
    """Call done() once the dock's next run has finished (and its layers are drawn)."""

    def finished(ok, message):
        dock.run_panel.finished.disconnect(finished)
        gair_log(f"{dock.title} run: {message}")
        done(None if ok == expect_ok else message)

    dock.run_panel.finished.connect(finished)


def gair_tour(folder):
    from gair_qgis.gui.heatmap_dock import HeatmapDock
    from gair_qgis.gui.location_dock import LocationDock
    from gair_qgis.gui.model_manager import ModelManagerDock
    from gair_qgis.gui.predictions_dock import PredictionsDock

    gui = gair_gui()
    window = iface.mainWindow()
    window.setGeometry(QApplication.primaryScreen().availableGeometry())
    browser = window.findChild(QDockWidget, "Browser")
    if browser is not None:
        browser.hide()
    heatmap = gui.dock(HeatmapDock)
    layer, photo, point = gair_demo_inputs()
    canvas = iface.mapCanvas()
    to_canvas = QgsCoordinateTransform(GAIR_WGS84, canvas.mapSettings().destinationCrs(), QgsProject.instance())
    tour = GairTour(folder)

    def show_dock(dock_class):
        dock = gui.dock(dock_class)
        dock.show()
        dock.raise_()
        return dock

    def first_view(done):
        gair_zoom_to(layer)
        done(None if heatmap.location.armed else "the pick tool is not armed")

    def click_photo_point(done):
        gair_after_run(heatmap, done)
        gair_click_map(to_canvas.transform(QgsPointXY(point)))

    def click_same_tile(done):
        gair_after_run(heatmap, done)
        centre = canvas.extent().center()
        target = QgsPointXY(centre.x() + canvas.extent().width() * 0.2, centre.y() - canvas.extent().height() * 0.15)
        gair_click_map(target)

    def failed_run(done):
        gair_after_run(heatmap, done, expect_ok=False)
        heatmap.location.set_point(QgsReferencedPointXY(QgsPointXY(2.35, 48.85), GAIR_WGS84))  # Paris: off the tile
        heatmap.run_panel.start()

    def location_pca(done):
        dock = show_dock(LocationDock)
        dock.use_map_view()
        dock.mode.setCurrentIndex(0)
        gair_after_run(dock, done)
        dock.run_panel.start()

    def location_similarity(done):
        dock = show_dock(LocationDock)
        dock.mode.setCurrentIndex(dock.mode.count() - 1)  # similarity to a photo
        dock.reference_photo.setFilePath(photo)
        gair_after_run(dock, done)
        dock.run_panel.start()

    def predictions(done):
        dock = show_dock(PredictionsDock)
        dock.layer_combo.setLayer(layer)
        dock.head.setCurrentIndex(0)  # all heads when there are several
        gair_after_run(dock, done)
        dock.run_panel.start()

    def models(done):
        show_dock(ModelManagerDock)
        done()

    def toolbox_heatmap(done):
        import processing

        for layer_id in list(QgsProject.instance().mapLayers()):
            if QgsProject.instance().mapLayer(layer_id).name().startswith("GAIR predictions"):
                QgsProject.instance().layerTreeRoot().findLayer(layer_id).setItemVisibilityChecked(False)
        show_dock(HeatmapDock)
        results = processing.runAndLoadResults("gair:svheatmap", {
            "INPUT": layer.id(), "SV_IMAGE": photo, "SV_POINT": point, "OUTPUT": "TEMPORARY_OUTPUT"})
        loaded = QgsProject.instance().layerTreeRoot().layerOrder()[0]
        gair_log(f"toolbox heatmap loaded as '{loaded.name()}' ({loaded.renderer().type()})")
        done(None if results.get("OUTPUT") and loaded.renderer().type() == "singlebandpseudocolor"
             else "the toolbox heatmap is not styled")

    dialogs = []

    def toolbox_dialog(done):
        import processing

        for dialog in dialogs:
            dialog.close()
        dialog = processing.createAlgorithmDialog("gair:svheatmap")
        dialogs.append(dialog)  # kept open until QGIS quits: the screenshot shows it
        dialog.show()
        done()

    for name, step in (("01_heatmap_dock", first_view), ("02_heatmap_after_click", click_photo_point),
                       ("03_heatmap_click_same_tile", click_same_tile), ("04_failed_run_message_bar", failed_run),
                       ("05_location_pca", location_pca), ("06_location_similarity_to_photo", location_similarity),
                       ("07_predictions_all_heads", predictions), ("08_models_dock", models),
                       ("09_toolbox_heatmap_styled", toolbox_heatmap), ("10_toolbox_dialog", toolbox_dialog)):
        tour.add(name, step)
    tour.start()
    return tour


def gair_startup():
    screenshots = os.environ.get("GAIR_SCREENSHOT")
    try:
        gair_heatmap_dock()
    except Exception as error:  # noqa: BLE001 (report anything, then quit in screenshot mode)
        gair_log(f"cannot set up the heatmap dock: {error}")
        if screenshots:
            gair_quit(1)
        return
    if screenshots:
        if shutil.which("xdotool") is None:
            gair_log("xdotool is not installed (apt install xdotool)")
            gair_quit(1)
            return
        global GAIR_TOUR  # kept alive while QGIS runs
        GAIR_TOUR = gair_tour(screenshots)


gair_startup()
