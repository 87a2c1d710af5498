"""gair:rsembed at scene scale in a real headless QGIS: a cancelled run resumes from the disk
cache; the read-ahead path gives the same encodings as a direct rasterio read."""
from __future__ import annotations

import numpy as np
import pytest
from qgis.core import QgsProcessingException, QgsProcessingFeedback

from gair_qgis import cache

from processing_support import CASES, encode_window, make_raster, read_output, run

COLS, ROWS = 600, 400  # 3 x 2 tiles of 200 px (2 km at 10 m)


class CancelAfter(QgsProcessingFeedback):
    """Cancels once the progress passes `percent` (after the first batches are encoded)."""

    def __init__(self, percent: float) -> None:
        super().__init__()
        self.percent = percent
        self.progressChanged.connect(lambda value: value > self.percent and self.cancel())


@pytest.fixture
def disk_cache(tmp_path, monkeypatch):
    directory = tmp_path / "cache"
    monkeypatch.setattr(cache.TILES, "directory", directory)
    cache.TILES.clear()
    yield directory
    cache.TILES.clear()


def test_a_cancelled_run_resumes_from_the_disk_cache(tmp_path, gair_provider, disk_cache):
    raster = make_raster(tmp_path / "scene.tif", CASES["EPSG:32632"], COLS, ROWS)
    with pytest.raises(QgsProcessingException, match="cancelled"):
        run("rsembed", {"INPUT": str(raster), "BATCH_SIZE": 2}, feedback=CancelAfter(1))
    kept = len(list(disk_cache.glob("*.npz")))
    assert 2 <= kept < 6, "the first batch is on disk, the rest was never encoded"
    assert not list(disk_cache.glob("*partial*"))
    cache.TILES.clear()  # a new session: only the disk remembers
    resumed = run("rsembed", {"INPUT": str(raster), "BATCH_SIZE": 2, "OUTPUT_TYPE": 1,
                              "OUTPUT": str(tmp_path / "global.tif")})
    assert resumed["TILES"] == 6 and resumed["ENCODED_TILES"] == 6 - kept
    out = read_output(tmp_path / "global.tif").values
    for n in range(6):
        row, col = divmod(n, 3)
        tile, _ = encode_window(raster, (col * 200, row * 200, 200, 200))
        np.testing.assert_allclose(out[:, row, col], tile.global_embedding, atol=1e-5, rtol=1e-5)


def test_without_a_tile_limit_any_count_the_disk_holds_is_allowed(tmp_path, gair_provider, disk_cache, monkeypatch):
    raster = make_raster(tmp_path / "scene.tif", CASES["EPSG:32632"], COLS, ROWS)
    monkeypatch.delenv("GAIR_MAX_TILES", raising=False)
    feedback = QgsProcessingFeedback()
    messages: list[str] = []
    feedback.pushInfo = messages.append
    assert run("rsembed", {"INPUT": str(raster)}, feedback=feedback)["ENCODED_TILES"] == 6
    assert any("resumes where it stopped" in m for m in messages)
    assert any("tiles/s" in m for m in messages)
    monkeypatch.setenv("GAIR_MAX_TILES", "4")  # a limit the user sets still holds
    with pytest.raises(QgsProcessingException, match="more than the limit of 4"):
        run("rsembed", {"INPUT": str(raster)})
