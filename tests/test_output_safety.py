"""Outputs (issue 23, item 6): an unwritable output folder is refused before the work (through
qgis_process and through a dock's background run), hidden partial files a killed process left
beside an output go on the next run, nothing is written beside the user's input raster, and
`embed --overwrite` replaces the whole set of outputs an earlier run wrote.

Real parts throughout: qgis_process, the heatmap dock's run in a QGIS task, GeoTIFFs, a read-only
file system (tests/fs_faults.py: a tmpfs mounted read-only, which stops root too) and a writer
killed with SIGKILL in the middle of its GeoTIFF.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fs_faults import read_only_folder
from qgis.core import QgsPointXY, QgsProject, QgsReferencedPointXY

from gair_qgis.runtime.partial_files import HOST

from conftest import ROOT, UNTRAINED_TWIN, sentinel_like, write_geotiff
from processing_support import read_output, run

POINT = "9.17,48.768 [EPSG:4326]"  # inside conftest's l2a_tile


def qgis_process(*parameters: str, cache: Path) -> subprocess.CompletedProcess:
    """`scripts/qgis_process run gair:svheatmap -- PARAMETERS` with the tiny package and its
    own tile cache folder."""
    env = {k: v for k, v in os.environ.items() if k != "QGIS_CUSTOM_CONFIG_PATH"}
    env["GAIR_CACHE_DIR"] = str(cache)
    command = [
        str(ROOT / "scripts" / "qgis_process"),
        "run",
        "gair:svheatmap",
        "--",
        *parameters,
        f"MODEL={UNTRAINED_TWIN}",
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=240, env=env)


def cache_entries(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []


# --- an unwritable output folder: refused before the work -----------------------------------------


def test_qgis_process_refuses_an_unwritable_output_folder_before_any_tile_is_encoded(tmp_path, l2a_tile, photo):
    cache = tmp_path / "cache"
    with read_only_folder(tmp_path / "readonly") as folder:
        done = qgis_process(
            f"INPUT={l2a_tile}", f"SV_IMAGE={photo}", f"SV_POINT={POINT}", f"OUTPUT={folder / 'heat.tif'}", cache=cache
        )
        assert list(folder.iterdir()) == []
    said = done.stdout + done.stderr
    assert done.returncode != 0, said
    assert f"the output folder {folder} is not writable (Read-only file system)" in said, said
    # before the fix: the tile was encoded (and cached), then the write failed at 90 %
    assert "Tiles:" not in said and "10..." not in said, said
    assert cache_entries(cache) == []


def test_a_dock_run_into_an_unwritable_output_folder_stops_before_the_work(
    plugin, qgis_iface, l2a_tile, photo, gair_settings, tmp_path
):
    from gair_qgis.gui.heatmap_dock import HeatmapDock

    from gui_support import show_raster, wait_for_tasks

    layer = show_raster(qgis_iface, l2a_tile)
    dock = plugin.gui.dock(HeatmapDock)
    dock.layer_combo.setLayer(layer)
    dock.photo.file.setFilePath(str(photo))
    dock.location.set_point(QgsReferencedPointXY(QgsPointXY(9.17, 48.768), layer.crs()))
    layers = len(QgsProject.instance().mapLayers())
    progress: list[int] = []
    dock.run_panel.progress_bar.valueChanged.connect(progress.append)
    with read_only_folder(tmp_path / "readonly") as folder:
        dock.output_folder.setFilePath(str(folder))
        assert dock.output_dir() == folder
        assert dock.run_panel.start()
        wait_for_tasks()
        assert list(folder.iterdir()) == []
    status = dock.run_panel.status.text()
    assert "is not writable" in status and str(folder) in status, status
    assert max(progress, default=0) == 0, f"the run got to {max(progress)} % before the output was checked"
    assert len(QgsProject.instance().mapLayers()) == layers


def test_a_vector_output_in_an_unwritable_folder_is_refused_before_the_tiles_are_encoded(
    tmp_path, gair_provider, l2a_tile
):
    """gair:tilepredict makes its tile grid (a GeoPackage) only after encoding every tile: its
    folder, as every output's, is tried before the work."""
    from qgis.core import QgsProcessingException

    from processing_support import CancelAfterStart

    feedback = CancelAfterStart()  # before the fix: the encoding started (and was cancelled)
    with read_only_folder(tmp_path / "readonly") as folder:
        with pytest.raises(QgsProcessingException, match=f"the output folder {folder} is not writable"):
            run("tilepredict", {"INPUT": str(l2a_tile), "OUTPUT": str(folder / "tiles.gpkg")}, feedback)
        assert list(folder.iterdir()) == []
    assert not feedback.isCanceled() and feedback.progress() == 0


