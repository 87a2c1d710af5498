"""Every persistent setting of the plugin (QgsSettings keys under `gair/`), in one place.

The docks, the model manager and the Processing algorithms all read and write their
settings here; nothing else touches a `gair/` key. Needs qgis.core only (it runs in
qgis_process too). Environment variables (GAIR_FORCE_CPU, GAIR_MAX_TILES,
GAIR_MAX_PIXELS, GAIR_MAX_CACHE_GB, GAIR_DASK_SCHEDULER) override the stored value for one process.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from qgis.core import QgsProject, QgsSettings

from .runtime.errors import InputError
from .translation import translate

PREFIX = "gair/"
MODEL_FOLDERS = PREFIX + "model_folders"  # package folders the user added
ACTIVE_MODEL = PREFIX + "active_model"  # the active package's folder ("" = the bundled one)
FORCE_CPU = PREFIX + "force_cpu"
OUTPUT_FOLDER = PREFIX + "output_folder"  # where the docks write ("" = the default)
DOCKS_ARRANGED = PREFIX + "docks_arranged"  # the docks were tabbed together once
DASK_SCHEDULER = PREFIX + "dask_scheduler"  # a Dask scheduler address (tcp://host:8786); "" = a local cluster
# tcp:// or tls://, a host name, IPv4 address or [IPv6] address, and a port
SCHEDULER_ADDRESS = re.compile(r"^(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$")
# keys gair/max_tiles, gair/max_pixels, gair/max_cache_gb (the disk tile cache's size)
LIMIT_DEFAULTS = {"max_tiles": 400, "max_pixels": 4_000_000, "max_cache_gb": 20}


def _settings() -> QgsSettings:
    return QgsSettings()


# --- models --------------------------------------------------------------------------------


def model_folders() -> list[str]:
    """Package folders the user added in the models dock."""
    value = _settings().value(MODEL_FOLDERS, [])
    if isinstance(value, str):  # QSettings returns a lone string for one-item lists
        value = [value] if value else []
    return [str(v) for v in value or []]


def set_model_folders(folders: list[str]) -> None:
    _settings().setValue(MODEL_FOLDERS, list(folders))


def active_model() -> str:
    """The folder the setting names ("" when none was chosen: the bundled package).
    `model_store.active_folder` resolves it to a package that exists."""
    return str(_settings().value(ACTIVE_MODEL, "") or "")


def set_active_model(folder: str) -> None:
    _settings().setValue(ACTIVE_MODEL, str(folder))


# --- running -------------------------------------------------------------------------------


def force_cpu() -> bool:
    """Whether onnxruntime must use the CPU (GAIR_FORCE_CPU=1 or the setting gair/force_cpu)."""
    env = os.environ.get("GAIR_FORCE_CPU")
    if env:
        return env not in ("0", "false", "no")
    return bool(_settings().value(FORCE_CPU, False, type=bool))


def set_force_cpu(value: bool) -> None:
    """Remember force-CPU for the docks and the Processing algorithms."""
    _settings().setValue(FORCE_CPU, bool(value))


def dask_scheduler_setting() -> str:
    """The stored setting gair/dask_scheduler ("" = a local cluster), as the models dock shows it."""
    return str(_settings().value(DASK_SCHEDULER, "") or "").strip()


def dask_scheduler() -> str:
    """The Dask scheduler the region builds use: GAIR_DASK_SCHEDULER, else the setting
    gair/dask_scheduler; "" means a local cluster on this machine."""
    return (os.environ.get("GAIR_DASK_SCHEDULER") or "").strip() or dask_scheduler_setting()


def check_scheduler_address(address: str) -> str:
    """`address` stripped when it is empty or looks like tcp://host:port (or tls://); InputError
    naming the fix otherwise."""
    address = address.strip()
    match = SCHEDULER_ADDRESS.match(address)
    if address and (match is None or not 0 < int(match.group(4)) < 65536):
        raise InputError(
            translate(
                "settings",
                "Dask scheduler {} is not an address; give tcp://host:port (or tls://host:port), e.g. "
                "tcp://10.0.0.5:8786, or leave it empty for a local cluster",
            ).format(repr(address))
        )
    return address


def set_dask_scheduler(address: str) -> str:
    """Remember the Dask scheduler address ("" = a local cluster); InputError (nothing stored)
    when it does not look like tcp://host:port. Returns the address stored."""
    address = check_scheduler_address(address)
    _settings().setValue(DASK_SCHEDULER, address)
    return address


