"""Where a photo was taken: (lon, lat) from its EXIF GPS tags (PIL only; no QGIS, no torch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional


def photo_gps(path: str | Path) -> Optional[tuple[float, float]]:
    """(lon, lat) in degrees from a photo's EXIF GPS tags, or None when it has none."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            gps = image.getexif().get_ifd(0x8825)
    except (OSError, ValueError):
        return None
    try:
        lat = _dms(gps[2]) * (-1 if str(gps.get(1, "N")).upper().startswith("S") else 1)
        lon = _dms(gps[4]) * (-1 if str(gps.get(3, "E")).upper().startswith("W") else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    usable = abs(lon) <= 180 and abs(lat) <= 90 and (lon, lat) != (0.0, 0.0)  # (0, 0): GPS tags left unset
    return (lon, lat) if usable else None


def _dms(value: Any) -> float:
    degrees, minutes, seconds = (float(v) for v in value)
    return degrees + minutes / 60 + seconds / 3600
