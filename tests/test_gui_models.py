"""In a real headless QGIS: the models dock downloads the released-layout checkpoint from a
local server through QGIS's network stack (resume after a dropped connection, 404), an
expected SHA-256 is checked (a malformed one refused before any transfer; a file with another
hash removed, nothing installed, and the message with both hashes wraps inside the dock), a
new package becomes the active model, and switching the active model reaches every dock and
the Processing algorithms (their MODEL default, its list of installed packages, and a run
without MODEL)."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest
from qgis.core import Qgis, QgsApplication, QgsVectorLayer
from test_gui_layout import clipped, main_window, show_docks  # noqa: F401 (main_window: the fixture)

from gair_qgis.gui.heatmap_dock import HeatmapDock
from gair_qgis.gui.location_dock import LocationDock
from gair_qgis.gui.models_dock import ModelManagerDock
from gair_qgis.gui.network import qgis_transport
from gair_qgis.gui.predictions_dock import PredictionsDock
from gair_qgis.gui.widgets import ZERO_WIDTH_SPACE
from gair_qgis.runtime import download
from gair_qgis.runtime.import_checkpoint import import_released
from gair_qgis.runtime.package import ModelPackage, add_heads, bundled_package_path

from gui_support import wait_for_tasks, wait_until
from http_support import MisbehavingServer
from released_reference import save_compact_released_checkpoint

ALGORITHMS = ("svheatmap", "rsembed", "locationraster", "tilepredict", "svpoints")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return save_compact_released_checkpoint(tmp_path_factory.mktemp("served") / "checkpoint.pth", seed=5)


@pytest.fixture
def server(checkpoint):
    with MisbehavingServer(checkpoint.read_bytes()) as running:
        yield running


def every_chooser(plugin) -> list:
    return [
        dock.model_chooser
        for dock in (plugin.gui.dock(HeatmapDock), plugin.gui.dock(LocationDock), plugin.gui.dock(PredictionsDock))
    ]


def test_the_qgis_transport_restarts_once_when_the_server_ignores_range(qgis_app, server, checkpoint, tmp_path):
    notes: list[str] = []
    partial = tmp_path / "checkpoint.pth.part"
    download.fetch(
        server.url("norange"), partial, download.Fetch(transport=qgis_transport, say=notes.append, backoff_s=0)
    )
    assert partial.read_bytes() == checkpoint.read_bytes()
    assert len(server.ranges("norange")) == 2 and server.ranges("norange")[1].startswith("bytes=")
    assert sum("starting again from zero" in n for n in notes) == 1


def test_download_gair_in_the_models_dock_resumes_and_makes_the_package_active(
    plugin, qgis_iface, server, checkpoint, tmp_path
):
    downloader = plugin.gui.dock(ModelManagerDock).downloader
    downloader.url.setText(server.url("drop"))
    out = tmp_path / "models" / "gair-released"
    downloader.out_folder.setFilePath(str(out))
    assert downloader.start()
    wait_for_tasks(300)
    text = downloader.status.text()
    assert "is now the active GAIR model" in text, text
    half = checkpoint.stat().st_size // 2
    assert server.ranges("drop") == ["", f"bytes={half}-"]  # resumed through QgsNetworkAccessManager
    reference = import_released(checkpoint, tmp_path / "reference" / "gair-released", name="gair-released")
    package = ModelPackage.load(out)
    assert package.meta["files"] == reference.meta["files"]
    assert package.meta["provenance"]["source_sha256"] == reference.meta["provenance"]["source_sha256"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["gair-released"]  # partial file removed
    folder = str(out.resolve())
    assert plugin.gui.catalog.active_folder() == folder
    assert all(chooser.current_folder() == folder for chooser in every_chooser(plugin))
    assert any(
        "gair-released is now the active" in m for m in qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Success)
    )


def test_a_download_that_is_not_found_says_so_and_installs_nothing(plugin, server, tmp_path):
    downloader = plugin.gui.dock(ModelManagerDock).downloader
    downloader.url.setText(server.url("missing"))
    downloader.out_folder.setFilePath(str(tmp_path / "gair-released"))
    before = plugin.gui.catalog.active_folder()
    assert downloader.start()
    wait_for_tasks()
    assert downloader.status.text().startswith("not found: ") and downloader.download_button.isEnabled()
    assert list(tmp_path.iterdir()) == [] and plugin.gui.catalog.active_folder() == before


@pytest.fixture
def hash_field(plugin):
    """The download panel's Expected SHA-256 field, emptied again after the test."""
    downloader = plugin.gui.dock(ModelManagerDock).downloader
    yield downloader.sha256
    downloader.sha256.clear()


