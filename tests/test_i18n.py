"""The plugin in the user's language, in a real headless QGIS: with its options set to German
(locale/userLocale), the plugin's translator (installed at plugin load) shows the docks, a
refused run, the Processing names, help, parameters and errors in German; qgis_process follows
the system's language. The strings themselves are checked without QGIS in test_i18n_strings.py."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsProcessingContext, QgsSettings
from qgis.PyQt.QtWidgets import QLabel

from gair_qgis import classFactory, translation

ROOT = Path(__file__).resolve().parents[1]
LOCALE_KEYS = ("locale/userLocale", "locale/overrideFlag")


def compile_translations() -> None:
    """The .qm files as the build makes them (scripts/i18n.sh build: lrelease)."""
    assert shutil.which("lrelease"), "lrelease not found: apt install qttools5-dev-tools (scripts/setup.sh)"
    subprocess.run([str(ROOT / "scripts" / "i18n.sh"), "build"], check=True)


# --- QGIS in German ------------------------------------------------------------------------------


@pytest.fixture
def german_plugin(qgis_iface, qgis_new_project, gair_settings):
    """The plugin loaded by a QGIS whose options say German (locale/userLocale=de with
    locale/overrideFlag), unloaded and the options restored after the test."""
    compile_translations()
    settings = QgsSettings()
    saved = {key: settings.value(key) for key in LOCALE_KEYS}
    settings.setValue("locale/userLocale", "de")
    settings.setValue("locale/overrideFlag", True)
    plugin = classFactory(qgis_iface)
    try:
        plugin.initGui()
        qgis_iface.messageBar().clear_messages()
        yield plugin
    finally:
        plugin.unload()
        for key, value in saved.items():
            settings.remove(key) if value is None else settings.setValue(key, value)


def test_german_qgis_shows_the_docks_in_german(german_plugin, qgis_iface):
    from gair_qgis.gui.heatmap_dock import HeatmapDock
    from gair_qgis.gui.location_dock import LocationDock

    heatmap = german_plugin.gui.dock(HeatmapDock)
    labels = {label.text() for label in heatmap.findChildren(QLabel)}
    assert {"Fernerkundungs-Layer", "Foto", "Modell", "Ausgabeordner"} <= labels
    assert heatmap.keep_results.text() == "Jedes Ergebnis behalten"  # made by the docks' base class
    assert heatmap.run_panel.run_button.text() == "Ausführen"
    assert any(text.startswith("Wo in der Satellitenszene passt dieses Straßenansichtsfoto hin?") for text in labels)
    assert german_plugin.gui.dock(LocationDock).windowTitle() == "Ort"
    assert {"GAIR-Heatmap", "GAIR-Ort", "GAIR-Vorhersagen", "GAIR-Modelle"} <= {
        action.text() for action in german_plugin.gui.actions
    }


def test_german_qgis_shows_the_models_dock_in_german(german_plugin):
    from gair_qgis.gui.models_dock import DownloadPanel, ImportPanel, ModelManagerDock

    models = german_plugin.gui.dock(ModelManagerDock)
    (download,) = models.findChildren(DownloadPanel)
    assert download.title() == "GAIR herunterladen"
    assert download.cancel_button.text() == "Abbrechen"  # made by the panels' base class
    assert download.status.text().startswith("Etwa 814 MB von Hugging Face")
    (importer,) = models.findChildren(ImportPanel)
    assert (importer.title(), importer.import_button.text()) == ("Checkpoint-Datei importieren", "Importieren")


def test_german_qgis_refuses_a_run_in_german(german_plugin, qgis_iface):
    from gair_qgis.gui.heatmap_dock import HeatmapDock

    heatmap = german_plugin.gui.dock(HeatmapDock)
    heatmap.layer_combo.setLayer(None)
    assert not heatmap.run_panel.start()
    assert heatmap.run_panel.status.text() == "Wählen Sie einen Fernerkundungs-Raster-Layer."


def test_german_qgis_shows_processing_help_and_errors_in_german(german_plugin, l2a_tile):
    from gair_qgis.gui.runner import RecordingFeedback

    registry = QgsApplication.processingRegistry()
    heatmap = registry.algorithmById("gair:svheatmap")
    assert heatmap.displayName() == "Ähnlichkeits-Heatmap eines Straßenansichtsfotos"
    assert heatmap.group() == "Straßenansicht"
    assert heatmap.shortHelpString().startswith("Kosinus-Ähnlichkeit")
    assert heatmap.parameterDefinition("INPUT").description() == "Sentinel-2-L2A-Raster (beliebiges KBS)"
    feedback = RecordingFeedback()
    _, ok = registry.createAlgorithmById("gair:rsembed").run(
        {"INPUT": str(l2a_tile), "OUTPUT_TYPE": 1}, QgsProcessingContext(), feedback
    )
    assert not ok
    assert any("OUTPUT_TYPE 1 schreibt ein Raster: Setzen Sie OUTPUT" in error for error in feedback.errors), (
        feedback.errors
    )


def test_unloading_the_plugin_removes_its_translator(german_plugin):
    assert translation.translate("RunPanel", "Run") == "Ausführen"
    german_plugin.unload()
    assert translation.translate("RunPanel", "Run") == "Run"


# --- qgis_process in German ----------------------------------------------------------------------


def qgis_process_german(*args: str) -> subprocess.CompletedProcess:
    """scripts/qgis_process with the system language German (no plugin GUI: the Processing
    provider installs the translator)."""
    env = {**os.environ, "LANG": "de_DE.UTF-8", "LANGUAGE": "de"}
    env.pop("LC_ALL", None)
    return subprocess.run(
        [str(ROOT / "scripts" / "qgis_process"), *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_qgis_process_in_german_shows_the_help_and_errors_in_german(l2a_tile, tmp_path):
    compile_translations()
    helped = qgis_process_german("help", "gair:svheatmap")
    assert helped.returncode == 0, helped.stderr
    assert "Ähnlichkeits-Heatmap eines Straßenansichtsfotos (gair:svheatmap)" in helped.stdout
    assert "Kosinus-Ähnlichkeit" in helped.stdout
    failed = qgis_process_german("run", "gair:rsembed", "--", f"INPUT={l2a_tile}", "OUTPUT_TYPE=1")
    assert failed.returncode != 0
    assert "OUTPUT_TYPE 1 schreibt ein Raster" in failed.stdout + failed.stderr
