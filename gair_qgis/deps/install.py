"""Install (into a staging folder, checked, then swapped in), remove (only what installs recorded
making) and status."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Optional

from .activation import remove_from_sys_path
from .check import verify, verify_regions
from .common import CancelFn, Cancelled, DepsError, LogFn, ProgressFn
from .folders import MANIFEST, MARKER, check_ours, folder_size, python_folder, read_manifest, read_marker, record_made
from .pins import REGION_MODULES, Plan, make_plan
from .pip_wheel import pip_command, pip_install_arguments
from .processes import child_environment, run_streaming
from .qgis_python import find_qgis_python


def install(
    root: Path,
    *,
    python: Optional[Path] = None,
    proxy: Optional[str] = None,
    log: LogFn = print,
    progress: ProgressFn = lambda _p, _t: None,
    should_cancel: CancelFn = lambda: False,
    allow_own_pip: bool = True,
    regions: Optional[bool] = None,
) -> dict:
    """Install (or repair: reinstall) the plugin's dependencies into python_folder(root); with
    `regions` the region extras too (None: as the install there has them). Returns the marker
    record. The installed folder is replaced only after the new one passed `verify` (and
    `verify_regions`); a failed or cancelled run leaves it as it was."""
    root = Path(root)
    folder = python_folder(root)
    check_ours(folder)
    progress(2, "checking QGIS's Python")
    if regions is None:
        regions = bool((read_marker(folder) or {}).get("regions"))
    plan = make_plan(root, regions=regions)
    for line in plan.describe():
        log(line)
    python = python or find_qgis_python()
    log(f"QGIS's Python interpreter: {python}")
    record_made(root, folder.name, created_root=False)  # creates root where needed, and records that it did
    staging = root / f".staging-{folder.name}-{os.getpid()}"
    record_made(root, staging.name)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        progress(5, "preparing pip")
        pip = pip_command(python, root, log, proxy, allow_own_pip)
        if should_cancel():
            raise Cancelled("cancelled; nothing was changed")
        started = time.monotonic()
        total = max(1, len(plan.install))
        seen: list[str] = []

        def on_pip_line(line: str) -> None:
            if line.startswith("Collecting ") and len(seen) < total:
                seen.append(line)
                progress(10 + 60 * len(seen) // total, line.strip())
            elif line.startswith("Installing collected packages"):
                progress(75, "installing")

        progress(10, "downloading")
        code = run_streaming(
            pip + pip_install_arguments(staging, plan.install),
            log,
            should_cancel,
            child_environment(proxy),
            on_pip_line,
        )
        if code != 0:
            raise DepsError(f"pip failed (exit code {code}); the log above says why. Nothing was changed")
        seconds = time.monotonic() - started
        progress(85, "checking the installed packages in a separate process")
        report = verify(python, staging, log)
        region_report = _verify_regions(python, staging, plan, log) if plan.regions else None
        record = {
            "python": plan.python,
            "numpy": report["numpy"],
            "onnxruntime": report["onnxruntime"],
            "regions": region_report,
            "packages": {r.name: r.version for r in plan.install},
            "uses_qgis": plan.present,
            "pip": pip,
            "seconds": round(seconds, 1),
            "bytes": folder_size(staging),
            "installed": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (staging / MARKER).write_text(json.dumps(record, indent=1), encoding="utf-8")
        if should_cancel():
            raise Cancelled("cancelled; nothing was changed")
        _swap(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress(100, "installed")
    log(f"installed into {folder}: {record['bytes'] / 1e6:.0f} MB, download and install took {record['seconds']:.0f} s")
    return record


def _verify_regions(python: Path, staging: Path, plan: Plan, log: LogFn) -> dict:
    """The region extras' check; their versions (those used from QGIS's Python included)."""
    ours = [name for name in REGION_MODULES if any(r.name == name for r in plan.install)]
    report = verify_regions(python, staging, ours, log)
    return {name: report[name] for name in REGION_MODULES}


def _swap(staging: Path, folder: Path) -> None:
    """Put the verified staging folder in place of `folder`."""
    old = folder.with_name(f".old-{folder.name}-{os.getpid()}")
    record_made(folder.parent, old.name)
    if folder.exists():
        try:
            os.replace(folder, old)
        except OSError as error:  # Windows: a loaded onnxruntime DLL keeps the folder busy
            raise DepsError(
                f"cannot replace {folder} while it is in use ({error}): restart QGIS, then repair before using GAIR"
            ) from error
    os.replace(staging, folder)
    shutil.rmtree(old, ignore_errors=True)


def remove(root: Path, log: LogFn = print) -> bool:
    """Delete what the installer recorded making under root (its manifest, see `record_made`), and
    root itself only when an install created it and it is empty then. A python3.X folder it did not
    make is refused; nothing else is touched. False: nothing of the installer's was there."""
    root = Path(root)
    folder = python_folder(root)
    check_ours(folder)
    manifest = read_manifest(root)
    made = [root / name for name in manifest["made"]]
    if folder not in made and read_marker(folder) is not None:
        made.append(folder)  # an install by a version without a manifest: its marker is its record
    removed = False
    for path in made:
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        else:
            continue
        log(f"removed {path}")
        removed = True
    (root / MANIFEST).unlink(missing_ok=True)
    if manifest["created_root"] and root.is_dir() and not any(root.iterdir()):
        root.rmdir()
        log(f"removed {root}")
    remove_from_sys_path(folder)
    return removed


def status(root: Path, python: Optional[Path] = None, check: bool = True) -> dict:
    """What is installed under root and, with check, whether it works in a separate process."""
    folder = python_folder(root)
    record = read_marker(folder)
    result = {"folder": str(folder), "installed": record is not None, "record": record}
    if record is not None and check:
        try:
            python = python or find_qgis_python()
            result["check"] = verify(python, folder)
            if record.get("regions"):
                ours = [name for name in REGION_MODULES if name in record.get("packages", {})]
                result["regions_check"] = verify_regions(python, folder, ours)
            result["works"] = True
        except DepsError as error:
            result["works"], result["problem"] = False, str(error)
    return result
