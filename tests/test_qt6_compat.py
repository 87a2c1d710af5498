"""QGIS 4 / Qt6 readiness, checked on the QGIS at hand (no QGIS 4 can be installed here).

- No unscoped enum value (`QgsProcessing.TypeVectorPoint`, `Qt.AlignLeft`: QGIS 4 and PyQt6 drop
  them) and no QVariant field type in the plugin or the tests outside gair_qgis/compat.py, found by
  reading the source (AST) and asking the running QGIS/PyQt what each `Name.attr` is.
- Every name the plugin imports through `qgis.PyQt` and every attribute chain on it
  (`Qt.AlignmentFlag.AlignTop`, `QDialog.exec`) exists in PyQt6 (from PyPI, imported in a
  separate process, never next to QGIS's PyQt5).
- gair_qgis.compat's values are the running QGIS's enum members, equal to the 3.22 ones.
"""

from __future__ import annotations

import ast
import enum
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "gair_qgis"
COMPAT = PLUGIN / "compat.py"
QT_MODULES = (
    "qgis.core",
    "qgis.gui",
    "qgis.analysis",
    "qgis.PyQt.QtCore",
    "qgis.PyQt.QtGui",
    "qgis.PyQt.QtWidgets",
    "qgis.PyQt.QtNetwork",
    "qgis.PyQt.QtSvg",
    "qgis.PyQt.QtXml",
)


@dataclass(frozen=True)
class Use:
    """`chain` (e.g. ("Qt", "AlignmentFlag", "AlignTop")) in `path` at `line`; chain[0] was
    imported from `module`."""

    path: Path
    line: int
    module: str
    chain: tuple[str, ...]

    def __str__(self) -> str:
        where = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path.name
        return f"{where}:{self.line}: {'.'.join(self.chain)}"


def python_files(*folders: Path) -> list[Path]:
    return sorted(path for folder in folders for path in folder.rglob("*.py") if "__pycache__" not in path.parts)


def imported_names(tree: ast.AST) -> dict[str, tuple[str, str]]:
    """local name -> (module, imported name) for `from <QGIS or qgis.PyQt module> import ...`;
    `from qgis.PyQt import QtCore` maps QtCore -> ("qgis.PyQt", "QtCore")."""
    names: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "qgis":
            assert node.module is not None
            for alias in node.names:
                names[alias.asname or alias.name] = (node.module, alias.name)
    return names


def attribute_chains(path: Path) -> list[Use]:
    """Every maximal `Name.attr.attr...` chain whose Name was imported from QGIS or qgis.PyQt."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = imported_names(tree)
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    uses = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or id(node) in inner:
            continue
        parts: list[str] = []
        current: ast.expr = node
        while isinstance(current, ast.Attribute):
            parts.insert(0, current.attr)
            current = current.value
        if isinstance(current, ast.Name) and current.id in names:
            module, imported = names[current.id]
            if module == "qgis.PyQt":  # `from qgis.PyQt import QtCore`: QtCore.Qt.X
                module, parts = f"qgis.PyQt.{imported}", parts
                imported, parts = parts[0], parts[1:]
            uses.append(Use(path, node.lineno, module, (imported, *parts)))
    return uses


def is_enum_member(value: object) -> bool:
    """An enum value (Python enum or a PyQt5 sip enum member), not an enum type or a class."""
    return isinstance(value, enum.Enum) or type(type(value)).__name__ == "enumtype"


def is_enum_type(value: object) -> bool:
    return isinstance(value, enum.EnumMeta) or type(value).__name__ == "enumtype"


def unscoped_uses(files: list[Path]) -> list[str]:
    """Uses `Class.member` where member is a value of an enum, not the enum: unscoped."""
    import importlib

    found = []
    for path in files:
        for use in attribute_chains(path):
            owner = getattr(importlib.import_module(use.module), use.chain[0], None)
            if owner is None or len(use.chain) < 2 or is_enum_type(owner):  # Enum.member is scoped
                continue
            value = getattr(owner, use.chain[1], None)
            if is_enum_member(value):
                found.append(f"{use} (unscoped: {type(value).__name__}.{use.chain[1]})")
    return found


def field_type_uses(files: list[Path]) -> list[str]:
    """QVariant used for a type (`QVariant.String`, `QVariant.Type.Double`): gone in QGIS 4."""
    return [
        str(use)
        for path in files
        for use in attribute_chains(path)
        if use.chain[0] == "QVariant" and len(use.chain) > 1
    ]


def test_no_unscoped_enum_value_outside_the_compat_module():
    files = [path for path in python_files(PLUGIN, ROOT / "tests") if path != COMPAT]
    assert len(files) > 50
    assert unscoped_uses(files) == []


def test_the_check_finds_unscoped_values(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from qgis.core import QgsProcessing, QgsWkbTypes\nfrom qgis.PyQt.QtCore import Qt\n"
        "a = QgsProcessing.TypeVectorPoint\nb = QgsWkbTypes.Type.Polygon\nc = Qt.AlignLeft\n"
        "d = Qt.AlignmentFlag.AlignLeft\n",
        encoding="utf-8",
    )
    found = unscoped_uses([sample])
    assert [line.split(": ", 1)[1].split(" ")[0] for line in found] == ["QgsProcessing.TypeVectorPoint", "Qt.AlignLeft"]


def test_no_qvariant_field_type_outside_the_compat_module():
    files = [path for path in python_files(PLUGIN, ROOT / "tests") if path != COMPAT]
    assert field_type_uses(files) == []


def test_compat_values_are_this_qgis_enum_members_with_the_3_22_values():
    from gair_qgis import compat

    values_3_22 = {
        "SOURCE_VECTOR_POINT": 0,
        "SOURCE_VECTOR_POLYGON": 2,
        "NUMBER_DOUBLE": 1,
        "FILE_BEHAVIOR_FILE": 0,
        "FILE_BEHAVIOR_FOLDER": 1,
        "FIELD_TYPE_STRING": 1,
        "PARAMETER_FLAG_ADVANCED": 2,
        "WKB_POLYGON": 3,
        "LAYER_TYPE_RASTER": 1,
        "BAND_STATISTIC_MIN": 1,
        "BAND_STATISTIC_MAX": 2,
        "CRS_WKT_PREFERRED_GDAL": 4,
    }
    names = sorted(name for name in vars(compat) if name.isupper() and not name.startswith("_"))
    assert names == sorted(values_3_22)
    for name, expected in values_3_22.items():
        value = getattr(compat, name)
        assert is_enum_member(value), name
        assert int(getattr(value, "value", value)) == expected, name


def test_compat_fields_have_the_asked_type():
    from qgis.PyQt.QtCore import QMetaType

    from gair_qgis import compat

    for kind, metatype in (
        ("int", QMetaType.Type.Int),
        ("double", QMetaType.Type.Double),
        ("string", QMetaType.Type.QString),
    ):
        made = compat.field("x", kind)
        assert made.name() == "x" and int(made.type()) == int(metatype), kind
    with pytest.raises(KeyError):
        compat.field("x", "blob")


PYQT6_CHECK = r"""
import importlib, json, sys
missing = []
for module, chain, where in json.load(sys.stdin):
    try:
        value = importlib.import_module(module.replace("qgis.PyQt", "PyQt6"))
    except ImportError as error:
        missing.append([where, f"{module} ({error})"])
        continue
    for part in chain:
        if not hasattr(value, part):
            missing.append([where, module.replace("qgis.PyQt", "PyQt6") + "." + ".".join(chain)])
            break
        value = getattr(value, part)
