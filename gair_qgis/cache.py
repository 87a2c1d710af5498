"""Sessions and encoded tiles, shared by the Processing algorithms and the docks (which run those algorithms).

Encoding an RS tile is the expensive step; every query afterwards (a photo, a click, a
PCA view) touches only the cached `EncodedTile`. Tiles are keyed by a hash of (layer
source and its file's size and modification time, raster grid, window, model package, band
mapping), kept in memory up to a byte
budget (least recently used first out) and, when a cache folder is configured, on disk.
`clear()` frees everything (the plugin calls it on unload).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Optional, Sequence

import numpy as np

from .runtime.errors import InputError
from .runtime.geometry import PixelGrid, Window
from .runtime.package import ModelPackage
from .runtime.tile import TILE_ARRAYS, EncodedTile

DEFAULT_CACHE_MB = 512
CACHE_DIR_ENV = "GAIR_CACHE_DIR"
WRITE_AHEAD_TILES = 32  # tiles queued for the disk writer at most (bounded memory)
ENTRY_SUFFIX = ".tile"
ENTRY = re.compile(r"[0-9a-f]{64}\.tile")  # an entry's name: its key
OLD_ENTRY = re.compile(r"[0-9a-f]{64}\.npz")  # entries of versions before the .tile format
ENTRY_ARRAYS = ("valid", *TILE_ARRAYS)  # an entry's .npy records, in order


@dataclass
class CachedTile:
    """An encoded tile and which of its window's pixels hold data."""

    tile: EncodedTile
    valid: np.ndarray  # (rows, cols) bool

    @property
    def nbytes(self) -> int:
        t = self.tile
        return sum(a.nbytes for a in (t.grid, t.global_embedding, t.cell_table, self.valid))


def package_id(package: ModelPackage) -> str:
    """Identity of a package's contents (its files' hashes), not of its folder."""
    return hashlib.sha256(json.dumps([package.name, package.meta.get("files", {})], sort_keys=True).encode()).hexdigest()[:16]


def content_identity(source: str) -> list[int]:
    """[size, modification time in ns] of the file behind a layer source ("provider:path|options"),
    so a raster rewritten at the same path is encoded again; [] when it is not a local file."""
    path = Path(source.split(":", 1)[-1].split("|", 1)[0])
    try:
        stat = path.stat()
    except (OSError, ValueError):
        return []
    return [stat.st_size, stat.st_mtime_ns] if path.is_file() else []


def tile_key(source: str, grid: PixelGrid, window: Window, package: ModelPackage, bands: Sequence[int]) -> str:
    """The cache key of one encoded window."""
    parts = [source, content_identity(source), [repr(v) for v in grid.geotransform], [grid.width, grid.height],
             list(window), package_id(package), list(bands)]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


