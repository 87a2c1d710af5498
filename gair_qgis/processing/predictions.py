"""Head predictions as vector-layer fields and raster bands (shared by tilepredict and svpoints)."""

from __future__ import annotations

from typing import Optional

import numpy as np
from qgis.core import QgsFields

from .. import compat
from ..analysis import Head
from ..styling import field_safe

_field_name = field_safe  # one rule for field names: the styling finds the classes by it


def head_fields(heads: list[Head]) -> QgsFields:
    """Fields for the heads' outputs: `<head>` (class label) and `<head>_p_<label>` per class
    for classifiers, `<head>_<target>` for regressions."""
    fields = QgsFields()
    for head in heads:
        if head.is_classifier:
            fields.append(compat.field(_field_name(head.spec.name), "string"))
            for label in head.outputs():
                fields.append(compat.field(_field_name(head.spec.name, "p", label), "double"))
        else:
            for target in head.outputs():
                fields.append(compat.field(_field_name(head.spec.name, target), "double"))
    return fields


def head_attributes(head: Head, values: Optional[np.ndarray]) -> list:
    """Attribute values of one row of `head.predict` (None: all NULL), in `head_fields` order."""
    count = len(head.outputs()) + (1 if head.is_classifier else 0)
    if values is None:
        return [None] * count
    numbers = [float(v) for v in values]
    return ([head.outputs()[int(np.argmax(values))]] + numbers) if head.is_classifier else numbers


def head_bands(heads: list[Head]) -> list[str]:
    """Raster band names for the heads' outputs (a class index band first for classifiers)."""
    names = []
    for head in heads:
        if head.is_classifier:
            names.append(f"{head.spec.name}:class_index")
        names += [f"{head.spec.name}:{name}" for name in head.outputs()]
    return names


def head_band_values(head: Head, values: np.ndarray) -> np.ndarray:
    """(N, bands) raster values for one head's (N, outputs) predictions."""
    if head.is_classifier:
        return np.concatenate([values.argmax(axis=1)[:, None].astype(np.float64), values], axis=1)
    return values
