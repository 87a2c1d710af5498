"""NILI query geometry and its fast exact evaluation, in numpy (GAIR_SPEC.md section 7).

For a query c = (x, y) in [-1, 1]^2 and each of the four shifts (vx, vy) (vx outer),
NILI takes the cell k containing the shifted query, the offset d_k = (c - centre_k) * n and
weights w_k = area of the opposite shift / sum of areas. The prediction is
    r(c) = sum_k w_k (P[cell_k] + W_d d_k + b),   P = W_z unfold(F)   (per-cell table)
         = sum_k w_k Q[cell_k] + W_d e,           Q = P + b,  e = sum_k w_k d_k,
because the weights sum to one. The geometry splits into an x part (cell column and x
offset per shift) and a y part, so on a pixel grid it costs O(width + height).
The torch model uses the same geometry (`query_geometry`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHIFT_EPS = 1e-6
CLAMP_EPS = 1e-6
AREA_EPS = 1e-9


@dataclass(frozen=True)
class AxisGeometry:
    """For the shifts -1 and +1 along one axis: the cell index (2, ...) and offset (2, ...)."""

    cell: np.ndarray
    offset: np.ndarray


def axis_geometry(t: np.ndarray, n: int) -> AxisGeometry:
    """Cells and offsets along one axis for coordinates t in [-1, 1] (float64)."""
    t = np.asarray(t, dtype=np.float64)
    cells, offsets = [], []
    for v in (-1, 1):
        shifted = np.clip(t + (v / n + SHIFT_EPS), -1 + CLAMP_EPS, 1 - CLAMP_EPS)
        cell = np.clip(np.floor((shifted + 1) * n / 2), 0, n - 1)  # nearest, align_corners=False
        cells.append(cell.astype(np.int64))
        offsets.append((t - (-1 + (2 * cell + 1) / n)) * n)
    return AxisGeometry(np.stack(cells), np.stack(offsets))


def query_geometry(coords: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(..., 2) queries (x, y) -> flat cell index (..., 4), offsets (..., 4, 2), weights (..., 4).

    The four entries follow the shift order (vx, vy) = (-1,-1), (-1,1), (1,-1), (1,1)."""
    coords = np.asarray(coords, dtype=np.float64)
    gx, gy = axis_geometry(coords[..., 0], n), axis_geometry(coords[..., 1], n)
    cells, offsets, areas = [], [], []
    for ix in (0, 1):
        for iy in (0, 1):
            cells.append(gy.cell[iy] * n + gx.cell[ix])
            offsets.append(np.stack([gx.offset[ix], gy.offset[iy]], axis=-1))
            areas.append(np.abs(gx.offset[ix] * gy.offset[iy]) + AREA_EPS)
    area = np.stack(areas, axis=-1)
    weight = area[..., ::-1] / area.sum(axis=-1, keepdims=True)  # each shift takes the opposite area
    return np.stack(cells, axis=-1), np.stack(offsets, axis=-2), weight


@dataclass(frozen=True)
class HeatmapTables:
    """Everything the cosine between r(c) and a fixed vector s needs, per tile and s.

    qs: Q s per cell (nn,); gram: Q Q^T (nn, nn); qw: Q W_d (nn, 2);
    ws: W_d^T s (2,); ww: W_d^T W_d (2, 2); s_norm: |s|."""

    qs: np.ndarray
    gram: np.ndarray
    qw: np.ndarray
    ws: np.ndarray
    ww: np.ndarray
    s_norm: float

    @staticmethod
    def build(cell_table: np.ndarray, offset_weight: np.ndarray, bias: np.ndarray, s: np.ndarray) -> "HeatmapTables":
        q = cell_table.astype(np.float64) + bias.astype(np.float64)
        w_d = offset_weight.astype(np.float64)
        s = np.asarray(s, dtype=np.float64).reshape(-1)
        return HeatmapTables(
            qs=q @ s, gram=q @ q.T, qw=q @ w_d, ws=w_d.T @ s, ww=w_d.T @ w_d, s_norm=float(np.linalg.norm(s))
        )


def cosine_heatmap(tables: HeatmapTables, x: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
    """cos(r(c), s) for queries whose x and y broadcast together, e.g. (N,) and (N,) for points,
    (1, W) and (H, 1) for a grid. Only per-cell tables are touched per query: no D-length work."""
    gx, gy = axis_geometry(x, n), axis_geometry(y, n)
    ax, ay = np.abs(gx.offset), np.abs(gy.offset)
    pairs = [(ix, iy) for ix in (0, 1) for iy in (0, 1)]
    area = [ax[ix] * ay[iy] + AREA_EPS for ix, iy in pairs]
    inv_total = 1.0 / (area[0] + area[1] + area[2] + area[3])
    weight = [area[3 - k] * inv_total for k in range(4)]
    cell = [gy.cell[iy] * n + gx.cell[ix] for ix, iy in pairs]
    ex = (weight[0] + weight[1]) * gx.offset[0] + (weight[2] + weight[3]) * gx.offset[1]
    ey = (weight[0] + weight[2]) * gy.offset[0] + (weight[1] + weight[3]) * gy.offset[1]

    dot = ex * tables.ws[0] + ey * tables.ws[1]
    norm2 = ex * ex * tables.ww[0, 0] + 2 * ex * ey * tables.ww[0, 1] + ey * ey * tables.ww[1, 1]
    gram = tables.gram.reshape(-1)
    nn = tables.gram.shape[0]
    for k in range(4):
        dot = dot + weight[k] * tables.qs[cell[k]]
        norm2 = norm2 + 2 * weight[k] * (tables.qw[cell[k], 0] * ex + tables.qw[cell[k], 1] * ey)
        norm2 = norm2 + weight[k] * weight[k] * gram[cell[k] * (nn + 1)]
        for l in range(k + 1, 4):
            norm2 = norm2 + 2 * weight[k] * weight[l] * gram[cell[k] * nn + cell[l]]
    return (dot / (np.sqrt(np.maximum(norm2, 0.0)) * tables.s_norm)).astype(np.float32)