class TileCache:
    """LRU cache of CachedTile in memory (byte budget), optionally mirrored to a folder."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_MB << 20, directory: Optional[Path] = None) -> None:
        self.max_bytes = max_bytes
        self.directory = directory
        self._items: OrderedDict[str, CachedTile] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._swept: set[Path] = set()  # cache folders already rid of old-format entries
        self._disk_bytes: dict[Path, int] = {}  # entry bytes per folder, from its last listing and writes since

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> Optional[CachedTile]:
        self.check_directory()
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
                return item
        item = self._load(key)
        if item is not None:
            self._remember(key, item)
        return item

    def put(self, key: str, item: CachedTile, in_memory: bool = True) -> None:
        """Store a tile on disk (with a folder) and, unless `in_memory` is False, in memory."""
        if in_memory or self.directory is None:
            self._remember(key, item)
        self._save(key, item)

    def writer(self) -> TileWriter:
        """A TileWriter for many puts whose disk writes run in a thread (use it as a context manager)."""
        return TileWriter(self)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def _remember(self, key: str, item: CachedTile) -> None:
        with self._lock:
            if key in self._items:
                self._bytes -= self._items.pop(key).nbytes
            self._items[key] = item
            self._bytes += item.nbytes
            while self._bytes > self.max_bytes and len(self._items) > 1:
                self._bytes -= self._items.popitem(last=False)[1].nbytes

    def check_directory(self) -> None:
        """InputError when the cache folder exists but is not a folder (before any encoding)."""
        if self.directory is not None and self.directory.exists() and not self.directory.is_dir():
            raise InputError(f"the tile cache folder {CACHE_DIR_ENV}={self.directory} is a file; point "
                             f"{CACHE_DIR_ENV} at a folder (it is created if missing) or unset it")
        if self.directory is not None and self.directory not in self._swept:
            self._swept.add(self.directory)
            drop_old_format_entries(self.directory)

    def _path(self, key: str) -> Optional[Path]:
        return self.directory / f"{key}{ENTRY_SUFFIX}" if self.directory else None

    def _save(self, key: str, item: CachedTile) -> None:
        """Write atomically: a partial file renamed into place, so a killed run leaves no broken entry."""
        path = self._path(key)
        if path is None:
            return
        partial = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.partial")
        try:
            try:
                write_entry(partial, item)
            except FileNotFoundError:  # the folder is made on the first write (or was removed since)
                path.parent.mkdir(parents=True, exist_ok=True)
                write_entry(partial, item)
            size = partial.stat().st_size
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        with self._lock:
            if path.parent in self._disk_bytes:
                self._disk_bytes[path.parent] += size  # an upper bound: a replaced entry is counted twice

    def _load(self, key: str) -> Optional[CachedTile]:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            item = read_entry(path)
        except (OSError, ValueError, EOFError):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)  # a broken entry (a killed run, a full disk): a miss, encoded again
            return None
        with contextlib.suppress(OSError):  # a read-only cache folder is still read
            os.utime(path)  # recently used: kept longest when the folder is pruned
        return item

    def prune(self, max_bytes: int, keep: Sequence[str] = ()) -> tuple[int, int]:
        """Delete the least recently used entries on disk until the folder's entries take
        `max_bytes` at most, never those of `keep` (the keys a run just used); returns how
        many entries and bytes were deleted. Only this cache's entry files are touched."""
        if self.directory is None or self._disk_bytes.get(self.directory, max_bytes + 1) <= max_bytes:
            return 0, 0  # within the budget for sure: no need to list a folder of maybe 100,000 files
        kept = {f"{key}{ENTRY_SUFFIX}" for key in keep}
        entries = []
        for path in self.directory.glob(f"*{ENTRY_SUFFIX}"):
            try:
                stat = path.stat()
            except OSError:
                continue  # deleted meanwhile (another QGIS pruning the same folder)
            if ENTRY.fullmatch(path.name):
                entries.append((stat.st_mtime_ns, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        deleted, freed = 0, 0
        for _, size, path in sorted(entries):
            if total - freed <= max_bytes:
                break
            if path.name not in kept:
                path.unlink(missing_ok=True)
                deleted, freed = deleted + 1, freed + size
        with self._lock:
            self._disk_bytes[self.directory] = total - freed
        return deleted, freed


def drop_old_format_entries(directory: Path) -> None:
    """Delete the .npz entries earlier versions wrote (named by their 64-hex key): no version
    reads them any more. Nothing else in the folder is touched."""
    try:
        for path in directory.glob("*.npz"):
            if OLD_ENTRY.fullmatch(path.name) and path.is_file():
                path.unlink(missing_ok=True)
    except OSError:
        pass  # a folder that cannot be listed is reported when an entry is written


def write_entry(path: Path, item: CachedTile) -> None:
    """A cache entry: the tile's arrays as consecutive .npy records in ENTRY_ARRAYS order (no
    pickle; a third of the time of an .npz, whose zip container costs more than the data)."""
    arrays = {"valid": item.valid, **item.tile.arrays()}
    with open(path, "wb") as file:
        for name in ENTRY_ARRAYS:
            np.save(file, arrays[name], allow_pickle=False)


def read_entry(path: Path) -> CachedTile:
    """A cache entry written by `write_entry`; ValueError or EOFError when it is cut short."""
    with open(path, "rb") as file:
        arrays = {name: np.load(file, allow_pickle=False) for name in ENTRY_ARRAYS}
        if file.read(1):
            raise ValueError(f"{path} holds more than a tile")
    return CachedTile(EncodedTile.from_arrays(arrays), arrays["valid"])


class TileWriter:
    """Puts into a TileCache whose disk writes run in a thread, WRITE_AHEAD_TILES at most
    behind, so that they overlap the model instead of pausing it. Leaving the `with` block
    (normally, cancelled or failed) first writes every tile already put, so an interrupted
    run resumes from them; a failed write is raised as a one-line InputError (by `put` once
    it is known, else on leaving)."""

    def __init__(self, tiles: TileCache) -> None:
        self.tiles = tiles
        self.error: Optional[Exception] = None
        self._queue: queue.Queue[Optional[tuple[str, CachedTile]]] = queue.Queue(maxsize=WRITE_AHEAD_TILES)
        self._thread = threading.Thread(target=self._write, name="gair-tile-writer", daemon=True)
        self._thread.start()

    def put(self, key: str, item: CachedTile, in_memory: bool = True) -> None:
        """As TileCache.put; the disk write is queued."""
        self._raise_error()
        if in_memory or self.tiles.directory is None:
            self.tiles._remember(key, item)
        if self.tiles.directory is not None:
            self._queue.put((key, item))

    def close(self) -> None:
        """Write everything queued, stop the thread, raise a write error."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._raise_error()

    def __enter__(self) -> TileWriter:
        return self

    def __exit__(self, kind: Optional[type[BaseException]], error: Optional[BaseException],
                 traceback: Optional[TracebackType]) -> None:
        if kind is None:
            self.close()
            return
        try:
            self.close()
        except Exception:
            pass  # the error already leaving the block says more

    def _raise_error(self) -> None:
        if self.error is not None:
            raise self.error

    def _write(self) -> None:
        while (entry := self._queue.get()) is not None:
            if self.error is not None:
                continue  # keep taking entries, so that `put` never blocks on a full queue
            key, item = entry
            try:
                self.tiles._save(key, item)
            except OSError as error:
                reason = error.strerror or str(error)
                self.error = InputError(f"cannot write the tile cache entry {self.tiles._path(key)}: {reason}; free "
                                        f"space on that disk or set {CACHE_DIR_ENV} to a writable folder with room")
            except Exception as error:  # re-raised in the caller's thread
                self.error = error


class Sessions:
    """One GAIRRuntime per (package contents, execution-provider choice)."""

    def __init__(self) -> None:
        self._runtimes: dict[tuple[str, bool], object] = {}
        self._lock = threading.Lock()

    def runtime(self, package: ModelPackage, force_cpu: bool = False):
        from .runtime.session import GAIRRuntime  # imports onnxruntime lazily

        key = (package_id(package), force_cpu)
        with self._lock:
            if key not in self._runtimes:
                self._runtimes[key] = GAIRRuntime(package, force_cpu=force_cpu)
            return self._runtimes[key]

    def clear(self) -> None:
        with self._lock:
            for runtime in self._runtimes.values():
                runtime.close()
            self._runtimes.clear()


def _default_directory() -> Optional[Path]:
    value = os.environ.get(CACHE_DIR_ENV)
    return Path(value) if value else None


SESSIONS = Sessions()
TILES = TileCache(directory=_default_directory())


def clear() -> None:
    """Free all sessions and in-memory tiles."""
    SESSIONS.clear()
    TILES.clear()
