"""Run inside the QGIS desktop by scripts/run_qgis.sh (`qgis --code`): zoom to the demo
tile and show the GAIR heatmap dock filled from the demo project (RS layer, photo, where
it was taken): Pick on map, then one click on the map gives the heatmap.

With GAIR_SCREENSHOT=<folder> it instead walks through every dock and result as a user
would: first every dock as it opens (nothing filled in), then the demo inputs, a click on
the photo's place and a second click inside the same tile (clicks on the map are real X
clicks through xdotool); it saves a screenshot of the whole screen after each step into that
folder (00_first_heatmap.png, ...) and quits QGIS (exit status 0 when every step worked).
QGIS executes this file as a script: no __file__ here.
"""

import os
import re
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
from qgis.PyQt.QtCore import QPoint, QPointF, QTimer
from qgis.PyQt.QtWidgets import QApplication, QDockWidget, QScrollArea, QWidget
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
    dock.run_panel.show_message(
        "Demo ready: press Pick on map, then click on the map where the photo was taken (the blue cross), or press Run."
    )
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
        except Exception as error:  # report any failure of a step and go on
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


GAIR_CLICKED: list[float] = []  # time.monotonic() of the latest click on the map


def gair_device_pixels(widget, point):
    """`point` (global, in Qt's device-independent pixels) as the X screen's pixels, which xdotool
    clicks: QGIS 3.40 scales its UI by the screen's DPI (Xvfb's 100 dpi: 100/96), QGIS 3.22 does not.
    One screen at the origin, as under Xvfb."""
    ratio = widget.devicePixelRatioF()
    return round(point.x() * ratio), round(point.y() * ratio)


def gair_click_map(point):
    """A real left click (xdotool) on the canvas at a map point (in the canvas CRS)."""
    canvas = iface.mapCanvas()
    GAIR_CLICKED[:] = [time.monotonic()]
    pixel = canvas.getCoordinateTransform().transform(point)
    origin = canvas.mapToGlobal(canvas.rect().topLeft())
    x, y = gair_device_pixels(canvas, QPointF(origin.x() + pixel.x(), origin.y() + pixel.y()))
    subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], check=True)


def gair_click_widget(widget):
    """A real left click (xdotool) in the middle of a widget, scrolled into view first."""
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    if parent is not None:
        parent.ensureWidgetVisible(widget)
    QApplication.processEvents()
    x, y = gair_device_pixels(widget, widget.mapToGlobal(widget.rect().center()))
    subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], check=True)


def gair_arm_by_button(picker, done):
    """Press the picker's *Pick on map* button as a user does (a real click), then call
    done(None) once the pick tool is the canvas's map tool, done(error) if it is not."""
    if picker.armed:
        done(None)
        return
    gair_click_widget(picker.button)

    def check(tries=20):
        if picker.armed:
            done(None)
        elif tries:
            QTimer.singleShot(100, lambda: check(tries - 1))
        else:
            centre = picker.button.mapToGlobal(picker.button.rect().center())
            x, y = gair_device_pixels(picker.button, centre)
            done(
                f"the pick tool is not armed after a click on Pick on map (clicked at {x}, {y} device pixels; "
                f"button checked: {picker.button.isChecked()})"
            )

    check()


def gair_clipped(dock):
    """What of `dock` reaches past its scroll area's viewport or makes it scroll sideways, as
    one line (None when nothing does)."""
    scroll = dock.findChild(QScrollArea)
    if scroll is None:
        return None
    viewport, problems = scroll.viewport(), []
    if scroll.horizontalScrollBar().maximum() > 0:
        problems.append(f"scrolls sideways by {scroll.horizontalScrollBar().maximum()} px")
    for widget in scroll.widget().findChildren(QWidget):
        if widget.isVisibleTo(scroll.widget()) and widget.width() > 0:
            right = widget.mapTo(viewport, QPoint(widget.width(), 0)).x()
            if right > viewport.width():
                problems.append(f"{type(widget).__name__} ends at {right} px, past {viewport.width()} px")
    gair_log(f"{dock.windowTitle()}: {viewport.width()} px wide, {'; '.join(problems) or 'nothing clipped'}")
    return "; ".join(problems) or None


def gair_after_run(dock, done, expect_ok=True):
    """Call done() once the dock's next run has finished (and its layers are drawn)."""

    def finished(ok, message):
        dock.run_panel.finished.disconnect(finished)
        gair_log(f"{dock.title} run: {message}")
        if GAIR_CLICKED and ok:
            clicked = GAIR_CLICKED.pop()
            gair_log(f"click to styled result on the map: {time.monotonic() - clicked:.2f} s")
            canvas = iface.mapCanvas()

            def drawn():
                canvas.mapCanvasRefreshed.disconnect(drawn)
                gair_log(f"click to result drawn on the canvas: {time.monotonic() - clicked:.2f} s")

            canvas.mapCanvasRefreshed.connect(drawn)
        done(None if ok == expect_ok else message)

    dock.run_panel.finished.connect(finished)


