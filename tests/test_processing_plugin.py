"""The plugin as QGIS loads it: metadata, load and unload through classFactory, and
`scripts/qgis_process run gair:svheatmap` from the command line."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from qgis.core import QgsApplication

from conftest import ROOT, UNTRAINED_TWIN
from processing_support import MODEL_BANDS_IN_L2A, read_output, reference_similarity, window_of

ALGORITHMS = {
    "gair:svheatmap",
    "gair:rsembed",
    "gair:locationraster",
    "gair:tilepredict",
    "gair:svpoints",
    "gair:fieldbuild",
    "gair:fieldsearch",
    "gair:fieldheatmap",
}


def test_metadata_lets_qgis_find_the_plugin():
    metadata = configparser.ConfigParser()
    metadata.read(ROOT / "gair_qgis" / "metadata.txt")
    general = metadata["general"]
    assert general["hasProcessingProvider"] == "yes" and general["qgisMinimumVersion"] == "3.22"
    # one licence key, the plugin code's (LICENSE); QGIS 4 and plugins.qgis.org read the version range
    assert general["license"] == "GPL-2.0-or-later" and "licence" not in general
    assert general["qgisMaximumVersion"] == "4.99" and general["supportsQt6"] == "True"
    for key in ("name", "about", "version", "author", "icon", "description"):
        assert general[key].strip(), key
    assert (ROOT / "resources" / "icons" / Path(general["icon"]).name).is_file()


def test_plugin_load_and_unload_leave_no_provider(qgis_iface, qgis_processing):
    import gair_qgis
    from gair_qgis import cache

    registry = QgsApplication.processingRegistry()
    assert registry.providerById("gair") is None
    plugin = gair_qgis.classFactory(qgis_iface)
    plugin.initGui()
    provider = registry.providerById("gair")
    assert provider is not None and provider.name() == "GAIR"
    assert {a.id() for a in provider.algorithms()} == ALGORITHMS
    for algorithm in provider.algorithms():
        assert algorithm.shortHelpString() and algorithm.group()
    plugin.unload()
    assert registry.providerById("gair") is None
    assert len(cache.TILES) == 0
    assert not any(a.startswith("gair:") for a in (alg.id() for alg in registry.algorithms()))


LABEL_WIDTH = 40  # characters: a longer parameter label made the toolbox dialog scroll sideways (issue 25, item 7)


def test_the_toolbox_dialogs_show_short_labels_and_help_that_speaks_of_them(gair_provider):
    """What a toolbox user reads: short labels (details in each tooltip), and a help that names
    the parameters by those labels; the IDs only in the closing command-line note."""
    import re

    for algorithm in gair_provider.algorithms():
        definitions = algorithm.parameterDefinitions()
        long = [(d.name(), d.description()) for d in definitions if len(d.description()) > LABEL_WIDTH]
        assert long == [], algorithm.id()
        text = algorithm.shortHelpString()
        body, note = text.rsplit("\n\n", 1)
        assert note.startswith("<b>Command line</b>"), algorithm.id()
        for definition in definitions:
            assert f"{definition.name()} = {definition.description()}" in note, (algorithm.id(), definition.name())
            if definition.name() == "CRS":  # also a word of the text ("in any CRS")
                continue
            # an ID in the body as a word of its own (INPUT, EXTENT, SV_POINT), not inside a word or a setting name
            assert not re.search(rf"(?<![\w/.-]){definition.name()}(?![\w/.-])", body), (
                algorithm.id(),
                definition.name(),
            )
        assert "{" not in body, algorithm.id()  # every placeholder filled
    heatmap = gair_provider.algorithm("svheatmap")
    assert "<b>Where the photo was taken</b>" in heatmap.shortHelpString()
    model = heatmap.parameterDefinition("MODEL")
    assert model.description() == "Model" and "package folder" in model.help()


def test_qgis_process_runs_svheatmap_from_the_command_line(tmp_path, l2a_tile, photo):
    out = tmp_path / "heat.tif"
    env = {k: v for k, v in os.environ.items() if k != "QGIS_CUSTOM_CONFIG_PATH"}
    command = [
        str(ROOT / "scripts" / "qgis_process"),
        "run",
        "gair:svheatmap",
        "--",
        f"INPUT={l2a_tile}",
        f"SV_IMAGE={photo}",
        "SV_POINT=9.17,48.768 [EPSG:4326]",
        f"MODEL={UNTRAINED_TWIN}",
        f"OUTPUT={out}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "UNTRAINED" in done.stdout + done.stderr
    result = read_output(out)
    window = window_of(l2a_tile, result.geotransform, result.values.shape[2], result.values.shape[1])
    x, y = result.centres()
    expected = reference_similarity(l2a_tile, window, photo, x, y, MODEL_BANDS_IN_L2A)
    np.testing.assert_allclose(result.values[0], expected, atol=1e-5, rtol=0)

    again = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env)
    assert again.returncode != 0 and "already exists and is not overwritten" in again.stdout + again.stderr


def test_processing_imports_no_gui_module():
    """The toolbox side never needs the docks: importing every algorithm loads no gair_qgis.gui
    module (settings, resources and errors live outside both), so there is no gui <-> processing circle."""
    modules = sorted(p.stem for p in (ROOT / "gair_qgis" / "processing").glob("*.py") if p.stem != "__init__")
    code = (
        f"import sys, importlib; [importlib.import_module('gair_qgis.processing.' + m) for m in {modules!r}];"
        "bad = [m for m in sys.modules if m.startswith('gair_qgis.gui')]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert len(modules) >= 8 and result.returncode == 0, result.stdout + result.stderr


def test_qgis_process_writes_the_format_of_the_output_extension(tmp_path, l2a_tile, photo):
    """OUTPUT=heat.img gives an ERDAS Imagine raster (the driver QGIS picks for .img) with the
    same values as the GeoTIFF path, and nothing partial beside it."""
    from osgeo import gdal

    out = tmp_path / "heat.img"
    env = {k: v for k, v in os.environ.items() if k != "QGIS_CUSTOM_CONFIG_PATH"}
    command = [
        str(ROOT / "scripts" / "qgis_process"),
        "run",
        "gair:svheatmap",
        "--",
        f"INPUT={l2a_tile}",
        f"SV_IMAGE={photo}",
        "SV_POINT=9.17,48.768 [EPSG:4326]",
        f"MODEL={UNTRAINED_TWIN}",
        f"OUTPUT={out}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert gdal.Open(str(out)).GetDriver().ShortName == "HFA"
    result = read_output(out)
    window = window_of(l2a_tile, result.geotransform, result.values.shape[2], result.values.shape[1])
    x, y = result.centres()
    expected = reference_similarity(l2a_tile, window, photo, x, y, MODEL_BANDS_IN_L2A)
    np.testing.assert_allclose(result.values[0], expected, atol=1e-5, rtol=0)
    assert not [p.name for p in tmp_path.iterdir() if "partial" in p.name]


def test_output_paths_follow_gdal_and_the_overwrite_rule(tmp_path):
    """A format GDAL cannot create is refused by name; outside the QGIS desktop (here, and in
    qgis_process) an existing output is never replaced; the desktop's dialog may replace it."""
    from gair_qgis.qgis_io import check_output_path, overwrites_outputs, writable_raster_extensions
    from gair_qgis.runtime.errors import InputError, OutputExistsError

    assert QgsApplication.platform() != "desktop" and not overwrites_outputs()
    extensions = writable_raster_extensions()
    assert extensions[0] == "tif" and {"img", "nc"} <= set(extensions) and "vrt" not in extensions
    assert check_output_path(tmp_path / "new.nc") == tmp_path / "new.nc"
    with pytest.raises(InputError, match="GDAL cannot write"):
        check_output_path(tmp_path / "view.png")
    existing = tmp_path / "old.tif"
    existing.write_bytes(b"")
    with pytest.raises(OutputExistsError, match="not overwritten"):
        check_output_path(existing)
    assert check_output_path(existing, overwrite=True) == existing
