"""An encoded RS tile: its token grid and NILI tables, ready for any number of queries.

Localized embeddings and cosine heatmaps are exact (docs/MODEL.md §7.3): the per-cell
table P = W_z unfold(F) comes from the RS graph, the offset weight W_d and bias b from
the package, and everything per query is a few lookups and scalar operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
from numpy.typing import NDArray

from .nili import HeatmapTables, cosine_heatmap, query_geometry

TILE_ARRAYS = ("grid", "global_embedding", "cell_table", "offset_weight", "bias")


@dataclass
class EncodedTile:
    grid: NDArray[Any]  # (n, n, D) token grid
    global_embedding: NDArray[Any]  # (D,)
    cell_table: NDArray[Any]  # (n*n, D) P = W_z unfold(F)
    offset_weight: NDArray[Any]  # (D, 2) W_d
    bias: NDArray[Any]  # (D,) b
    _tables: dict[bytes, HeatmapTables] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def grid_size(self) -> int:
        return self.grid.shape[0]

    def localize(self, coords: NDArray[Any], mode: str = "nili") -> NDArray[Any]:
        """(N, 2) queries c = 2 (u, v) - 1 (float64) -> (N, D) localized embeddings."""
        coords = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
        if mode == "bilinear":
            return bilinear_sample(self.grid, coords)
        if mode != "nili":
            raise ValueError(f"unknown query mode {mode!r}; choose 'nili' or 'bilinear'")
        cells, offsets, weight = query_geometry(coords, self.grid_size)
        per_query = self.cell_table[cells] + offsets.astype(np.float32) @ self.offset_weight.T + self.bias
        localized: NDArray[np.float32] = np.einsum("nk,nkd->nd", weight.astype(np.float32), per_query)
        return localized

    def heatmap_tables(self, sv_vector: NDArray[Any]) -> HeatmapTables:
        """Per-cell tables for one SV vector (the last vector's tables are kept)."""
        key = np.asarray(sv_vector, dtype=np.float32).tobytes()
        if key not in self._tables:
            self._tables = {key: HeatmapTables.build(self.cell_table, self.offset_weight, self.bias, sv_vector)}
        return self._tables[key]

    def similarity(self, sv_vector: NDArray[Any], x: NDArray[Any], y: NDArray[Any]) -> NDArray[Any]:
        """Cosine between `sv_vector` and r(c) for queries x, y in [-1, 1] that broadcast
        together: (N,) and (N,) for points, (1, W) and (H, 1) for a grid."""
        return cosine_heatmap(self.heatmap_tables(sv_vector), x, y, self.grid_size)

    def arrays(self) -> dict[str, NDArray[Any]]:
        """The tile's arrays by name (what `from_arrays` takes back)."""
        return {name: getattr(self, name) for name in TILE_ARRAYS}

    @staticmethod
    def from_arrays(arrays: Mapping[str, NDArray[Any]]) -> EncodedTile:
        return EncodedTile(**{name: arrays[name] for name in TILE_ARRAYS})


def bilinear_sample(grid: NDArray[Any], coords: NDArray[Any]) -> NDArray[Any]:
    """grid_sample(bilinear, align_corners=False, zero padding) of an (n, n, D) grid at c."""
    n = grid.shape[0]
    padded = np.pad(grid, ((1, 1), (1, 1), (0, 0)))
    fx = (coords[:, 0] + 1) * n / 2 - 0.5 + 1  # +1: padding
    fy = (coords[:, 1] + 1) * n / 2 - 0.5 + 1
    x0 = np.clip(np.floor(fx).astype(np.int64), 0, n)
    y0 = np.clip(np.floor(fy).astype(np.int64), 0, n)
    tx = (fx - x0)[:, None].astype(np.float32)
    ty = (fy - y0)[:, None].astype(np.float32)
    sampled: NDArray[np.float32] = (1 - ty) * ((1 - tx) * padded[y0, x0] + tx * padded[y0, x0 + 1]) + ty * (
        (1 - tx) * padded[y0 + 1, x0] + tx * padded[y0 + 1, x0 + 1]
    )
    return sampled
