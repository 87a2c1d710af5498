"""Partial files (written, then renamed into place) named after the process that writes them,
so that a later run can remove those a killed process left behind, and only those: a partial
file is stale when it was written on this machine by a process that no longer runs.

Standard library only (used by the tile cache, runtime.tile_cache, and the plugin's raster outputs)."""

from __future__ import annotations

import os
import re
import socket
import sys
from pathlib import Path

HOST = re.sub(r"[^A-Za-z0-9-]", "_", socket.gethostname().split(".")[0]) or "host"
# "<pid>@<host>" as it appears in a partial file's name
OWNER = re.compile(r"(?P<pid>\d+)@(?P<host>[A-Za-z0-9_-]+)")


def owner_tag() -> str:
    """This process's tag for a partial file's name: '<pid>@<host>'."""
    return f"{os.getpid()}@{HOST}"


def process_alive(pid: int) -> bool:
    """Whether process `pid` runs on this machine (True when that cannot be told)."""
    if pid <= 0:
        return True
    if sys.platform == "win32":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0: nothing is sent, only whether the process exists
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by another user
    return True


def _windows_process_alive(pid: int) -> bool:
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return bool(kernel32.GetLastError() != 87)  # ERROR_INVALID_PARAMETER: no such process
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def is_stale(pid: str | int, host: str) -> bool:
    """Whether a partial file written by process `pid` on `host` was left behind: written on
    this machine by a process that is gone (another machine's files are never judged)."""
    return host == HOST and int(pid) != os.getpid() and not process_alive(int(pid))


def remove_stale(folder: Path, pattern: re.Pattern[str]) -> list[Path]:
    """Delete the regular files in `folder` whose name fully matches `pattern` (which has the
    groups `pid` and `host`) and that are stale; returns them. Errors are ignored (another run
    may remove the same file; a read-only folder keeps its files)."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or not is_stale(match.group("pid"), match.group("host")):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed
