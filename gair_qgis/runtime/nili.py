"""NILI query geometry and its fast exact evaluation, in numpy (docs/MODEL.md §7).

For a query c = (x, y) in [-1, 1]^2 and each of the four shifts (vx, vy) (vx outer),
NILI takes the cell k containing the shifted query, the offset d_k = (c - centre_k) * n and
weights w_k = area of the opposite shift / sum of areas. The prediction is
    r(c) = sum_k w_k (P[cell_k] + W_d d_k + b),   P = W_z unfold(F)   (per-cell table)
         = sum_k w_k Q[cell_k] + W_d e,           Q = P + b,  e = sum_k w_k d_k,
because the weights sum to one. The geometry splits into an x part (cell column and x
offset per shift) and a y part, so on a pixel grid it costs O(width + height).
The torch model evaluates the same geometry (`query_geometry_of`) on its own device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

SHIFT_EPS = 1e-6
CLAMP_EPS = 1e-6
AREA_EPS = 1e-9

# The geometry is written once for numpy arrays and torch tensors (the torch model evaluates
# it on its own device): plain arithmetic works on both, and the few functions that differ
# come from an `ArrayOps`. `Array` is therefore either type, which the checker cannot name.
Array = Any


class ArrayOps(Protocol):
    """The array functions the geometry needs beyond arithmetic operators."""

    def floor(self, a: Array) -> Array: ...
    def clip(self, a: Array, low: float, high: float) -> Array: ...
    def stack(self, arrays: Sequence[Array], axis: int) -> Array: ...
    def to_index(self, a: Array) -> Array: ...
    def reverse_last(self, a: Array) -> Array: ...
    def sum_last(self, a: Array) -> Array: ...


class NumpyOps:
    """`ArrayOps` for float64 numpy arrays."""

    def floor(self, a: Array) -> Array:
        return np.floor(a)

    def clip(self, a: Array, low: float, high: float) -> Array:
        return np.clip(a, low, high)

    def stack(self, arrays: Sequence[Array], axis: int) -> Array:
        return np.stack(arrays, axis=axis)

    def to_index(self, a: Array) -> Array:
        return a.astype(np.int64)

    def reverse_last(self, a: Array) -> Array:
        return a[..., ::-1]

    def sum_last(self, a: Array) -> Array:
        return a.sum(axis=-1, keepdims=True)


NUMPY_OPS = NumpyOps()


def axis_cells_offsets(t: Array, n: int, ops: ArrayOps) -> tuple[Array, Array]:
    """For the shifts -1 and +1 along one axis, coordinates t in [-1, 1] (float64): the cell
    index (2, ...) and the offset from that cell's centre in cell units (2, ...)."""
    cells, offsets = [], []
    for v in (-1, 1):
        shifted = ops.clip(t + (v / n + SHIFT_EPS), -1 + CLAMP_EPS, 1 - CLAMP_EPS)
        cell = ops.clip(ops.floor((shifted + 1) * n / 2), 0, n - 1)  # nearest, align_corners=False
        cells.append(ops.to_index(cell))
        offsets.append((t - (-1 + (2 * cell + 1) / n)) * n)
    return ops.stack(cells, 0), ops.stack(offsets, 0)


def query_geometry_of(coords: Array, n: int, ops: ArrayOps) -> tuple[Array, Array, Array]:
    """`query_geometry` for float64 arrays of any kind `ops` handles."""
    x_cell, x_offset = axis_cells_offsets(coords[..., 0], n, ops)
    y_cell, y_offset = axis_cells_offsets(coords[..., 1], n, ops)
    cells, offsets, areas = [], [], []
    for ix in (0, 1):
        for iy in (0, 1):
            cells.append(y_cell[iy] * n + x_cell[ix])
            offsets.append(ops.stack([x_offset[ix], y_offset[iy]], -1))
            areas.append(abs(x_offset[ix] * y_offset[iy]) + AREA_EPS)
    area = ops.stack(areas, -1)
    weight = ops.reverse_last(area) / ops.sum_last(area)  # each shift takes the opposite area
    return ops.stack(cells, -1), ops.stack(offsets, -2), weight


