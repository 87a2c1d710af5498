"""NILI: the LIIF-style implicit local interpolator over the RS token grid (docs/MODEL.md §7).

The query geometry (which cell each shifted query falls in, its offset and its weight) has
one definition, `gair_qgis.runtime.nili.query_geometry_of`, shared with the plugin's numpy
path; here it runs in float64 on the model's device, and only imnet runs in float32.
Because imnet is affine, the four predictions can also be formed from a per-cell table
P = W_z unfold(F) computed once per tile (`cell_predictions`): exact, and far cheaper
when many points share one tile.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from gair_qgis.runtime.nili import query_geometry_of


def unfold_latents(grid: torch.Tensor) -> torch.Tensor:
    """(B, n, n, C) token grid -> (B, n*n, 9C) latents, channel-major: index ch*9 + (dy*3 + dx)."""
    unfolded = F.unfold(grid.permute(0, 3, 1, 2), kernel_size=3, padding=1)  # (B, 9C, n*n)
    return unfolded.transpose(1, 2)


class TorchOps:
    """The runtime's `ArrayOps` for torch tensors, so the geometry runs on their device."""

    def floor(self, a: torch.Tensor) -> torch.Tensor:
        return torch.floor(a)

    def clip(self, a: torch.Tensor, low: float, high: float) -> torch.Tensor:
        return torch.clamp(a, low, high)

    def stack(self, arrays: Sequence[torch.Tensor], axis: int) -> torch.Tensor:
        return torch.stack(list(arrays), dim=axis)

    def to_index(self, a: torch.Tensor) -> torch.Tensor:
        return a.long()

    def reverse_last(self, a: torch.Tensor) -> torch.Tensor:
        return a.flip(-1)

    def sum_last(self, a: torch.Tensor) -> torch.Tensor:
        return a.sum(dim=-1, keepdim=True)


TORCH_OPS = TorchOps()


def torch_query_geometry(coords: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The shared NILI geometry on the tensor's device: cells (..., 4) int64, offsets
    (..., 4, 2) and weights (..., 4) float64. Coordinates are data, never trained, so no
    gradient flows; float64 because near a cell centre the weights are ratios of tiny areas
    (down to the 1e-9 term), which float32 rounding of the coordinates would move visibly."""
    return query_geometry_of(coords.detach().to(torch.float64), n, TORCH_OPS)


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
        """(B, n, n, C) -> P = W_z unfold(F): (B, n*n, D), the per-cell part of imnet.

        With the latent index ch*9 + (dy*3 + dx), W_z reshaped to (D, C, 3, 3) is a 3x3
        convolution kernel and W_z unfold(F) is that convolution with zero padding 1."""
        kernel = self.latent_weight.reshape(-1, self.width, 3, 3)
        cells = F.conv2d(grid.permute(0, 3, 1, 2), kernel, padding=1)  # (B, D, n, n)
        return cells.flatten(2).transpose(1, 2)

    def forward(self, grid: torch.Tensor, coords: torch.Tensor) -> torch.Tensor:
        """(B, n, n, C) token grid, (B, N, 2) queries -> (B, N, D) localized embeddings.

        Uses the per-cell table when the tile has fewer cells than there are predictions
        to make; otherwise applies imnet to the gathered latents (as in training)."""
        batch, n = grid.shape[0], grid.shape[1]
        cells, offsets, weight = torch_query_geometry(coords, n)
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
