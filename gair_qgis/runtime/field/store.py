"""The on-disk layout of a field: a Zarr (format 2) group that GDAL 3.6, QGIS and xarray open.

    region.zarr/
      .zattrs            gair_field: format, package (name, sha256), grid, inputs, tokens
      embedding/         (D, rows, cols) float32, chunks (D, c, c), blosc-lz4; NaN where no data
      coverage/          (rows, cols) uint8: percent of each tile's pixels with data
      location/          (D, rows, cols) float16 location embedding of each tile centre with data
                         (the location tower's answer in a search, never recomputed)
      cells/             (rows, cols, n*n, D) float16 per-cell NILI tables (only with --tokens)
      x/, y/             tile-centre coordinates; `_ARRAY_DIMENSIONS` and `_CRS` as GDAL reads them
      pca_rgb.tif        three PCA components as RGB (GeoTIFF: QGIS opens it as one layer)
      .gair/lock         {pid, host, started} while a build writes
      .gair/done/cj.ci.json  a chunk's done record: its scenes and the sha256 of each chunk file

A chunk is complete when its record exists, names the same scenes, and every file it lists
still has its sha256 (a torn or replaced chunk file is redone).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

from gair_qgis.runtime.errors import InputError

from . import need
from .grid import FieldGrid

FORMAT = 1
ATTR = "gair_field"
META_DIR = ".gair"
DONE_RECORD = re.compile(r"\d+\.\d+\.json")  # <cj>.<ci>.json
PCA_FILE = "pca_rgb.tif"
ARRAYS = ("embedding", "coverage", "location", "cells")


@dataclass(frozen=True)
class FieldInfo:
    """What a field's attributes say."""

    path: Path
    attrs: dict[str, Any]

    @property
    def grid(self) -> FieldGrid:
        return FieldGrid.from_dict(self.attrs["grid"])

    @property
    def package_sha256(self) -> str:
        return str(self.attrs["package"]["sha256"])

    @property
    def package_name(self) -> str:
        return str(self.attrs["package"]["name"])

    @property
    def package_path(self) -> str:
        return str(self.attrs["package"].get("path", ""))

    @property
    def tokens(self) -> bool:
        return bool(self.attrs.get("tokens"))

    @property
    def embed_dim(self) -> int:
        return int(self.attrs["embedding_dim"])

    @property
    def cells(self) -> int:
        return int(self.attrs.get("cells", 0))


def compressor() -> Any:
    """Blosc with LZ4 and byte shuffle: read by Debian 12's GDAL 3.6 and every zarr reader, and
    decoded about 10x faster than zlib, which a search's time was mostly spent in (float
    embeddings hardly compress either way). Fields written with zlib before stay readable."""
    codecs = need("numcodecs")
    return codecs.Blosc(cname="lz4", clevel=5, shuffle=codecs.Blosc.SHUFFLE)


def single_threaded_blosc() -> None:
    """Blosc in this process compresses on one thread: with several (its default on a process's
    main thread) partly compressible chunks come out as other bytes, and a field must be the
    same bytes whether a worker thread or a main thread wrote it."""
    need("numcodecs").blosc.use_threads = False


def read_info(path: str | Path) -> FieldInfo:
    """The field at `path`; InputError when it is not one (or not one this version reads)."""
    path = Path(path)
    attrs_file = path / ".zattrs"
    if not attrs_file.is_file():
        raise InputError(f"{path} is not a GAIR field (no .zattrs); build one with `field build`")
    try:
        attrs = json.loads(attrs_file.read_text()).get(ATTR)
    except (json.JSONDecodeError, AttributeError) as error:
        raise InputError(f"{attrs_file} is not valid JSON ({error}); the field is damaged, build it again") from None
    if not isinstance(attrs, dict) or attrs.get("format") != FORMAT:
        raise InputError(f"{path} is not a GAIR field of format {FORMAT}; build it again with `field build`")
    try:
        info = FieldInfo(path, attrs)
        _ = (info.grid, info.package_sha256, info.embed_dim)
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(f"{path}: its {ATTR} attributes are incomplete ({error}); build the field again") from None
    check_shapes(info)
    return info


