"""The look of GAIR results in a real headless QGIS: similarity on a fixed scale that fades
to transparent with a legend that explains it, PCA views as RGB, one layer per prediction
head, names with the model, new layers on top, Processing outputs styled by the layer
post-processor, errors in the message bar in the user's words, the armed pick tool,
a new project resetting the docks, and Sentinel-2 rasters in true colour."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsPointXY,
    QgsProject,
    QgsRasterLayer,
    QgsReferencedPointXY,
    QgsVectorLayer,
)
from qgis.gui import QgsMessageBar
from qgis.PyQt.QtGui import QFontMetrics
from qgis.PyQt.QtWidgets import QApplication, QMessageBox, QPushButton

from gair_qgis import styling
from gair_qgis.gui.heatmap_dock import HeatmapDock
from gair_qgis.gui.messages import BAR_CHROME, headline, one_line, user_message
from gair_qgis.processing.errors import PointOutsideRaster
from gair_qgis.runtime.package import load_package, write_package

from conftest import L2A_12, UNTRAINED_TWIN, sentinel_like, write_geotiff
from gui_support import show_raster, wait_for_tasks, wait_until

WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")
BOUNDS = (9.16, 48.76, 9.18, 48.78)


def similarity_raster(path, values: np.ndarray, untrained: bool) -> QgsRasterLayer:
    """A result GeoTIFF as gair:svheatmap writes it (band 'similarity', GAIR_* tags)."""
    from osgeo import gdal

    write_geotiff(path, values[None].astype(np.float32), BOUNDS, "EPSG:4326", ["similarity"])
    dataset = gdal.Open(str(path), gdal.GA_Update)
    dataset.SetMetadata({"GAIR_MODEL": "gair-test", "GAIR_UNTRAINED": str(untrained), "GAIR_PHOTO": "/x/street.jpg"})
    dataset = None
    layer = QgsRasterLayer(str(path), "raw")
    assert layer.isValid()
    return layer


def test_a_trained_models_similarity_uses_the_fixed_scale_and_fades_low_values(qgis_new_project, tmp_path):
    values = np.linspace(0.048, 0.051, 400).reshape(20, 20)  # a narrow range must not fill the ramp
    layer = similarity_raster(tmp_path / "h.tif", values, untrained=False)
    assert styling.style_result_raster(layer) == "similarity"
    shader = layer.renderer().shader().rasterShaderFunction()
    items = shader.colorRampItemList()
    assert (items[0].value, items[-1].value) == styling.SIMILARITY_SCALE
    assert items[0].color.alpha() == 0 and [i.color.alpha() for i in items] == sorted(i.color.alpha() for i in items)
    assert "most alike" in shader.legendSettings().maximumLabel()
    assert layer.name() == "GAIR heatmap: street.jpg · gair-test"
    styling.finish_on_top([layer])
    node = QgsProject.instance().layerTreeRoot().findLayer(layer.id())
    assert node.customProperty("legend/label-0") == "cosine similarity, higher = more alike; values 0.048 to 0.051"


@pytest.mark.parametrize("low, high, drawn_on_its_scale", [(-0.04, 0.034, True), (-0.18, 0.30, False)])
def test_a_models_own_similarity_scale_is_used_only_when_the_values_fit_it(
    qgis_new_project, tmp_path, low, high, drawn_on_its_scale
):
    from osgeo import gdal

    values = np.linspace(low, high, 400).reshape(20, 20)  # the bundled model on Detroit: -0.18 to 0.30
    similarity_raster(tmp_path / "h.tif", values, untrained=False)
    dataset = gdal.Open(str(tmp_path / "h.tif"), gdal.GA_Update)
    dataset.SetMetadata(
        {**dataset.GetMetadata(), "GAIR_SIMILARITY_SCALE": "-0.05,0.05", "GAIR_POINT_SIMILARITY": "0.262"}
    )
    dataset = None
    layer = QgsRasterLayer(str(tmp_path / "h.tif"), "raw")
    styling.style_result_raster(layer)
    shader = layer.renderer().shader().rasterShaderFunction()
    items = shader.colorRampItemList()
    scale = (items[0].value, items[-1].value)
    at_ends = ((values <= scale[0]) | (values >= scale[1])).mean()
    if drawn_on_its_scale:
        assert scale == (-0.05, 0.05) and "stretched" not in shader.legendSettings().minimumLabel()
    else:  # stretched to the values' 2-98 %: about 4 % of the pixels in the end colours, not 59 %
        assert scale == pytest.approx(tuple(np.percentile(values, [2, 98])), abs=0.01)
        assert at_ends < 0.06
        assert shader.legendSettings().maximumLabel() == f"{scale[1]:.3g} or more: most alike"
        assert "stretched" in shader.legendSettings().minimumLabel()
    styling.finish_on_top([layer])
    title = QgsProject.instance().layerTreeRoot().findLayer(layer.id()).customProperty("legend/label-0")
    assert (
        title == f"cosine similarity, higher = more alike; values {low:.3g} to {high:.3g}; 0.262 at the photo's point"
    )


def test_the_bundled_package_names_its_similarity_scale_in_its_result_tags():
    package = load_package()
    assert package.similarity_scale is not None
    assert package.display_tags()["GAIR_SIMILARITY_SCALE"] == ",".join(f"{v:g}" for v in package.similarity_scale)


def test_an_untrained_models_similarity_is_stretched_and_says_so(qgis_new_project, tmp_path):
    values = np.linspace(-0.2, 0.03, 400).reshape(20, 20)
    layer = similarity_raster(tmp_path / "h.tif", values, untrained=True)
    styling.style_result_raster(layer)
    items = layer.renderer().shader().rasterShaderFunction().colorRampItemList()
    assert -0.2 <= items[0].value < -0.15 and -0.02 < items[-1].value <= 0.03
    assert "stretched" in layer.renderer().shader().rasterShaderFunction().legendSettings().minimumLabel()
    assert layer.name().endswith("(UNTRAINED)")


def test_a_pca_view_is_an_rgb_composite(qgis_new_project, tmp_path):
    rng = np.random.default_rng(0)
    path = write_geotiff(
        tmp_path / "pca.tif",
        rng.normal(size=(3, 10, 10)).astype(np.float32),
        BOUNDS,
        "EPSG:4326",
        ["pc1", "pc2", "pc3"],
    )
    layer = QgsRasterLayer(str(path), "raw")
    assert styling.style_result_raster(layer, subject="PCA view", what="location") == "pca"
    assert layer.renderer().type() == "multibandcolor"
    assert (layer.renderer().redBand(), layer.renderer().greenBand(), layer.renderer().blueBand()) == (1, 2, 3)


def test_new_layers_go_on_top_even_when_another_layer_is_selected(qgis_new_project, qgis_iface, tmp_path, l2a_tile):
    first = show_raster(qgis_iface, l2a_tile)
    second = QgsRasterLayer(str(l2a_tile), "second")
    QgsProject.instance().addMapLayer(second)
    qgis_iface.setActiveLayer(first)
    result = similarity_raster(tmp_path / "h.tif", np.zeros((5, 5)), untrained=False)
    styling.finish_on_top([result])
    order = [layer.id() for layer in QgsProject.instance().layerTreeRoot().layerOrder()]
    assert order[0] == result.id()


def _predictions_layer(tmp_path) -> QgsVectorLayer:
    layer = QgsVectorLayer(
        "Polygon?crs=EPSG:4326&field=tile:integer&field=col:integer&field=row:integer"
        "&field=land:string&field=land_p_urban:double&field=land_p_water:double"
        "&field=wealth_index:double",
        "raw",
        "memory",
    )
    rows = [("urban", 0.9, 0.1, 1.5), ("water", 0.2, 0.8, -0.5), ("urban", 0.6, 0.4, 0.3)]
    from qgis.core import QgsFeature, QgsGeometry, QgsRectangle

    for n, (label, p_urban, p_water, wealth) in enumerate(rows):
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(n, 0, n + 1, 1)))
        feature.setAttributes([n, n, 0, label, p_urban, p_water, wealth])
        layer.dataProvider().addFeature(feature)
    return layer


def test_every_prediction_head_gets_its_own_styled_layer(qgis_new_project, tmp_path):
    layers = styling.prediction_layers(_predictions_layer(tmp_path), "All heads", "gair-test", False)
    assert [layer.name() for layer in layers] == [
        "GAIR predictions: land · gair-test",
        "GAIR predictions: wealth_index · gair-test",
    ]
    assert layers[0].renderer().type() == "categorizedSymbol"
    assert {c.value() for c in layers[0].renderer().categories()} == {"urban", "water"}
    assert layers[0].labelsEnabled()
    assert layers[1].renderer().type() == "graduatedSymbol" and len(layers[1].renderer().ranges()) >= 2
    styling.finish_on_top(layers)
    root = QgsProject.instance().layerTreeRoot()
    assert [layer.id() for layer in root.layerOrder()][:2] == [layers[0].id(), layers[1].id()]
    assert root.findLayer(layers[0].id()).isVisible() and not root.findLayer(layers[1].id()).isVisible()


def test_a_toolbox_heatmap_is_styled_named_and_on_top(plugin, qgis_processing, qgis_iface, l2a_tile, photo):
    import processing

    rs = show_raster(qgis_iface, l2a_tile)
    results = processing.runAndLoadResults(
        "gair:svheatmap",
        {
            "INPUT": rs.id(),
            "SV_IMAGE": str(photo),
            "SV_POINT": "9.171,48.7685 [EPSG:4326]",
            "OUTPUT": "TEMPORARY_OUTPUT",
        },
    )
    top = QgsProject.instance().layerTreeRoot().layerOrder()[0]
    assert top.source() == results["OUTPUT"]
    assert top.renderer().type() == "singlebandpseudocolor"
    assert top.name() == styling.layer_name("heatmap", "photo.jpg", load_package().name, load_package().untrained)


def test_a_failed_run_speaks_in_the_message_bar_and_marks_the_previous_result(plugin, qgis_iface, l2a_tile, photo):
    dock = plugin.gui.dock(HeatmapDock)
    qgis_iface.messageBar().clearWidgets()  # earlier tests' lines
    rs = show_raster(qgis_iface, l2a_tile)
    dock.layer_combo.setLayer(rs)
    dock.photo.file.setFilePath(str(photo))
    dock.location.set_point(QgsReferencedPointXY(QgsPointXY(9.171, 48.7685), WGS84))
    assert dock.run_panel.start()
    wait_for_tasks()
    first = QgsProject.instance().mapLayer(dock.result_layer_id)
    assert first is not None, dock.run_panel.status.text()
    dock.location.set_point(QgsReferencedPointXY(QgsPointXY(2.35, 48.85), WGS84))  # outside the raster
    assert dock.run_panel.start()
    wait_for_tasks()
    item = qgis_iface.messageBar().currentItem()  # the newest (items() keeps other tests' lines)
    assert item.level() == Qgis.MessageLevel.Warning
    details = next(b for b in item.findChildren(QPushButton) if b.text() == "Details")  # the bar shows one line
    assert "outside the RS layer" in details.toolTip() and "SV_POINT" not in details.toolTip()
    assert "[previous]" in details.toolTip()
    line = item.text()  # the first sentence, cut at a word to fit the bar's one line
    assert line.endswith("…") and details.toolTip().startswith(line[:-1])
    details.click()
    shown = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
    assert shown.text() == dock.run_panel.status.text()
    shown.close()
    assert first.name().startswith("[previous] GAIR heatmap")
    assert dock.run_panel.progress_bar.value() == 0
    assert "[previous]" in dock.run_panel.status.text()


@pytest.mark.parametrize("width", [593, 1240])  # the bar above the map at 1280x800 and at 1920x1080
def test_a_message_bar_line_is_cut_at_a_word_to_fit_its_one_line(qgis_app, width):
    bar = QgsMessageBar()
    bar.resize(width, 40)
    text = user_message(PointOutsideRaster("SV_POINT lies outside the raster"))
    button = QPushButton("Details")
    line = one_line(headline(text), bar, "GAIR heatmap", button.sizeHint().width())
    bold = bar.font()
    bold.setBold(True)
    used = QFontMetrics(bold).horizontalAdvance("GAIR heatmap: ") + bar.fontMetrics().horizontalAdvance(line)
    assert used + button.sizeHint().width() + BAR_CHROME <= width
    if line != headline(text):
        assert line.endswith("…") and headline(text).startswith(line[:-1] + " ")
    assert width < 1000 or line == headline(text)  # a wide bar shows the whole first sentence


def test_only_the_pick_button_arms_the_pick_tool_and_shows_it(plugin, qgis_iface, photo):
    dock = plugin.gui.dock(HeatmapDock)
    canvas = qgis_iface.mapCanvas()
    canvas.unsetMapTool(canvas.mapTool()) if canvas.mapTool() else None
    dock.visibilityChanged.emit(True)  # what QGIS emits when the dock's tab is opened
    dock.photo.file.setFilePath(str(photo))
    assert canvas.mapTool() is None and not dock.location.armed and not dock.location.button.isChecked()
    assert "press Pick on map" in dock.run_panel.status.text()
    dock.location.button.click()
    assert canvas.mapTool() is dock.location.tool and dock.location.armed
    assert dock.location.button.isChecked() and "Picking" in dock.location.button.text()
    canvas.unsetMapTool(dock.location.tool)  # another tool chosen: the button says so
    assert not dock.location.button.isChecked() and dock.location.button.text() == "Pick on map"


def test_a_new_project_clears_the_marker_and_the_status(plugin, qgis_iface):
    dock = plugin.gui.dock(HeatmapDock)
    dock.location.set_point(QgsReferencedPointXY(QgsPointXY(9.171, 48.7685), WGS84))
    dock.run_panel.show_message("Done in 1.0 s.")
    assert dock.location.marker.marker.isVisible()
    QgsProject.instance().clear()
    assert dock.location.point is None and not dock.location.marker.marker.isVisible()
    assert dock.run_panel.status.text() == "" and dock.result_layer_ids == []


def test_switching_to_a_trained_model_moves_no_widget(plugin, tmp_path):
    bundled = load_package()
    files = {n: bundled.root / n for n in bundled.meta["files"]}
    meta = {k: v for k, v in bundled.meta.items() if k not in ("files", "format_version")}
    trained = write_package(tmp_path / "trained-copy", dict(meta, untrained=False, name="trained-copy"), files)
    plugin.gui.catalog.add_folder(trained)
    plugin.gui.catalog.add_folder(UNTRAINED_TWIN)
    dock = plugin.gui.dock(HeatmapDock)
    dock.model_chooser.setCurrentIndex(dock.model_chooser.findData(str(UNTRAINED_TWIN.resolve())))
    dock.resize(380, 900)
    dock.show()
    QgsApplication.processEvents()
    note, run = dock.model_note, dock.run_panel.run_button
    assert note.minimumHeight() == note.maximumHeight() > 0 and "UNTRAINED" in note.text()
    before = (
        note.geometry(),
        dock.output_folder.mapTo(dock, dock.output_folder.rect().topLeft()),
        run.mapTo(dock, run.rect().topLeft()),
    )
    dock.model_chooser.setCurrentIndex(dock.model_chooser.findData(str(trained.resolve())))
    QgsApplication.processEvents()
    assert "UNTRAINED" not in note.text() and "trained-copy" in note.text()
    after = (
        note.geometry(),
        dock.output_folder.mapTo(dock, dock.output_folder.rect().topLeft()),
        run.mapTo(dock, run.rect().topLeft()),
    )
    assert after == before


def test_a_sentinel2_raster_added_by_hand_shows_in_true_colour(plugin, tmp_path):
    rng = np.random.default_rng(0)
    path = write_geotiff(
        tmp_path / "s2.tif", rng.integers(0, 3000, size=(12, 20, 20)).astype(np.uint16), BOUNDS, "EPSG:4326", L2A_12
    )
    layer = QgsRasterLayer(str(path), "s2")
    QgsProject.instance().addMapLayer(layer)
    renderer = layer.renderer()
    assert (renderer.redBand(), renderer.greenBand(), renderer.blueBand()) == (4, 3, 2)  # B4, B3, B2


def test_errors_are_recognised_by_type_and_said_in_the_users_words():
    from gair_qgis.processing.errors import OverLimit, PointOutsideRaster

    in_german = PointOutsideRaster("SV_POINT (2.35, 48.85) [EPSG:4326] liegt außerhalb des Rasters INPUT")
    assert user_message(in_german).startswith("The place where the photo was taken is outside the RS layer")
    over = OverLimit("EXTENT braucht 900 Kacheln", "tiles", 900, 400)
    assert user_message(over).startswith("This area needs 900 model tiles, more than the limit of 400")
    same_text_other_type = ValueError("SV_POINT lies outside the raster INPUT")  # no rewriting by the words
    assert (
        user_message(same_text_other_type)
        == "The place where the photo was taken lies outside the raster the RS layer."
    )
    assert user_message("MODEL folder x is broken") == "The model folder x is broken."  # generic: words replaced


def test_outputs_go_to_the_gair_output_folder_never_a_temporary_one(qgis_new_project, gair_settings, tmp_path):
    """Results in QGIS's temporary Processing folder make QGIS warn about temporary layers at exit."""
    from qgis.core import QgsProcessingUtils

    from gair_qgis.gui.layers import output_folder, unique_output_path

    gair_settings.setValue("gair/output_folder", "")
    assert output_folder() == Path.home() / "GAIR"  # unsaved project
    QgsProject.instance().setFileName(str(tmp_path / "work" / "project.qgz"))
    assert output_folder() == tmp_path / "work" / "gair"
    assert not unique_output_path("heatmap").startswith(QgsProcessingUtils.tempFolder())
    gair_settings.setValue("gair/output_folder", str(tmp_path / "chosen"))
    assert output_folder() == tmp_path / "chosen"


