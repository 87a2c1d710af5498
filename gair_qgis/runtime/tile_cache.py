"""The tile cache: encoded tiles in memory and on disk. Torch-free and QGIS-free: the plugin's
Processing algorithms and docks share one (gair_qgis.cache.TILES, with its messages in the user's
language); command lines and the region field can use it without QGIS.

Encoding an RS tile is the expensive step; every query afterwards (a photo, a click, a
PCA view) touches only the cached `EncodedTile`. Tiles are keyed by a hash of (layer
source and its file's size and modification time, raster grid, window, model package, band
mapping), kept in memory up to a byte
budget (least recently used first out) and, when a cache folder is configured, on disk.
`clear()` frees everything (the plugin calls it on unload).

On disk (see docs/ARCHITECTURE.md): GAIR_CACHE_DIR=X keeps entries in X/gair-tiles, a folder
the cache makes, never in X itself. Each entry, `<key>.tile`, starts with a header naming its
key and the sha256 of the rest; an entry that does not verify (cut short, partly overwritten,
wrong shapes) is a miss and is replaced. What the cache ever deletes, and only in its folder:
regular files named `<64 hex digits>.tile` that start like an entry (pruning), entries that do
not verify (replaced), and `<key>.<pid>@<host>.partial` files of processes of this machine
that no longer run (a killed run's half-written entries).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import queue
import re
import stat as stat_module
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Iterator, Optional, Sequence

import numpy as np
import numpy.typing as npt

from .errors import InputError
from .geometry import PixelGrid, Window
from .package import ModelPackage
from .partial_files import OWNER, owner_tag, remove_stale
from .tile import TILE_ARRAYS, EncodedTile

DEFAULT_CACHE_MB = 512
CACHE_DIR_ENV = "GAIR_CACHE_DIR"
ENTRIES_FOLDER = "gair-tiles"  # the folder the cache makes inside GAIR_CACHE_DIR (it never writes beside it)
WRITE_AHEAD_TILES = 32  # tiles queued for the disk writer at most (bounded memory)
ENTRY_SUFFIX = ".tile"
ENTRY = re.compile(r"[0-9a-f]{64}\.tile")  # an entry's name: its key
PARTIAL = re.compile(rf"[0-9a-f]{{64}}\.{OWNER.pattern}-\d+\.partial")  # <key>.<pid>@<host>-<thread>.partial
ENTRY_ARRAYS = ("valid", *TILE_ARRAYS)  # an entry's .npy records, in order
ENTRY_MAGIC = b"GAIR tile 2\n"  # then the key and a newline, the sha256 of key and records, the records
LEGACY_MAGIC = b"\x93NUMPY"  # entries of the previous version began with their first .npy record
DIGEST_BYTES = 32


@dataclass(frozen=True)
class EntryShape:
    """What an entry must hold for its key: the token grid's side, the embedding width and the
    window's (rows, cols)."""

    grid_size: int
    embed_dim: int
    window: tuple[int, int]


@dataclass
class CachedTile:
    """An encoded tile and which of its window's pixels hold data."""

    tile: EncodedTile
    valid: npt.NDArray[np.bool_]  # (rows, cols) bool

    @property
    def nbytes(self) -> int:
        t = self.tile
        return sum(a.nbytes for a in (t.grid, t.global_embedding, t.cell_table, self.valid))


