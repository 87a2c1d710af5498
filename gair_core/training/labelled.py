"""Labelled data for fine-tuning: a CSV with the task's input columns and a target column.

- task `sv`: `sv_path`; task `rs`: `rs_path` (and optionally `lon, lat`: then a model tile
  centred on the point is read, else the whole raster, e.g. a small EuroSAT-style patch);
  task `location`: `lon, lat`. Paths are relative to the CSV's folder. An optional `split`
  column (train / val / test) is used when present.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from torch.utils.data import Dataset

from gair_qgis.runtime.errors import InputError
from gair_qgis.runtime.preprocess import (
    RSInputSpec,
    SVInputSpec,
    normalize_sv,
    preprocess_rs,
    read_photo,
    released_rs_spec,
    released_sv_spec,
    scale_rs,
)
from gair_qgis.runtime.raster_file import raster_info

from ..data.dataset import resize_bicubic_torch
from ..data.raster import fill_nodata, read_window

TASK_COLUMNS = {"sv": ("sv_path",), "rs": ("rs_path",), "location": ("lon", "lat")}


@dataclass
class LabelledRows:
    """Inputs (paths or coordinates), raw targets and splits of a labelled CSV."""

    task: str
    inputs: list[dict]
    targets: list[str]
    splits: list[Optional[str]]

    def __len__(self) -> int:
        return len(self.targets)


def read_labelled(path: Path, task: str, target: str, max_rows: Optional[int] = None, seed: int = 0) -> LabelledRows:
    """Rows with a non-empty target; a seeded random subset of `max_rows` when given."""
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        needed = list(TASK_COLUMNS[task]) + [target]
        missing = [c for c in needed if c not in columns]
        if missing:
            raise InputError(f"{path}: missing column(s) {', '.join(missing)} for task {task!r}")
        records = [r for r in reader if (r[target] or "").strip()]
    if max_rows is not None and len(records) > max_rows:
        keep = np.sort(np.random.default_rng(seed).choice(len(records), max_rows, replace=False))
        records = [records[i] for i in keep]
    base = path.resolve().parent
    inputs = []
    for record in records:
        item = {}
        for column in ("sv_path", "rs_path"):
            if record.get(column):
                item[column] = str(base / record[column]) if not Path(record[column]).is_absolute() else record[column]
        for column in ("lon", "lat"):
            if (record.get(column) or "").strip():
                item[column] = float(record[column])
        inputs.append(item)
    return LabelledRows(
        task, inputs, [r[target].strip() for r in records], [(r.get("split") or "").strip() or None for r in records]
    )


def split_indices(rows: LabelledRows, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) indices: the split column when present (val and test are held out), else random."""
    if any(rows.splits):
        splits = np.array([s or "train" for s in rows.splits])
        return np.flatnonzero(splits == "train"), np.flatnonzero(splits != "train")
    order = np.random.default_rng(seed).permutation(len(rows))
    cut = int(round(len(rows) * (1 - test_fraction)))
    return np.sort(order[:cut]), np.sort(order[cut:])


@dataclass
class InputDataset(Dataset):
    """Model inputs of one task (no augmentation): SV (3,S,S), RS (10,R,R) or (lon, lat) float64."""

    rows: LabelledRows
    rs_spec: RSInputSpec = field(default_factory=released_rs_spec)
    sv_spec: SVInputSpec = field(default_factory=released_sv_spec)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> torch.Tensor:
        item = self.rows.inputs[index]
        if self.rows.task == "location":
            return torch.tensor([item["lon"], item["lat"]], dtype=torch.float64)
        if self.rows.task == "sv":
            return resize_bicubic_torch(
                normalize_sv(read_photo(item["sv_path"], self.sv_spec.input_size), self.sv_spec),
                self.sv_spec.input_size,
            )
        return self.rs_input(item)

    def rs_input(self, item: dict) -> torch.Tensor:
        info = raster_info(item["rs_path"])
        bands = info.band_indices(self.rs_spec)
        if "lon" in item and "lat" in item:
            window = read_window(
                item["rs_path"], item["lon"], item["lat"], self.rs_spec.tile_ground_size_m, _Centred(), bands
            )
            pixels = fill_nodata(window.pixels, window.valid, np.asarray(self.rs_spec.mean))
            return resize_bicubic_torch(scale_rs(pixels, self.rs_spec), self.rs_spec.input_size)
        import rasterio

        with rasterio.open(item["rs_path"]) as source:
            pixels = source.read(masked=True)
        mean = np.zeros(info.count)
        mean[bands] = self.rs_spec.mean
        pixels = fill_nodata(np.ma.getdata(pixels), ~np.ma.getmaskarray(pixels), mean)
        return torch.from_numpy(preprocess_rs(pixels, self.rs_spec, list(info.band_names)))


class _Centred:
    """An `OffsetChooser` (in place of a Generator) whose `integers(low, high)` picks the middle:
    a centred window."""

    def integers(self, low: int, high: int) -> int:
        return (low + high - 1) // 2
