"""Everything a bug report needs (versions, execution providers, paths, packages), as text."""

from __future__ import annotations

import platform
import sys
from typing import Optional

from qgis.core import Qgis, QgsApplication
from qgis.PyQt.QtCore import QT_VERSION_STR

from .. import settings
from ..plugin_files import PLUGIN_DIR
from ..runtime.session import RuntimeUnavailable, choose_providers, import_onnxruntime
from .layers import output_folder
from .model_catalog import ModelCatalog
from .runner import PROVIDER_ID


def onnxruntime_status(force_cpu: Optional[bool] = None) -> tuple[str, list[str], str]:
    """(onnxruntime version or the reason it is missing, available providers, the provider
    the plugin will ask for first)."""
    force = settings.force_cpu() if force_cpu is None else force_cpu
    try:
        ort = import_onnxruntime()
    except RuntimeUnavailable as error:
        return str(error), [], ""
    available = list(ort.get_available_providers())
    return ort.__version__, available, choose_providers(available, force)[0]


def _module_version(name: str) -> str:
    try:
        module = __import__(name)
    except ImportError:
        return "not installed"
    return str(getattr(module, "__version__", "unknown"))


def diagnostics(catalog: ModelCatalog) -> str:
    """A plain-text report for bug reports."""
    version, available, chosen = onnxruntime_status()
    registry = QgsApplication.processingRegistry()
    provider = registry.providerById(PROVIDER_ID)
    algorithms = sorted(a.id() for a in provider.algorithms()) if provider else []
    lines = [
        "GAIR for QGIS diagnostics",
        f"QGIS {Qgis.QGIS_VERSION} ({Qgis.QGIS_VERSION_INT}), Qt {QT_VERSION_STR}",
        f"Python {sys.version.split()[0]} on {platform.platform()}",
        f"Python executable {sys.executable}",
        f"numpy {_module_version('numpy')}, Pillow {_module_version('PIL')}",
        f"onnxruntime {version}",
        f"execution providers available: {', '.join(available) or 'none'}",
        f"execution provider requested first: {chosen or 'none'} (force CPU: {settings.force_cpu()})",
        f"plugin folder {PLUGIN_DIR}",
        f"Processing provider '{PROVIDER_ID}': {'loaded, ' + ', '.join(algorithms) if provider else 'NOT loaded'}",
        f"output folder {output_folder()}",
        "model packages:",
    ]
    for entry in catalog.entries():
        state = entry.error or ("UNTRAINED" if entry.untrained else "ok")
        lines.append(f"  - {entry.name} [{'bundled' if entry.bundled else 'added'}] {entry.folder}: {state}")
    return "\n".join(lines)
