"""The docks' run paths in a real headless QGIS, with the plugin loaded as QGIS loads it:
a click on the map runs gair:svheatmap in the background, the heatmap is added on top of
the layer tree as a similarity map, a second run on the same tile comes from the cache,
cancel and bad inputs add nothing; the location and predictions docks add their layers."""

from __future__ import annotations

import numpy as np
import pytest
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsPointXY,
    QgsProject,
    QgsRasterLayer,
    QgsReferencedPointXY,
)
from qgis.PyQt.QtCore import QPoint

from gair_qgis.gui.heatmap_dock import HeatmapDock
from gair_qgis.gui.location_dock import LocationDock
from gair_qgis.gui.predictions_dock import PredictionsDock
from gair_qgis.runtime.package import add_heads, bundled_package_path, load_package, write_package

from gui_support import click, show_raster, wait_for_tasks

WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")


@pytest.fixture
def rs_layer(qgis_iface, plugin, l2a_tile) -> QgsRasterLayer:
    """The 12-band L2A tile in the project; the canvas shows it in EPSG:4326."""
    return show_raster(qgis_iface, l2a_tile)


@pytest.fixture
def heatmap(plugin, rs_layer, photo) -> HeatmapDock:
    """The heatmap dock with the L2A tile as RS layer and a photo chosen."""
    dock = plugin.gui.dock(HeatmapDock)
    dock.layer_combo.setLayer(rs_layer)
    dock.photo.file.setFilePath(str(photo))
    return dock


def _layer_order() -> list[str]:
    return [layer.name() for layer in QgsProject.instance().layerTreeRoot().layerOrder()]


def test_a_click_on_the_map_runs_the_heatmap_and_adds_it_on_top(heatmap, qgis_iface):
    canvas = qgis_iface.mapCanvas()
    heatmap.location.button.setChecked(True)
    centre = canvas.getCoordinateTransform().transform(QgsPointXY(9.171, 48.7685))  # inside the tile
    click(canvas, heatmap.location.tool, QPoint(round(centre.x()), round(centre.y())))
    assert heatmap.run_panel.busy  # the click started the run
    wait_for_tasks()
    assert not heatmap.run_panel.busy, heatmap.run_panel.status.text()
    layer = QgsProject.instance().mapLayer(heatmap.result_layer_id)
    assert layer is not None, heatmap.run_panel.status.text()
    assert _layer_order()[0] == layer.name()
    assert layer.name() == f"GAIR heatmap: photo.jpg · {load_package().name}"  # trained: no UNTRAINED tag
    assert layer.renderer().type() == "singlebandpseudocolor"
    items = layer.renderer().shader().rasterShaderFunction().colorRampItemList()
    assert items[0].color.alpha() == 0 and items[-1].color.alpha() > 200  # low values fade out
    assert layer.crs() == WGS84
    assert heatmap.last_results["ENCODED_TILES"] >= 1
    assert heatmap.run_panel.progress_bar.value() == 100
    assert "Done" in heatmap.run_panel.status.text()


@pytest.mark.parametrize("canvas_crs", ["EPSG:32632", "ESRI:54012"])  # UTM 32N (metres), Eckert IV (equal area)
def test_a_click_in_another_map_crs_lands_on_the_same_place_of_the_raster(heatmap, qgis_iface, canvas_crs):
    canvas = qgis_iface.mapCanvas()
    crs = QgsCoordinateReferenceSystem(canvas_crs)
    canvas.setDestinationCrs(crs)
    transform = QgsCoordinateTransform(WGS84, crs, QgsProject.instance())
    canvas.setExtent(transform.transformBoundingBox(heatmap.layer_combo.currentLayer().extent()))
    target = transform.transform(QgsPointXY(9.171, 48.7685))
    pixel = canvas.getCoordinateTransform().transform(target)
    click(canvas, heatmap.location.tool, QPoint(round(pixel.x()), round(pixel.y())))
    wait_for_tasks()
    assert heatmap.location.point.crs() == crs
    lonlat = QgsCoordinateTransform(crs, WGS84, QgsProject.instance()).transform(QgsPointXY(heatmap.location.point))
    assert (lonlat.x(), lonlat.y()) == pytest.approx((9.171, 48.7685), abs=1e-4)  # within a canvas pixel
    assert heatmap.result_layer_id is not None, heatmap.run_panel.status.text()
    assert QgsProject.instance().mapLayer(heatmap.result_layer_id).crs() == WGS84  # the raster's CRS


