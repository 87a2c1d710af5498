"""The pure pieces under the algorithms: window snapping and tiling (runtime.geometry), the
tile cache, PCA and heads (no QGIS needed)."""

from __future__ import annotations

import numpy as np
import pytest

from gair_qgis.runtime.geometry import (
    PixelGrid,
    TileLattice,
    Window,
    centred_window,
    clip_window,
    fit_window,
    snap_window,
    subgrid,
)

GRID = PixelGrid(500_000.0, 5_400_000.0, 10.0, 10.0, 240, 230)


def test_snap_window_takes_the_nearest_pixel_edges():
    assert snap_window(GRID, 500_302.0, 5_398_996.0, 501_298.0, 5_399_801.0) == Window(30, 20, 100, 80)
    assert snap_window(GRID, 499_900.0, 5_397_000.0, 503_000.0, 5_400_100.0) == Window(-10, -10, 310, 310)
    assert snap_window(GRID, 500_001.0, 5_399_999.0, 500_002.0, 5_399_998.0) == Window(0, 0, 1, 1)


def test_pixel_centres_come_from_the_grid_half_a_pixel_in():
    grid = PixelGrid(10.0, 50.0, 2.0, 3.0, 4, 5)
    x, y = grid.centres_of(np.array([0, 3]), np.array([0, 4]))
    np.testing.assert_array_equal(x, [11.0, 17.0])
    np.testing.assert_array_equal(y, [48.5, 36.5])
    assert grid.centre == (14.0, 42.5)
    x_all, y_all = grid.pixel_centres()
    assert x_all.shape == (5, 4) and (x_all[4, 3], y_all[4, 3]) == (17.0, 36.5)
    assert subgrid(GRID, Window(30, 20, 100, 80)).centre == (500_800.0, 5_399_400.0)


def test_clip_fit_and_centre_keep_windows_inside_the_grid():
    assert clip_window(GRID, Window(-10, -10, 310, 310)) == Window(0, 0, 240, 230)
    assert clip_window(GRID, Window(300, 0, 10, 10)) is None
    assert fit_window(GRID, Window(-70, 180, 100, 80)) == Window(0, 150, 100, 80)
    assert fit_window(GRID, Window(5, 5, 500, 50)) == Window(0, 5, 240, 50)
    assert centred_window(GRID, 500_005.0, 5_399_995.0, 100, 100) == Window(0, 0, 100, 100)
    assert centred_window(GRID, 501_200.0, 5_398_850.0, 100, 80) == Window(70, 75, 100, 80)


def test_subgrid_shares_the_pixels_of_its_grid():
    sub = subgrid(GRID, Window(30, 20, 100, 80))
    assert sub.geotransform == (500_300.0, 10.0, 0.0, 5_399_800.0, 0.0, -10.0)
    assert (sub.width, sub.height) == (100, 80)


def test_lattice_cells_and_tiles():
    lattice = TileLattice(Window(30, 20, 100, 80), (100, 80))
    i, j = lattice.cell_of(
        np.array([0.0, 29.9, 30.0, 129.99, 130.0, 239.5]), np.array([0.0, 19.0, 20.0, 99.9, 100.0, 229.0])
    )
    assert i.tolist() == [-1, -1, 0, 0, 1, 2] and j.tolist() == [-1, -1, 0, 0, 1, 2]
    assert lattice.tile(GRID, -1, -1) == Window(0, 0, 100, 80)  # shifted inside
    assert lattice.tile(GRID, 2, 2) == Window(140, 150, 100, 80)
    overlapping = TileLattice(Window(0, 0, 200, 200), (100, 100))
    assert overlapping.count(Window(0, 0, 240, 230)) == (2, 2)
    # a point belongs to the tile whose central stride-sized part contains it
    assert overlapping.cell_of(np.array([49.0, 50.0, 149.9, 150.0]), np.array([0.0]))[0].tolist() == [-1, 0, 0, 1]


def _cached(seed: int, n: int = 4, d: int = 8):
    from gair_qgis.runtime.tile import EncodedTile
    from gair_qgis.runtime.tile_cache import CachedTile

    rng = np.random.default_rng(seed)
    tile = EncodedTile(
        rng.normal(size=(n, n, d)).astype(np.float32),
        rng.normal(size=d).astype(np.float32),
        rng.normal(size=(n * n, d)).astype(np.float32),
        rng.normal(size=(d, 2)).astype(np.float32),
        rng.normal(size=d).astype(np.float32),
    )
    return CachedTile(tile, rng.random((10, 12)) > 0.2)