@pytest.mark.usefixtures("main_window")  # QGIS's main window shown at 1280x800
def test_a_download_with_another_sha256_is_removed_and_installs_nothing(
    plugin, qgis_iface, server, checkpoint, hash_field, tmp_path
):
    show_docks(qgis_iface.mainWindow(), plugin.gui)  # the docks at their default width
    dock = plugin.gui.dock(ModelManagerDock)
    dock.raise_()
    downloader = dock.downloader
    downloader.url.setText(server.url("ok"))
    downloader.out_folder.setFilePath(str(tmp_path / "gair-released"))
    actual = hashlib.sha256(checkpoint.read_bytes()).hexdigest()
    hash_field.setText("0" * 64)
    before = (plugin.gui.catalog.active_folder(), [e.folder for e in plugin.gui.catalog.entries()])
    assert downloader.start()
    wait_for_tasks()
    text = downloader.status.text()
    assert f"has sha256 {actual}, not the expected {'0' * 64}" in text, text
    assert "it was removed and nothing was written: check the address and the hash" in text
    assert server.ranges("ok") == [""]  # the whole file was transferred, then refused
    assert list(tmp_path.iterdir()) == []  # no package, no partial file, no download folder
    assert (plugin.gui.catalog.active_folder(), [e.folder for e in plugin.gui.catalog.entries()]) == before
    assert downloader.download_button.isEnabled() and downloader.progress.value() == 0
    wait_until(lambda: True, 1)  # the message is laid out
    assert clipped(dock) == []  # both 64-digit hashes wrap inside the dock


@pytest.mark.parametrize("typed", ["abc123", "0" * 63, "g" * 64, "0" * 64 + "0"])
def test_a_malformed_sha256_is_refused_before_any_transfer(plugin, server, hash_field, tmp_path, typed):
    downloader = plugin.gui.dock(ModelManagerDock).downloader
    downloader.url.setText(server.url("ok"))
    downloader.out_folder.setFilePath(str(tmp_path / "gair-released"))
    hash_field.setText(typed)
    assert not downloader.start()
    wait_for_tasks()
    assert downloader.task is None and QgsApplication.taskManager().countActiveTasks() == 0
    text = downloader.status.text()
    assert text.startswith("Not started: the expected SHA-256 must be 64 hexadecimal digits"), text
    assert f"this one has {len(typed)} characters, {typed.count('g')} of them not hexadecimal" in text
    assert server.requests == [] and list(tmp_path.iterdir()) == []
    assert downloader.download_button.isEnabled()


def test_the_published_sha256_pasted_in_capitals_with_spaces_is_accepted(
    plugin, server, checkpoint, hash_field, tmp_path
):
    downloader = plugin.gui.dock(ModelManagerDock).downloader
    downloader.url.setText(server.url("ok"))
    out = tmp_path / "gair-checked"
    downloader.out_folder.setFilePath(str(out))
    published = hashlib.sha256(checkpoint.read_bytes()).hexdigest().upper()
    # in groups, with a break opportunity as a copy from a GAIR status line carries one
    hash_field.setText(f"  {published[:32]} {published[32:48]}{ZERO_WIDTH_SPACE}{published[48:]} ")
    assert downloader.start()
    wait_for_tasks(300)
    assert "is now the active GAIR model" in downloader.status.text(), downloader.status.text()
    assert (
        ModelPackage.load(out).meta["provenance"]["source_sha256"]
        == hashlib.sha256(checkpoint.read_bytes()).hexdigest()
    )


