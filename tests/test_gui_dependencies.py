"""The dependency installer dialog, its message-bar offer and the models dock's Dependencies panel,
in a headless QGIS (pytest-qgis). The installer process is a real subprocess standing in for
`python -m gair_qgis.deps install`: one that fails, one that succeeds, one that is cancelled and
one that ignores the cancel (and is killed)."""

from __future__ import annotations

import sys

import pytest
from qgis.core import QgsSettings
from qgis.PyQt.QtWidgets import QPushButton
from test_deps import pypi_reachable

from gair_qgis import deps
from gair_qgis.gui import dependencies
from gair_qgis.gui.dependencies import DependenciesDialog, DependencyOffer, DependencyPanel

from gui_support import wait_until

PREFIX = deps.PROGRESS_PREFIX

SUCCEEDS = f"""
import json, os, sys
folder = os.path.join(sys.argv[1], 'python%d.%d' % sys.version_info[:2])
print('{PREFIX}10 downloading', flush=True)
print('Collecting onnxruntime==1.32.0', flush=True)
print('{PREFIX}85 checking', flush=True)
os.makedirs(folder)
open(os.path.join(folder, '{deps.MARKER}'), 'w').write(json.dumps({{'packages': {{'onnxruntime': '1.32.0'}}}}))
print('Successfully installed onnxruntime-1.32.0', flush=True)
print('{PREFIX}100 installed', flush=True)
"""

FAILS = f"""
import sys
print('{PREFIX}10 downloading', flush=True)
print('ERROR: No matching distribution found for onnxruntime==1.32.0', flush=True)
print('gair_qgis.deps install: pip failed (exit code 1); the log above says why. Nothing was changed',
      file=sys.stderr, flush=True)
sys.exit(2)
"""

WAITS_FOR_CANCEL = f"""
import os, sys, time
print('{PREFIX}10 downloading', flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
print('gair_qgis.deps: cancelled; nothing was changed', file=sys.stderr, flush=True)
sys.exit({deps.EXIT_CANCELLED})
"""

IGNORES_CANCEL = f"""
import time
print('{PREFIX}10 downloading', flush=True)
time.sleep(300)
"""


def fake(script: str):
    """A command factory running `script` with (root, cancel file) as its arguments."""
    return lambda root, cancel_file: (sys.executable, ["-c", script, str(root), str(cancel_file)])


@pytest.fixture
def restore_sys_path(monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))


def run_dialog(dialog: DependenciesDialog) -> list[tuple[bool, str]]:
    results: list[tuple[bool, str]] = []
    dialog.installed.connect(lambda ok, message: results.append((ok, message)))
    assert dialog.start()
    assert dialog.is_running() and not dialog.install_button.isEnabled() and dialog.cancel_button.isEnabled()
    return results


def test_the_dialog_says_what_it_will_install_and_where(qgis_app, tmp_path):
    dialog = DependenciesDialog(tmp_path / "gair_deps", command=fake(SUCCEEDS))
    text = dialog.plan_label.text()
    assert "install onnxruntime==" in text and "(kept as it is)" in text
    assert str(deps.python_folder(tmp_path / "gair_deps")) in text
    assert dialog.install_button.text() == "Install" and dialog.install_button.isEnabled()


def test_a_successful_install_shows_progress_the_log_and_becomes_repair(qgis_app, tmp_path, restore_sys_path):
    root = tmp_path / "gair_deps"
    dialog = DependenciesDialog(root, command=fake(SUCCEEDS))
    results = run_dialog(dialog)
    wait_until(lambda: results, 60, "the fake installer")
    ok, message = results[0]
    assert ok and dialog.progress.value() == 100 and not dialog.is_running()
    assert "Successfully installed onnxruntime-1.32.0" in dialog.log.toPlainText()
    assert PREFIX not in dialog.log.toPlainText()  # progress lines drive the bar, not the log
    assert sys.path[0] == str(deps.python_folder(root))  # on sys.path in this QGIS right away
    # the fake put no onnxruntime into the folder: this session's comes from elsewhere, so it says restart
    assert message.startswith(f"installed into {deps.python_folder(root)}") and "restart QGIS" in message
    assert dialog.status.text() == message and dialog.install_button.text() == "Repair"
    assert dialog.install_button.isEnabled() and dialog.close_button.isEnabled()


def test_an_installer_that_exits_0_without_installing_is_not_taken_for_success(qgis_app, tmp_path):
    dialog = DependenciesDialog(tmp_path / "gair_deps", command=fake("print('done')"))
    results = run_dialog(dialog)
    wait_until(lambda: results, 60, "the fake installer")
    ok, message = results[0]
    assert not ok and message.startswith("nothing was installed into") and dialog.install_button.text() == "Install"