def _run_heatmap(dock) -> str:
    assert dock.run_panel.start(), dock.run_panel.status.text()
    wait_for_tasks()
    assert dock.result_layer_id is not None, dock.run_panel.status.text()
    return QgsProject.instance().mapLayer(dock.result_layer_id).source()


def test_a_new_result_replaces_the_previous_file_unless_every_result_is_kept(plugin, qgis_iface, l2a_tile, photo):
    dock = plugin.gui.dock(HeatmapDock)
    dock.layer_combo.setLayer(show_raster(qgis_iface, l2a_tile))
    dock.photo.file.setFilePath(str(photo))
    dock.location.set_point(QgsReferencedPointXY(QgsPointXY(9.171, 48.7685), WGS84))
    first = _run_heatmap(dock)
    second = _run_heatmap(dock)
    QgsApplication.processEvents()  # the deletion waits for the event loop
    assert not Path(first).exists() and Path(second).exists()
    dock.keep_results.setChecked(True)
    third = _run_heatmap(dock)
    QgsApplication.processEvents()
    assert Path(second).exists() and Path(third).exists()
    names = [layer.name() for layer in QgsProject.instance().mapLayers().values()]
    assert sum(name.startswith("GAIR heatmap") for name in names) == 2


def test_toolbox_predictions_give_one_styled_layer_per_head(plugin, qgis_processing, qgis_iface, l2a_tile):
    import processing

    package = load_package()
    heads = [h.name for h in package.heads if h.input in ("rs_global", "location")]
    if len(heads) < 2:
        pytest.skip(f"the bundled package {package.name} has fewer than two tile heads")
    rs = show_raster(qgis_iface, l2a_tile)
    processing.runAndLoadResults("gair:tilepredict", {"INPUT": rs.id(), "OUTPUT": "TEMPORARY_OUTPUT"})
    layers = [
        layer
        for layer in QgsProject.instance().layerTreeRoot().layerOrder()
        if layer.name().startswith("GAIR predictions: ")
    ]
    assert sorted(layer.name().split(": ")[1].split(" · ")[0] for layer in layers) == sorted(heads)
    assert all(layer.renderer().type() in ("categorizedSymbol", "graduatedSymbol") for layer in layers)
    assert QgsProject.instance().layerTreeRoot().layerOrder()[0] in layers  # on top


