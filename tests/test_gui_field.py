"""Embedding fields on the desktop, in a real headless QGIS with the plugin loaded as QGIS loads
it: the heatmap dock's *Search in field* (disabled without a field layer, enabled with one, the
active layer choosing among several; its similarity raster equal to runtime.field.search's for
the same photo), and the models dock's Dask scheduler address (stored when valid, refused with
a line naming the fix when not)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from qgis.core import QgsApplication, QgsProject, QgsRasterLayer, QgsSingleBandPseudoColorRenderer, QgsVectorLayer

from gair_qgis import settings
from gair_qgis.gui.heatmap_dock import HeatmapDock, field_of_layer
from gair_qgis.gui.models_dock import ModelManagerDock

from conftest import L2A_12, sentinel_like, write_geotiff
from gui_support import wait_for_tasks

pytest.importorskip("zarr", reason="the region extras are not installed (pip install -e '.[region]')")

from gair_qgis.runtime.field.build import build_field
from gair_qgis.runtime.field.search import search_field

# a 12-band L2A-like scene of about 6 x 4 km in EPSG:4326 (Stuttgart): a field of several tiles
SCENE_BOUNDS = (9.10, 48.74, 9.10 + 660 * 8.983e-5, 48.74 + 440 * 8.983e-5)


def make_field(folder: Path, name: str = "scene", seed: int = 0) -> Path:
    """A small real field, built in this process (no Dask cluster), with the bundled model."""
    folder.mkdir(parents=True, exist_ok=True)
    scene = write_geotiff(folder / f"{name}.tif", sentinel_like(440, 660, seed=seed), SCENE_BOUNDS, "EPSG:4326", L2A_12)
    out = folder / f"{name}.zarr"
    build_field([str(scene)], out, scheduler="none", log=lambda _: None)
    return out


def add_field_layer(field: Path) -> QgsRasterLayer:
    """The field as QGIS opens it: its PCA view, pca_rgb.tif inside the store."""
    layer = QgsRasterLayer(str(field / "pca_rgb.tif"), f"PCA view of {field.name}")
    assert layer.isValid()
    QgsProject.instance().addMapLayer(layer)
    return layer


@pytest.fixture
def dock(plugin) -> HeatmapDock:
    return plugin.gui.dock(HeatmapDock)


def test_search_in_field_is_enabled_only_with_a_field_layer(dock, qgis_iface, tmp_path, l2a_tile):
    button = dock.search_button
    assert button.text() == "Search in field"
    assert not button.isEnabled() and "gair:fieldbuild" in button.toolTip()
    QgsProject.instance().addMapLayer(QgsRasterLayer(str(l2a_tile), "not a field"))  # a raster, but no field
    assert not button.isEnabled() and "gair:fieldbuild" in button.toolTip()

    first = add_field_layer(make_field(tmp_path / "a"))
    assert button.isEnabled() and "scene.zarr" in button.toolTip()
    assert dock.active_field()[0] == tmp_path / "a" / "scene.zarr"

    second = add_field_layer(make_field(tmp_path / "b", seed=1))  # two fields: the active layer says which
    assert not button.isEnabled() and "Layers panel" in button.toolTip()
    qgis_iface.setActiveLayer(second)
    dock.update_search_button()  # QGIS's currentLayerChanged; pytest-qgis's interface does not emit it
    assert button.isEnabled() and dock.active_field()[0] == tmp_path / "b" / "scene.zarr"

    QgsProject.instance().removeMapLayer(second.id())
    QgsProject.instance().removeMapLayer(first.id())
    assert not button.isEnabled()


def test_without_the_region_extras_the_button_says_how_to_get_them(dock, tmp_path, monkeypatch):
    from gair_qgis.gui import heatmap_dock

    add_field_layer(make_field(tmp_path))
    assert dock.search_button.isEnabled()
    monkeypatch.setattr(heatmap_dock, "region_missing", lambda: ["zarr"])
    dock.update_search_button()
    tip = dock.search_button.toolTip()
    assert not dock.search_button.isEnabled() and tip.startswith("zarr not installed") and "pip install" in tip


def test_search_in_field_adds_the_similarity_and_the_places_of_the_photo(dock, qgis_iface, tmp_path, photo):
    import rasterio

    field = make_field(tmp_path / "fields")
    pca = add_field_layer(field)
    assert not dock.search_in_field()  # no photo yet: says so and starts nothing
    assert dock.run_panel.status.text() == "Choose a street-view photo." and not dock.run_panel.busy

    dock.photo.file.setFilePath(str(photo))
    dock.search_button.click()
    assert dock.run_panel.busy and not dock.search_button.isEnabled()  # in the background
    wait_for_tasks()
    assert not dock.run_panel.busy and dock.search_button.isEnabled(), dock.run_panel.status.text()
    places, similarity = (QgsProject.instance().mapLayer(i) for i in dock.result_layer_ids)
    assert isinstance(places, QgsVectorLayer) and isinstance(similarity, QgsRasterLayer)
    order = [layer.id() for layer in QgsProject.instance().layerTreeRoot().layerOrder()]
    assert order[:3] == [places.id(), similarity.id(), pca.id()]  # on top, the places above the raster
    assert places.name() == "GAIR top places: photo.jpg · scene.zarr"
    assert similarity.name() == "GAIR field similarity: photo.jpg · scene.zarr"
    renderer = similarity.renderer()
    # as the toolbox shows it (usesBands: band() is deprecated in 3.40, inputBand() new in 3.38)
    assert isinstance(renderer, QgsSingleBandPseudoColorRenderer) and renderer.usesBands() == [3]
    assert "place(s) ranked in scene.zarr" in dock.run_panel.status.text()

    reference = search_field(field, photo, tmp_path / "reference.gpkg", tmp_path / "reference.tif", top=20)
    with rasterio.open(similarity.source()) as ours, rasterio.open(reference.raster) as theirs:
        assert ours.descriptions == theirs.descriptions == ("rs_cosine", "location_cosine", "combined_z")
        assert ours.transform == theirs.transform and ours.crs == theirs.crs
        np.testing.assert_array_equal(ours.read(), theirs.read())  # NaN where no tile, equal elsewhere
        assert np.isfinite(ours.read(1)).sum() > 1
    expected = sum(len(ranked) for ranked in reference.places.values())
    assert places.featureCount() == expected

    assert field_of_layer(similarity) == field  # a search raster records its field: active, it names that field


def test_a_cancelled_or_failed_search_adds_nothing_and_leaves_no_file(dock, tmp_path, photo):
    add_field_layer(make_field(tmp_path / "fields"))
    outputs = tmp_path / "outputs"
    layers = set(QgsProject.instance().mapLayers())
    dock.photo.file.setFilePath(str(photo))
    assert dock.search_in_field()
    dock.run_panel.cancel_button.click()  # the search runs for about a second
    wait_for_tasks()
    assert dock.run_panel.status.text() == "Cancelled; nothing was added."
    assert set(QgsProject.instance().mapLayers()) == layers and dock.search_button.isEnabled()

    broken = tmp_path / "broken.jpg"
    broken.write_text("not a photo")
    dock.photo.file.setFilePath(str(broken))
    assert dock.search_in_field()
    wait_for_tasks()
    status = dock.run_panel.status.text()
    assert "broken.jpg" in status and "\n" not in status and "Traceback" not in status
    assert set(QgsProject.instance().mapLayers()) == layers
    wait_for_tasks()
    QgsApplication.processEvents()  # the deferred deletion
    assert not list(outputs.glob("fieldsearch_*")), list(outputs.iterdir())


def test_the_dask_scheduler_is_stored_when_it_is_an_address_and_refused_when_not(plugin):
    from gair_qgis.processing.field import scheduler_default

    panel = plugin.gui.dock(ModelManagerDock).providers
    assert panel.scheduler.text() == "" and "local cluster" in panel.scheduler.placeholderText()
    panel.scheduler.setText(" tcp://10.0.0.5:8786 ")
    panel.scheduler.editingFinished.emit()
    assert settings.dask_scheduler_setting() == "tcp://10.0.0.5:8786" == scheduler_default()
    assert panel.scheduler.text() == "tcp://10.0.0.5:8786" and panel.scheduler_message.isHidden()

    for bad in ("10.0.0.5:8786", "tcp://10.0.0.5", "http://host:8786", "tcp://host:99999"):
        panel.scheduler.setText(bad)
        panel.scheduler.editingFinished.emit()
        message = panel.scheduler_message.text()
        assert not panel.scheduler_message.isHidden() and repr(bad) in message and "tcp://host:port" in message
        assert "\n" not in message and settings.dask_scheduler_setting() == "tcp://10.0.0.5:8786"  # kept

    panel.scheduler.setText("tls://scheduler.example.org:8786")
    panel.scheduler.editingFinished.emit()
    assert settings.dask_scheduler_setting() == "tls://scheduler.example.org:8786"
    panel.scheduler.setText("")
    panel.scheduler.editingFinished.emit()
    assert settings.dask_scheduler_setting() == "" and panel.scheduler_message.isHidden()
