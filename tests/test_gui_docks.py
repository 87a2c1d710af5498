"""The docks in a real headless QGIS: creation, the map tool, EXIF prefill, the model manager."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from qgis.core import QgsCoordinateReferenceSystem, QgsPointXY, QgsRasterLayer, QgsReferencedPointXY
from qgis.PyQt.QtCore import QPoint, Qt
from qgis.PyQt.QtWidgets import QApplication

from gair_qgis.gui import tasks as gui_tasks
from gair_qgis.gui.heatmap_dock import HeatmapDock
from gair_qgis.gui.location_dock import LocationDock
from gair_qgis.gui.models_dock import ModelManagerDock
from gair_qgis.gui.predictions_dock import PredictionsDock
from gair_qgis.runtime.package import bundled_package_path

from conftest import UNTRAINED_TWIN
from gui_support import click, photo_with_gps, show_raster, wait_for_tasks

WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")


@pytest.fixture
def rs_layer(qgis_iface, l2a_tile) -> QgsRasterLayer:
    """The 12-band L2A tile in the project, the canvas zoomed to it in EPSG:4326."""
    return show_raster(qgis_iface, l2a_tile)


def test_every_dock_is_created_with_its_model_chooser(gui):
    docks = {type(d) for d in gui.docks}
    assert docks == {HeatmapDock, LocationDock, PredictionsDock, ModelManagerDock}
    heatmap = gui.dock(HeatmapDock)
    assert heatmap.model_chooser.current_folder() == str(bundled_package_path())
    # the bundled model is trained: no UNTRAINED warning, one line saying it is small and where the real weights are
    assert "UNTRAINED" not in heatmap.model_chooser.currentText()
    assert "UNTRAINED" not in heatmap.model_note.text()
    assert "released GAIR weights" in heatmap.model_note.text()
    assert all(action.icon().isNull() is False for action in gui.actions)


def test_the_model_manager_does_not_call_the_trained_bundled_model_untrained(gui):
    manager = gui.dock(ModelManagerDock)
    assert "UNTRAINED" not in manager.packages.warning.text()
    assert not manager.packages.remove_button.isEnabled()  # the bundled package stays
    assert "CPUExecutionProvider" in manager.providers.summary.text()


def test_the_map_tool_click_sets_and_marks_the_point(gui, rs_layer, qgis_iface):
    dock = gui.dock(HeatmapDock)
    dock.run_on_click.setChecked(False)
    canvas = qgis_iface.mapCanvas()
    dock.location.button.setChecked(True)
    assert canvas.mapTool() is dock.location.tool
    pixel = QPoint(40, 60)
    expected = canvas.getCoordinateTransform().toMapCoordinates(pixel)
    click(canvas, dock.location.tool, pixel)
    point = dock.location.point
    assert point is not None and point.crs() == WGS84
    assert (point.x(), point.y()) == pytest.approx((expected.x(), expected.y()))
    assert dock.location.marker.marker.isVisible()
    assert dock.location.marker.marker.center() == expected
    assert "clicked" in dock.location.label.text()
    dock.location.button.setChecked(False)
    assert canvas.mapTool() is not dock.location.tool


def test_the_pick_tool_is_not_armed_at_start_nor_by_showing_the_dock(gui, qgis_iface):
    rows = (gui.dock(HeatmapDock).location, gui.dock(LocationDock).reference_point)
    for dock in (gui.dock(HeatmapDock), gui.dock(LocationDock)):
        dock.show()
        dock.visibilityChanged.emit(True)  # what QGIS emits when a dock's tab is opened
        QApplication.processEvents()
        assert not any(row.armed or row.button.isChecked() for row in rows)
        dock.hide()
    assert qgis_iface.mapCanvas().mapTool() not in {row.tool for row in rows}


def test_esc_releases_the_pick_tool_and_gives_back_the_previous_tool(gui, rs_layer, qgis_iface):
    from qgis.gui import QgsMapToolPan
    from qgis.PyQt.QtCore import QEvent, Qt
    from qgis.PyQt.QtGui import QKeyEvent

    canvas = qgis_iface.mapCanvas()
    pan = QgsMapToolPan(canvas)
    canvas.setMapTool(pan)
    row = gui.dock(HeatmapDock).location
    row.button.click()
    assert row.armed and row.button.isChecked()
    canvas.keyPressEvent(QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier))
    assert canvas.mapTool() is pan and not row.button.isChecked() and row.button.text() == "Pick on map"
    row.button.click()
    zoom = QgsMapToolPan(canvas)
    canvas.setMapTool(zoom)  # another map tool chosen by the user: it stays
    assert canvas.mapTool() is zoom and not row.button.isChecked()
    canvas.unsetMapTool(zoom)


def test_switching_to_another_docks_tab_releases_the_pick_tool(gui, qgis_iface):
    from qgis.PyQt.QtWidgets import QMainWindow

    window = QMainWindow()
    heatmap, location = gui.dock(HeatmapDock), gui.dock(LocationDock)
    for dock in (heatmap, location):
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.tabifyDockWidget(heatmap, location)
    window.show()
    heatmap.raise_()
    QApplication.processEvents()
    assert heatmap.location.isVisible() and not heatmap.visibleRegion().isEmpty()
    heatmap.location.button.click()
    assert heatmap.location.armed
    location.raise_()  # the user opens the location dock's tab: the heatmap dock moves off screen
    QApplication.processEvents()
    assert heatmap.visibleRegion().isEmpty() and not location.visibleRegion().isEmpty()
    assert not heatmap.location.armed and not heatmap.location.button.isChecked()
    for dock in (heatmap, location):
        window.removeDockWidget(dock)
        dock.setParent(None)  # the plugin removes its docks itself
    window.close()


def test_the_marker_follows_a_change_of_the_canvas_crs(gui, rs_layer, qgis_iface):
    dock = gui.dock(HeatmapDock)
    dock.location.set_point(QgsReferencedPointXY(QgsPointXY(9.17, 48.765), WGS84))
    canvas = qgis_iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:32632"))
    center = dock.location.marker.marker.center()
    assert center.x() == pytest.approx(512_460, abs=100) and center.y() == pytest.approx(5_401_500, abs=500)
    canvas.setDestinationCrs(WGS84)


def test_a_photo_with_gps_tags_fills_the_location(gui, tmp_path):
    dock = gui.dock(HeatmapDock)
    photo = photo_with_gps(tmp_path / "gps.jpg", lon=9.1712, lat=48.7655)
    dock.photo.file.setFilePath(str(photo))
    point = dock.location.point
    assert point is not None and point.crs() == WGS84
    assert (point.x(), point.y()) == pytest.approx((9.1712, 48.7655), abs=1e-6)
    assert "GPS" in dock.location.label.text()
    assert dock.photo.thumbnail.pixmap() is not None and not dock.photo.thumbnail.pixmap().isNull()


def test_run_without_inputs_explains_what_is_missing(gui):
    dock = gui.dock(HeatmapDock)
    assert dock.run_panel.start() is False
    assert "RS raster layer" in dock.run_panel.status.text()


def test_adding_a_package_folder_updates_every_chooser(gui, tmp_path):
    copy = Path(shutil.copytree(bundled_package_path(), tmp_path / "my-package"))
    manager = gui.dock(ModelManagerDock)
    entry = manager.packages.add_folder(str(copy))
    assert not entry.error
    for dock in (gui.dock(HeatmapDock), gui.dock(LocationDock), gui.dock(PredictionsDock)):
        assert dock.model_chooser.findData(str(copy.resolve())) >= 0


def test_a_package_folder_with_a_corrupt_model_json_is_refused_and_says_why(gui, tmp_path):
    broken_copy = Path(shutil.copytree(bundled_package_path(), tmp_path / "broken-package"))
    (broken_copy / "model.json").write_text("{ not json")
    manager = gui.dock(ModelManagerDock)
    broken = manager.packages.add_folder(str(broken_copy))
    assert broken.error and broken.package is None
    message = manager.packages.message.text()
    assert "Not added" in message and "model.json" in message and "not valid JSON" in message
    assert gui.dock(HeatmapDock).model_chooser.findData(str(broken_copy.resolve())) < 0
    missing = manager.packages.add_folder(str(tmp_path / "nothing-here"))
    assert missing.error and "model.json is missing" in manager.packages.message.text()


def test_copy_diagnostics_names_versions_and_providers(gui):
    text = gui.dock(ModelManagerDock).providers.copy_diagnostics()
    assert QApplication.clipboard().text() == text
    for expected in ("QGIS 3.", "onnxruntime", "CPUExecutionProvider", "gair-bundled", "force CPU"):
        assert expected in text


def test_force_cpu_is_remembered(gui):
    from gair_qgis import settings

    gui.dock(ModelManagerDock).providers.force_cpu.setChecked(True)
    assert settings.force_cpu() is True
    assert "CPUExecutionProvider" in gui.dock(ModelManagerDock).providers.summary.text()


def test_probing_the_execution_provider_runs_in_a_task(gui):
    providers = gui.dock(ModelManagerDock).providers
    providers.probe()
    wait_for_tasks()
    assert "CPUExecutionProvider (measured)" in providers.summary.text()


def test_importing_a_file_that_is_no_checkpoint_reports_it_and_writes_nothing(gui, tmp_path):
    importer = gui.dock(ModelManagerDock).importer
    bogus = tmp_path / "checkpoint.pth"
    bogus.write_bytes(b"not a checkpoint")
    importer.checkpoint.setFilePath(str(bogus))
    importer.out_folder.setFilePath(str(tmp_path / "imported"))
    assert importer.start()
    wait_for_tasks()
    assert importer.task is None and importer.import_button.isEnabled()
    assert "checkpoint" in importer.status.text().lower()
    assert not (tmp_path / "imported").exists()


def _fake_import(steps: list[str]):
    """import_released stand-in: reports `steps`, then writes a copy of the bundled package."""

    def fake(checkpoint, out, *, overwrite=False, name="", progress=None, provenance=None):
        for step in steps:
            progress(step)
        shutil.copytree(bundled_package_path(), out)

    return fake


def test_an_import_adds_the_package_to_the_catalog(gui, tmp_path, monkeypatch):
    monkeypatch.setattr(gui_tasks, "import_released", _fake_import(["reading", "converting", "writing"]))
    importer = gui.dock(ModelManagerDock).importer
    (tmp_path / "checkpoint.pth").write_bytes(b"x")
    importer.checkpoint.setFilePath(str(tmp_path / "checkpoint.pth"))
    importer.out_folder.setFilePath(str(tmp_path / "released"))
    assert importer.start()
    wait_for_tasks()
    assert "package written" in importer.status.text()
    assert "is now the active GAIR model" in importer.status.text()
    assert importer.progress.value() == 100
    folder = str((tmp_path / "released").resolve())
    assert gui.catalog.entry(folder) is not None and gui.catalog.active_folder() == folder
    assert gui.dock(HeatmapDock).model_chooser.current_folder() == folder  # the new package is active


def test_an_existing_package_folder_is_not_overwritten_silently(gui, tmp_path):
    importer = gui.dock(ModelManagerDock).importer
    (tmp_path / "checkpoint.pth").write_bytes(b"x")
    (tmp_path / "existing").mkdir()
    importer.checkpoint.setFilePath(str(tmp_path / "checkpoint.pth"))
    importer.out_folder.setFilePath(str(tmp_path / "existing"))
    assert importer.start() is False
    assert "already exists" in importer.status.text()


def test_a_cancelled_import_writes_nothing(gui, tmp_path, monkeypatch):
    importer = gui.dock(ModelManagerDock).importer

    def slow(checkpoint, out, *, overwrite=False, name="", progress=None, provenance=None):
        import time

        for _ in range(500):
            progress("working")
            time.sleep(0.01)
        shutil.copytree(bundled_package_path(), out)

    monkeypatch.setattr(gui_tasks, "import_released", slow)
    (tmp_path / "checkpoint.pth").write_bytes(b"x")
    importer.checkpoint.setFilePath(str(tmp_path / "checkpoint.pth"))
    importer.out_folder.setFilePath(str(tmp_path / "released"))
    assert importer.start()
    importer.cancel()
    wait_for_tasks()
    assert "cancelled" in importer.status.text()
    assert not (tmp_path / "released").exists()


def test_an_untrained_package_is_flagged_next_to_the_model_chooser(gui):
    gui.catalog.add_folder(UNTRAINED_TWIN)
    heatmap = gui.dock(HeatmapDock)
    heatmap.model_chooser.setCurrentIndex(heatmap.model_chooser.findData(str(UNTRAINED_TWIN.resolve())))
    assert "UNTRAINED" in heatmap.model_chooser.currentText()
    assert "UNTRAINED" in heatmap.model_note.text()
    assert "released GAIR weights" not in heatmap.model_note.text()
    heatmap.model_chooser.setCurrentIndex(heatmap.model_chooser.findData(str(bundled_package_path())))


def select(packages, folder) -> None:
    folders = [packages.list.item(row).data(Qt.ItemDataRole.UserRole) for row in range(packages.list.count())]
    packages.list.setCurrentRow(folders.index(str(folder)))


def test_remove_deletes_only_the_plugins_own_packages_after_asking(gui, tmp_path, monkeypatch):
    """An imported package in the plugin's models folder: Remove asks, then deletes it (No keeps
    it); one with a file GAIR did not write is left whole; the bundled package and a user's own
    folder are never deleted (the user's folder only leaves the list)."""
    from gair_qgis import model_store
    from gair_qgis.gui import models_dock

    models = tmp_path / "profile-models"
    monkeypatch.setattr(model_store, "models_dir", lambda: models)
    own = Path(shutil.copytree(UNTRAINED_TWIN, models / "gair-imported"))
    users = Path(shutil.copytree(UNTRAINED_TWIN, tmp_path / "users-own"))
    manager = gui.dock(ModelManagerDock)
    manager.packages.add_folder(str(users))
    gui.catalog.reload()
    packages = manager.packages

    packages.list.setCurrentRow(0)  # the bundled package
    assert packages.current_entry().bundled and not packages.remove_button.isEnabled()

    select(packages, own)
    assert packages.remove_button.isEnabled() and "asks first" in packages.remove_button.toolTip()
    monkeypatch.setattr(models_dock.QMessageBox, "question", lambda *a: models_dock.QMessageBox.StandardButton.No)
    packages.remove_button.click()
    assert (own / "model.json").is_file()
    (own / "my-notes.txt").write_text("mine")
    assert not packages.remove_package(packages.current_entry(), confirm=False)
    assert "my-notes.txt" in packages.message.text() and (own / "model.json").is_file()
    (own / "my-notes.txt").unlink()
    monkeypatch.setattr(models_dock.QMessageBox, "question", lambda *a: models_dock.QMessageBox.StandardButton.Yes)
    packages.remove_button.click()
    assert not own.exists() and models.is_dir()
    assert gui.catalog.entry(str(own)) is None and "Removed" in packages.message.text()

    select(packages, users.resolve())
    packages.remove_button.click()
    assert (users / "model.json").is_file() and gui.catalog.entry(str(users.resolve())) is None


def test_the_location_dock_starts_from_the_map_view_even_when_hidden(gui, qgis_iface, l2a_tile):
    """Made before any layer (as at QGIS start): a valid CRS and a 10 m pixel, not an invalid
    projection and 0.000001; then it follows the map view, while tabbed behind another dock,
    until the user sets an area."""
    from gair_qgis.processing.locationraster import DEFAULT_PIXELS_ACROSS

    dock = gui.dock(LocationDock)
    assert dock.crs.crs().isValid()
    assert dock.pixel_size.value() >= 0.0001  # 10 m (0.0001° or 10 map units) while the map is empty
    dock.hide()
    layer = show_raster(qgis_iface, l2a_tile)
    canvas = qgis_iface.mapCanvas()
    assert not dock.isVisible()
    assert dock.crs.crs() == canvas.mapSettings().destinationCrs()
    area = dock.extent.outputExtent()
    assert not area.isEmpty() and area.contains(layer.extent().center())
    expected = max(canvas.extent().width(), canvas.extent().height()) / DEFAULT_PIXELS_ACROSS
    assert dock.pixel_size.value() == pytest.approx(expected, rel=1e-2)  # the box shows 6 decimals
    dock.area_set_by_user = True
    canvas.zoomByFactor(4)
    assert dock.extent.outputExtent() == area