def package_id(package: ModelPackage) -> str:
    """Identity of a package's contents (its files' hashes), not of its folder."""
    return hashlib.sha256(
        json.dumps([package.name, package.meta.get("files", {})], sort_keys=True).encode()
    ).hexdigest()[:16]


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
    parts = [
        source,
        content_identity(source),
        [repr(v) for v in grid.geotransform],
        [grid.width, grid.height],
        list(window),
        package_id(package),
        list(bands),
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


class TileCache:
    """LRU cache of CachedTile in memory (byte budget), optionally mirrored to a folder."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_MB << 20, directory: Optional[Path] = None) -> None:
        self.max_bytes = max_bytes
        self.directory = directory
        self._items: OrderedDict[str, CachedTile] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._swept: set[Path] = set()  # cache folders already rid of killed runs' partial entries
        self._disk_bytes: dict[Path, int] = {}  # entry bytes per folder, from its last listing and writes since

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str, expect: Optional[EntryShape] = None) -> Optional[CachedTile]:
        """The tile of `key`, from memory or disk; None on a miss. A disk entry that does not
        verify (or does not have the shapes `expect` says) is a miss, replaced by the next put."""
        self.check_directory()
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
                return item
        item = self._load(key, expect)
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
        """InputError when the cache folder, or the nearest of its parents that exists, is not a
        folder (before any encoding); once per folder, the partial entries killed runs left go."""
        if self.directory is None:
            return
        existing = self.directory
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            raise self.folder_is_a_file(existing)
        if self.directory not in self._swept:
            self._swept.add(self.directory)
            remove_stale(self.directory, PARTIAL)

    def folder_is_a_file(self, existing: Path) -> InputError:
        """The error for a cache folder that cannot be made because `existing` is a file (the
        plugin's cache says it in the user's language)."""
        return InputError(
            f"the tile cache folder {CACHE_DIR_ENV}={self.directory} cannot be made: {existing} is a "
            f"file; point {CACHE_DIR_ENV} at a folder (it is created if missing) or unset it"
        )

    def write_failed(self, path: Optional[Path], reason: str) -> InputError:
        """The error for an entry that could not be written (a full or read-only disk)."""
        return InputError(
            f"cannot write the tile cache entry {path}: {reason}; free space on that disk or set "
            f"{CACHE_DIR_ENV} to a writable folder with room"
        )

    def _path(self, key: str) -> Optional[Path]:
        return self.directory / f"{key}{ENTRY_SUFFIX}" if self.directory else None

    def _save(self, key: str, item: CachedTile) -> None:
        """Write atomically: a partial file renamed into place, so a killed run leaves no broken
        entry (its partial file goes when a later run finds its process gone). Something that is
        not a file where the entry goes (a folder, a link) is left alone: the tile is not kept."""
        path = self._path(key)
        if path is None or _occupied(path):
            return
        partial = path.with_name(f"{key}.{owner_tag()}-{threading.get_ident()}.partial")
        try:
            try:
                write_entry(partial, item)
            except FileNotFoundError:  # the folder is made on the first write (or was removed since)
                path.parent.mkdir(parents=True, exist_ok=True)
                write_entry(partial, item)
            size = partial.stat().st_size
            os.replace(partial, path)
        except IsADirectoryError:  # a folder took the entry's name meanwhile
            partial.unlink(missing_ok=True)
            return
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        with self._lock:
            if path.parent in self._disk_bytes:
                self._disk_bytes[path.parent] += size  # an upper bound: a replaced entry is counted twice

    def _load(self, key: str, expect: Optional[EntryShape] = None) -> Optional[CachedTile]:
        path = self._path(key)
        if path is None or not _regular_file(path):
            return None
        try:
            item = read_entry(path, expect)
        except (OSError, ValueError, EOFError):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)  # our entry's name, but broken: a miss, encoded again
            return None
        with contextlib.suppress(OSError):  # a read-only cache folder is still read
            os.utime(path)  # recently used: kept longest when the folder is pruned
        return item

    def prune(self, max_bytes: int, keep: Sequence[str] = ()) -> tuple[int, int]:
        """Delete the least recently used entries on disk until the folder's entries take
        `max_bytes` at most, never those of `keep` (the keys a run just used); returns how
        many entries and bytes were deleted. Only this cache's entries are touched: regular
        files named `<64 hex digits>.tile` that begin like an entry (no folder, link or other file)."""
        if self.directory is None or self._disk_bytes.get(self.directory, max_bytes + 1) <= max_bytes:
            return 0, 0  # within the budget for sure: no need to list a folder of maybe 100,000 files
        kept = {f"{key}{ENTRY_SUFFIX}" for key in keep}
        entries = list(_entry_files(self.directory))
        total = sum(size for _, size, _ in entries)
        deleted, freed = 0, 0
        for _, size, path in sorted(entries):
            if total - freed <= max_bytes:
                break
            if path.name not in kept and _starts_like_an_entry(path):
                with contextlib.suppress(OSError):  # gone meanwhile, or a read-only folder
                    path.unlink()
                    deleted, freed = deleted + 1, freed + size
        with self._lock:
            self._disk_bytes[self.directory] = total - freed
        return deleted, freed


def _regular_file(path: Path) -> bool:
    """Whether `path` is a regular file itself (not a link, not a folder)."""
    try:
        return stat_module.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _occupied(path: Path) -> bool:
    """Whether something other than a regular file (a folder, a link) has the entry's name."""
    return os.path.lexists(path) and not _regular_file(path)


def _entry_files(directory: Path) -> Iterator[tuple[int, int, Path]]:
    """(modification time ns, size, path) of the regular files named like an entry."""
    try:
        listing = list(os.scandir(directory))
    except OSError:
        return
    for entry in listing:
        if not ENTRY.fullmatch(entry.name):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                stat = entry.stat(follow_symlinks=False)
                yield stat.st_mtime_ns, stat.st_size, Path(entry.path)
        except OSError:
            continue  # deleted meanwhile (another QGIS pruning the same folder)


def _starts_like_an_entry(path: Path) -> bool:
    """Whether the file begins as this version's entries or the previous version's do."""
    try:
        with open(path, "rb") as file:
            start = file.read(len(ENTRY_MAGIC))
    except OSError:
        return False
    return start.startswith(ENTRY_MAGIC) or start.startswith(LEGACY_MAGIC)


class _Hashing(io.RawIOBase):
    """A write-only file that feeds a sha256 as it passes bytes on."""

    def __init__(self, file: BinaryIO, digest: Any) -> None:
        self.file, self.digest = file, digest

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.digest.update(data)
        return self.file.write(data)


def entry_key(path: Path) -> str:
    """The key an entry's file name gives (also for its partial file: `<key>.<owner>.partial`)."""
    return path.name.split(".", 1)[0]


def write_entry(path: Path, item: CachedTile) -> None:
    """A cache entry: ENTRY_MAGIC, its key (from the file name) and a newline, the sha256 of the
    key and the records, then the tile's arrays as consecutive .npy records in ENTRY_ARRAYS order
    (no pickle; a third of the time of an .npz, whose zip container costs more than the data)."""
    arrays = {"valid": item.valid, **item.tile.arrays()}
    key = entry_key(path).encode()
    digest = hashlib.sha256(key)
    with open(path, "wb") as file:
        file.write(ENTRY_MAGIC + key + b"\n" + bytes(DIGEST_BYTES))
        hashing = _Hashing(file, digest)
        for name in ENTRY_ARRAYS:
            np.save(hashing, arrays[name], allow_pickle=False)
        file.seek(len(ENTRY_MAGIC) + len(key) + 1)
        file.write(digest.digest())


def read_entry(path: Path, expect: Optional[EntryShape] = None) -> CachedTile:
    """A cache entry written by `write_entry`, verified: its header, key and sha256, then the
    arrays' types and shapes (and `expect`); ValueError or EOFError when it is not such an entry."""
    data = Path(path).read_bytes()
    key = entry_key(path).encode()
    header = ENTRY_MAGIC + key + b"\n"
    if not data.startswith(header):
        raise ValueError(f"{path} is not a tile cache entry of key {key.decode()}")
    start = len(header) + DIGEST_BYTES
    computed = hashlib.sha256(key)
    computed.update(memoryview(data)[start:])
    if computed.digest() != data[len(header) : start]:
        raise ValueError(f"{path} does not match its checksum (cut short or overwritten)")
    file = io.BytesIO(data)
    file.seek(start)
    arrays = {name: np.load(file, allow_pickle=False) for name in ENTRY_ARRAYS}
    if file.read(1):
        raise ValueError(f"{path} holds more than a tile")
    check_entry_arrays(arrays, expect, path)
    return CachedTile(EncodedTile.from_arrays(arrays), arrays["valid"])


def check_entry_arrays(arrays: dict[str, npt.NDArray[Any]], expect: Optional[EntryShape], path: Path) -> None:
    """ValueError unless the arrays make one tile: grid (n, n, D), global (D,), cells (n*n, D),
    offset weight (D, 2), bias (D,) float32, all finite, and a 2-D bool valid mask."""
    grid = arrays["grid"]
    if grid.ndim != 3 or grid.shape[0] != grid.shape[1] or min(grid.shape) < 1:
        raise ValueError(f"{path}: token grid of shape {grid.shape}")
    n, d = grid.shape[0], grid.shape[2]
    wanted = {
        "grid": (n, n, d),
        "global_embedding": (d,),
        "cell_table": (n * n, d),
        "offset_weight": (d, 2),
        "bias": (d,),
    }
    for name, shape in wanted.items():
        array = arrays[name]
        if array.dtype != np.float32 or array.shape != shape or not np.isfinite(array).all():
            raise ValueError(f"{path}: {name} is {array.dtype} {array.shape}, not finite float32 {shape}")
    valid = arrays["valid"]
    if valid.dtype != np.bool_ or valid.ndim != 2:
        raise ValueError(f"{path}: valid mask is {valid.dtype} {valid.shape}")
    if expect is not None and (n, d, valid.shape) != (expect.grid_size, expect.embed_dim, tuple(expect.window)):
        raise ValueError(f"{path}: grid {n}, width {d}, window {valid.shape}; the key asks for {expect}")


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

    def __exit__(
        self, kind: Optional[type[BaseException]], error: Optional[BaseException], traceback: Optional[TracebackType]
    ) -> None:
        if kind is None:
            self.close()
            return
        try:
            self.close()
        except Exception:
            pass  # nosec B110  # the error already leaving the block says more

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
                self.error = self.tiles.write_failed(self.tiles._path(key), error.strerror or str(error))
            except Exception as error:  # re-raised in the caller's thread
                self.error = error


def default_directory() -> Optional[Path]:
    """GAIR_CACHE_DIR/gair-tiles: a folder of the cache's own, whatever GAIR_CACHE_DIR names (/, $HOME)."""
    value = os.environ.get(CACHE_DIR_ENV)
    return Path(value) / ENTRIES_FOLDER if value else None