def test_lattice_cell_grid_has_one_pixel_per_cell_centred_on_the_tiles():
    grid = PixelGrid(100.0, 50.0, 2.0, 2.0, 40, 30)
    whole = TileLattice(Window(4, 6, 10, 10), (10, 10)).cell_grid(grid, (3, 2))
    assert (whole.left, whole.top, whole.pixel_width, whole.width, whole.height) == (108.0, 38.0, 20.0, 3, 2)
    half = TileLattice(Window(4, 6, 10, 10), (5, 5)).cell_grid(grid, (5, 4))
    assert (half.left, half.top, half.pixel_width, half.pixel_height) == (113.0, 33.0, 10.0, 10.0)


def test_the_tile_writer_writes_every_tile_put_before_a_cancel(tmp_path):
    from gair_qgis.runtime.tile_cache import TileCache

    tiles = TileCache(directory=tmp_path / "tiles")
    with pytest.raises(InterruptedError), tiles.writer() as writer:
        for n in range(40):  # more than the writer's queue holds
            writer.put(f"k{n}", _cached(n), in_memory=False)
        raise InterruptedError("cancelled")
    assert len(tiles) == 0, "streamed tiles live on disk only"
    assert sorted(p.name for p in (tmp_path / "tiles").iterdir()) == sorted(f"k{n}.tile" for n in range(40))
    again = TileCache(directory=tmp_path / "tiles").get("k39")  # a resumed run finds them
    assert again is not None
    np.testing.assert_array_equal(again.tile.grid, _cached(39).tile.grid)


def test_a_failed_tile_cache_write_is_one_line_naming_the_entry_and_the_setting(tmp_path):
    from gair_qgis.runtime.errors import InputError
    from gair_qgis.runtime.tile_cache import TileCache

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    expected = r"cannot write the tile cache entry .*k\.tile: .*GAIR_CACHE_DIR"
    with pytest.raises(InputError, match=expected) as error, TileCache(directory=blocker / "tiles").writer() as writer:
        writer.put("k", _cached(0))
    assert "\n" not in str(error.value)
    assert blocker.read_text() == "" and not list(tmp_path.glob("**/*partial*"))


def test_tile_cache_evicts_by_bytes_and_mirrors_to_a_folder(tmp_path):
    from gair_qgis.runtime.tile_cache import TileCache

    first, second = _cached(0), _cached(1)
    memory = TileCache(max_bytes=first.nbytes + 10)
    memory.put("a", first)
    memory.put("b", second)
    assert memory.get("a") is None and memory.get("b") is second and len(memory) == 1

    disk = TileCache(directory=tmp_path / "tiles")
    disk.put("a", first)
    again = TileCache(directory=tmp_path / "tiles").get("a")
    assert again is not None
    np.testing.assert_array_equal(again.tile.cell_table, first.tile.cell_table)
    np.testing.assert_array_equal(again.valid, first.valid)
    assert [p.name for p in (tmp_path / "tiles").iterdir()] == ["a.tile"]


def test_pca_is_deterministic_and_orders_components_by_variance():
    from gair_qgis.analysis import PCA

    rng = np.random.default_rng(0)
    data = rng.normal(size=(500, 3)) * [5.0, 2.0, 0.5] @ np.linalg.qr(rng.normal(size=(6, 3)))[0].T
    pca = PCA.fit(data)
    scores = pca.transform(data)
    assert scores.shape == (500, 3)
    assert scores[:, 0].std() > scores[:, 1].std() > scores[:, 2].std()
    np.testing.assert_allclose(PCA.fit(data).components, pca.components)


def test_head_prediction_softmax_and_regression():
    from gair_qgis.analysis import Head
    from gair_qgis.runtime.package import HeadSpec

    w1, b1 = np.eye(2, 3), np.zeros(2)
    classifier = Head(HeadSpec("c", "classification", "sv", "c.npz", ("a", "b"), (), {}), [(w1, b1)])
    probabilities = classifier.predict(np.array([[2.0, 0.0, 9.0]]))
    assert probabilities[0] == pytest.approx(np.exp([2.0, 0.0]) / np.exp([2.0, 0.0]).sum())
    regression = Head(
        HeadSpec("r", "regression", "sv", "r.npz", (), ("x",), {}),
        [(np.array([[1.0, -1.0]]), np.array([0.5])), (np.array([[2.0]]), np.array([1.0]))],
    )
    assert regression.predict(np.array([[1.0, 3.0], [3.0, 1.0]]))[:, 0].tolist() == [1.0, 6.0]  # ReLU between
    assert regression.outputs() == ["x"] and classifier.outputs() == ["a", "b"]
