"""The disk tile cache treats its own folder's files as hostile and touches nothing else:
entries carry a checksum (a partly overwritten or wrongly shaped entry is a miss, encoded again
and replaced), a folder named like an entry is left alone, GAIR_CACHE_DIR=$HOME keeps entries in
$HOME/gair-tiles, a bad GAIR_MAX_CACHE_GB stops a run before any encoding (fractions allowed), and
a killed writer's partial entries are removed by the next run (real processes, kill -9)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from qgis.core import QgsProcessingException

from gair_qgis import cache
from gair_qgis.runtime import partial_files, tile_cache

from conftest import UNTRAINED_TWIN
from processing_support import CASES, make_raster, read_output, run

ROOT = Path(__file__).resolve().parents[1]
COLS, ROWS = 400, 200  # 2 x 1 tiles of 200 px (2 km at 10 m) for the tiny twin
NAN32 = np.full(1, np.nan, np.float32).tobytes()


@pytest.fixture
def disk_cache(tmp_path, monkeypatch):
    directory = tmp_path / "cache"
    monkeypatch.setattr(cache.TILES, "directory", directory)
    cache.TILES.clear()
    yield directory
    cache.TILES.clear()


def overwrite_values(entry: Path, names: tuple[str, ...]) -> None:
    """Overwrite the first half of the values of the named records with NaN, leaving every .npy
    header in place (so only a checksum can tell)."""
    data = bytearray(entry.read_bytes())
    starts = [i for i in range(len(data)) if data.startswith(b"\x93NUMPY", i)]
    for name, start in zip(tile_cache.ENTRY_ARRAYS, starts):
        if name not in names:
            continue
        stream = io.BytesIO(bytes(data[start:]))
        np.lib.format.read_magic(stream)
        shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        begin, count = start + stream.tell(), int(np.prod(shape)) // 2
        data[begin : begin + 4 * count] = NAN32 * count
    entry.write_bytes(bytes(data))


def global_raster(tmp_path: Path, name: str, raster: Path) -> tuple[dict, np.ndarray]:
    result = run("rsembed", {"INPUT": str(raster), "OUTPUT_TYPE": 1, "OUTPUT": str(tmp_path / name)})
    return result, read_output(tmp_path / name).values


def test_a_partly_overwritten_entry_is_a_miss_and_the_result_stays_right(tmp_path, gair_provider, disk_cache):
    raster = make_raster(tmp_path / "scene.tif", CASES["EPSG:32632"], COLS, ROWS)
    _, first = global_raster(tmp_path, "first.tif", raster)
    entries = sorted(disk_cache.glob("*.tile"))
    assert len(entries) == 2
    for entry in entries:  # a disk error, another program: half of the global and cell values become NaN
        overwrite_values(entry, ("global_embedding", "cell_table"))
    cache.TILES.clear()
    result, second = global_raster(tmp_path, "second.tif", raster)
    assert result["ENCODED_TILES"] == 2, "both damaged entries were misses"
    assert np.isfinite(second).all()
    np.testing.assert_array_equal(second, first)
    for entry in entries:  # replaced by good ones
        assert tile_cache.read_entry(entry) is not None


def test_an_entry_with_other_shapes_is_a_miss_and_is_replaced(tmp_path):
    from test_tile_cache_entries import small_tile

    tiles = tile_cache.TileCache(directory=tmp_path)
    key = "ab" * 32
    tiles.put(key, small_tile())
    expect = tile_cache.EntryShape(grid_size=2, embed_dim=4, window=(3, 3))
    assert tile_cache.TileCache(directory=tmp_path).get(key, expect) is not None
    wrong = small_tile()
    wrong.tile.cell_table = wrong.tile.cell_table[:3]  # 3 cells for a 2 x 2 grid
    tile_cache.write_entry(tmp_path / f"{key}.tile", wrong)  # with a good checksum: only the shapes are wrong
    assert tile_cache.TileCache(directory=tmp_path).get(key, expect) is None
    other = small_tile()
    other.valid = np.ones((5, 5), bool)  # another window's tile
    tile_cache.write_entry(tmp_path / f"{key}.tile", other)
    assert tile_cache.TileCache(directory=tmp_path).get(key, expect) is None
    assert not (tmp_path / f"{key}.tile").exists()
    tiles.put(key, small_tile())
    assert tile_cache.TileCache(directory=tmp_path).get(key, expect) is not None


def test_a_folder_named_like_an_entry_is_left_alone_by_a_run_over_budget(
    tmp_path, gair_provider, disk_cache, monkeypatch
):
    raster = make_raster(tmp_path / "scene.tif", CASES["EPSG:32632"], COLS, ROWS)
    run("rsembed", {"INPUT": str(raster)})
    keys = [p.stem for p in disk_cache.glob("*.tile")]
    folder = disk_cache / f"{'cd' * 32}.tile"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "a.jpg").write_text("the user's")
    os.utime(folder, ns=(0, 0))  # the oldest thing in the folder: first in line when pruning
    occupied = disk_cache / f"{keys[0]}.tile"  # and one where an entry of the next run goes
    occupied.unlink()
    occupied.mkdir()
    monkeypatch.setenv("GAIR_MAX_CACHE_GB", "0")
    cache.TILES.clear()
    other = make_raster(tmp_path / "other.tif", CASES["EPSG:32632"], COLS, ROWS, seed=3)
    assert run("rsembed", {"INPUT": str(other)})["ENCODED_TILES"] == 2  # pruning passes the folders by
    cache.TILES.clear()
    assert run("rsembed", {"INPUT": str(raster)})["ENCODED_TILES"] == 2
    assert (folder / "photos" / "a.jpg").read_text() == "the user's"
    assert occupied.is_dir() and (disk_cache / f"{keys[1]}.tile").is_file()  # no entry where a folder is


def test_a_bad_cache_budget_stops_the_run_before_any_encoding_and_fractions_are_allowed(
    tmp_path, gair_provider, disk_cache, monkeypatch
):
    raster = make_raster(tmp_path / "scene.tif", CASES["EPSG:32632"], COLS, ROWS)
    for bad in ("lots", "-1", "nan"):
        monkeypatch.setenv("GAIR_MAX_CACHE_GB", bad)
        with pytest.raises(QgsProcessingException, match=f"GAIR_MAX_CACHE_GB .* is '{bad}'; set a number of GB"):
            run("rsembed", {"INPUT": str(raster)})
        assert not disk_cache.exists() or not list(disk_cache.iterdir()), "nothing was encoded"
    monkeypatch.setenv("GAIR_MAX_CACHE_GB", "0.5")
    assert run("rsembed", {"INPUT": str(raster)})["ENCODED_TILES"] == 2
    assert len(list(disk_cache.glob("*.tile"))) == 2  # 2 small tiles are within half a GB: nothing pruned


def test_gair_cache_dir_at_home_keeps_entries_in_a_folder_of_its_own(tmp_path):
    """qgis_process with GAIR_CACHE_DIR=$HOME and a budget of 0: the user's files in $HOME, even
    those named like entries, stay; the entries are in $HOME/gair-tiles."""
    home = tmp_path / "home"
    home.mkdir()
    theirs = {
        home / f"{'ef' * 32}.tile": "my notes",
        home / f"{'01' * 32}.npz": "my arrays",
        home / "thesis.tex": "chapter 1",
    }
    for path, text in theirs.items():
        path.write_text(text)
    raster = make_raster(tmp_path / "scene.tif", CASES["EPSG:32632"], COLS, ROWS)
    env = {**os.environ, "HOME": str(home), "GAIR_CACHE_DIR": str(home), "GAIR_MAX_CACHE_GB": "0"}
    for seed in (1, 2):  # the second run prunes the first run's entries
        make_raster(raster, CASES["EPSG:32632"], COLS, ROWS, seed=seed)
        result = subprocess.run(
            [
                str(ROOT / "scripts" / "qgis_process"),
                "run",
                "gair:rsembed",
                "--",
                f"INPUT={raster}",
                f"MODEL={UNTRAINED_TWIN}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert {path: path.read_text() for path in theirs} == theirs
    assert len(list((home / "gair-tiles").glob("*.tile"))) == 2


KILLED_WRITER = """
import sys, numpy as np
from pathlib import Path
from gair_qgis.runtime.tile_cache import CachedTile, TileCache
from gair_qgis.runtime.tile import EncodedTile
n, d = 48, 1024  # about 19 MB a tile: writing takes most of the loop's time
rng = np.random.default_rng(0)
grid = rng.standard_normal((n, n, d), dtype=np.float32)
tile = EncodedTile(grid, grid[0, 0].copy(), grid.reshape(n * n, d), np.zeros((d, 2), np.float32), np.zeros(d, np.float32))
tiles = TileCache(directory=Path(sys.argv[1]))
for i in range(10**6):
    tiles.put(("%064x" % (i % 4)), CachedTile(tile, np.ones((200, 200), bool)), in_memory=False)
