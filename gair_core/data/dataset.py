"""The training dataset: one (SV photo, RS window, location) triple per manifest row.

Each sample reads only a window of its raster, about one model tile across
(`RSInputSpec.tile_ground_size_m`), with the photo's point at a random position inside it;
(u, v) and c = 2 (u, v) - 1 stay float64. Preprocessing is `gair_qgis.runtime.preprocess`
(band selection, scaling with the released uint8 truncation, standardisation); the bicubic
resize runs in torch (identical to `preprocess.resize_bicubic`).

Randomness comes from a Generator seeded by (seed, epoch, index), which the sampler passes
in as the key, so samples do not depend on workers and --resume reproduces them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterator, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset, Sampler

from gair_qgis.runtime.errors import InputError
from gair_qgis.runtime.preprocess import (
    RSInputSpec,
    SVInputSpec,
    normalize_sv,
    read_photo,
    released_rs_spec,
    released_sv_spec,
    scale_rs,
)
from gair_qgis.runtime.raster_file import raster_info

from .augment import AugmentConfig, augment_photo, jitter_rs, rs_view
from .manifest import ManifestRow
from .raster import fill_nodata, read_window
from .sentinel2 import Sentinel2Image, is_sentinel2_source, read_sentinel2, sentinel2_window


def resize_bicubic_torch(image: np.ndarray, size: int) -> torch.Tensor:
    """(C, H, W) float32 -> (C, size, size), bicubic, align_corners=False, no antialias."""
    tensor = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))[None]
    return F.interpolate(tensor, size=(size, size), mode="bicubic", align_corners=False)[0]


def sample_rng(seed: int, epoch: int, index: int) -> np.random.Generator:
    """The Generator of one sample in one epoch."""
    return np.random.default_rng([seed, epoch, index])


@dataclass
class PairDataset(Dataset):
    """Triples from manifest rows; `dataset[(epoch, index)]` (or `dataset[index]`, epoch 0).

    Returns a dict: `sv` (3, S, S) float32, `rs` (10, R, R) float32, `coords` (2,) float64
    c = 2 (u, v) - 1 of the point in the RS window, `lonlat` (2,) float64, `index`,
    `rs_valid` (fraction of window pixels with no nodata band), `has_sv`, `has_rs` (False for
    the missing side of a pair row, whose tensor is then zeros); with `rs_views`, also
    `rs_view`: a second, augmented view of the RS window (`augment.rs_view`) for the
    self-supervised RS objective.

    Sentinel-2 rasters of 13 bands, and folders of band files, are read whole (once per
    worker) through `sentinel2.read_sentinel2`; other rasters window by window."""

    rows: Sequence[ManifestRow]
    seed: int = 0
    augment: Optional[AugmentConfig] = field(default_factory=AugmentConfig)
    rs_spec: RSInputSpec = field(default_factory=released_rs_spec)
    sv_spec: SVInputSpec = field(default_factory=released_sv_spec)
    working_crs: Optional[str] = None
    ground_size_m: Optional[float] = None
    rs_views: bool = False

    def __post_init__(self) -> None:
        self._bands: dict[str, list[int]] = {}
        self._sentinel2: dict[str, Optional[Sentinel2Image]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def bands_of(self, path: str) -> list[int]:
        """The model bands' indices in a raster (header read once per worker and path)."""
        if path not in self._bands:
            self._bands[path] = raster_info(path).band_indices(self.rs_spec)
        return self._bands[path]

    def sentinel2_of(self, path: str) -> Optional[Sentinel2Image]:
        """The whole image when the Sentinel-2 reader handles `path`, else None (read once per worker)."""
        if path not in self._sentinel2:
            self._sentinel2[path] = read_sentinel2(path, self.rs_spec.bands) if is_sentinel2_source(path) else None
        return self._sentinel2[path]

    def __getitem__(self, key) -> dict:
        epoch, index = key if isinstance(key, tuple) else (0, key)
        row = self.rows[index]
        rng = sample_rng(self.seed, epoch, index)
        size = self.rs_spec.input_size
        view = None
        if row.rs_path:
            rs, coords, valid, unit = self.load_rs(row, rng)
            if self.rs_views:
                view = resize_bicubic_torch(rs_view(unit, rng), size)
        else:
            rs, coords, valid = torch.zeros(len(self.rs_spec.bands), size, size), np.zeros(2), 0.0
        sv_size = self.sv_spec.input_size
        sample = {
            "sv": self.load_sv(row, rng) if row.sv_path else torch.zeros(3, sv_size, sv_size),
            "rs": rs,
            "coords": torch.from_numpy(coords),
            "lonlat": torch.tensor([row.lon, row.lat], dtype=torch.float64),
            "index": index,
            "rs_valid": valid,
            "has_sv": row.sv_path is not None,
            "has_rs": row.rs_path is not None,
        }
        if self.rs_views:
            sample["rs_view"] = view if view is not None else torch.zeros_like(rs)
        return sample

    def load_rs(self, row: ManifestRow, rng: np.random.Generator) -> tuple[torch.Tensor, np.ndarray, float, np.ndarray]:
        """The RS window as model input, the point's c = 2 (u, v) - 1 (float64), the valid
        fraction, and the window in [0, 1] at its own size (before the resize)."""
        ground = self.ground_size_m or self.rs_spec.tile_ground_size_m
        rs_path = row.required_rs_path()
        image = self.sentinel2_of(rs_path)
        if image is not None:
            window = sentinel2_window(image, row.lon, row.lat, ground, rng)
        else:
            window = read_window(rs_path, row.lon, row.lat, ground, rng, self.bands_of(rs_path), self.working_crs)
        pixels = fill_nodata(window.pixels, window.valid, np.asarray(self.rs_spec.mean))
        unit = scale_rs(pixels, self.rs_spec)
        if self.augment is not None:
            unit = jitter_rs(unit, rng, self.augment)
        coords = np.array([2 * window.u - 1, 2 * window.v - 1], dtype=np.float64)
        return (
            resize_bicubic_torch(unit, self.rs_spec.input_size),
            coords,
            float(window.valid.all(axis=0).mean()),
            unit,
        )

    def load_sv(self, row: ManifestRow, rng: np.random.Generator) -> torch.Tensor:
        """The photo as model input (3, S, S)."""
        rgb = read_photo(row.required_sv_path(), self.sv_spec.input_size)
        if self.augment is not None:
            rgb = augment_photo(rgb, rng, self.augment)
        return resize_bicubic_torch(normalize_sv(rgb, self.sv_spec), self.sv_spec.input_size)


