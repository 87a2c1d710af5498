"""GAIR for QGIS. Importing this package does not import QGIS; QGIS calls `classFactory`."""


def classFactory(iface):  # noqa: N802 (QGIS plugin entry point)
    from .plugin import GairPlugin

    return GairPlugin(iface)
