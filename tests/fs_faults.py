"""Real file system faults for the tests: a read-only folder and a small disk that fills up.

Tests run as root, for whom permission bits stop nothing: both are tmpfs mounts (`mount -t
tmpfs -o ro` / `-o size=...`), unmounted afterwards. Where mounting is not permitted and the
tests do not run as root, the read-only folder is a chmod 555 folder instead; a small disk then
has no stand-in and the test is skipped with that reason."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path
from typing import Iterator

import pytest


def _mount(folder: Path, options: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    return result.returncode == 0


def _unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


@contextlib.contextmanager
def read_only_folder(folder: Path) -> Iterator[Path]:
    """An empty folder nothing can be written into, not even by root."""
    if _mount(folder, "ro,size=1m"):
        try:
            yield folder
        finally:
            _unmount(folder)
        return
    if os.geteuid() == 0:
        pytest.skip("root cannot mount a read-only tmpfs here, and permission bits do not stop root")
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)


@contextlib.contextmanager
def small_disk(folder: Path, megabytes: int) -> Iterator[Path]:
    """A folder on a file system of `megabytes` MiB (writes beyond it fail with ENOSPC)."""
    if not _mount(folder, f"size={megabytes}m"):
        pytest.skip("a small file system needs mount -t tmpfs (root), which is not permitted here")
    try:
        yield folder
    finally:
        _unmount(folder)