class EpochBatchSampler(Sampler):
    """Batches of (epoch, index) keys: a seeded permutation per epoch, cut into global batches
    of `batch_size * world_size`, of which this rank takes its contiguous slice. Starts at
    batch `start_batch` of `epoch` (for an exact --resume); the last incomplete global batch
    of an epoch is dropped. `endless` goes on with the following epochs forever, so that one
    DataLoader (and its workers) serves a whole run."""

    def __init__(
        self,
        size: int,
        batch_size: int,
        seed: int,
        epoch: int,
        start_batch: int = 0,
        rank: int = 0,
        world_size: int = 1,
        endless: bool = False,
    ) -> None:
        if size < batch_size * world_size:
            raise InputError(
                f"the manifest has {size} row(s), fewer than one global batch ({batch_size} x {world_size} process(es))"
            )
        self.size, self.batch_size, self.seed, self.epoch = size, batch_size, seed, epoch
        self.start_batch, self.rank, self.world_size, self.endless = start_batch, rank, world_size, endless

    @staticmethod
    def batches_per_epoch(size: int, batch_size: int, world_size: int = 1) -> int:
        return size // (batch_size * world_size)

    def __len__(self) -> int:
        if self.endless:
            raise TypeError("an endless sampler has no length")
        return self.batches_per_epoch(self.size, self.batch_size, self.world_size) - self.start_batch

    def epoch_batches(self, epoch: int, first: int) -> Iterator[list]:
        order = torch.randperm(self.size, generator=torch.Generator().manual_seed(self.seed * 100_003 + epoch))
        global_batch = self.batch_size * self.world_size
        for batch in range(first, self.batches_per_epoch(self.size, self.batch_size, self.world_size)):
            start = batch * global_batch + self.rank * self.batch_size
            yield [(epoch, int(i)) for i in order[start : start + self.batch_size]]

    def __iter__(self) -> Iterator[list]:
        epoch, first = self.epoch, self.start_batch
        while True:
            yield from self.epoch_batches(epoch, first)
            if not self.endless:
                return
            epoch, first = epoch + 1, 0


def collate(samples: list[dict]) -> dict:
    """Stack samples; float64 tensors stay float64."""
    batch = {
        "sv": torch.stack([s["sv"] for s in samples]),
        "rs": torch.stack([s["rs"] for s in samples]),
        "coords": torch.stack([s["coords"] for s in samples]),
        "lonlat": torch.stack([s["lonlat"] for s in samples]),
        "index": torch.tensor([s["index"] for s in samples]),
        "rs_valid": torch.tensor([s["rs_valid"] for s in samples]),
        "has_sv": torch.tensor([s["has_sv"] for s in samples]),
        "has_rs": torch.tensor([s["has_rs"] for s in samples]),
    }
    if "rs_view" in samples[0]:
        batch["rs_view"] = torch.stack([s["rs_view"] for s in samples])
    return batch


def ignore_stop_signals(_worker_id: int) -> None:
    """DataLoader workers leave SIGTERM/SIGINT to the main process, which saves and shuts them down."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def infinite_batches(
    dataset: PairDataset,
    batch_size: int,
    seed: int,
    start_epoch: int,
    start_batch: int,
    rank: int = 0,
    world_size: int = 1,
    workers: int = 0,
) -> Iterator[tuple[int, int, dict]]:
    """(epoch, batch-in-epoch, batch) forever from one DataLoader, starting at (start_epoch, start_batch)."""
    from torch.utils.data import DataLoader

    sampler = EpochBatchSampler(
        len(dataset), batch_size, seed, start_epoch, start_batch, rank, world_size, endless=True
    )
    per_epoch = EpochBatchSampler.batches_per_epoch(len(dataset), batch_size, world_size)
    loader = DataLoader(
        dataset,
        batch_sampler=sampler,
        num_workers=workers,
        collate_fn=collate,
        persistent_workers=workers > 0,
        pin_memory=torch.cuda.is_available(),
        worker_init_fn=ignore_stop_signals if workers > 0 else None,
    )
    position = start_epoch * per_epoch + start_batch
    for batch in loader:
        yield position // per_epoch, position % per_epoch, batch
        position += 1


def steps_per_epoch(size: int, batch_size: int, world_size: int, accumulation: int) -> int:
    """Optimizer steps per epoch (at least 1)."""
    return max(1, math.floor(EpochBatchSampler.batches_per_epoch(size, batch_size, world_size) / accumulation))
