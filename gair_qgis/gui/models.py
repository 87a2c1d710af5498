"""The model packages the docks can use: the bundled one plus folders the user added.

`ModelCatalog` is the one list every dock's `ModelChooser` shows; the model manager adds
and removes folders through it, and every chooser follows.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from qgis.PyQt.QtCore import QObject, Qt, pyqtSignal
from qgis.PyQt.QtWidgets import QComboBox, QWidget

from ..runtime.package import ModelPackage, PackageError, bundled_package_path
from . import settings

UNTRAINED_WARNING = "UNTRAINED: random weights, its results carry no meaning"
SMALL_MODEL_NOTE = ("The bundled model is small (trained on CPU on little open data; weak street-view heatmaps). "
                    "For real results import the released GAIR weights in the GAIR models dock.")
WARNING_STYLE = "color: #b00020; font-weight: bold;"


@dataclass(frozen=True)
class ModelEntry:
    """One package folder as the UI shows it."""

    folder: str
    bundled: bool
    package: Optional[ModelPackage]
    error: str = ""

    @property
    def name(self) -> str:
        return self.package.name if self.package else Path(self.folder).name

    @property
    def untrained(self) -> bool:
        return bool(self.package and self.package.untrained)

    @property
    def label(self) -> str:
        """Short text for a combo box; says UNTRAINED and broken plainly."""
        tags = ["bundled"] if self.bundled else []
        if self.untrained:
            tags.append("UNTRAINED")
        if self.error:
            tags.append("cannot be used")
        return f"{self.name} ({', '.join(tags)})" if tags else self.name

    def describe(self) -> str:
        """Several lines for the model manager."""
        if self.error:
            return f"{self.folder}\n{self.error}"
        meta = self.package.meta
        lines = [f"{self.name} {meta.get('version', '')}".strip(), self.folder, meta.get("description", "")]
        lines.append(f"embedding size {self.package.embed_dim}, RS bands {', '.join(self.package.rs_spec.bands)}")
        heads = [h.name for h in self.package.heads]
        lines.append(f"prediction heads: {', '.join(heads) if heads else 'none'}")
        lines.append(f"licence {meta.get('licence', 'unknown')}")
        return "\n".join(line for line in lines if line)


def load_entry(folder: str | Path, bundled: bool = False) -> ModelEntry:
    """A catalog entry for `folder`; a package that fails verification keeps its error."""
    try:
        return ModelEntry(str(folder), bundled, ModelPackage.load(folder))
    except (PackageError, OSError, KeyError, ValueError) as error:
        return ModelEntry(str(folder), bundled, None, str(error))


class ModelCatalog(QObject):
    """The bundled package and the user's package folders (kept in QgsSettings)."""

    changed = pyqtSignal()

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._entries: list[ModelEntry] = []
        self.reload()

    def reload(self) -> None:
        """Re-read and re-verify every package folder."""
        entries = []
        try:
            entries.append(load_entry(bundled_package_path(), bundled=True))
        except PackageError as error:
            entries.append(ModelEntry("", True, None, str(error)))
        entries += [load_entry(folder) for folder in settings.model_folders()]
        self._entries = entries
        self.changed.emit()

    def entries(self) -> list[ModelEntry]:
        return list(self._entries)

    def entry(self, folder: str) -> Optional[ModelEntry]:
        return next((e for e in self._entries if e.folder == folder), None)

    def add_folder(self, folder: str | Path) -> ModelEntry:
        """Add a package folder (verified first); returns its entry, with .error if unusable."""
        folder = str(Path(folder).resolve())
        entry = load_entry(folder)
        if entry.error:
            return entry
        folders = settings.model_folders()
        if folder not in folders:
            settings.set_model_folders(folders + [folder])
        self.reload()
        return entry

    def remove_folder(self, folder: str) -> None:
        settings.set_model_folders([f for f in settings.model_folders() if f != folder])
        if settings.active_model() == folder:
            settings.set_active_model("")
        self.reload()


class ModelChooser(QComboBox):
    """A combo box of the catalog's usable packages; the data of each item is its folder."""

    def __init__(self, catalog: ModelCatalog, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._catalog = catalog
        catalog.changed.connect(self._refill)
        self.currentIndexChanged.connect(self._remember)
        self._refill()

    def _refill(self) -> None:
        wanted = self.current_folder() or settings.active_model()
        self.blockSignals(True)
        self.clear()
        for entry in self._catalog.entries():
            if entry.package is not None:
                self.addItem(entry.label, entry.folder)
                self.setItemData(self.count() - 1, entry.describe(), Qt.ItemDataRole.ToolTipRole)
        index = self.findData(wanted)
        self.setCurrentIndex(index if index >= 0 else 0)
        self.blockSignals(False)

    def _remember(self) -> None:
        if self.current_folder():
            settings.set_active_model(self.current_folder())

    def current_folder(self) -> str:
        """The chosen package folder ("" when no package is usable)."""
        return str(self.currentData() or "")

    def current_entry(self) -> Optional[ModelEntry]:
        return self._catalog.entry(self.current_folder())