@pytest.fixture
def second_package(tmp_path):
    """A copy of the bundled package under another name, with one tile head of its own."""
    rng = np.random.default_rng(0)
    spec = {"name": "brightness", "task": "classification", "input": "rs_global", "labels": ["dark", "bright"]}
    layers = [(rng.normal(size=(2, 128)).astype(np.float32), np.zeros(2, np.float32))]
    photo_spec = {"name": "greenery", "task": "regression", "input": "sv", "targets": ["green_view"]}
    photo_layers = [(rng.normal(size=(1, 128)).astype(np.float32), np.zeros(1, np.float32))]
    copy = tmp_path / "other-model"
    shutil.copytree(bundled_package_path(), copy)
    package = add_heads(copy, [(spec, layers), (photo_spec, photo_layers)])
    meta_path = copy / "model.json"
    bundled_name = ModelPackage.load(bundled_package_path()).name
    meta_path.write_text(meta_path.read_text().replace(f'"name": "{bundled_name}"', '"name": "other-model"', 1))
    return ModelPackage.load(copy) if package else None


def processing_model_parameter(name: str, parameter: str = "MODEL") -> tuple[str, list[str]]:
    """A parameter of a fresh instance (as a toolbox dialog makes): default and offered values."""
    algorithm = QgsApplication.processingRegistry().createAlgorithmById(f"gair:{name}")
    definition = algorithm.parameterDefinition(parameter)
    return definition.defaultValue(), list(definition.metadata()["widget_wrapper"]["value_hints"])


def test_switching_the_active_model_reaches_every_dock_and_processing(plugin, second_package, l2a_tile, tmp_path):
    import processing

    catalog = plugin.gui.catalog
    bundled = str(bundled_package_path())
    bundled_package = ModelPackage.load(bundled)
    other = str(second_package.root.resolve())
    catalog.add_folder(second_package.root)
    # the models dock's "Use this model"
    packages = plugin.gui.dock(ModelManagerDock).packages
    packages.list.setCurrentRow([e.folder for e in catalog.entries()].index(other))
    packages.use_current()
    assert "other-model" in packages.active.text()
    assert all(chooser.current_folder() == other for chooser in every_chooser(plugin))
    predictions = plugin.gui.dock(PredictionsDock)
    assert "brightness" in [predictions.head.itemData(i) for i in range(predictions.head.count())]
    photo_item = next(i for i in range(predictions.head.count()) if "greenery" in predictions.head.itemText(i))
    assert not predictions.head.model().item(photo_item).isEnabled()  # listed, but it needs a photo
    assert set(processing_model_parameter("tilepredict", "HEAD")[1]) == (
        {h.name for h in bundled_package.heads if h.input != "sv"} | {"brightness"}
    )
    assert "greenery" in processing_model_parameter("svpoints", "HEAD")[1]
    for name in ALGORITHMS:
        default, offered = processing_model_parameter(name)
        assert default == "other-model", name
        assert {bundled_package.name, "other-model"} <= set(offered)
    result = processing.run("gair:tilepredict", {"INPUT": str(l2a_tile), "OUTPUT": str(tmp_path / "a.gpkg")})
    fields = QgsVectorLayer(result["OUTPUT"], "a").fields().names()
    assert "brightness" in fields  # the active package's head: MODEL was not given

    # a dock's own chooser switches it back for everyone
    heatmap = plugin.gui.dock(HeatmapDock).model_chooser
    heatmap.setCurrentIndex(heatmap.findData(bundled))
    assert catalog.active_folder() == bundled
    assert all(chooser.current_folder() == bundled for chooser in every_chooser(plugin))
    assert bundled_package.name in packages.active.text()
    assert processing_model_parameter("svheatmap")[0] == bundled_package.name
    result = processing.run("gair:tilepredict", {"INPUT": str(l2a_tile), "OUTPUT": str(tmp_path / "b.gpkg")})
    fields = QgsVectorLayer(result["OUTPUT"], "b").fields().names()
    assert "brightness" not in fields and "land_cover" in fields
    # MODEL still takes an installed package's name or a folder path
    by_name = processing.run(
        "gair:tilepredict", {"INPUT": str(l2a_tile), "MODEL": "other-model", "OUTPUT": str(tmp_path / "c.gpkg")}
    )
    by_path = processing.run(
        "gair:tilepredict", {"INPUT": str(l2a_tile), "MODEL": other, "OUTPUT": str(tmp_path / "d.gpkg")}
    )
    for result in (by_name, by_path):
        assert "brightness" in QgsVectorLayer(result["OUTPUT"], "x").fields().names()