"""


def test_partial_entries_of_a_killed_process_are_removed_by_the_next_run(tmp_path):
    folder = tmp_path / "cache"
    for _attempt in range(5):
        writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(folder)], cwd=ROOT)
        deadline = time.monotonic() + 120
        while not list(folder.glob("*.partial")) and time.monotonic() < deadline:
            time.sleep(0.001)
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        if list(folder.glob("*.partial")):
            break
    left = list(folder.glob("*.partial"))
    assert len(left) == 1, "kill -9 in the middle of a write"
    alive = folder / f"{'0' * 64}.{os.getppid()}@{partial_files.HOST}-1.partial"  # a running process's
    elsewhere = folder / f"{'0' * 64}.{writer.pid}@another-machine-1.partial"  # a shared folder's other user
    for path in (alive, elsewhere):
        path.write_bytes(b"in progress")
    tile_cache.TileCache(directory=folder).get("0" * 64)  # the next run's first look at the folder
    assert not left[0].exists()
    assert alive.exists() and elsewhere.exists()
    assert all(tile_cache.read_entry(p) for p in folder.glob("*.tile"))


def test_gair_cache_dir_at_the_root_keeps_entries_in_a_folder_of_its_own(monkeypatch):
    monkeypatch.setenv("GAIR_CACHE_DIR", "/")
    assert tile_cache.default_directory() == Path("/gair-tiles")
    monkeypatch.delenv("GAIR_CACHE_DIR")
    assert tile_cache.default_directory() is None  # no folder: the cache stays in memory