def gair_tour(folder):
    from gair_qgis.gui.heatmap_dock import HeatmapDock
    from gair_qgis.gui.location_dock import LocationDock
    from gair_qgis.gui.models_dock import ModelManagerDock
    from gair_qgis.gui.predictions_dock import PredictionsDock

    gui = gair_gui()
    window = iface.mainWindow()
    window.setGeometry(QApplication.primaryScreen().availableGeometry())
    gair_log(f"device pixel ratio {window.devicePixelRatioF():.4g} (the clicks convert Qt's pixels to the screen's)")
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

    def first_state(dock_class):
        def step(done):
            gair_zoom_to(layer)
            dock = show_dock(dock_class)
            QTimer.singleShot(GAIR_SETTLE_MS, lambda: done(gair_clipped(dock)))

        return step

    def first_view(done):
        """The demo inputs filled in; Pick on map pressed (the dock shows the tool armed)."""
        dock = gair_heatmap_dock()
        if dock.location.armed:
            done("the pick tool was armed before Pick on map was pressed")
            return
        gair_arm_by_button(dock.location, done)

    def click_photo_point(done):
        def click(error=None):
            if error:
                done(error)
                return
            gair_after_run(heatmap, done)
            gair_click_map(to_canvas.transform(QgsPointXY(point)))

        gair_arm_by_button(heatmap.location, click)  # still armed after step 01: a click picks again

    def click_same_tile(done):
        """A second click inside the tile just shown (its central part, an eighth of a tile from the
        middle, away from the first click): it must reuse that tile's encodings (nothing encoded)."""
        bounds = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", heatmap.shown_tile)]
        if len(bounds) != 4:
            done(f"no tile bounds on the first heatmap ({heatmap.shown_tile!r})")
            return
        left, bottom, right, top = bounds
        to_map = QgsCoordinateTransform(layer.crs(), canvas.mapSettings().destinationCrs(), QgsProject.instance())
        first = QgsCoordinateTransform(GAIR_WGS84, layer.crs(), QgsProject.instance()).transform(QgsPointXY(point))
        centre_x, centre_y = (left + right) / 2, (bottom + top) / 2
        step_x, step_y = (right - left) / 8, (top - bottom) / 8
        target = QgsPointXY(
            centre_x + (step_x if first.x() <= centre_x else -step_x),
            centre_y + (step_y if first.y() <= centre_y else -step_y),
        )

        def check(error=None):
            encoded = heatmap.last_results.get("ENCODED_TILES")
            gair_log(
                f"same-tile click at {target.x():.6g}, {target.y():.6g} ({layer.crs().authid()}), "
                f"{abs(target.x() - first.x()):.3g} x {abs(target.y() - first.y()):.3g} map units from the "
                f"first: {encoded} tile(s) encoded; status: {heatmap.run_panel.status.text()}"
            )
            done(error or (None if encoded == 0 else f"the second click in the same tile encoded {encoded} tile(s)"))

        def click(error=None):
            if error:
                done(error)
                return
            gair_after_run(heatmap, check)
            gair_click_map(to_map.transform(target))

        gair_arm_by_button(heatmap.location, click)

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
        dock = show_dock(ModelManagerDock)
        QTimer.singleShot(GAIR_SETTLE_MS, lambda: done(gair_clipped(dock)))

    def models_scrolled(done):
        """The lower half of the models dock: execution provider and dependencies."""
        dock = show_dock(ModelManagerDock)
        scroll = dock.findChild(QScrollArea)
        scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
        QTimer.singleShot(GAIR_SETTLE_MS, lambda: done(gair_clipped(dock)))

    def toolbox_heatmap(done):
        import processing

        for layer_id in list(QgsProject.instance().mapLayers()):
            if QgsProject.instance().mapLayer(layer_id).name().startswith("GAIR predictions"):
                QgsProject.instance().layerTreeRoot().findLayer(layer_id).setItemVisibilityChecked(False)
        show_dock(HeatmapDock)
        results = processing.runAndLoadResults(
            "gair:svheatmap", {"INPUT": layer.id(), "SV_IMAGE": photo, "SV_POINT": point, "OUTPUT": "TEMPORARY_OUTPUT"}
        )
        loaded = QgsProject.instance().layerTreeRoot().layerOrder()[0]
        gair_log(f"toolbox heatmap loaded as '{loaded.name()}' ({loaded.renderer().type()})")
        done(
            None
            if results.get("OUTPUT") and loaded.renderer().type() == "singlebandpseudocolor"
            else "the toolbox heatmap is not styled"
        )

    dialogs: list = []

    def toolbox_dialog(done):
        import processing

        for dialog in dialogs:
            dialog.close()
        dialog = processing.createAlgorithmDialog("gair:svheatmap")
        dialogs.append(dialog)  # kept open until QGIS quits: the screenshot shows it
        dialog.show()
        done()

    for name, step in (
        ("00_first_heatmap", first_state(HeatmapDock)),
        ("00_first_location", first_state(LocationDock)),
        ("00_first_predictions", first_state(PredictionsDock)),
        ("00_first_models", first_state(ModelManagerDock)),
        ("01_heatmap_dock", first_view),
        ("02_heatmap_after_click", click_photo_point),
        ("03_heatmap_click_same_tile", click_same_tile),
        ("04_failed_run_message_bar", failed_run),
        ("05_location_pca", location_pca),
        ("06_location_similarity_to_photo", location_similarity),
        ("07_predictions_all_heads", predictions),
        ("08_models_dock", models),
        ("08_models_dock_scrolled", models_scrolled),
        ("09_toolbox_heatmap_styled", toolbox_heatmap),
        ("10_toolbox_dialog", toolbox_dialog),
    ):
        tour.add(name, step)
    tour.start()
    return tour


def gair_startup():
    screenshots = os.environ.get("GAIR_SCREENSHOT")
    try:
        if screenshots:
            gair_gui()  # the tour shows the docks as they open first, then fills them
        else:
            gair_heatmap_dock()
    except Exception as error:  # report anything, then quit in screenshot mode
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


GAIR_TOUR = None  # the screenshot tour, kept alive while QGIS runs
gair_startup()
