"""The QGIS plugin object: registers the Processing provider; frees sessions and caches on unload.

Dock widgets (heatmap, location, predictions, model manager) belong in `_init_docks` and
`_unload_docks`; they run the same Processing algorithms in the background.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from qgis.core import QgsApplication
from qgis.PyQt import sip

if TYPE_CHECKING:
    from .gui import GairGui
    from .gui.dependencies import DependencyOffer
    from .processing.provider import GairProvider


class GairPlugin:
    """Entry point returned by `classFactory(iface)`."""

    def __init__(self, iface) -> None:
        self.iface = iface
        self.provider: Optional[GairProvider] = None
        self.gui: Optional[GairGui] = None  # made in initGui
        self.dependencies: Optional[DependencyOffer] = None  # made in initGui
        from . import message_log

        message_log.install()  # the plugin's Python log in QGIS's Log Messages panel, tab GAIR
        from . import deps, translation

        translation.install_translator()  # QGIS's language, before any text is made (i18n/*.qm)
        # onnxruntime installed by the plugin's installer goes on sys.path before anything imports it
        deps.activate(deps.root_in_profile(QgsApplication.qgisSettingsDirPath()))

    def initProcessing(self) -> None:
        """Register the GAIR Processing provider (also called by qgis_process)."""
        if self.provider is None:
            from .processing.provider import GairProvider

            provider = GairProvider()
            # QGIS deletes a provider whose id is already registered (another GAIR plugin object,
            # a test's provider): keep no reference to a deleted one
            self.provider = provider if QgsApplication.processingRegistry().addProvider(provider) else None

    def initGui(self) -> None:
        self.initProcessing()
        self._init_docks()
        from .gui.dependencies import DependencyOffer

        dependencies = DependencyOffer(self.iface)
        dependencies.offer_if_needed()
        self.dependencies = dependencies

    def unload(self) -> None:
        if self.dependencies is not None:
            self.dependencies.unload()
            self.dependencies = None
        self._unload_docks()
        if self.provider is not None and not sip.isdeleted(self.provider):
            QgsApplication.processingRegistry().removeProvider(self.provider)
        self.provider = None
        from . import cache, translation

        cache.clear()
        translation.remove_translator()
        from . import message_log

        message_log.remove()

    # --- docks: the GUI part adds its widgets here ---------------------------------------------

    def _init_docks(self) -> None:
        """Create the dock widgets and actions (gair_qgis.gui)."""
        from .gui import GairGui

        gui = GairGui(self.iface)
        gui.init_gui()
        self.gui = gui

    def _unload_docks(self) -> None:
        """Remove every dock widget and action created by `_init_docks`."""
        if self.gui is not None:
            self.gui.unload()
            self.gui = None
