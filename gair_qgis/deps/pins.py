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
    (
        (3, 11),
        (
            Requirement("onnxruntime", "1.32.0", "onnxruntime", ""),
            Requirement("flatbuffers", "25.12.19", "flatbuffers"),
            Requirement("protobuf", "7.36.2", "google.protobuf", "4.25.8"),
            Requirement("packaging", "26.4", "packaging"),
            Requirement("pillow", "11.3.0", "PIL", "8.0"),
        ),
    ),
    (
        (3, 10),
        (
            Requirement("onnxruntime", "1.23.2", "onnxruntime", ""),
            Requirement("coloredlogs", "15.0.1", "coloredlogs"),
            Requirement("humanfriendly", "10.0", "humanfriendly"),
            Requirement("flatbuffers", "25.12.19", "flatbuffers"),
            Requirement("protobuf", "7.36.2", "google.protobuf"),
            Requirement("packaging", "26.4", "packaging"),
            Requirement("sympy", "1.14.0", "sympy"),
            Requirement("mpmath", "1.3.0", "mpmath"),
            Requirement("pillow", "11.3.0", "PIL", "8.0"),
        ),
    ),
    (
        (3, 9),
        (
            Requirement("onnxruntime", "1.19.2", "onnxruntime", ""),
            Requirement("coloredlogs", "15.0.1", "coloredlogs"),
            Requirement("humanfriendly", "10.0", "humanfriendly"),
            Requirement("flatbuffers", "25.12.19", "flatbuffers"),
            Requirement("protobuf", "6.33.6", "google.protobuf"),
            Requirement("packaging", "26.3", "packaging"),
            Requirement("sympy", "1.14.0", "sympy"),
            Requirement("mpmath", "1.3.0", "mpmath"),
            Requirement("pillow", "11.3.0", "PIL", "8.0"),
        ),
    ),
)


# The region extras (`install --regions`: the embedding-field algorithms, issue 26), per Python
# (newest first): Dask with distributed, Zarr format 2 and numcodecs, with every dependency pinned, since
# pip runs with --no-deps (it would otherwise put a numpy of its own next to QGIS's). The four named ones
# are always ours (""), so that dask and distributed match and zarr is a 2.x; the others are used from
# QGIS's Python where it has them at least at the version distributed/zarr require. Pythons 3.9 and 3.10
# share the last set that supports 3.9 (dask 2024.8.0; zarr 2.17.2 with numcodecs 0.12.1, built for
# numpy 1.x).
_REGION_COMMON = (
    Requirement("cloudpickle", "3.1.3", "cloudpickle", "3.0.0"),
    Requirement("locket", "1.0.0", "locket"),
    Requirement("partd", "1.4.2", "partd", "1.4.0"),
    Requirement("psutil", "7.2.2", "psutil", "5.8.0"),
    Requirement("sortedcontainers", "2.4.0", "sortedcontainers", "2.0.5"),
    Requirement("tblib", "3.2.2", "tblib", "1.6.0"),
    Requirement("toolz", "1.2.0", "toolz", "0.10.0"),
    Requirement("zict", "3.0.0", "zict", "3.0.0"),
    Requirement("jinja2", "3.1.6", "jinja2", "2.10.3"),
    Requirement("asciitree", "1.0.0", "asciitree"),
    Requirement("fasteners", "0.20", "fasteners"),
)
REGION_PINS: tuple[tuple[tuple[int, int], tuple[Requirement, ...]], ...] = (
    (
        (3, 11),
        (
            Requirement("dask", "2026.8.0", "dask", ""),
            Requirement("distributed", "2026.8.0", "distributed", ""),
            Requirement("zarr", "2.18.7", "zarr", ""),
            Requirement("numcodecs", "0.15.2", "numcodecs", ""),
            *_REGION_COMMON,
            Requirement("click", "8.5.1", "click", "8.0"),
            Requirement("fsspec", "2026.9.0", "fsspec", "2021.9.0"),
            Requirement("importlib-metadata", "10.2.0", "importlib_metadata", "4.13.0"),
            Requirement("lazy-importer", "0.1.0", "lazy_importer"),
            Requirement("zipp", "4.1.2", "zipp"),
            Requirement("markupsafe", "3.0.4", "markupsafe", "2.0"),
            Requirement("msgpack", "1.2.4", "msgpack", "1.0.2"),
            Requirement("packaging", "26.4", "packaging", "20.0"),
            Requirement("pyyaml", "6.0.4", "yaml", "5.4.1"),
            Requirement("tornado", "6.6.1", "tornado", "6.2.0"),
            Requirement("urllib3", "2.6.3", "urllib3", "1.26.5"),
            Requirement("deprecated", "1.3.1", "deprecated"),
            Requirement("wrapt", "2.5.2", "wrapt"),
        ),
    ),
    (
        (3, 9),
        (
            Requirement("dask", "2024.8.0", "dask", ""),
            Requirement("distributed", "2024.8.0", "distributed", ""),
            Requirement("zarr", "2.17.2", "zarr", ""),
            Requirement("numcodecs", "0.12.1", "numcodecs", ""),
            *_REGION_COMMON,
            Requirement("click", "8.1.8", "click", "8.0"),
            Requirement("fsspec", "2025.10.0", "fsspec", "2021.9.0"),
            Requirement("importlib-metadata", "8.7.1", "importlib_metadata", "4.13.0"),
            Requirement("zipp", "3.23.1", "zipp"),
            Requirement("markupsafe", "3.0.4", "markupsafe", "2.0"),
            Requirement("msgpack", "1.1.2", "msgpack", "1.0.2"),
            Requirement("packaging", "26.3", "packaging", "20.0"),
            Requirement("pyyaml", "6.0.3", "yaml", "5.4.1"),
            Requirement("tornado", "6.5.10", "tornado", "6.2.0"),
            Requirement("urllib3", "2.6.3", "urllib3", "1.26.5"),
        ),
    ),
)
REGION_MODULES = ("dask", "distributed", "zarr", "numcodecs")  # what the field algorithms import


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
    raise DepsError(
        f"Python {version[0]}.{version[1]} is too old for onnxruntime: the installer supports "
        "Python 3.9 and newer (QGIS 3.22 and newer ship one)"
    )


