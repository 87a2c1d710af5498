"""gair:rsembed at scene scale in a real headless QGIS: a cancelled run resumes from the disk
cache; the read-ahead path gives the same encodings as a direct rasterio read; its readers
keep the batches in order and stop with the consumer."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from qgis.core import QgsProcessingException, QgsProcessingFeedback

from gair_qgis import cache

from processing_support import CASES, MODEL_BANDS_IN_L2A, encode_window, make_raster, read_output, run

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
    kept = len(list(disk_cache.glob("*.tile")))
    assert 2 <= kept < 6, "the first batch is on disk, the rest was never encoded"
    assert not list(disk_cache.glob("*partial*"))
    cache.TILES.clear()  # a new session: only the disk remembers
    resumed = run(
        "rsembed", {"INPUT": str(raster), "BATCH_SIZE": 2, "OUTPUT_TYPE": 1, "OUTPUT": str(tmp_path / "global.tif")}
    )
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


def test_a_limit_that_is_not_a_whole_number_is_one_line_naming_the_setting(
    tmp_path, gair_provider, disk_cache, monkeypatch
):
    raster = make_raster(tmp_path / "scene.tif", CASES["EPSG:32632"], COLS, ROWS)
    monkeypatch.setenv("GAIR_MAX_TILES", "0.5")  # the cache's budget in GB may be 0.5 (tests/test_cache_safety.py)
    with pytest.raises(QgsProcessingException, match=r"GAIR_MAX_TILES .*'0\.5'; set a whole number") as error:
        run("rsembed", {"INPUT": str(raster)})
    assert "\n" not in str(error.value)


def test_the_disk_cache_keeps_its_budget_dropping_the_least_recently_used_tiles(
    tmp_path, gair_provider, disk_cache, monkeypatch
):
    first = make_raster(tmp_path / "first.tif", CASES["EPSG:32632"], COLS, ROWS)
    second = make_raster(tmp_path / "second.tif", CASES["EPSG:32632"], COLS, ROWS, seed=1)
    run("rsembed", {"INPUT": str(first)})
    first_entries = set(disk_cache.glob("*.tile"))
    theirs = disk_cache / "notes.tile"  # not a cache entry's name: never touched
    theirs.write_text("mine")
    monkeypatch.setenv("GAIR_MAX_CACHE_GB", "0")  # room for the running job's tiles only
    feedback = QgsProcessingFeedback()
    messages: list[str] = []
    feedback.pushInfo = messages.append
    run("rsembed", {"INPUT": str(second)}, feedback=feedback)
    left = set(disk_cache.glob("*.tile")) - {theirs}
    assert len(first_entries) == 6 and len(left) == 6 and not left & first_entries
    assert theirs.read_text() == "mine"
    assert any("6 least recently used tile(s) deleted" in m and "GAIR_MAX_CACHE_GB" in m for m in messages)


# --- the reading side of encode_windows ---------------------------------------------------------


def _scene_source(tmp_path):
    from qgis.core import QgsRasterLayer

    from gair_qgis.qgis_io import RasterSource

    raster = make_raster(tmp_path / "scene.tif", CASES["EPSG:32632"], COLS, ROWS)
    return RasterSource.from_layer(QgsRasterLayer(str(raster), "scene"))


def test_row_runs_join_side_by_side_windows_only():
    from gair_qgis.processing.tiles import row_runs
    from gair_qgis.runtime.geometry import Window

    windows = [
        Window(0, 0, 200, 200),
        Window(200, 0, 200, 200),
        Window(350, 0, 200, 200),  # adjacent, overlapping
        Window(600, 0, 200, 200),  # a gap
        Window(800, 200, 200, 200),
        Window(1000, 200, 200, 200),  # other rows
        Window(1100, 200, 50, 200),  # inside the previous one
        Window(1200, 200, 200, 100),
    ]  # other height
    assert row_runs(windows) == [range(0, 3), range(3, 4), range(4, 6), range(6, 7), range(7, 8)]
    assert row_runs([]) == []


def test_windows_read_side_by_side_give_each_window_its_own_inputs(tmp_path):
    from gair_qgis.processing.tiles import read_batch
    from gair_qgis.runtime.geometry import Window
    from gair_qgis.runtime.preprocess import preprocess_rs, released_rs_spec

    source, spec = _scene_source(tmp_path), released_rs_spec()
    windows = [Window(0, 0, 200, 200), Window(200, 0, 200, 200), Window(300, 0, 200, 200), Window(100, 200, 190, 150)]
    inputs, masks = read_batch(source, MODEL_BANDS_IN_L2A, spec, windows)
    for window, model_input, mask in zip(windows, inputs, masks):
        pixels = source.read(window, MODEL_BANDS_IN_L2A)
        np.testing.assert_array_equal(model_input, preprocess_rs(pixels, spec))
        np.testing.assert_array_equal(mask, source.valid_mask(pixels, MODEL_BANDS_IN_L2A))


def _reader_threads() -> list:
    return [thread for thread in threading.enumerate() if thread.name.startswith("gair-read-ahead")]


def test_two_readers_keep_the_batches_in_order_and_stop_with_the_consumer(tmp_path):
    from gair_qgis.processing.tiles import read_ahead
    from gair_qgis.runtime.geometry import Window
    from gair_qgis.runtime.preprocess import released_rs_spec

    source, spec = _scene_source(tmp_path), released_rs_spec()
    missing = [(Window(col * 100, row * 100, 100, 100), f"{col},{row}") for row in range(4) for col in range(6)]
    one = list(read_ahead(source, MODEL_BANDS_IN_L2A, spec, missing, 2, readers=1))
    two = list(read_ahead(source, MODEL_BANDS_IN_L2A, spec, missing, 2, readers=2))
    assert [chunk for chunk, _, _ in two] == [missing[start : start + 2] for start in range(0, len(missing), 2)]
    assert len(one) == len(two)
    for (_, inputs_one, masks_one), (_, inputs_two, masks_two) in zip(one, two):
        np.testing.assert_array_equal(inputs_one, inputs_two)
        assert all(np.array_equal(a, b) for a, b in zip(masks_one, masks_two))
    batches = read_ahead(source, MODEL_BANDS_IN_L2A, spec, missing, 2, readers=2)
    next(batches)
    batches.close()  # the consumer stops (cancelled): both readers end
    assert not _reader_threads()


def test_a_reader_error_is_raised_in_its_batch_turn(monkeypatch):
    from gair_qgis.processing import tiles
    from gair_qgis.runtime.geometry import Window

    def read_batch(source, bands, spec, windows):
        if windows[0].col == 3:
            raise OSError("disk gone")
        return np.full(len(windows), windows[0].col), [None] * len(windows)

    monkeypatch.setattr(tiles, "read_batch", read_batch)
    missing = [(Window(col, 0, 1, 1), str(col)) for col in range(8)]
    seen = []
    with pytest.raises(OSError, match="disk gone"):
        # no source: the monkeypatched read_batch reads none
        for _chunk, inputs, _ in tiles.read_ahead(None, [], None, missing, 1, readers=2):  # type: ignore[arg-type]
            seen.append(int(inputs[0]))
    assert seen == [0, 1, 2]
    assert not _reader_threads()