def test_the_output_check_tries_the_folder_itself(tmp_path):
    """The check writes a probe into the folder (and leaves nothing behind): a folder that
    exists but cannot be written into is refused with the reason."""
    from gair_qgis.qgis_io import check_output_path
    from gair_qgis.runtime.errors import InputError

    assert check_output_path(tmp_path / "heat.tif") == tmp_path / "heat.tif"
    assert list(tmp_path.iterdir()) == []
    with (
        read_only_folder(tmp_path / "readonly") as folder,
        pytest.raises(InputError, match="not writable.*choose a folder you can write to"),
    ):
        check_output_path(folder / "heat.tif")


# --- partial files a killed run left --------------------------------------------------------------


KILLED_WHILE_WRITING = """
import os, signal, sys
import numpy as np
from qgis.core import QgsCoordinateReferenceSystem
from gair_qgis.qgis_io import atomic_geotiff
from gair_qgis.runtime.geometry import PixelGrid

grid = PixelGrid(9.16, 48.77, 1e-4, 1e-4, 200, 100)
with atomic_geotiff(sys.argv[1], grid, 1, QgsCoordinateReferenceSystem("EPSG:4326")) as writer:
    writer.write(np.zeros((1, 50, 200)), 0)
    os.kill(os.getpid(), signal.SIGKILL)  # kill -9: no handler runs, the partial file stays
"""


def killed_writer(out: Path) -> list[Path]:
    """Run a GeoTIFF writer that is killed with SIGKILL in the middle; the files it left."""
    result = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_WRITING, str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
    return sorted(out.parent.glob(".*partial*"))


def test_partial_outputs_of_a_killed_run_are_removed_by_the_next_run(tmp_path, gair_provider, l2a_tile, photo):
    folder = tmp_path / "out"
    folder.mkdir()
    left = killed_writer(folder / "heat.tif")
    assert [p.name.startswith(".heat.") and p.name.endswith(".partial.tif") for p in left] == [True]
    # what must stay: the user's own hidden file, and a partial file of a process that still runs
    mine = folder / ".heat.partial.tif"
    mine.write_bytes(b"the user's")
    running = folder / f".other.0123abcd.{os.getppid()}@{HOST}.partial.tif"
    running.write_bytes(b"being written")
    run(
        "svheatmap",
        {"INPUT": str(l2a_tile), "SV_IMAGE": str(photo), "SV_POINT": POINT, "OUTPUT": str(folder / "second.tif")},
    )
    assert sorted(p.name for p in folder.iterdir()) == sorted([mine.name, running.name, "second.tif"])
    assert read_output(folder / "second.tif").values.shape[0] == 1
    assert not Path(f"{l2a_tile}.aux.xml").exists()  # nor beside the input (in-process, as the toolbox runs it)


# --- nothing beside the input ---------------------------------------------------------------------


