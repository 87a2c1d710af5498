"""The installed model packages and the one active package, for the docks and Processing alike.

Installed: the bundled package, every package in the QGIS profile's `gair/models/` folder
(where the models dock downloads and imports to), and the folders the user added. One QGIS
setting, `gair/active_model` (gair_qgis/settings.py), names the active package's folder; every dock and every
Processing algorithm uses it unless told otherwise. Needs qgis.core only (it runs in
qgis_process too). Its messages keep the translation context "installed_models" (the module's
former name), which the German catalogue uses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from qgis.core import QgsApplication

from . import settings
from .runtime.errors import PackageError
from .runtime.package import MODEL_JSON, bundled_package_path
from .translation import translate


def models_dir() -> Path:
    """Where the models dock writes downloaded and imported packages (the QGIS profile)."""
    return Path(QgsApplication.qgisSettingsDirPath()) / "gair" / "models"


@dataclass(frozen=True)
class Installed:
    """A package folder, its name from model.json, and where it came from."""

    folder: str
    name: str
    kind: str  # "bundled" | "downloaded" | "imported" | "folder"


def _read_meta(folder: Path) -> Optional[dict]:
    try:
        return json.loads((folder / MODEL_JSON).read_text())
    except (OSError, ValueError):
        return None


def _kind(meta: dict, default: str) -> str:
    provenance = meta.get("provenance") or {}
    if provenance.get("source_url"):
        return "downloaded"
    if "import_checkpoint" in str(provenance.get("exported_by", "")):
        return "imported"
    return default


def installed_packages() -> list[Installed]:
    """Every installed package once (bundled first), by model.json's name; folders whose
    model.json cannot be read are listed under their folder name (the load says why)."""
    candidates: list[tuple[Path, str]] = []
    try:
        candidates.append((bundled_package_path(), "bundled"))
    except PackageError:
        pass
    if models_dir().is_dir():
        candidates += [(p, "imported") for p in sorted(models_dir().iterdir()) if (p / MODEL_JSON).is_file()]
    candidates += [(Path(f), "folder") for f in settings.model_folders()]
    seen: set[str] = set()
    packages = []
    for folder, default in candidates:
        key = str(folder.resolve())
        if key in seen:
            continue
        seen.add(key)
        meta = _read_meta(folder)
        kind = default if default == "bundled" or meta is None else _kind(meta, default)
        packages.append(Installed(str(folder), str((meta or {}).get("name") or folder.name), kind))
    return packages


def active_folder(packages: Optional[list[Installed]] = None) -> str:
    """The active package's folder: the setting's, while that folder holds a package, else the bundled one."""
    chosen = settings.active_model()
    if chosen and (Path(chosen) / MODEL_JSON).is_file():
        return chosen
    packages = installed_packages() if packages is None else packages
    return packages[0].folder if packages else ""


def labels(packages: list[Installed]) -> dict[str, str]:
    """label -> folder: the package's name, or "name (folder)" where two share a name."""
    counts: dict[str, int] = {}
    for package in packages:
        counts[package.name] = counts.get(package.name, 0) + 1
    return {(p.name if counts[p.name] == 1 else f"{p.name} ({p.folder})"): p.folder for p in packages}


def active_label() -> str:
    """The active package's label (as `labels` gives it), or its folder when it is not installed."""
    packages = installed_packages()
    folder = active_folder(packages)
    return next((label for label, f in labels(packages).items() if _same(f, folder)), folder)


def active_head_names(inputs: tuple[str, ...]) -> list[str]:
    """Names of the active package's heads that take one of `inputs` (from its model.json)."""
    meta = _read_meta(Path(active_folder())) or {}
    return [h["name"] for h in meta.get("heads", []) if h.get("input") in inputs and h.get("name")]


def resolve_model(value: str) -> str:
    """A MODEL value -> a package folder: "" is the active package, an installed package's
    label or name is its folder, and any other value is taken as a folder path."""
    value = (value or "").strip()
    packages = installed_packages()
    if not value:
        return active_folder(packages)
    by_label = labels(packages)
    if value in by_label:
        return by_label[value]
    named = [p.folder for p in packages if p.name == value]
    if named and not Path(value).exists():
        return named[0]
    if not Path(value).exists():
        raise PackageError(
            translate(
                "installed_models", "MODEL {} is neither a package folder nor an installed package; installed: {}"
            ).format(repr(value), ", ".join(by_label) or translate("installed_models", "none"))
        )
    return value


def _same(a: str, b: str) -> bool:
    return Path(a).resolve() == Path(b).resolve()


def is_own_package(folder: str | Path) -> bool:
    """Whether `folder` is a package the plugin wrote into its models folder (downloaded,
    imported or an int8 copy): a real folder directly in `models_dir()` with our model.json.
    The bundled package and folders the user added elsewhere are never the plugin's own."""
    from .runtime.package import is_model_package

    folder = Path(folder)
    try:
        inside = folder.resolve().parent == models_dir().resolve()
    except OSError:
        return False
    return inside and not folder.is_symlink() and folder.is_dir() and is_model_package(folder)


def remove_own_package(folder: str | Path) -> None:
    """Delete a package the plugin wrote into its models folder: only the files its model.json
    lists, the model.json and the model card, then the emptied folders. Anything else in it
    (a file the user put there) leaves the whole folder untouched (PackageError)."""
    from .runtime.package import MODEL_CARD

    folder = Path(folder)
    if not is_own_package(folder):
        raise PackageError(
            translate(
                "installed_models", "{} is not a package GAIR downloaded or imported into {}; it was left untouched"
            ).format(folder, models_dir())
        )
    root = folder.resolve()
    meta = _read_meta(folder) or {}
    ours = {str(name) for name in (meta.get("files") or {})} | {MODEL_JSON, MODEL_CARD}
    paths = {(root / name).resolve() for name in ours}
    if any(root not in path.parents for path in paths):
        raise PackageError(
            translate("installed_models", "{} names files outside its folder; it was left untouched").format(
                folder / MODEL_JSON
            )
        )
    foreign = sorted(str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir() and p not in paths)
    if foreign:
        raise PackageError(
            translate(
                "installed_models",
                "{} also holds files GAIR did not write ({}); it was left "
                "untouched: move them out, then remove it again",
            ).format(folder, ", ".join(foreign[:3]))
        )
    for path in paths:
        path.unlink(missing_ok=True)
    for sub in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        sub.rmdir()
    root.rmdir()
    if settings.active_model() and _same(settings.active_model(), str(folder)):
        settings.set_active_model("")
