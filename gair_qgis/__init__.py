"""GAIR for QGIS. Importing this package does not import QGIS; QGIS calls `classFactory`."""


def classFactory(iface):
    from .plugin import GairPlugin

    return GairPlugin(iface)