def test_a_second_run_on_the_same_tile_reuses_the_encoding_and_replaces_the_layer(heatmap):
    heatmap.location.set_point(QgsReferencedPointXY(QgsPointXY(9.171, 48.7685), WGS84))
    assert heatmap.run_panel.start()
    wait_for_tasks()
    first = heatmap.result_layer_id
    assert first is not None, heatmap.run_panel.status.text()
    assert heatmap.run_panel.start()
    wait_for_tasks()
    assert heatmap.last_results["ENCODED_TILES"] == 0
    assert "from the cache" in heatmap.run_panel.status.text()
    assert QgsProject.instance().mapLayer(first) is None  # replaced, not piled up
    assert QgsProject.instance().mapLayer(heatmap.result_layer_id) is not None


def test_a_point_outside_the_raster_gives_a_clear_message_and_no_layer(heatmap):
    heatmap.location.set_point(QgsReferencedPointXY(QgsPointXY(2.35, 48.85), WGS84))  # Paris
    layers = len(QgsProject.instance().mapLayers())
    assert heatmap.run_panel.start()
    wait_for_tasks()
    assert "outside" in heatmap.run_panel.status.text()
    assert len(QgsProject.instance().mapLayers()) == layers


def test_cancel_stops_the_run_and_adds_nothing(heatmap, qgis_iface):
    heatmap.area_combo.setCurrentIndex(heatmap.area_combo.findData("view"))
    heatmap.location.set_point(QgsReferencedPointXY(QgsPointXY(9.171, 48.7685), WGS84))
    layers = len(QgsProject.instance().mapLayers())
    assert heatmap.run_panel.start()
    heatmap.run_panel.cancel()
    wait_for_tasks()
    if "Done" in heatmap.run_panel.status.text():
        pytest.skip("the run finished before the cancel reached it")
    assert "ancel" in heatmap.run_panel.status.text()
    assert len(QgsProject.instance().mapLayers()) == layers
    assert heatmap.run_panel.run_button.isEnabled() and not heatmap.run_panel.cancel_button.isEnabled()


def test_the_location_dock_paints_a_pca_view_of_the_map_view(plugin, rs_layer, qgis_iface):
    dock = plugin.gui.dock(LocationDock)
    dock.use_map_view()
    dock.pixel_size.setValue(qgis_iface.mapCanvas().extent().width() / 40)
    assert dock.run_panel.start(), dock.run_panel.status.text()
    wait_for_tasks()
    added = [layer for layer in QgsProject.instance().mapLayers().values() if layer.name().startswith("GAIR location")]
    assert len(added) == 1, dock.run_panel.status.text()
    assert added[0].bandCount() == 3 and added[0].width() in (40, 41)
    assert added[0].crs() == WGS84
    assert added[0].renderer().type() == "multibandcolor"  # PCA views as RGB
    assert added[0].name().startswith("GAIR location: PCA view · ")


def test_the_location_dock_needs_a_reference_for_similarity(plugin, rs_layer):
    dock = plugin.gui.dock(LocationDock)
    dock.mode.setCurrentIndex(2)  # similarity to a place
    assert dock.run_panel.start() is False
    assert "reference place" in dock.run_panel.status.text()
    dock.reference_point.set_point(QgsReferencedPointXY(QgsPointXY(9.17, 48.765), WGS84))
    dock.pixel_size.setValue(rs_layer.extent().width() / 20)
    assert dock.run_panel.start()
    wait_for_tasks()
    layer = QgsProject.instance().mapLayer(dock.result_layer_ids[0])
    assert layer.name().startswith("GAIR location: similarity to 48.765000°, 9.170000° · ")
    assert layer.renderer().type() == "singlebandpseudocolor"


def test_the_predictions_dock_says_when_the_package_has_no_heads(plugin, rs_layer, tmp_path):
    # the bundled package carries benchmark heads: a copy without them
    bundled = load_package()
    files = {n: bundled.root / n for n in bundled.meta["files"] if not n.startswith("heads/")}
    meta = {k: v for k, v in bundled.meta.items() if k not in ("files", "format_version")}
    headless = write_package(tmp_path / "no-heads", dict(meta, heads=[]), files)
    plugin.gui.catalog.add_folder(headless)
    dock = plugin.gui.dock(PredictionsDock)
    dock.model_chooser.setCurrentIndex(dock.model_chooser.findData(str(headless.resolve())))
    dock.layer_combo.setLayer(rs_layer)
    assert not dock.head.isEnabled() and "no prediction heads" in dock.head.currentText()
    assert dock.run_panel.start() is False