def region_requirements_for(version_info: Sequence[int] = THIS_PYTHON) -> tuple[Requirement, ...]:
    """The pinned region extras (dask, distributed, zarr 2, numcodecs and their dependencies) for this
    Python; DepsError where none are pinned."""
    version = tuple(version_info[:2])
    for oldest, requirements in REGION_PINS:
        if version >= oldest:
            return requirements
    raise DepsError(f"Python {version[0]}.{version[1]} is too old for the region extras: they need Python 3.9 or newer")


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
    regions: bool = False  # with the region extras (dask, distributed, zarr, numcodecs)

    def describe(self) -> list[str]:
        lines = [f"QGIS's Python {self.python}, its numpy {self.numpy} (kept as it is)"]
        lines += [f"install {r.spec}" for r in self.install]
        lines += [f"use QGIS's {name} {version}" for name, version in sorted(self.present.items())]
        return lines


def make_plan(
    root: Path, paths: Sequence[str] = (), version_info: Sequence[int] = THIS_PYTHON, regions: bool = False
) -> Plan:
    """The packages to install for the running Python (with `regions`, the region extras too),
    leaving out what it already has (outside root) at a good-enough version. DepsError when numpy
    is missing or too old."""
    search = paths_without(root, paths)
    numpy_version = distribution_version("numpy", search)
    if numpy_version is None:
        raise DepsError(
            "QGIS's Python has no numpy; QGIS installs normally include it: reinstall QGIS "
            "(the installer never installs numpy, so that QGIS's own stays in charge)"
        )
    if version_tuple(numpy_version) < version_tuple(NUMPY_MINIMUM):
        raise DepsError(
            f"QGIS's numpy {numpy_version} is older than {NUMPY_MINIMUM}, which onnxruntime needs: "
            "upgrade QGIS (the installer never replaces QGIS's numpy)"
        )
    install: list[Requirement] = []
    present: dict[str, str] = {}
    wanted = requirements_for(version_info) + (region_requirements_for(version_info) if regions else ())
    for requirement in _first_of_each(wanted):
        have = None if requirement.good_enough == "" else distribution_version(requirement.name, search)
        minimum = requirement.good_enough or "0"
        if have is not None and version_tuple(have) >= version_tuple(minimum):
            present[requirement.name] = have
        else:
            install.append(requirement)
    return Plan(f"{version_info[0]}.{version_info[1]}.{version_info[2]}", numpy_version, install, present, regions)


def _first_of_each(requirements: Sequence[Requirement]) -> list[Requirement]:
    """The requirements without a second one of the same PyPI name (packaging is in both sets)."""
    seen: dict[str, Requirement] = {}
    for requirement in requirements:
        seen.setdefault(re.sub(r"[-_.]+", "-", requirement.name).lower(), requirement)
    return list(seen.values())