@dataclass(frozen=True)
class AxisGeometry:
    """For the shifts -1 and +1 along one axis: the cell index (2, ...) and offset (2, ...)."""

    cell: NDArray[np.int64]
    offset: NDArray[np.float64]


def axis_geometry(t: ArrayLike, n: int) -> AxisGeometry:
    """Cells and offsets along one axis for coordinates t in [-1, 1] (float64)."""
    return AxisGeometry(*axis_cells_offsets(np.asarray(t, dtype=np.float64), n, NUMPY_OPS))


def query_geometry(coords: ArrayLike, n: int) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """(..., 2) queries (x, y) -> flat cell index (..., 4), offsets (..., 4, 2), weights (..., 4).

    The four entries follow the shift order (vx, vy) = (-1,-1), (-1,1), (1,-1), (1,1)."""
    cells, offsets, weight = query_geometry_of(np.asarray(coords, dtype=np.float64), n, NUMPY_OPS)
    return cells, offsets, weight


@dataclass(frozen=True)
class HeatmapTables:
    """Everything the cosine between r(c) and a fixed vector s needs, per tile and s.

    per_cell: (nn, 4) float32 rows [Q s, (Q W_d)_x, (Q W_d)_y, |Q|^2] per cell;
    gram: Q Q^T (nn, nn) float32; ws: W_d^T s; ww: W_d^T W_d; s_norm: |s|."""

    per_cell: NDArray[Any]
    gram: NDArray[Any]
    ws: NDArray[Any]
    ww: NDArray[Any]
    s_norm: float

    @property
    def n(self) -> int:
        return int(round(np.sqrt(self.gram.shape[0])))

    def cell_matrix(self, column: int) -> NDArray[Any]:
        """One per-cell quantity as an (n, n) row-by-column matrix."""
        return self.per_cell[:, column].reshape(self.n, self.n)

    def pair_gram(self) -> NDArray[Any]:
        """q_(r,c).q_(r',c') arranged as a matrix over row pairs (r, r') x column pairs (c, c')."""
        n = self.n
        return np.ascontiguousarray(self.gram.reshape(n, n, n, n).transpose(0, 2, 1, 3).reshape(n * n, n * n))

    @staticmethod
    def build(
        cell_table: NDArray[Any], offset_weight: NDArray[Any], bias: NDArray[Any], s: NDArray[Any]
    ) -> HeatmapTables:
        q = cell_table.astype(np.float64) + bias.astype(np.float64)
        w_d = offset_weight.astype(np.float64)
        s = np.asarray(s, dtype=np.float64).reshape(-1)
        gram = q @ q.T
        per_cell = np.column_stack([q @ s, q @ w_d, np.diag(gram)])
        return HeatmapTables(
            per_cell.astype(np.float32), gram.astype(np.float32), w_d.T @ s, w_d.T @ w_d, float(np.linalg.norm(s))
        )


CHUNK = 1 << 14  # queries per block: small blocks stay in cache and avoid page faults
GRID_ROWS = 64  # rows per block on the grid path
EXACT_SEPARABLE = 0.4  # below this area total the 1e-9 area term moves weights by > 1e-8