def check_shapes(info: FieldInfo) -> None:
    """InputError unless the grid is a real one and the embedding array is as large as the
    attributes say (a field is read from outside: what it claims decides every index)."""
    grid = info.grid
    sizes = (grid.cols, grid.rows, grid.chunk, grid.tile_pixels, info.embed_dim)
    if min(sizes) < 1 or not all(math.isfinite(v) and v > 0 for v in (grid.tile_width, grid.tile_height)):
        raise InputError(f"{info.path}: its grid is not a valid one ({grid}); build the field again")
    try:
        shape = json.loads((info.path / "embedding" / ".zarray").read_text())["shape"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"{info.path}: its embedding array cannot be read ({error}); build the field again") from None
    if shape != [info.embed_dim, grid.rows, grid.cols]:
        raise InputError(
            f"{info.path}: its embedding array is {shape}, not the [{info.embed_dim}, {grid.rows}, {grid.cols}] "
            "its attributes say; the field is damaged, build it again"
        )


def create(path: Path, grid: FieldGrid, attrs: dict[str, Any], embed_dim: int, cells: int) -> None:
    """A new, empty field (arrays with fill values, coordinates, provenance)."""
    import numpy as np

    zarr = need("zarr")
    single_threaded_blosc()  # the coordinates too: the same bytes whichever thread makes the field
    group = zarr.open_group(str(path), mode="w-")
    c = grid.chunk
    crs_attr = {"wkt": grid.crs}
    embedding = group.create_dataset(
        "embedding",
        shape=(embed_dim, grid.rows, grid.cols),
        chunks=(embed_dim, c, c),
        dtype="f4",
        fill_value=float("nan"),
        compressor=compressor(),
        write_empty_chunks=True,
    )
    embedding.attrs.update(
        {"_ARRAY_DIMENSIONS": ["band", "y", "x"], "_CRS": crs_attr, "long_name": "global RS embedding of each tile"}
    )
    coverage = group.create_dataset(
        "coverage",
        shape=(grid.rows, grid.cols),
        chunks=(c, c),
        dtype="u1",
        fill_value=0,
        compressor=compressor(),
        write_empty_chunks=True,
    )
    coverage.attrs.update(
        {
            "_ARRAY_DIMENSIONS": ["y", "x"],
            "_CRS": crs_attr,
            "units": "percent",
            "long_name": "share of each tile's pixels with data; 0: no data",
        }
    )
    location = group.create_dataset(
        "location",
        shape=(embed_dim, grid.rows, grid.cols),
        chunks=(embed_dim, c, c),
        dtype="f2",
        fill_value=float("nan"),
        compressor=compressor(),
        write_empty_chunks=True,
    )
    location.attrs.update(
        {
            "_ARRAY_DIMENSIONS": ["band", "y", "x"],
            "_CRS": crs_attr,
            "long_name": "location embedding of each tile centre",
        }
    )
    if cells:
        table = group.create_dataset(
            "cells",
            shape=(grid.rows, grid.cols, cells, embed_dim),
            chunks=(c, c, cells, embed_dim),
            dtype="f2",
            fill_value=0,
            compressor=compressor(),
            write_empty_chunks=True,
        )
        table.attrs.update(
            {
                "_ARRAY_DIMENSIONS": ["y", "x", "cell", "band"],
                "long_name": "per-cell NILI tables P = W_z unfold(F) of each tile",
            }
        )
    xs, ys = grid.tiles.centres_of(np.arange(grid.cols), np.arange(grid.rows))
    x = group.create_dataset("x", data=xs, chunks=(max(1, min(grid.cols, 1 << 16)),), compressor=compressor())
    x.attrs.update({"_ARRAY_DIMENSIONS": ["x"], "standard_name": "projection_x_coordinate"})
    y = group.create_dataset("y", data=ys, chunks=(max(1, min(grid.rows, 1 << 16)),), compressor=compressor())
    y.attrs.update({"_ARRAY_DIMENSIONS": ["y"], "standard_name": "projection_y_coordinate"})
    group.attrs[ATTR] = attrs
    (path / META_DIR / "done").mkdir(parents=True, exist_ok=True)


