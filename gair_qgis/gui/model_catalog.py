"""The model packages the docks can use (`model_store`: bundled, downloaded, imported,
folders the user added) and the one active package.

`ModelCatalog` is the one list every dock's `ModelChooser` shows; the models dock (models_dock.py) adds
and removes folders through it. The active package is one setting: choosing a model in any
dock or in the models dock sets it, and every chooser follows (`active_changed`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from qgis.PyQt.QtCore import QObject, Qt, pyqtSignal
from qgis.PyQt.QtWidgets import QComboBox, QWidget

from .. import model_store, settings
from ..runtime.errors import PackageError
from ..runtime.package import ModelPackage
from ..translation import QT_TRANSLATE_NOOP, translate

# Shown through translate("ModelEntry", ...) (gair_qgis.translation).
UNTRAINED_WARNING = QT_TRANSLATE_NOOP("ModelEntry", "UNTRAINED: random weights, its results carry no meaning")
SMALL_MODEL_NOTE = QT_TRANSLATE_NOOP(
    "ModelEntry", "Small model, weak heatmaps: the released GAIR weights (Models tab) give real results."
)
WARNING_STYLE = "color: #b00020; font-weight: bold;"


@dataclass(frozen=True)
class ModelEntry:
    """One package folder as the UI shows it."""

    folder: str
    bundled: bool
    package: Optional[ModelPackage]
    error: str = ""
    kind: str = "folder"  # "bundled" | "downloaded" | "imported" | "folder"

    @property
    def name(self) -> str:
        return self.package.name if self.package else Path(self.folder).name

    @property
    def untrained(self) -> bool:
        return bool(self.package and self.package.untrained)

    @property
    def label(self) -> str:
        """Short text for a combo box; says UNTRAINED and broken plainly."""
        kinds = {
            "bundled": translate("ModelEntry", "bundled"),
            "downloaded": translate("ModelEntry", "downloaded"),
            "imported": translate("ModelEntry", "imported"),
        }
        tags = [kinds.get(self.kind, self.kind)] if self.kind != "folder" else []
        if self.untrained:
            tags.append(translate("ModelEntry", "UNTRAINED"))
        if self.error:
            tags.append(translate("ModelEntry", "cannot be used"))
        return f"{self.name} ({', '.join(tags)})" if tags else self.name

    def describe(self) -> str:
        """Several lines for the model manager."""
        if self.error or self.package is None:
            return f"{self.folder}\n{self.error}"
        meta = self.package.meta
        lines = [f"{self.name} {meta.get('version', '')}".strip(), self.folder, meta.get("description", "")]
        lines.append(
            translate("ModelEntry", "embedding size {}, RS bands {}").format(
                self.package.embed_dim, ", ".join(self.package.rs_spec.bands)
            )
        )
        heads = [h.name for h in self.package.heads]
        lines.append(
            translate("ModelEntry", "prediction heads: {}").format(
                ", ".join(heads) if heads else translate("ModelEntry", "none")
            )
        )
        lines.append(
            translate("ModelEntry", "licence {}").format(meta.get("licence") or translate("ModelEntry", "unknown"))
        )
        return "\n".join(line for line in lines if line)


def load_entry(folder: str | Path, bundled: bool = False, kind: str = "") -> ModelEntry:
    """A catalog entry for `folder`; a package that fails verification keeps its error."""
    kind = kind or ("bundled" if bundled else "folder")
    try:
        return ModelEntry(str(folder), bundled, ModelPackage.load(folder), kind=kind)
    except (PackageError, OSError, KeyError, ValueError) as error:
        return ModelEntry(str(folder), bundled, None, str(error), kind=kind)


class ModelCatalog(QObject):
    """The installed packages (kept in QgsSettings and the profile's gair/models folder) and
    the active one."""

    changed = pyqtSignal()
    active_changed = pyqtSignal(str)  # the active package's folder

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._entries: list[ModelEntry] = []
        self.reload()

    def reload(self) -> None:
        """Re-read and re-verify every package folder."""
        installed = model_store.installed_packages()
        entries = [load_entry(p.folder, bundled=p.kind == "bundled", kind=p.kind) for p in installed]
        if not any(e.bundled for e in entries):
            entries.insert(
                0,
                ModelEntry(
                    "",
                    True,
                    None,
                    translate("ModelEntry", "no bundled model package found under resources/models"),
                    kind="bundled",
                ),
            )
        self._entries = entries
        self.changed.emit()

    def active_folder(self) -> str:
        """The active package's folder: the setting's while that package is usable, else the
        first usable one (the bundled package)."""
        chosen = settings.active_model()
        entry = self.entry(chosen) if chosen else None
        if entry is not None and entry.package is not None:
            return entry.folder
        return next((e.folder for e in self._entries if e.package is not None), "")

    def set_active(self, folder: str) -> None:
        """Make `folder` the active package (a catalog entry); every chooser follows."""
        folder = str(folder)
        if folder == settings.active_model():
            return
        settings.set_active_model(folder)
        self.active_changed.emit(folder)

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
        self.reload()
        if settings.active_model() == folder and self.entry(folder) is None:
            self.set_active(self.active_folder() if self.active_folder() != folder else "")


class ModelChooser(QComboBox):
    """A combo box of the catalog's usable packages showing the active one; the data of each
    item is its folder. Choosing here makes the choice the active package everywhere."""

    def __init__(self, catalog: ModelCatalog, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._catalog = catalog
        catalog.changed.connect(self._refill)
        catalog.active_changed.connect(self._show_active)
        self.currentIndexChanged.connect(self._remember)
        self._refill()

    def _refill(self) -> None:
        self.blockSignals(True)
        self.clear()
        for entry in self._catalog.entries():
            if entry.package is not None:
                self.addItem(entry.label, entry.folder)
                self.setItemData(self.count() - 1, entry.describe(), Qt.ItemDataRole.ToolTipRole)
        self.blockSignals(False)
        self._show_active(self._catalog.active_folder())

    def _show_active(self, folder: str) -> None:
        index = self.findData(folder)
        if index < 0:
            index = self.findData(self._catalog.active_folder())
        if index != self.currentIndex():
            self.setCurrentIndex(max(index, 0))  # emits currentIndexChanged: the dock updates
        elif index < 0 and self.count():
            self.setCurrentIndex(0)

    def _remember(self) -> None:
        if self.current_folder():
            self._catalog.set_active(self.current_folder())

    def current_folder(self) -> str:
        """The chosen package folder ("" when no package is usable)."""
        return str(self.currentData() or "")

    def current_entry(self) -> Optional[ModelEntry]:
        return self._catalog.entry(self.current_folder())
