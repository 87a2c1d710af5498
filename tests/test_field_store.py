"""A field is read from outside: what its attributes claim is checked before it decides any index."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gair_qgis.runtime.errors import InputError
from gair_qgis.runtime.field import search, store

GRID = {
    "crs": "EPSG:32632",
    "left": 500000.0,
    "top": 5400000.0,
    "tile_width": 640.0,
    "tile_height": 640.0,
    "cols": 3,
    "rows": 2,
    "chunk": 16,
    "tile_pixels": 64,
}


def write_field(path: Path, grid: dict, embedding_shape: list[int]) -> Path:
    """The two JSON files `read_info` looks at: the group's attributes and the embedding's header."""
    (path / "embedding").mkdir(parents=True)
    attrs = {
        store.ATTR: {
            "format": store.FORMAT,
            "grid": grid,
            "package": {"sha256": "0" * 64, "name": "test"},
            "embedding_dim": 4,
        }
    }
    (path / ".zattrs").write_text(json.dumps(attrs))
    (path / "embedding" / ".zarray").write_text(json.dumps({"shape": embedding_shape}))
    return path


def test_a_field_whose_arrays_match_its_grid_is_read(tmp_path):
    info = store.read_info(write_field(tmp_path / "f.zarr", GRID, [4, 2, 3]))
    assert (info.grid.cols, info.grid.rows, info.embed_dim) == (3, 2, 4)


def test_an_embedding_array_smaller_than_the_grid_is_refused_in_one_line(tmp_path):
    with pytest.raises(InputError, match=r"embedding array is \[4, 2, 2\], not the \[4, 2, 3\]"):
        store.read_info(write_field(tmp_path / "f.zarr", GRID, [4, 2, 2]))


@pytest.mark.parametrize("change", [{"cols": 0}, {"chunk": -1}, {"tile_width": float("inf")}, {"tile_height": 0.0}])
def test_a_grid_that_is_not_one_is_refused(tmp_path, change):
    with pytest.raises(InputError, match="grid is not a valid one"):
        store.read_info(write_field(tmp_path / "f.zarr", {**GRID, **change}, [4, 2, 3]))


def test_done_records_with_names_the_build_never_writes_are_ignored(tmp_path):
    done = tmp_path / "f.zarr" / store.META_DIR / "done"
    done.mkdir(parents=True)
    for name in ("0.1.json", "2.0.json", "notes.json", "1.2.3.json", "a.b.json"):
        (done / name).write_text("{}")
    assert store.done_chunks(tmp_path / "f.zarr") == [(1, 0), (0, 2)]


def test_the_float16_table_gives_numpy_s_value_for_every_bit_pattern_and_keeps_the_shape() -> None:
    every = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16).reshape(256, 256)
    converted = search.as_float32(every)
    assert converted.dtype == np.float32 and converted.shape == (256, 256)
    assert np.array_equal(converted, every.astype(np.float32), equal_nan=True)


def test_a_chunk_is_the_same_bytes_whether_a_main_or_a_worker_thread_wrote_it(tmp_path: Path) -> None:
    """Blosc on a main thread compresses with several threads by default, and partly compressible
    chunks (tiles with data beside empty ones) then come out as other bytes."""
    from concurrent.futures import ThreadPoolExecutor
    from functools import partial

    from rasterio.crs import CRS

    from gair_qgis.runtime.field.build import write_chunk
    from gair_qgis.runtime.field.grid import FieldGrid

    grid = FieldGrid(
        crs=CRS.from_epsg(3857).to_wkt(),
        left=0.0,
        top=0.0,
        tile_width=640.0,
        tile_height=640.0,
        cols=32,
        rows=32,
        chunk=32,
        tile_pixels=64,
    )
    rng = np.random.default_rng(0)
    cells = np.zeros((32, 32, 16, 128), np.float16)
    cells[:10] = rng.standard_normal((10, 32, 16, 128)).astype(np.float16)
    embedding = np.full((128, 32, 32), np.nan, np.float32)
    embedding[:, :10] = rng.standard_normal((128, 10, 32))
    coverage = np.where(np.arange(32)[:, None] < 10, 100, 0).astype(np.uint8) * np.ones((1, 32), np.uint8)
    fields = []
    for name, on_worker in (("main", False), ("worker", True)):
        path = tmp_path / f"{name}.zarr"
        store.create(path, grid, {}, 128, 16)
        write = partial(write_chunk, path, (slice(0, 32), slice(0, 32)), embedding, coverage, cells)
        if on_worker:
            with ThreadPoolExecutor(1) as pool:
                pool.submit(write).result()
        else:
            write()
        fields.append(path)
    assert (fields[0] / "cells" / "0.0.0.0").read_bytes() == (fields[1] / "cells" / "0.0.0.0").read_bytes()
    assert (fields[0] / "embedding" / "0.0.0").read_bytes() == (fields[1] / "embedding" / "0.0.0").read_bytes()