def update_attrs(path: Path, attrs: dict[str, Any]) -> None:
    zarr = need("zarr")
    zarr.open_group(str(path), mode="r+").attrs[ATTR] = attrs


# --- chunk files and done records -------------------------------------------------------


def chunk_files(path: Path, ci: int, cj: int, tokens: bool) -> list[str]:
    """The store keys (relative paths) of chunk (ci, cj) of every array a build writes."""
    keys = [f"embedding/0.{cj}.{ci}", f"coverage/{cj}.{ci}"]
    if (path / "location").is_dir():  # fields made before it was stored have none
        keys.append(f"location/0.{cj}.{ci}")
    return keys + ([f"cells/{cj}.{ci}.0.0"] if tokens else [])


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def record_path(path: Path, ci: int, cj: int) -> Path:
    return path / META_DIR / "done" / f"{cj}.{ci}.json"


def write_record(path: Path, ci: int, cj: int, scenes: list[str], tokens: bool, stats: dict[str, Any]) -> None:
    """The done record of a chunk whose files are written (atomic: written aside, renamed)."""
    files = {key: sha256_file(path / key) for key in chunk_files(path, ci, cj, tokens)}
    record = {"chunk": [ci, cj], "scenes": scenes, "files": files, **stats}
    final = record_path(path, ci, cj)
    partial = final.with_name(f".{final.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(record, sort_keys=True))
    os.replace(partial, final)


def read_record(path: Path, ci: int, cj: int) -> Optional[dict[str, Any]]:
    try:
        record: dict[str, Any] = json.loads(record_path(path, ci, cj).read_text())
        return record
    except (OSError, json.JSONDecodeError):
        return None


def is_complete(path: Path, ci: int, cj: int, scenes: list[str], tokens: bool) -> bool:
    """Whether chunk (ci, cj) is done for these scenes and its files are intact."""
    record = read_record(path, ci, cj)
    if record is None or record.get("scenes") != scenes:
        return False
    files = record.get("files", {})
    if sorted(files) != sorted(chunk_files(path, ci, cj, tokens)):
        return False
    try:
        return all(sha256_file(path / key) == digest for key, digest in files.items())
    except OSError:
        return False


def done_chunks(path: Path) -> list[tuple[int, int]]:
    """(ci, cj) of every chunk with a done record, row by row."""
    found = []
    for record in (path / META_DIR / "done").glob("*.json"):
        if not DONE_RECORD.fullmatch(record.name):
            continue  # not a name this project writes: never read as a chunk index
        cj, ci = (int(v) for v in record.stem.split("."))
        found.append((ci, cj))
    return sorted(found, key=lambda k: (k[1], k[0]))


# --- the build lock ---------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """Hold `.gair/lock` while building; another build's live lock is refused with its pid and
    host. A lock left by a dead process of this host (a killed build) is taken over."""
    lock = path / META_DIR / "lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    me = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    for _ in range(2):
        try:
            with open(lock, "x") as handle:
                handle.write(json.dumps(me))
            break
        except FileExistsError:
            try:
                holder = json.loads(lock.read_text())
            except (OSError, json.JSONDecodeError):
                holder = {}
            pid, host = int(holder.get("pid", -1)), str(holder.get("host", "?"))
            if host == me["host"] and pid > 0 and not _alive(pid):
                lock.unlink(missing_ok=True)  # the build that held it was killed
                continue
            raise InputError(
                f"another build (pid {pid} on {host}, since {holder.get('started', '?')}) is writing "
                f"{path}; wait for it to finish, or delete {lock} if that process is gone"
            ) from None
    else:
        raise InputError(f"cannot take the lock {lock}; delete it if no build is running")
    try:
        yield
    finally:
        try:
            if json.loads(lock.read_text()).get("pid") == me["pid"]:
                lock.unlink()
        except (OSError, json.JSONDecodeError):
            pass
