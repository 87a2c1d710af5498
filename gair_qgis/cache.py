"""What the plugin's Processing algorithms and docks share in one QGIS session: one onnxruntime
session per model package (`SESSIONS`) and one tile cache (`TILES`: runtime.tile_cache, whose
two user-facing errors are said here in the user's language). `clear()` frees both (the plugin
calls it on unload).

The tile cache itself (entries, checksums, pruning, what it may delete) lives in the QGIS-free
runtime: gair_qgis/runtime/tile_cache.py."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from .runtime.errors import InputError
from .runtime.package import ModelPackage
from .runtime.tile_cache import CACHE_DIR_ENV, TileCache, default_directory, package_id

if TYPE_CHECKING:
    from .runtime.session import GAIRRuntime


class PluginTileCache(TileCache):
    """The tile cache with its errors translated (strings extracted by pylupdate5 under "cache")."""

    def folder_is_a_file(self, existing: Path) -> InputError:
        """The cache folder cannot be made because `existing` is a file."""
        from .translation import translate  # QGIS only where a message is made: the cache itself needs none

        return InputError(
            translate(
                "cache",
                "the tile cache folder {}={} cannot be made: {} is a file; point {} at a "
                "folder (it is created if missing) or unset it",
            ).format(CACHE_DIR_ENV, self.directory, existing, CACHE_DIR_ENV)
        )

    def write_failed(self, path: Optional[Path], reason: str) -> InputError:
        """An entry could not be written (a full or read-only disk)."""
        from .translation import translate

        return InputError(
            translate(
                "cache",
                "cannot write the tile cache entry {}: {}; free space on that "
                "disk or set {} to a writable folder with room",
            ).format(path, reason, CACHE_DIR_ENV)
        )


class Sessions:
    """One GAIRRuntime per (package contents, execution-provider choice)."""

    def __init__(self) -> None:
        self._runtimes: dict[tuple[str, bool], GAIRRuntime] = {}
        self._lock = threading.Lock()

    def runtime(self, package: ModelPackage, force_cpu: bool = False) -> GAIRRuntime:
        """The package's GAIRRuntime, opened on first use."""
        from .runtime.session import GAIRRuntime  # imports onnxruntime lazily

        key = (package_id(package), force_cpu)
        with self._lock:
            if key not in self._runtimes:
                self._runtimes[key] = GAIRRuntime(package, force_cpu=force_cpu)
            return self._runtimes[key]

    def clear(self) -> None:
        """Close every session."""
        with self._lock:
            for runtime in self._runtimes.values():
                runtime.close()
            self._runtimes.clear()


SESSIONS = Sessions()
TILES = PluginTileCache(directory=default_directory())


def clear() -> None:
    """Free all sessions and in-memory tiles."""
    SESSIONS.clear()
    TILES.clear()
