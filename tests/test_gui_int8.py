"""The models dock's "Make an int8 copy" in a real headless QGIS: a QgsTask writes the copy and
the dock adds it to the catalog."""

from __future__ import annotations

from gair_qgis.gui import quantize_task
from gair_qgis.gui.models_dock import ModelManagerDock
from gair_qgis.runtime.package import load_package

from gui_support import wait_for_tasks


def test_make_an_int8_copy_adds_a_loadable_int8_package(gui, tmp_path, monkeypatch):
    out = tmp_path / "models" / "bundled-int8"
    monkeypatch.setattr(quantize_task, "int8_folder", lambda folder: out)
    packages = gui.dock(ModelManagerDock).packages
    packages.list.setCurrentRow(0)
    packages.make_int8_copy()
    assert not packages.int8_button.isEnabled()
    wait_for_tasks(timeout=300)
    assert packages.int8_task is None and packages.int8_button.isEnabled()
    assert load_package(out).meta["quantization"]["fidelity"]["min_cosine_to_float"]
    assert gui.catalog.entry(str(out.resolve())) is not None, packages.message.text()


def test_without_onnx_the_int8_copy_is_not_offered_and_says_why(gui, monkeypatch):
    """The dependency installer installs onnxruntime, not onnx: in a plugin install the button
    would always fail, so it is greyed with the reason, and comes back once onnx is there."""
    import sys

    from gair_qgis.gui.dependencies import dependency_status

    packages = gui.dock(ModelManagerDock).packages
    packages.list.setCurrentRow(0)
    monkeypatch.setitem(sys.modules, "onnx", None)  # the way Python blocks an import
    dependency_status().refresh()
    assert not packages.int8_button.isEnabled()
    assert "onnx" in packages.int8_button.toolTip() and "does not install" in packages.int8_button.toolTip()
    monkeypatch.delitem(sys.modules, "onnx")
    dependency_status().refresh()
    assert packages.int8_button.isEnabled() == dependency_status().has_onnx