def test_the_predictions_dock_adds_a_styled_tile_grid(plugin, rs_layer, tmp_path):
    rng = np.random.default_rng(0)
    spec = {"name": "landcover", "task": "classification", "input": "rs_global", "labels": ["urban", "green", "water"]}
    layers = [(rng.normal(size=(3, 128)).astype(np.float32), np.zeros(3, np.float32))]
    package = add_heads(bundled_package_path(), [(spec, layers)], out_dir=tmp_path / "with-heads")
    plugin.gui.catalog.add_folder(package.root)
    dock = plugin.gui.dock(PredictionsDock)
    dock.model_chooser.setCurrentIndex(dock.model_chooser.findData(str(package.root.resolve())))
    dock.head.setCurrentIndex(dock.head.findData("landcover"))  # the bundled package has heads too
    assert dock.head.isEnabled() and dock.head.currentData() == "landcover"
    dock.layer_combo.setLayer(rs_layer)
    dock.with_raster.setChecked(True)
    assert dock.run_panel.start(), dock.run_panel.status.text()
    wait_for_tasks()
    model = plugin.gui.catalog.entry(str(package.root.resolve())).name
    grid = QgsProject.instance().mapLayersByName(f"GAIR predictions: landcover · {model}")
    assert grid, dock.run_panel.status.text()
    assert grid[0].featureCount() >= 1 and grid[0].renderer().type() == "categorizedSymbol"
    raster = [
        layer
        for layer in QgsProject.instance().mapLayers().values()
        if layer.name().startswith("GAIR predictions (raster)")
    ]
    assert raster and raster[0].renderer().type() == "paletted"
    assert [c.label for c in raster[0].renderer().classes()] == ["urban", "green", "water"]


def test_unloading_the_plugin_during_a_run_neither_crashes_nor_adds_a_layer(heatmap, plugin):
    from qgis.PyQt.QtCore import QCoreApplication, QEvent

    heatmap.area_combo.setCurrentIndex(heatmap.area_combo.findData("view"))
    heatmap.location.set_point(QgsReferencedPointXY(QgsPointXY(9.171, 48.7685), WGS84))
    layers = len(QgsProject.instance().mapLayers())
    assert heatmap.run_panel.start()
    plugin.unload()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    wait_for_tasks()
    assert len(QgsProject.instance().mapLayers()) == layers


def test_an_output_folder_that_cannot_be_made_is_one_line_in_the_dock(heatmap, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    heatmap.output_folder.setFilePath(str(blocker / "results"))  # its parent is a file: mkdir fails
    heatmap.location.set_point(QgsReferencedPointXY(QgsPointXY(9.171, 48.7685), WGS84))
    layers = len(QgsProject.instance().mapLayers())
    assert heatmap.run_panel.start() is False  # no exception out of the Run button
    status = heatmap.run_panel.status.text()
    assert "\n" not in status and str(blocker) in status and "choose an output folder you can write to" in status
    assert not heatmap.run_panel.busy and heatmap.run_panel.run_button.isEnabled()
    assert len(QgsProject.instance().mapLayers()) == layers and blocker.read_text() == "not a folder"


def test_a_small_photo_is_a_warning_in_the_status_and_the_message_bar(heatmap, qgis_iface, tmp_path):
    from PIL import Image
    from qgis.core import Qgis

    small = tmp_path / "small.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (30, 40, 3), dtype=np.uint8)).save(small)
    heatmap.photo.file.setFilePath(str(small))  # 224 / 30: enlarged 7x
    heatmap.location.set_point(QgsReferencedPointXY(QgsPointXY(9.171, 48.7685), WGS84))
    assert heatmap.run_panel.start()
    wait_for_tasks()
    status = heatmap.run_panel.status.text()
    assert heatmap.result_layer_id is not None, status  # the heatmap is made all the same
    assert "Done" in status and "40 x 30 px, enlarged 7x" in status, status
    said = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Warning)  # pytest-qgis records pushMessage
    assert len(said) == 1 and "40 x 30 px, enlarged 7x" in said[0] and str(small) in said[0], said


def test_an_ordinary_photo_brings_no_warning(heatmap, qgis_iface):
    from qgis.core import Qgis

    heatmap.location.set_point(QgsReferencedPointXY(QgsPointXY(9.171, 48.7685), WGS84))
    assert heatmap.run_panel.start()
    wait_for_tasks()
    assert "Done" in heatmap.run_panel.status.text() and "Warning" not in heatmap.run_panel.status.text()
    assert qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Warning) == []