def test_a_heatmap_run_through_qgis_process_writes_nothing_beside_the_input(tmp_path, l2a_tile, photo):
    inputs = sorted(p.name for p in l2a_tile.parent.iterdir())
    out = tmp_path / "out"
    out.mkdir()
    done = qgis_process(
        f"INPUT={l2a_tile}",
        f"SV_IMAGE={photo}",
        f"SV_POINT={POINT}",
        f"OUTPUT={out / 'heat.tif'}",
        cache=tmp_path / "cache",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not Path(f"{l2a_tile}.aux.xml").exists()
    assert sorted(p.name for p in l2a_tile.parent.iterdir() if p.name not in ("out", "cache")) == inputs


def test_an_input_raster_s_own_aux_xml_is_still_read(qgis_app, tmp_path):
    """Where the user's raster has an .aux.xml (band names, nodata kept there), it is read as
    before: side files are suppressed only for rasters without one."""
    from osgeo import gdal
    from qgis.core import QgsRasterLayer

    from gair_qgis.qgis_io import input_sidecars_suppressed

    raster = write_geotiff(
        tmp_path / "plain.tif", sentinel_like(20, 30, bands=2), (9.16, 48.76, 9.163, 48.762), "EPSG:4326", None
    )
    dataset = gdal.Open(str(raster))  # read-only: GDAL keeps the new description in plain.tif.aux.xml
    dataset.GetRasterBand(1).SetDescription("named in the side file")
    dataset = None
    assert Path(f"{raster}.aux.xml").exists()
    with input_sidecars_suppressed([str(raster)]):
        layer = QgsRasterLayer(str(raster), "plain")
    assert layer.isValid() and "named in the side file" in layer.bandName(1)


# --- embed --overwrite ------------------------------------------------------------------------------


def embed(*args: object) -> int:
    from gair_qgis.runtime import embed as embed_command

    return embed_command.main(["--package", str(UNTRAINED_TWIN), *(str(a) for a in args)])


def test_embed_overwrite_with_fewer_inputs_replaces_the_whole_earlier_set(tmp_path, l2a_tile, photo, capsys):
    out = tmp_path / "out"
    assert embed("--rs-image", l2a_tile, "--sv-image", photo, "--lon", 9.17, "--lat", 48.768, "--output-dir", out) == 0
    first = {p.name for p in out.iterdir()}
    assert first == {
        "rs_embedding.npy",
        "sv_embedding.npy",
        "sv_projected_embedding.npy",
        "loc_embedding.npy",
        "localized_rs_embedding.npy",
        "embed_summary.json",
    }
    (out / "notes.txt").write_text("the user's")
    (out / "mine.npy").write_bytes(b"the user's")
    assert embed("--sv-image", photo, "--output-dir", out) == 2  # without --overwrite: refused, nothing changes
    assert {p.name for p in out.iterdir()} == first | {"notes.txt", "mine.npy"}
    assert embed("--sv-image", photo, "--output-dir", out, "--overwrite") == 0
    assert {p.name for p in out.iterdir()} == {
        "sv_embedding.npy",
        "sv_projected_embedding.npy",
        "embed_summary.json",
        "notes.txt",
        "mine.npy",
    }
    summary = json.loads((out / "embed_summary.json").read_text())
    assert set(summary["outputs"]) == {"sv_embedding.npy", "sv_projected_embedding.npy"}
    assert np.load(out / "sv_embedding.npy").shape[0] == 1


KILLED_EMBED = """
import os, signal, sys
from gair_qgis.runtime import embed, embed_cli

def save_then_die(handle, array):
    handle.write(b"half an array")
    handle.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # kill -9 in the middle of writing an output

embed_cli._save_array = save_then_die
embed.main(sys.argv[1:])
"""


def test_embed_removes_what_a_killed_run_left_half_written(tmp_path, photo):
    out = tmp_path / "out"
    args = ["--package", str(UNTRAINED_TWIN), "--sv-image", str(photo), "--output-dir", str(out)]
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_EMBED, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    left = [p.name for p in out.iterdir()]
    assert len(left) == 1 and left[0].startswith(".sv_embedding.npy.") and left[0].endswith(".partial"), left
    (out / f".sv_embedding.npy.{os.getppid()}@{HOST}.partial").write_bytes(b"a running process's")  # stays
    assert embed("--sv-image", photo, "--output-dir", out) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            f".sv_embedding.npy.{os.getppid()}@{HOST}.partial",
            "embed_summary.json",
            "sv_embedding.npy",
            "sv_projected_embedding.npy",
        ]
    )