def test_a_failed_install_says_why_and_changes_nothing(qgis_app, tmp_path):
    root = tmp_path / "gair_deps"
    dialog = DependenciesDialog(root, command=fake(FAILS))
    results = run_dialog(dialog)
    wait_until(lambda: results, 60, "the fake installer")
    assert results == [(False, "Failed: pip failed (exit code 1); the log above says why. Nothing was changed")]
    assert "No matching distribution found" in dialog.log.toPlainText()
    assert not root.exists() and dialog.install_button.isEnabled() and dialog.install_button.text() == "Install"


def test_cancel_stops_the_installer(qgis_app, tmp_path):
    dialog = DependenciesDialog(tmp_path / "gair_deps", command=fake(WAITS_FOR_CANCEL))
    results = run_dialog(dialog)
    wait_until(lambda: dialog.progress.value() == 10, 60, "the installer's first progress line")
    dialog.cancel()
    wait_until(lambda: results, 60, "the installer to stop")
    assert results == [(False, "Cancelled; nothing was changed.")] and dialog.progress.value() == 0
    assert dialog.cancel_file is not None
    assert not dialog.cancel_file.exists() and not (tmp_path / "gair_deps").exists()


def test_an_installer_that_ignores_cancel_is_killed(qgis_app, tmp_path, monkeypatch):
    monkeypatch.setattr(dependencies, "KILL_AFTER_MS", 300)
    dialog = DependenciesDialog(tmp_path / "gair_deps", command=fake(IGNORES_CANCEL))
    results = run_dialog(dialog)
    wait_until(lambda: dialog.progress.value() == 10, 60, "the installer's first progress line")
    dialog.cancel()
    wait_until(lambda: results, 60, "the installer to be killed")
    assert results == [(False, "Cancelled; nothing was changed.")] and not dialog.is_running()


def test_closing_the_dialog_while_installing_cancels_first(qgis_app, tmp_path):
    dialog = DependenciesDialog(tmp_path / "gair_deps", command=fake(WAITS_FOR_CANCEL))
    dialog.show()
    results = run_dialog(dialog)
    wait_until(lambda: dialog.progress.value() == 10, 60, "the installer's first progress line")
    assert dialog.close() is False and dialog.isVisible()  # still running: it cancels, then closes
    wait_until(lambda: results and not dialog.isVisible(), 60, "the dialog to close")
    assert results == [(False, "Cancelled; nothing was changed.")]


@pytest.mark.network
@pytest.mark.skipif(not pypi_reachable(), reason="pypi.org cannot be reached: installing needs it")
def test_the_dialog_runs_the_real_installer_with_qgis_python(qgis_app, tmp_path, restore_sys_path):
    """The default command: QGIS's Python running `-m gair_qgis.deps install` from the plugins folder."""
    root = tmp_path / "gair_deps"
    dialog = DependenciesDialog(root)
    results = run_dialog(dialog)
    wait_until(lambda: results, 900, "the installer")
    assert results[0][0], dialog.log.toPlainText()[-3000:]
    assert "checked: onnxruntime" in dialog.log.toPlainText() and dialog.progress.value() == 100
    record = deps.read_marker(deps.python_folder(root))
    assert record is not None
    assert record["packages"]["onnxruntime"] == deps.requirements_for()[0].version


PRINTS_PROXY = """
import os
print('proxy:', os.environ.get('HTTPS_PROXY'), flush=True)
"""


def test_qgis_proxy_settings_reach_the_installer_by_environment(qgis_app, tmp_path):
    settings = QgsSettings()
    keys = {
        "proxy/proxyEnabled": True,
        "proxy/proxyType": "HttpProxy",
        "proxy/proxyHost": "proxy.example",
        "proxy/proxyPort": "3128",
        "proxy/proxyUser": "me",
        "proxy/proxyPassword": "s@cret",
    }
    saved = {key: settings.value(key) for key in keys}
    try:
        for key, value in keys.items():
            settings.setValue(key, value)
        assert dependencies.qgis_proxy() == "http://me:s%40cret@proxy.example:3128"
        dialog = DependenciesDialog(tmp_path / "gair_deps", command=fake(PRINTS_PROXY))
        results = run_dialog(dialog)
        wait_until(lambda: results, 60, "the fake installer")
        assert "proxy: http://me:s%40cret@proxy.example:3128" in dialog.log.toPlainText()
        settings.setValue("proxy/proxyEnabled", False)
        assert dependencies.qgis_proxy() is None
    finally:
        for key, value in saved.items():
            if value is None:
                settings.remove(key)
            else:
                settings.setValue(key, value)


