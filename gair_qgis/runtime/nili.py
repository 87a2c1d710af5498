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

import os
from concurrent.futures import ThreadPoolExecutor
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

    per_cell: (nn, 4) float32 rows [Q s, (Q W_d)_x, (Q W_d)_y, |Q|^2] per cell;
    gram: Q Q^T (nn, nn) float32; ws: W_d^T s; ww: W_d^T W_d; s_norm: |s|."""

    per_cell: np.ndarray
    gram: np.ndarray
    ws: np.ndarray
    ww: np.ndarray
    s_norm: float

    @staticmethod
    def build(cell_table: np.ndarray, offset_weight: np.ndarray, bias: np.ndarray, s: np.ndarray) -> "HeatmapTables":
        q = cell_table.astype(np.float64) + bias.astype(np.float64)
        w_d = offset_weight.astype(np.float64)
        s = np.asarray(s, dtype=np.float64).reshape(-1)
        gram = q @ q.T
        per_cell = np.column_stack([q @ s, q @ w_d, np.diag(gram)])
        return HeatmapTables(per_cell.astype(np.float32), gram.astype(np.float32), w_d.T @ s, w_d.T @ w_d,
                             float(np.linalg.norm(s)))


CHUNK = 1 << 14  # queries per block: small blocks stay in cache and avoid page faults
THREADS = max(1, min(8, os.cpu_count() or 1))


def cosine_heatmap(tables: HeatmapTables, x: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
    """cos(r(c), s) for queries x, y in [-1, 1] that broadcast together: (N,) and (N,) for
    points, (1, W) and (H, 1) for a grid. Evaluated in cache-sized blocks along the first
    axis, on all cores (numpy releases the GIL inside its loops)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    shape = np.broadcast_shapes(x.shape, y.shape)
    if len(shape) == 0 or int(np.prod(shape)) <= CHUNK:
        return _cosine_block(tables, x, y, n)
    step = max(1, CHUNK // max(1, int(np.prod(shape[1:]))))
    out = np.empty(shape, dtype=np.float32)

    def rows(a: np.ndarray, block: slice) -> np.ndarray:
        return a[block] if a.ndim == len(shape) and a.shape[0] > 1 else a

    def run(start: int) -> None:
        block = slice(start, start + step)
        out[block] = _cosine_block(tables, rows(x, block), rows(y, block), n)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(run, range(0, shape[0], step)))
    return out


def _cosine_block(tables: HeatmapTables, x: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
    """cos(r(c), s) on one block. With unnormalised weights u_k (the opposite areas; the
    normalisation cancels in the cosine), q_k = Q[cell_k] and E = sum_k u_k d_k:
        r.s   ~ sum_k u_k (q_k.s) + E.(W_d^T s)
        |r|^2 ~ sum_kl u_k u_l (q_k.q_l) + 2 E.sum_k u_k (q_k W_d) + E^T (W_d^T W_d) E."""
    gx, gy = axis_geometry(x, n), axis_geometry(y, n)
    f32 = np.float32
    ax, ay = np.abs(gx.offset).astype(f32), np.abs(gy.offset).astype(f32)
    dx, dy = gx.offset.astype(f32), gy.offset.astype(f32)
    pairs = [(ix, iy) for ix in (0, 1) for iy in (0, 1)]
    # shift k = (ix, iy) is weighted by the area of the opposite shift (1 - ix, 1 - iy)
    u = [ax[1 - ix] * ay[1 - iy] + f32(AREA_EPS) for ix, iy in pairs]
    ex = (u[0] + u[1]) * dx[0] + (u[2] + u[3]) * dx[1]
    ey = (u[0] + u[2]) * dy[0] + (u[1] + u[3]) * dy[1]
    rows = [(gy.cell[iy] * n).astype(np.int32) for iy in (0, 1)]
    cols = [gx.cell[ix].astype(np.int32) for ix in (0, 1)]
    cell = [rows[iy] + cols[ix] for ix, iy in pairs]

    ws, ww = tables.ws.astype(f32), tables.ww.astype(f32)
    dot = ex * ws[0] + ey * ws[1]
    qw_x = np.zeros_like(dot)
    qw_y = np.zeros_like(dot)
    norm2 = ex * (ex * ww[0, 0] + f32(2) * ey * ww[0, 1]) + ey * ey * ww[1, 1]
    gram = tables.gram.reshape(-1)
    nn = tables.gram.shape[0]
    for k in range(4):
        record = tables.per_cell[cell[k]]
        dot += u[k] * record[..., 0]
        qw_x += u[k] * record[..., 1]
        qw_y += u[k] * record[..., 2]
        cross = u[k] * record[..., 3]
        base = cell[k] * nn
        for l in range(k + 1, 4):
            cross += f32(2) * u[l] * gram[base + cell[l]]
        norm2 += u[k] * cross
    norm2 += f32(2) * (qw_x * ex + qw_y * ey)
    return dot / (np.sqrt(np.maximum(norm2, f32(0))) * f32(tables.s_norm))
