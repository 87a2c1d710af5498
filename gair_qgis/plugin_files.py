"""Where the plugin's files are: icons and resources, in a checkout and in the installed zip.

In a checkout `resources/` lies beside the `gair_qgis` package; in the plugin zip it lies
inside the plugin folder. Both layouts are searched, plugin folder first, the same way
`runtime.package.bundled_package_path` finds the bundled model.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtGui import QIcon

PLUGIN_DIR = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """The `resources` folder of the plugin zip or of the checkout."""
    for candidate in (PLUGIN_DIR / "resources", PLUGIN_DIR.parent / "resources"):
        if (candidate / "icons").is_dir():
            return candidate
    return PLUGIN_DIR / "resources"


def icon_path(name: str) -> Path:
    """The SVG file of the icon `name` (without extension)."""
    return resources_dir() / "icons" / f"{name}.svg"


@cache
def icon(name: str) -> QIcon:
    """The plugin's icon `name`; an empty icon when the file is missing."""
    path = icon_path(name)
    return QIcon(str(path)) if path.is_file() else QIcon()


USER_GUIDE = "docs/USER_GUIDE.md"
USER_GUIDE_HTML = "help/user_guide.html"  # rendered from USER_GUIDE by scripts/build_plugin.sh


def user_guide_url() -> QUrl:
    """The user guide on this disk (works offline): help/user_guide.html of the installed plugin, else
    docs/USER_GUIDE.md of the checkout; only if both are missing (a broken install), the repository page
    named in metadata.txt."""
    for candidate in (PLUGIN_DIR / USER_GUIDE_HTML, PLUGIN_DIR.parent / USER_GUIDE):
        if candidate.is_file():
            return QUrl.fromLocalFile(str(candidate))
    return QUrl(repository_url())


def repository_url() -> str:
    """The `repository=` line of metadata.txt."""
    metadata = PLUGIN_DIR / "metadata.txt"
    for line in metadata.read_text(encoding="utf-8").splitlines() if metadata.is_file() else []:
        if line.startswith("repository="):
            return line.split("=", 1)[1].strip().rstrip("/")
    return ""