def test_the_message_bar_offers_the_installer_when_onnxruntime_cannot_be_imported(qgis_iface, tmp_path, monkeypatch):
    offer = DependencyOffer(qgis_iface, tmp_path / "gair_deps")
    pytest.importorskip("onnxruntime")
    assert offer.offer_if_needed() is False  # it imports: nothing to offer
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # the way Python blocks an import
    assert offer.offer_if_needed() is True
    item = offer.item
    assert item is not None
    assert "onnxruntime is not installed in QGIS's Python" in item.text()
    button = next(w for w in item.findChildren(QPushButton) if w.text() == "Install…")
    button.click()
    assert offer.dialog is not None and offer.dialog.isVisible()
    offer.unload()
    assert offer.dialog is None and offer.item is None


def test_the_dock_panel_shows_the_status_and_removes_only_its_folder(qgis_app, tmp_path, restore_sys_path):
    root = tmp_path / "gair_deps"
    panel = DependencyPanel(root)
    pytest.importorskip("onnxruntime")
    assert panel.summary.text().startswith("onnxruntime ") and "QGIS's Python" in panel.summary.text()
    assert panel.install_button.text() == "Install…" and not panel.remove_button.isEnabled()

    folder = deps.python_folder(root)
    folder.mkdir(parents=True)
    (folder / deps.MARKER).write_text('{"packages": {"onnxruntime": "1.32.0", "flatbuffers": "25.12.19"}}')
    panel.refresh()
    assert f"Installed by the plugin in {folder}: onnxruntime 1.32.0, flatbuffers 25.12.19" in panel.summary.text()
    assert panel.install_button.text() == "Repair…" and panel.remove_button.isEnabled()
    changed: list[bool] = []
    panel.changed.connect(lambda: changed.append(True))
    assert panel.remove(confirm=False) == f"Removed {folder}."
    assert not folder.exists() and changed and not panel.remove_button.isEnabled()


def test_the_models_dock_has_the_dependency_panel(qgis_iface):
    from gair_qgis.gui.model_catalog import ModelCatalog
    from gair_qgis.gui.models_dock import ModelManagerDock

    dock = ModelManagerDock(qgis_iface, ModelCatalog())
    try:
        assert isinstance(dock.dependencies, DependencyPanel)
        assert dock.dependencies.root == deps.root_in_profile(dependencies.QgsApplication.qgisSettingsDirPath())
    finally:
        dock.cleanup()
        dock.setParent(None)  # off the shared test main window (other tests count its docks)
        dock.deleteLater()


def test_one_status_refreshes_every_panel_and_the_failed_run_after_an_install(
    qgis_iface, qgis_new_project, gair_settings, tmp_path, monkeypatch, restore_sys_path, l2a_tile, gair_provider
):
    """onnxruntime missing: the location dock's run fails and the message bar offers Install;
    the installer (a stand-in pip) finishes: both models-dock panels and the failed dock say so
    at once, and the offer leaves the bar, with no restart and no refresh by hand."""
    from gair_qgis.cache import SESSIONS
    from gair_qgis.gui import GairGui
    from gair_qgis.gui.location_dock import LocationDock
    from gair_qgis.gui.models_dock import ModelManagerDock

    from gui_support import show_raster, wait_for_tasks

    pytest.importorskip("onnxruntime")
    root = tmp_path / "gair_deps"
    monkeypatch.setattr(dependencies, "deps_root", lambda: root)
    monkeypatch.setattr(dependencies, "installer_command", fake(SUCCEEDS))
    SESSIONS.clear()  # no session opened by an earlier test hides the missing onnxruntime
    onnxruntime = sys.modules["onnxruntime"]
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # the way Python blocks an import
    gui = GairGui(qgis_iface)
    gui.init_gui()
    try:
        models = gui.dock(ModelManagerDock)
        location = gui.dock(LocationDock)
        assert isinstance(models, ModelManagerDock) and isinstance(location, LocationDock)
        assert "not installed" in models.providers.summary.text()
        assert "not installed" in models.dependencies.summary.text()
        show_raster(qgis_iface, l2a_tile)
        location.use_map_view()
        assert location.run_panel.start()
        wait_for_tasks()
        assert location.failed_for_dependencies, location.run_panel.status.text()
        offer = location.dependency_offer
        assert offer is not None
        item = offer.item
        assert item is not None
        install = next(b for b in item.findChildren(QPushButton) if b.text() == "Install…")
        install.click()
        monkeypatch.setitem(sys.modules, "onnxruntime", onnxruntime)  # what the installer makes importable
        dialog = offer.dialog
        assert dialog is not None
        assert dialog.start()
        wait_until(lambda: not dialog.is_running(), 30, "the installer")
        assert models.providers.summary.text().startswith(f"onnxruntime {onnxruntime.__version__}")
        assert "Installed by the plugin in" in models.dependencies.summary.text()
        assert "not installed" not in models.dependencies.summary.text()
        assert location.run_panel.status.text() == "onnxruntime works now: run again."
        assert offer.item is None
    finally:
        gui.unload()
