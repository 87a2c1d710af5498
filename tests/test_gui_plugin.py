"""Loading and unloading the plugin as QGIS does leaves no provider, dock, toolbar or map tool."""

from __future__ import annotations

from qgis.core import QgsApplication
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QCoreApplication, QEvent
from qgis.PyQt.QtWidgets import QToolBar

from gair_qgis import classFactory
from gair_qgis.gui.heatmap_dock import HeatmapDock


def _gair_widgets(main_window, kind) -> list:
    return [w for w in main_window.findChildren(kind) if w.objectName().startswith("Gair")]


def test_load_registers_the_provider_and_docks_and_unload_removes_them(qgis_iface, qgis_new_project, gair_settings):
    registry = QgsApplication.processingRegistry()
    assert registry.providerById("gair") is None
    plugin = classFactory(qgis_iface)
    plugin.initGui()
    window = qgis_iface.mainWindow()
    assert registry.providerById("gair") is not None
    assert registry.algorithmById("gair:svheatmap") is not None
    assert len(_gair_widgets(window, QgsDockWidget)) == 4
    assert len(_gair_widgets(window, QToolBar)) == 1
    heatmap = plugin.gui.dock(HeatmapDock)
    heatmap.location.button.setChecked(True)  # our map tool is active when QGIS unloads us
    assert qgis_iface.mapCanvas().mapTool() is heatmap.location.tool

    plugin.unload()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QgsApplication.processEvents()
    assert registry.providerById("gair") is None
    assert _gair_widgets(window, QgsDockWidget) == []
    assert _gair_widgets(window, QToolBar) == []
    assert qgis_iface.mapCanvas().mapTool() is None
    assert plugin.gui is None


def test_the_plugin_can_be_loaded_again_after_unload(qgis_iface, qgis_new_project, gair_settings):
    for _ in range(2):
        plugin = classFactory(qgis_iface)
        plugin.initGui()
        assert QgsApplication.processingRegistry().providerById("gair") is not None
        plugin.unload()
    assert QgsApplication.processingRegistry().providerById("gair") is None


def test_a_plugin_loaded_while_a_gair_provider_is_registered_unloads_cleanly(
    qgis_iface, qgis_new_project, gair_settings
):
    """QGIS deletes a provider whose id is taken ("Duplicate provider gair registered"): the
    plugin keeps no reference to it, its unload leaves the provider it found in place."""
    from gair_qgis.processing.provider import GairProvider

    registry = QgsApplication.processingRegistry()
    first = GairProvider()
    assert registry.addProvider(first)
    try:
        plugin = classFactory(qgis_iface)
        plugin.initGui()
        assert plugin.provider is None
        plugin.unload()  # raised "wrapped C/C++ object of type GairProvider has been deleted"
        assert registry.providerById("gair") is first
    finally:
        registry.removeProvider("gair")