print(json.dumps(missing))
"""


def qt5_fallback_imports(tree: ast.AST) -> set[int]:
    """The imports in `except ImportError:` handlers (`try: <Qt6 import> except ImportError: <Qt5 import>`)."""
    fallbacks = set()
    for handler in ast.walk(tree):
        if (
            isinstance(handler, ast.ExceptHandler)
            and isinstance(handler.type, ast.Name)
            and handler.type.id in ("ImportError", "ModuleNotFoundError")
        ):
            fallbacks |= {id(node) for node in ast.walk(handler) if isinstance(node, ast.ImportFrom)}
    return fallbacks


def pyqt_uses(files: list[Path]) -> list[Use]:
    """Every import from qgis.PyQt (but Qt5 fallbacks) and every attribute chain on a name imported from it."""
    uses = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        fallbacks = qt5_fallback_imports(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("qgis.PyQt.")
                and id(node) not in fallbacks
            ):
                uses += [Use(path, node.lineno, node.module, (alias.name,)) for alias in node.names]
        uses += [use for use in attribute_chains(path) if use.module.startswith("qgis.PyQt.")]
    return uses


def missing_in_pyqt6(uses: list[Use]) -> list[list[str]]:
    """[where, the PyQt6 name] for each use that PyQt6 lacks."""
    payload = json.dumps([(use.module, use.chain, str(use)) for use in uses])
    result = subprocess.run(
        [sys.executable, "-c", PYQT6_CHECK],
        input=payload,
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, "PyQt6 is needed (the dev extra: pip install -e '.[dev]'): " + result.stderr[-2000:]
    return json.loads(result.stdout)


def test_every_qt_name_the_plugin_uses_exists_in_pyqt6():
    uses = pyqt_uses(python_files(PLUGIN))
    assert any(use.chain == ("Qt", "AlignmentFlag", "AlignTop") for use in uses)  # the walk sees the chains
    # compat.field_type reads QVariant.Type only where QGIS < 3.38, which is always Qt5
    qt5_only = {("gair_qgis/compat.py", ("QVariant", "Type"))}
    uses = [use for use in uses if (str(use.path.relative_to(ROOT)), use.chain[:2]) not in qt5_only]
    assert missing_in_pyqt6(uses) == []


def test_the_pyqt6_check_finds_qt5_only_names(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from qgis.PyQt.QtCore import Qt, QRegExp\nfrom qgis.PyQt.QtWidgets import QDialog\n"
        "try:\n    from qgis.PyQt.QtGui import QAction\nexcept ImportError:\n"
        "    from qgis.PyQt.QtWidgets import QAction\n"
        "a = Qt.AlignLeft\nb = Qt.AlignmentFlag.AlignLeft\nQDialog.exec_\n",
        encoding="utf-8",
    )
    missing = missing_in_pyqt6(pyqt_uses([sample]))
    assert [name for _where, name in missing] == [
        "PyQt6.QtCore.QRegExp",
        "PyQt6.QtCore.Qt.AlignLeft",
        "PyQt6.QtWidgets.QDialog.exec_",
    ]
