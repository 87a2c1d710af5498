"""NILI: the LIIF-style implicit local interpolator over the RS token grid (GAIR_SPEC.md section 7).

The query geometry (which cell each shifted query falls in, its offset and its weight)
is computed in float64 from float64 queries; only the imnet product runs in float32.
Because imnet is affine, the four predictions can also be formed from a per-cell table
P = W_z unfold(F) computed once per tile (`cell_predictions`): exact, and far cheaper
when many points share one tile.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

SHIFT_EPS = 1e-6
CLAMP_EPS = 1e-6
AREA_EPS = 1e-9
SHIFTS = ((-1, -1), (-1, 1), (1, -1), (1, 1))  # (vx, vy): vx outer, vy inner


def unfold_latents(grid: torch.Tensor) -> torch.Tensor:
    """(B, n, n, C) token grid -> (B, n*n, 9C) latents, channel-major: index ch*9 + (dy*3 + dx)."""
    batch, n, _, channels = grid.shape
    unfolded = F.unfold(grid.permute(0, 3, 1, 2), kernel_size=3, padding=1)  # (B, 9C, n*n)
    return unfolded.transpose(1, 2)


def query_geometry(coords: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """For (..., 2) queries c = (x, y) in [-1, 1] (float64): for each of the four shifts, the
    flat cell index (..., 4), the offset d = (c - centre) * n (..., 4, 2) and the weight (..., 4)."""
    coords = coords.double()
    cells, offsets, areas = [], [], []
    for vx, vy in SHIFTS:
        shift = coords.new_tensor([vx / n + SHIFT_EPS, vy / n + SHIFT_EPS])
        shifted = (coords + shift).clamp(-1 + CLAMP_EPS, 1 - CLAMP_EPS)
        index = torch.floor((shifted + 1) * n / 2).clamp(0, n - 1)  # nearest cell, align_corners=False
        centre = -1 + (2 * index + 1) / n
        offset = (coords - centre) * n
        cells.append((index[..., 1] * n + index[..., 0]).long())  # row-major: row = y, col = x
        offsets.append(offset)
        areas.append((offset[..., 0] * offset[..., 1]).abs() + AREA_EPS)
    area = torch.stack(areas, dim=-1)
    weight = area.flip(-1) / area.sum(dim=-1, keepdim=True)  # each shift takes the opposite one's area
    return torch.stack(cells, dim=-1), torch.stack(offsets, dim=-2), weight


class NILI(nn.Module):
    """Localized embeddings r(c) from a token grid, with the single affine `imnet`."""

    def __init__(self, width: int, embed_dim: int) -> None:
        super().__init__()
        self.width = width
        self.imnet = nn.Linear(9 * width + 2, embed_dim)

    @property
    def latent_weight(self) -> torch.Tensor:
        return self.imnet.weight[:, : 9 * self.width]

    @property
    def offset_weight(self) -> torch.Tensor:
        return self.imnet.weight[:, 9 * self.width :]

    def cell_predictions(self, grid: torch.Tensor) -> torch.Tensor:
        """(B, n, n, C) -> P = W_z unfold(F): (B, n*n, D), the per-cell part of imnet."""
        return unfold_latents(grid) @ self.latent_weight.T

    def forward(self, grid: torch.Tensor, coords: torch.Tensor) -> torch.Tensor:
        """(B, n, n, C) token grid, (B, N, 2) queries -> (B, N, D) localized embeddings.

        Uses the per-cell table when the tile has fewer cells than there are predictions
        to make; otherwise applies imnet to the gathered latents (as in training)."""
        batch, n = grid.shape[0], grid.shape[1]
        cells, offsets, weight = query_geometry(coords, n)
        num_queries = coords.shape[1]
        batch_index = torch.arange(batch, device=grid.device)[:, None, None]
        if 4 * num_queries >= n * n:
            table = self.cell_predictions(grid)
            per_cell = table[batch_index, cells]  # (B, N, 4, D)
        else:
            latents = unfold_latents(grid)[batch_index, cells]  # (B, N, 4, 9C)
            per_cell = latents @ self.latent_weight.T
        predictions = per_cell + offsets.float() @ self.offset_weight.T + self.imnet.bias
        return (predictions * weight.float()[..., None]).sum(dim=-2)


def bilinear_query(grid: torch.Tensor, coords: torch.Tensor) -> torch.Tensor:
    """Plain bilinear sampling of the token grid at c (align_corners=False): (B, N, C)."""
    sampled = F.grid_sample(
        grid.permute(0, 3, 1, 2), coords.float()[:, None], mode="bilinear", align_corners=False
    )  # (B, C, 1, N)
    return sampled[:, :, 0].transpose(1, 2)
