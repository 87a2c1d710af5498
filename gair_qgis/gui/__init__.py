"""The plugin's dock widgets. They call the same `gair:` Processing algorithms as the
toolbox, in the background (QgsProcessingAlgRunnerTask), and add results on the main thread.

`GairGui(iface)` builds and removes them: the plugin calls `init_gui()` from `initGui()`
and `unload()` from its own `unload()`.
"""

from .controller import GairGui

__all__ = ["GairGui"]
