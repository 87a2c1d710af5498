"""The GPS position stored in a photo's EXIF tags, if any (Pillow only, no QGIS)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

GPS_IFD = 0x8825
LAT_REF, LAT, LON_REF, LON = 1, 2, 3, 4


def _degrees(dms: Sequence[float]) -> float:
    """(degrees, minutes, seconds) rationals -> decimal degrees."""
    values = [float(v) for v in dms] + [0.0, 0.0]
    return values[0] + values[1] / 60.0 + values[2] / 3600.0


def exif_lonlat(path: str | Path) -> Optional[tuple[float, float]]:
    """(lon, lat) in degrees (WGS 84) from the photo's EXIF GPS tags, or None when the
    file has no usable GPS position (or cannot be read: the caller reports that later)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            gps = image.getexif().get_ifd(GPS_IFD)
    except (OSError, ValueError, SyntaxError):
        return None
    if not gps or LAT not in gps or LON not in gps:
        return None
    try:
        lat, lon = _degrees(gps[LAT]), _degrees(gps[LON])
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if str(gps.get(LAT_REF, "N")).upper().startswith("S"):
        lat = -lat
    if str(gps.get(LON_REF, "E")).upper().startswith("W"):
        lon = -lon
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0) or (lat == 0.0 and lon == 0.0):
        return None
    return lon, lat
