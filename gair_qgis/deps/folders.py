"""The folders the installer owns: the dependency root in the QGIS profile, its python3.X folder
with the marker of a checked install, and the manifest of everything installs made (all that
`remove` may delete)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional, Sequence

from .common import DepsError
from .pins import THIS_PYTHON, python_tag

MARKER = "gair_deps.json"
MANIFEST = "gair_deps-made.json"  # in the root: what installs made there (all `remove` deletes)
ROOT_NAME = "gair_deps"
PLUGIN_DIR = Path(os.path.abspath(__file__)).parent.parent  # not resolved: keep a linked plugin's profile


def root_in_profile(profile_dir: str | Path) -> Path:
    """The plugin's dependency folder of a QGIS profile (QgsApplication.qgisSettingsDirPath())."""
    return Path(profile_dir) / "python" / ROOT_NAME


def default_root(plugin_dir: Path = PLUGIN_DIR) -> Path:
    """<profile>/python/gair_deps when the plugin folder is <profile>/python/plugins/gair_qgis."""
    plugins = Path(plugin_dir).parent
    if plugins.name == "plugins" and plugins.parent.name == "python":
        return plugins.parent / ROOT_NAME
    raise DepsError(
        f"the plugin at {plugin_dir} is not inside a QGIS profile's python/plugins folder: "
        "pass --target <QGIS profile>/python/gair_deps"
    )


def python_folder(root: Path, version_info: Sequence[int] = THIS_PYTHON) -> Path:
    """The folder that goes on sys.path for this Python: <root>/python3.X."""
    return Path(root) / python_tag(version_info)


def read_marker(folder: Path) -> Optional[dict]:
    """The record an install wrote, or None where there is none (or it cannot be read)."""
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def folder_size(folder: Path) -> int:
    """Bytes of the files under folder."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file() and not p.is_symlink())


def check_ours(folder: Path) -> None:
    """DepsError where `folder` holds things and no marker of an install: not the installer's to touch."""
    if folder.exists() and read_marker(folder) is None and any(folder.iterdir()):
        raise DepsError(
            f"{folder} exists and was not made by this installer; not touched: move it away or choose another --target"
        )


def read_manifest(root: Path) -> dict:
    """What installs recorded making under root: {"created_root": bool, "made": [names]}. A name
    that is not a plain relative path inside root (.., absolute, a link out) is refused."""
    path = Path(root) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"created_root": False, "made": []}
    except (OSError, ValueError) as error:
        raise DepsError(
            f"the installer's record {path} cannot be read ({error}); nothing was removed: delete "
            f"what you no longer need under {root} by hand"
        ) from None
    names = data.get("made") if isinstance(data, dict) else None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise DepsError(f"the installer's record {path} is not one this installer wrote; nothing was removed")
    for name in names:
        _check_inside(Path(root), name, path)
    return {"created_root": data.get("created_root") is True, "made": list(dict.fromkeys(names))}


def _check_inside(root: Path, name: str, manifest: Path) -> None:
    parts = Path(name).parts
    inside = bool(parts) and not Path(name).is_absolute() and ".." not in parts and "\\" not in name
    real_root, real_parent = os.path.realpath(root), os.path.realpath((root / name).parent)
    if inside and (real_parent == real_root or real_parent.startswith(real_root + os.sep)):
        return
    raise DepsError(
        f"the installer's record {manifest} names {name!r}, which is not inside {root}; nothing was removed"
    )


def record_made(root: Path, name: str, created_root: Optional[bool] = None) -> None:
    """Add `name` (relative to root) to the manifest of what the installer made, before it is made,
    so that a killed install leaves it recorded; `created_root` is set by the first install."""
    root = Path(root)
    if _make_root(root):
        created_root = True  # the first thing made (pip, before any install) may make the folder itself
    try:
        manifest = read_manifest(root)
    except DepsError:
        manifest = {"created_root": False, "made": []}
    if not (root / MANIFEST).exists() and created_root is not None:
        manifest["created_root"] = created_root
    if name not in manifest["made"]:
        manifest["made"].append(name)
    partial = root / f"{MANIFEST}.{os.getpid()}.partial"
    partial.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(partial, root / MANIFEST)


def _make_root(root: Path) -> bool:
    """Create root (and its missing parents) where it does not exist yet; True when this call made it."""
    if root.is_dir():
        return False
    try:
        root.mkdir(parents=True)
    except FileExistsError:  # made meanwhile by another install, or a file of that name (refused by mkdir)
        if not root.is_dir():
            raise
        return False
    return True