def cosine_heatmap(tables: HeatmapTables, x: NDArray[Any], y: NDArray[Any], n: int) -> NDArray[Any]:
    """cos(r(c), s) for queries x, y in [-1, 1] that broadcast together: (N,) and (N,) for
    points, (1, W) and (H, 1) for a grid (which takes the separable grid path)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim == 2 and y.ndim == 2 and x.shape[0] == 1 and y.shape[1] == 1:
        return cosine_grid(tables, x[0], y[:, 0])
    shape = np.broadcast_shapes(x.shape, y.shape)
    x, y = (np.broadcast_to(a, shape).reshape(-1) for a in (x, y))
    out = np.empty(x.shape, dtype=np.float32)
    for start in range(0, x.size, CHUNK):
        block = slice(start, start + CHUNK)
        out[block] = _cosine_block(tables, x[block], y[block], n)
    return out.reshape(shape)


def _axis_weights(t: NDArray[Any], n: int) -> tuple[AxisGeometry, NDArray[Any], NDArray[Any]]:
    """Axis geometry, the per-shift weights along the axis (|offset| of the opposite shift)
    and the (n, len) matrix that applies them to cells."""
    geometry = axis_geometry(t, n)
    weight = np.abs(geometry.offset[::-1])
    matrix = np.zeros((n, t.size))
    for side in (0, 1):
        np.add.at(matrix, (geometry.cell[side], np.arange(t.size)), weight[side])
    return geometry, weight, matrix


def cosine_grid(tables: HeatmapTables, xs: NDArray[Any], ys: NDArray[Any]) -> NDArray[Any]:
    """cos(r(c), s) on the grid xs (W,) x ys (H,), as (H, W) float32.

    Without the 1e-9 term of the areas, the weight of shift (ix, iy) factors into an x part
    and a y part, so every sum over a query's four cells becomes a product of small matrices
    (rows x cells x cells x columns). Pixels where that term still matters at float32
    precision (area total below EXACT_SEPARABLE, only beside the outermost cell centres)
    are evaluated again by the pointwise formula."""
    n = tables.n
    gx, wx, cx = _axis_weights(xs, n)
    gy, wy, cy = _axis_weights(ys, n)
    ex_col, sum_wx = (wx * gx.offset).sum(0), wx.sum(0)  # E_x = ex_col(w) * sum_wy(h)
    ey_row, sum_wy = (wy * gy.offset).sum(0), wy.sum(0)
    row_pairs = (cy[:, None, :] * cy[None, :, :]).reshape(n * n, -1).T  # (H, n^2)
    col_pairs = (cx[:, None, :] * cx[None, :, :]).reshape(n * n, -1)  # (n^2, W)
    rows_by_cells = {name: cy.T @ tables.cell_matrix(column) for column, name in enumerate(("qs", "qwx", "qwy"))}
    pair_rows = row_pairs @ tables.pair_gram().astype(np.float64)  # (H, n^2)
    ws, ww = tables.ws, tables.ww
    out = np.empty((ys.size, xs.size), dtype=np.float32)
    for start in range(0, ys.size, GRID_ROWS):
        rows = slice(start, start + GRID_ROWS)
        e_x = np.outer(sum_wy[rows], ex_col)
        e_y = np.outer(ey_row[rows], sum_wx)
        dot = rows_by_cells["qs"][rows] @ cx + e_x * ws[0] + e_y * ws[1]
        norm2 = pair_rows[rows] @ col_pairs
        norm2 += 2 * (e_x * (rows_by_cells["qwx"][rows] @ cx) + e_y * (rows_by_cells["qwy"][rows] @ cx))
        norm2 += e_x * (e_x * ww[0, 0] + 2 * e_y * ww[0, 1]) + e_y * e_y * ww[1, 1]
        with np.errstate(invalid="ignore", divide="ignore"):  # 0/0 only where the fix-up below applies
            out[rows] = dot / (np.sqrt(np.maximum(norm2, 0.0)) * tables.s_norm)
    near_centre = np.outer(sum_wy, sum_wx) < EXACT_SEPARABLE
    if near_centre.any():
        r, c = np.nonzero(near_centre)
        out[r, c] = cosine_heatmap(tables, xs[c], ys[r], n)
    return out


def _cosine_block(tables: HeatmapTables, x: NDArray[Any], y: NDArray[Any], n: int) -> NDArray[Any]:
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
        for m in range(k + 1, 4):
            cross += f32(2) * u[m] * gram[base + cell[m]]
        norm2 += u[k] * cross
    norm2 += f32(2) * (qw_x * ex + qw_y * ey)
    cosine: NDArray[np.float32] = dot / (np.sqrt(np.maximum(norm2, f32(0))) * f32(tables.s_norm))
    return cosine
