"""The plugin's persistent settings (QgsSettings under `gair/`), in one place."""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProject, QgsSettings

PREFIX = "gair"


def _settings() -> QgsSettings:
    return QgsSettings()


def model_folders() -> list[str]:
    """Package folders the user added in the model manager."""
    value = _settings().value(f"{PREFIX}/model_folders", [])
    if isinstance(value, str):  # QSettings returns a lone string for one-item lists
        value = [value] if value else []
    return [str(v) for v in value or []]


def set_model_folders(folders: list[str]) -> None:
    _settings().setValue(f"{PREFIX}/model_folders", list(folders))


def active_model() -> str:
    """The package folder chosen last ("" for the bundled package)."""
    return str(_settings().value(f"{PREFIX}/active_model", "") or "")


def set_active_model(folder: str) -> None:
    _settings().setValue(f"{PREFIX}/active_model", folder)


def force_cpu() -> bool:
    """Whether onnxruntime must run on the CPU even where a GPU provider is available."""
    return _settings().value(f"{PREFIX}/force_cpu", False, type=bool)


def set_force_cpu(value: bool) -> None:
    _settings().setValue(f"{PREFIX}/force_cpu", bool(value))


def output_folder() -> Path:
    """Where the docks write their results: the folder the user chose, else a `gair`
    folder next to the saved project, else ~/GAIR (never a temporary folder)."""
    chosen = str(_settings().value(f"{PREFIX}/output_folder", "") or "")
    if chosen:
        return Path(chosen)
    home = QgsProject.instance().homePath()
    return Path(home) / "gair" if home else Path.home() / "GAIR"


def set_output_folder(folder: str) -> None:
    _settings().setValue(f"{PREFIX}/output_folder", folder)
