"""The pinned packages per Python version and the plan: which of them QGIS's Python lacks."""
from __future__ import annotations

import importlib.metadata
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from .common import DepsError

NUMPY_MINIMUM = "1.21.6"  # every pinned onnxruntime needs at least this numpy
THIS_PYTHON: tuple[int, ...] = tuple(sys.version_info[:3])


@dataclass(frozen=True)
class Requirement:
    """One package the plugin may install: PyPI name, pinned version, import name, and the oldest
    version already in QGIS's Python that is good enough (None: any; "" : always install ours)."""

    name: str
    version: str
    module: str
    good_enough: Optional[str] = None

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"


# Pins per Python (newest first): onnxruntime wheels exist for these Pythons on Linux, Windows and
# macOS and work with numpy 1.21.6+ and 2.x; the others are pure-Python except protobuf and Pillow
# (binary wheels for every platform, no numpy inside). Each is installed only where QGIS's Python
# lacks it or has an older version than `good_enough`; onnxruntime always ("").
PINS: tuple[tuple[tuple[int, int], tuple[Requirement, ...]], ...] = (
    ((3, 11), (
        Requirement("onnxruntime", "1.32.0", "onnxruntime", ""),
        Requirement("flatbuffers", "25.12.19", "flatbuffers"),
        Requirement("protobuf", "7.36.2", "google.protobuf", "4.25.8"),
        Requirement("packaging", "26.4", "packaging"),
        Requirement("pillow", "11.3.0", "PIL", "8.0"),
    )),
    ((3, 10), (
        Requirement("onnxruntime", "1.23.2", "onnxruntime", ""),
        Requirement("coloredlogs", "15.0.1", "coloredlogs"),
        Requirement("humanfriendly", "10.0", "humanfriendly"),
        Requirement("flatbuffers", "25.12.19", "flatbuffers"),
        Requirement("protobuf", "7.36.2", "google.protobuf"),
        Requirement("packaging", "26.4", "packaging"),
        Requirement("sympy", "1.14.0", "sympy"),
        Requirement("mpmath", "1.3.0", "mpmath"),
        Requirement("pillow", "11.3.0", "PIL", "8.0"),
    )),
    ((3, 9), (
        Requirement("onnxruntime", "1.19.2", "onnxruntime", ""),
        Requirement("coloredlogs", "15.0.1", "coloredlogs"),
        Requirement("humanfriendly", "10.0", "humanfriendly"),
        Requirement("flatbuffers", "25.12.19", "flatbuffers"),
        Requirement("protobuf", "6.33.6", "google.protobuf"),
        Requirement("packaging", "26.3", "packaging"),
        Requirement("sympy", "1.14.0", "sympy"),
        Requirement("mpmath", "1.3.0", "mpmath"),
        Requirement("pillow", "11.3.0", "PIL", "8.0"),
    )),
)


def version_tuple(text: str) -> tuple[int, ...]:
    """'1.24.2' -> (1, 24, 2); '2.0.0rc1' -> (2, 0, 0); stops at the first part that is not a number."""
    parts = []
    for part in text.split("."):
        match = re.match(r"\d+", part)
        if not match:
            break
        parts.append(int(match.group()))
        if match.end() != len(part):
            break
    return tuple(parts)


def python_tag(version_info: Sequence[int] = THIS_PYTHON) -> str:
    return f"python{version_info[0]}.{version_info[1]}"


def requirements_for(version_info: Sequence[int] = THIS_PYTHON) -> tuple[Requirement, ...]:
    """The pinned packages for this Python; DepsError where none are pinned."""
    version = tuple(version_info[:2])
    for oldest, requirements in PINS:
        if version >= oldest:
            return requirements
    raise DepsError(f"Python {version[0]}.{version[1]} is too old for onnxruntime: the installer supports "
                    "Python 3.9 and newer (QGIS 3.22 and newer ship one)")


def distribution_version(name: str, paths: Sequence[str]) -> Optional[str]:
    """The version of the distribution `name` found on `paths` (first match), or None."""
    wanted = re.sub(r"[-_.]+", "-", name).lower()
    for dist in importlib.metadata.distributions(path=list(paths)):
        dist_name = dist.metadata["Name"] or ""
        if re.sub(r"[-_.]+", "-", dist_name).lower() == wanted:
            return dist.version
    return None


def paths_without(root: Path, paths: Sequence[str] = ()) -> list[str]:
    """`paths` (default sys.path) without the plugin's own folders: what QGIS's Python has by itself."""
    root_text = os.path.realpath(root)
    kept = []
    for entry in paths or sys.path:
        real = os.path.realpath(entry or os.getcwd())
        if real != root_text and not real.startswith(root_text + os.sep):
            kept.append(entry)
    return kept


@dataclass
class Plan:
    """What an install will do: for which Python, next to which numpy, installing which packages."""

    python: str
    numpy: str
    install: list[Requirement]
    present: dict[str, str] = field(default_factory=dict)  # PyPI name -> version QGIS's Python has

    def describe(self) -> list[str]:
        lines = [f"QGIS's Python {self.python}, its numpy {self.numpy} (kept as it is)"]
        lines += [f"install {r.spec}" for r in self.install]
        lines += [f"use QGIS's {name} {version}" for name, version in sorted(self.present.items())]
        return lines


def make_plan(root: Path, paths: Sequence[str] = (), version_info: Sequence[int] = THIS_PYTHON) -> Plan:
    """The packages to install for the running Python, leaving out what it already has (outside
    root) at a good-enough version. DepsError when numpy is missing or too old."""
    search = paths_without(root, paths)
    numpy_version = distribution_version("numpy", search)
    if numpy_version is None:
        raise DepsError("QGIS's Python has no numpy; QGIS installs normally include it: reinstall QGIS "
                        "(the installer never installs numpy, so that QGIS's own stays in charge)")
    if version_tuple(numpy_version) < version_tuple(NUMPY_MINIMUM):
        raise DepsError(f"QGIS's numpy {numpy_version} is older than {NUMPY_MINIMUM}, which onnxruntime needs: "
                        "upgrade QGIS (the installer never replaces QGIS's numpy)")
    install, present = [], {}
    for requirement in requirements_for(version_info):
        have = None if requirement.good_enough == "" else distribution_version(requirement.name, search)
        minimum = requirement.good_enough or "0"
        if have is not None and version_tuple(have) >= version_tuple(minimum):
            present[requirement.name] = have
        else:
            install.append(requirement)
    return Plan(f"{version_info[0]}.{version_info[1]}.{version_info[2]}", numpy_version, install, present)

