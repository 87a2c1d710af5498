"""The plugin's persistent settings (QgsSettings under `gair/`), in one place."""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProject, QgsSettings

from .. import installed_models

PREFIX = "gair"


def _settings() -> QgsSettings:
    return QgsSettings()


def model_folders() -> list[str]:
    """Package folders the user added in the model manager."""
    return installed_models.model_folders()


def set_model_folders(folders: list[str]) -> None:
    installed_models.set_model_folders(folders)


def active_model() -> str:
    """The active package's folder (the one setting every dock and algorithm follows)."""
    return installed_models.active_folder()


def set_active_model(folder: str) -> None:
    installed_models.set_active_setting(folder)


def force_cpu() -> bool:
    """Whether the algorithms run onnxruntime on the CPU (this setting or GAIR_FORCE_CPU=1)."""
    from ..processing.base import force_cpu as effective_force_cpu

    return effective_force_cpu()


def set_force_cpu(value: bool) -> None:
    """Remember force-CPU; read by the Processing algorithms (gair/force_cpu)."""
    _settings().setValue(f"{PREFIX}/force_cpu", bool(value))


def chosen_output_folder() -> str:
    """The output folder the user chose ("" when none: see `default_output_folder`)."""
    return str(_settings().value(f"{PREFIX}/output_folder", "") or "")


def default_output_folder() -> Path:
    """A `gair` folder next to the saved project, else ~/GAIR (never a temporary folder)."""
    home = QgsProject.instance().homePath()
    return Path(home) / "gair" if home else Path.home() / "GAIR"


def output_folder() -> Path:
    """Where the docks write their results: the folder the user chose, else the default."""
    chosen = chosen_output_folder()
    return Path(chosen) if chosen else default_output_folder()


def set_output_folder(folder: str) -> None:
    _settings().setValue(f"{PREFIX}/output_folder", folder)


def docks_arranged() -> bool:
    """Whether the docks were put into one tab group once (first use)."""
    return _settings().value(f"{PREFIX}/docks_arranged", False, type=bool)


def set_docks_arranged() -> None:
    _settings().setValue(f"{PREFIX}/docks_arranged", True)
