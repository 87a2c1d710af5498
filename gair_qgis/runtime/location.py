"""Location input: the Equal Earth projection of (lon, lat), in float64 numpy (docs/MODEL.md §6).

Shared by the torch model and the runtime: the ONNX location graph takes the projected
coordinates, since onnxruntime has no float64 asin.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .preprocess import InputError

A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
EQUAL_EARTH_SCALE = 66.50336


def equal_earth(lonlat: NDArray[Any]) -> NDArray[Any]:
    """(N, 2) degrees (lon, lat) -> (N, 2) Equal Earth (X, Y) on the unit sphere x 66.50336/180."""
    lonlat = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
    lon, lat = np.deg2rad(lonlat[:, 0]), np.deg2rad(lonlat[:, 1])
    theta = np.arcsin(np.sqrt(3) / 2 * np.sin(lat))
    denominator = 3 * (9 * A4 * theta**8 + 7 * A3 * theta**6 + 3 * A2 * theta**2 + A1)
    x = 2 * np.sqrt(3) * lon * np.cos(theta) / denominator
    y = A4 * theta**9 + A3 * theta**7 + A2 * theta**3 + A1 * theta
    projected: NDArray[np.float64] = np.stack((x, y), axis=1) * EQUAL_EARTH_SCALE / 180
    return projected


def check_lonlat(lonlat: NDArray[Any], what: str = "location {i}", number_from: int = 0) -> NDArray[Any]:
    """(N, 2) float64 (lon, lat) degrees, refused (InputError) unless every value is finite,
    longitude in [-180, 180] and latitude in [-90, 90]. `what` names point i in the message
    ("points.csv row {i}", numbered from `number_from`); the one check of a location for every entry point."""
    lonlat = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
    bad = ~((np.abs(lonlat[:, 0]) <= 180) & (np.abs(lonlat[:, 1]) <= 90))  # NaN compares False
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{what.format(i=i + number_from)}: ({lonlat[i, 0]}, {lonlat[i, 1]}) is not a (lon, lat) pair in degrees "
            f"({int(bad.sum())} of {len(bad)} bad); give finite values, longitude in [-180, 180] and "
            "latitude in [-90, 90] (lon first)"
        )
    return lonlat
