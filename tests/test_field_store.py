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