def test_a_class_has_the_same_colour_in_the_tile_layer_and_the_prediction_raster(gair_provider, tmp_path):
    """One colour table per head: gair:tilepredict's grid (only the classes that occur, named in
    the layer's values) and its raster (every class, by index) draw each class alike."""
    from qgis import processing

    from gair_qgis.runtime.package import add_heads

    labels = ["Water body", "urban", "Annual Crop", "forest"]  # not alphabetical, with spaces
    rng = np.random.default_rng(3)
    dim = load_package(UNTRAINED_TWIN).embed_dim
    head = {
        "name": "land",
        "task": "classification",
        "input": "rs_global",
        "labels": labels,
        "metric": {"name": "none", "value": 0.0, "data": "random", "split": "none"},
    }
    layer = (
        rng.normal(0, 5.0, (len(labels), dim)).astype(np.float32),
        np.array([-1e4, 0, 0, -1e4], np.float32),
    )  # only urban and Annual Crop win
    folder = add_heads(UNTRAINED_TWIN, [(head, [layer])], tmp_path / "with-head").root
    pixels = sentinel_like(640, 640, seed=4)
    pixels[:, :, :320] //= 8  # a dark half and a bright one: different tiles, different classes
    scene = write_geotiff(
        tmp_path / "scene.tif", pixels, (500_000.0, 5_400_000.0, 506_400.0, 5_406_400.0), "EPSG:32632", L2A_12
    )  # 3 x 3 tiles
    outputs = processing.run(
        "gair:tilepredict",
        {
            "INPUT": str(scene),
            "MODEL": str(folder),
            "HEAD": "land",
            "OUTPUT": str(tmp_path / "t.gpkg"),
            "OUTPUT_RASTER": str(tmp_path / "t.tif"),
        },
    )
    grid = styling.prediction_layers(QgsVectorLayer(outputs["OUTPUT"], "tiles"), "land", "m", False)[0]
    raster = QgsRasterLayer(outputs["OUTPUT_RASTER"], "raster")
    styling.style_result_raster(raster)
    raster_colours = {c.label: c.color.name() for c in raster.renderer().classes()}
    vector_colours = {c.value(): c.symbol().color().name() for c in grid.renderer().categories()}
    assert sorted(vector_colours) == ["Annual Crop", "urban"]  # alphabetical order is not the head's
    assert vector_colours == {label: raster_colours[label] for label in vector_colours}


def test_a_new_gair_result_hands_the_active_layer_back_to_the_scene(
    plugin, qgis_processing, qgis_iface, l2a_tile, photo
):
    """QGIS makes an added layer the active one, and a Processing dialog's raster input starts
    from the active layer: after a heatmap the next dialog would default to the heatmap."""
    import processing

    scene = show_raster(qgis_iface, l2a_tile)
    qgis_iface.setActiveLayer(scene)
    result = processing.run(
        "gair:svheatmap",
        {
            "INPUT": scene.id(),
            "SV_IMAGE": str(photo),
            "SV_POINT": "9.171,48.7685 [EPSG:4326]",
            "OUTPUT": "TEMPORARY_OUTPUT",
        },
    )
    heatmap = QgsRasterLayer(result["OUTPUT"], "heatmap")
    QgsProject.instance().addMapLayer(heatmap)
    qgis_iface.setActiveLayer(heatmap)  # as QGIS does with a new layer
    wait_until(lambda: qgis_iface.activeLayer() is scene, 5, "the scene to be the active layer again")
    qgis_iface.setActiveLayer(heatmap)  # chosen by the user later: left alone
    time.sleep(0.1)
    QgsApplication.processEvents()
    assert qgis_iface.activeLayer() is heatmap
