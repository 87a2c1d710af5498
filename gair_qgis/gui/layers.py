"""Result files and layers of the docks: where outputs are written, loading them, and
removing a replaced result together with the file the dock wrote for it.

Output policy (docs/USER_GUIDE.md, "Where results go"): `settings.output_folder()`, that is
the folder the user chose in a dock, else a `gair` folder next to the saved project, else
~/GAIR; never QGIS's temporary Processing folder, whose layers QGIS warns about at exit.
Unless "Keep every result" is ticked, a dock's new result replaces its previous one: the
layer leaves the project and the file the dock wrote for it is deleted. Nothing the
plugin did not write is ever deleted.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Optional

from qgis.core import (
    QgsMapLayer,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QTimer

from .. import settings
from ..translation import translate

SIDE_CARS = (".aux.xml", "-wal", "-shm")  # files QGIS/GDAL may add beside an output


def output_folder() -> Path:
    """Where a dock writes its next result (see the module docstring)."""
    return settings.output_folder()


def unique_output_path(stem: str, suffix: str = ".tif", folder: Optional[Path] = None) -> str:
    """A new file name in the output folder (created if needed); never an existing file."""
    folder = Path(folder) if folder else output_folder()
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^\w.-]+", "_", stem).strip("_") or "gair"
    base = f"{safe}_{time.strftime('%Y%m%d-%H%M%S')}"
    candidate, counter = folder / f"{base}{suffix}", 1
    while candidate.exists():
        candidate, counter = folder / f"{base}_{counter}{suffix}", counter + 1
    return str(candidate)


def expand_legend(layer_id: str) -> None:
    """Show a layer's legend (colour ramp, classes) in the layer tree."""
    node = QgsProject.instance().layerTreeRoot().findLayer(layer_id)
    if node is not None:  # toggled: the view may not have expanded the legend rows it added later
        node.setExpanded(False)
        node.setExpanded(True)


def expand_legends_later(layers: Iterable[QgsMapLayer]) -> None:
    """Expand the legends once the layer tree view has set the new rows up."""
    ids = [layer.id() for layer in layers]

    def expand() -> None:
        for layer_id in ids:
            expand_legend(layer_id)

    QTimer.singleShot(0, expand)


def load_raster(path: str, name: str = "") -> QgsRasterLayer:
    """A raster layer from a result file; ValueError when QGIS cannot read it."""
    layer = QgsRasterLayer(path, name or Path(path).stem)
    if not layer.isValid():
        raise ValueError(translate("layers", "QGIS cannot read the result {}").format(path))
    return layer


def load_vector(path: str, name: str = "") -> QgsVectorLayer:
    """A vector layer from a result file; ValueError when QGIS cannot read it."""
    layer = QgsVectorLayer(path, name or Path(path).stem, "ogr")
    if not layer.isValid():
        raise ValueError(translate("layers", "QGIS cannot read the result {}").format(path))
    return layer


def remove_layer(layer_id: Optional[str]) -> None:
    """Remove a layer the plugin added earlier, if it is still in the project."""
    if layer_id and QgsProject.instance().mapLayer(layer_id) is not None:
        QgsProject.instance().removeMapLayer(layer_id)


def file_in_use(path: str) -> bool:
    """Whether a layer of the project reads `path`."""
    return any(layer.source().split("|")[0] == path for layer in QgsProject.instance().mapLayers().values())


def delete_written_file(path: str) -> None:
    """Delete a result file the plugin wrote (and its side-cars) unless a layer still reads it.
    Runs after the event loop has let the removed layer close the file."""

    def delete() -> None:
        if file_in_use(path):
            return
        for candidate in [Path(path)] + [Path(path + side) for side in SIDE_CARS]:
            try:
                candidate.unlink(missing_ok=True)
            except OSError:
                pass  # still open somewhere (Windows); QGIS's temporary folder goes at exit

    QTimer.singleShot(0, delete)
