"""QGIS enum values and field types under names that every QGIS the plugin supports knows (3.22 to 4.x).

QGIS 3.26-3.38 moved many class enums into `Qgis` (`QgsProcessing.SourceType` became
`Qgis.ProcessingSourceType`, `QgsWkbTypes.Type` became `Qgis.WkbType`, ...), QGIS 4 (Qt6) drops
the unscoped names (`QgsProcessing.TypeVectorPoint`), and QGIS 3.22 knows only the class-scoped
form (`QgsProcessing.SourceType.TypeVectorPoint`). Each value here is the `Qgis` member where the
running QGIS has it, else the 3.22 class-scoped one, looked up by name so that no name the running
QGIS lacks is touched. The rest of the plugin uses these values or scoped names that exist in every
supported version; tests/test_qt6_compat.py finds any unscoped use outside this module.

Field types: QGIS 3.38 and later (and QGIS 4, where QVariant.Type is gone) take `QMetaType.Type`,
older versions `QVariant.Type`; `field()` builds a QgsField with the right one.
"""

from __future__ import annotations

from typing import Any

import qgis.core
from qgis.core import Qgis, QgsField
from qgis.PyQt import QtCore

# QgsField(name, QMetaType.Type) exists from QGIS 3.38 on
_FIELDS_TAKE_QMETATYPE = Qgis.QGIS_VERSION_INT >= 33800


def scoped_value(new: str, old: str) -> Any:
    """`Qgis.<new>` (e.g. "ProcessingSourceType.VectorPoint") where the running QGIS has that enum,
    else `qgis.core.<old>` (e.g. "QgsProcessing.SourceType.TypeVectorPoint", the QGIS 3.22 name)."""
    enum_name, member = new.split(".")
    scoped = getattr(Qgis, enum_name, None)
    if scoped is not None:
        return getattr(scoped, member)
    value: Any = qgis.core
    for part in old.split("."):
        value = getattr(value, part)
    return value


SOURCE_VECTOR_POINT = scoped_value("ProcessingSourceType.VectorPoint", "QgsProcessing.SourceType.TypeVectorPoint")
SOURCE_VECTOR_POLYGON = scoped_value("ProcessingSourceType.VectorPolygon", "QgsProcessing.SourceType.TypeVectorPolygon")
NUMBER_DOUBLE = scoped_value("ProcessingNumberParameterType.Double", "QgsProcessingParameterNumber.Type.Double")
FILE_BEHAVIOR_FILE = scoped_value("ProcessingFileParameterBehavior.File", "QgsProcessingParameterFile.Behavior.File")
FILE_BEHAVIOR_FOLDER = scoped_value(
    "ProcessingFileParameterBehavior.Folder", "QgsProcessingParameterFile.Behavior.Folder"
)
FIELD_TYPE_STRING = scoped_value(
    "ProcessingFieldParameterDataType.String", "QgsProcessingParameterField.DataType.String"
)
PARAMETER_FLAG_ADVANCED = scoped_value(
    "ProcessingParameterFlag.Advanced", "QgsProcessingParameterDefinition.Flag.FlagAdvanced"
)
WKB_POLYGON = scoped_value("WkbType.Polygon", "QgsWkbTypes.Type.Polygon")
LAYER_TYPE_RASTER = scoped_value("LayerType.Raster", "QgsMapLayerType.RasterLayer")
BAND_STATISTIC_MIN = scoped_value("RasterBandStatistic.Min", "QgsRasterBandStats.Stats.Min")
BAND_STATISTIC_MAX = scoped_value("RasterBandStatistic.Max", "QgsRasterBandStats.Stats.Max")
CRS_WKT_PREFERRED_GDAL = scoped_value(
    "CrsWktVariant.PreferredGdal", "QgsCoordinateReferenceSystem.WktVariant.WKT_PREFERRED_GDAL"
)

# field() kinds: the QMetaType.Type name (QGIS >= 3.38) and the QVariant.Type name (older)
_FIELD_TYPES = {"int": ("Int", "Int"), "double": ("Double", "Double"), "string": ("QString", "String")}


def field_type(kind: str) -> Any:
    """The field type `kind` ("int", "double" or "string") as the running QGIS's QgsField takes it."""
    metatype_name, variant_name = _FIELD_TYPES[kind]
    if _FIELDS_TAKE_QMETATYPE:
        return getattr(QtCore.QMetaType.Type, metatype_name)
    return getattr(QtCore.QVariant.Type, variant_name)  # QGIS < 3.38 is always Qt5


def field(name: str, kind: str) -> QgsField:
    """A QgsField `name` of `kind` ("int", "double" or "string")."""
    return QgsField(name, field_type(kind))
