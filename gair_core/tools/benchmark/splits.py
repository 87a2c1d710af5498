"""Spatially blocked, deterministic train/val/test splits on a lon/lat grid."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

FRACTIONS = (0.7, 0.1, 0.2)  # train, val, test (by samples, whole blocks at a time)


class Split(NamedTuple):
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray


def block_ids(lonlat: np.ndarray, block_deg: float) -> np.ndarray:
    """An integer id per point for its `block_deg` x `block_deg` degree grid cell."""
    lonlat = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
    columns = int(np.ceil(360 / block_deg)) + 1
    col = np.floor((lonlat[:, 0] + 180) / block_deg).astype(np.int64)
    row = np.floor((lonlat[:, 1] + 90) / block_deg).astype(np.int64)
    return row * columns + col


def blocked_split(
    lonlat: np.ndarray, block_deg: float, seed: int, fractions: tuple[float, float, float] = FRACTIONS
) -> Split:
    """Whole grid blocks go to test, then val, then train, in an order shuffled by `seed`,
    until each holds its fraction of the samples. Same inputs and seed -> same split."""
    blocks = block_ids(lonlat, block_deg)
    unique, inverse, counts = np.unique(blocks, return_inverse=True, return_counts=True)
    order = np.random.default_rng(seed).permutation(len(unique))
    cumulative = np.cumsum(counts[order]) / len(blocks)
    test_end = fractions[2]
    val_end = fractions[2] + fractions[1]
    role = np.empty(len(unique), dtype=np.int8)  # 0 train, 1 val, 2 test
    # a block goes to a part while the samples before it are still short of the part's end
    before = cumulative - counts[order] / len(blocks)
    role[order] = np.where(before < test_end, 2, np.where(before < val_end, 1, 0))
    if len(unique) >= 3:  # never leave a part empty when blocks allow
        for part in (0, 1, 2):
            if not (role == part).any():
                donor = np.argmax(np.bincount(role, minlength=3))
                candidates = np.flatnonzero(role == donor)
                role[candidates[np.argmin(counts[candidates])]] = part
    point_role = role[inverse]
    return Split(*(np.flatnonzero(point_role == part) for part in (0, 1, 2)))
