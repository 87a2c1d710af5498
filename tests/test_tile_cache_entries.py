"""The tile cache keys tiles by their content, treats a truncated entry as a miss and
replaces it, prunes by last use sparing the running job, deletes nothing it did not write, and
refuses a cache folder that is a file naming the setting."""

from __future__ import annotations

import os

import numpy as np
import pytest


def small_tile():
    from gair_qgis.runtime.tile import EncodedTile
    from gair_qgis.runtime.tile_cache import CachedTile

    rng = np.random.default_rng(0)
    tile = EncodedTile(
        grid=rng.standard_normal((2, 2, 4)).astype(np.float32),
        global_embedding=rng.standard_normal(4).astype(np.float32),
        cell_table=rng.standard_normal((4, 4)).astype(np.float32),
        offset_weight=rng.standard_normal((4, 2)).astype(np.float32),
        bias=np.zeros(4, np.float32),
    )
    return CachedTile(tile, np.ones((3, 3), bool))


def test_a_raster_rewritten_at_the_same_path_gets_a_new_cache_key(tmp_path):
    from gair_qgis.runtime import tile_cache
    from gair_qgis.runtime.geometry import PixelGrid, Window
    from gair_qgis.runtime.package import load_package

    from conftest import sentinel_like, write_geotiff

    bounds = (9.16, 48.76, 9.17, 48.77)
    raster = write_geotiff(tmp_path / "rs.tif", sentinel_like(20, 20, seed=1), bounds, "EPSG:4326")
    grid, window, package = PixelGrid.from_bounds(*bounds, 20, 20), Window(0, 0, 20, 20), load_package()
    source = f"gdal:{raster}"
    first = tile_cache.tile_key(source, grid, window, package, range(10))
    assert tile_cache.tile_key(source, grid, window, package, range(10)) == first
    stat = raster.stat()
    write_geotiff(raster, sentinel_like(20, 20, seed=2), bounds, "EPSG:4326")  # same size, new pixels
    os.utime(raster, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # whatever the clock's resolution
    assert tile_cache.tile_key(source, grid, window, package, range(10)) != first


@pytest.mark.parametrize("kept", [0, 100, -10])  # empty, inside the first header, the last array short
def test_a_truncated_cache_entry_is_a_miss_and_is_replaced(tmp_path, kept):
    from gair_qgis.runtime.tile_cache import TileCache

    TileCache(directory=tmp_path).put("k", small_tile())
    entry = tmp_path / "k.tile"
    entry.write_bytes(entry.read_bytes()[:kept])  # a run killed while the disk was full, say
    fresh = TileCache(directory=tmp_path)
    assert fresh.get("k") is None and not entry.exists()
    fresh.put("k", small_tile())
    replaced = TileCache(directory=tmp_path).get("k")
    assert replaced is not None
    np.testing.assert_array_equal(replaced.tile.grid, small_tile().tile.grid)


def test_the_cache_deletes_no_npz_file_nor_anything_else_not_its_own(tmp_path):
    from gair_qgis.runtime.tile_cache import TileCache

    theirs = [
        tmp_path / f"{'ab' * 32}.npz",
        tmp_path / "notes.npz",
        tmp_path / f"{'AB' * 32}.npz",
        tmp_path / "mine.txt",
    ]
    for path in theirs:
        path.write_text("keep")
    TileCache(directory=tmp_path).put("k", small_tile())
    assert TileCache(directory=tmp_path).get("k") is not None
    assert all(path.read_text() == "keep" for path in theirs)


def test_pruning_goes_by_last_use_and_spares_the_running_job(tmp_path):
    import os

    from gair_qgis.runtime.tile_cache import TileCache

    tiles = TileCache(directory=tmp_path)
    keys = [f"{n:064x}" for n in range(4)]
    for age, key in enumerate(keys):
        tiles.put(key, small_tile())
        os.utime(tmp_path / f"{key}.tile", ns=(0, (10 - age) * 10**9))  # keys[0] is the oldest
    size = (tmp_path / f"{keys[0]}.tile").stat().st_size
    TileCache(directory=tmp_path).get(keys[1])  # read back: now the most recently used
    deleted, freed = tiles.prune(2 * size, keep=[keys[0]])
    assert (deleted, freed) == (2, 2 * size)
    assert sorted(p.stem for p in tmp_path.glob("*.tile")) == sorted([keys[0], keys[1]])


def test_a_cache_folder_that_is_a_file_is_refused_naming_the_setting(tmp_path):
    from gair_qgis.runtime.errors import InputError
    from gair_qgis.runtime.tile_cache import TileCache

    a_file = tmp_path / "cache"
    a_file.write_text("mine")
    with pytest.raises(InputError, match=r"GAIR_CACHE_DIR.*cache is a file"):
        TileCache(directory=a_file).get("k")
    assert a_file.read_text() == "mine"