def limit_sources(name: str) -> str:
    """Where a limit is set, for messages: 'environment variable GAIR_MAX_TILES or QGIS setting gair/max_tiles'."""
    return translate("settings", "environment variable {} or QGIS setting {}").format(
        f"GAIR_{name.upper()}", PREFIX + name
    )


def limit_is_set(name: str) -> bool:
    """Whether the user set a limit (in the environment or the QGIS settings)."""
    return bool(os.environ.get(f"GAIR_{name.upper()}")) or _settings().contains(PREFIX + name)


def setting_limit(name: str) -> int:
    """A limit ("max_tiles", "max_pixels") from the environment (GAIR_MAX_TILES, ...),
    else the setting gair/max_tiles, ..., else its default. InputError when it is not a whole number."""
    value = os.environ.get(f"GAIR_{name.upper()}") or _settings().value(PREFIX + name, LIMIT_DEFAULTS[name])
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InputError(
            translate("settings", "the {} is {}; set a whole number (default {})").format(
                limit_sources(name), repr(value), LIMIT_DEFAULTS[name]
            )
        ) from None


def max_cache_gb() -> float:
    """The disk tile cache's budget in GB (GAIR_MAX_CACHE_GB, else gair/max_cache_gb, else 20);
    fractions such as 0.5 allowed. InputError when it is not a number of 0 or more."""
    name = "max_cache_gb"
    value = os.environ.get(f"GAIR_{name.upper()}") or _settings().value(PREFIX + name, LIMIT_DEFAULTS[name])
    try:
        gb = float(str(value).strip())
    except ValueError:
        gb = math.nan
    if not math.isfinite(gb) or gb < 0:
        raise InputError(
            translate(
                "settings", "the {} is {}; set a number of GB of 0 or more, such as 0.5 or 20 (default {})"
            ).format(limit_sources(name), repr(value), LIMIT_DEFAULTS[name])
        )
    return gb


def max_cache_bytes() -> int:
    """`max_cache_gb` in bytes (1 GB = 2**30 bytes)."""
    return int(max_cache_gb() * (1 << 30))


def check_settings() -> None:
    """Every limit read once, so that a bad value is a one-line InputError before any work."""
    setting_limit("max_tiles")
    setting_limit("max_pixels")
    max_cache_gb()


# --- the docks -----------------------------------------------------------------------------


def chosen_output_folder() -> str:
    """The output folder the user chose ("" when none: see `default_output_folder`)."""
    return str(_settings().value(OUTPUT_FOLDER, "") or "")


def default_output_folder() -> Path:
    """A `gair` folder next to the saved project, else ~/GAIR (never a temporary folder)."""
    home = QgsProject.instance().homePath()
    return Path(home) / "gair" if home else Path.home() / "GAIR"


def output_folder() -> Path:
    """Where the docks write their results: the folder the user chose, else the default."""
    chosen = chosen_output_folder()
    return Path(chosen) if chosen else default_output_folder()


def set_output_folder(folder: str) -> None:
    _settings().setValue(OUTPUT_FOLDER, folder)


def docks_arranged() -> bool:
    """Whether the docks were put into one tab group once (first use)."""
    return bool(_settings().value(DOCKS_ARRANGED, False, type=bool))


def set_docks_arranged() -> None:
    _settings().setValue(DOCKS_ARRANGED, True)
