"""NILI: the LIIF-style implicit local interpolator over the RS token grid (GAIR_SPEC.md section 7).

The query geometry (which cell each shifted query falls in, its offset and its weight)
is the runtime's float64 numpy code, shared with the plugin; only imnet runs in float32.
Because imnet is affine, the four predictions can also be formed from a per-cell table
P = W_z unfold(F) computed once per tile (`cell_predictions`): exact, and far cheaper
when many points share one tile.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gair_qgis.runtime.nili import query_geometry


def unfold_latents(grid: torch.Tensor) -> torch.Tensor:
    """(B, n, n, C) token grid -> (B, n*n, 9C) latents, channel-major: index ch*9 + (dy*3 + dx)."""
    unfolded = F.unfold(grid.permute(0, 3, 1, 2), kernel_size=3, padding=1)  # (B, 9C, n*n)
    return unfolded.transpose(1, 2)


def torch_query_geometry(coords: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The shared float64 NILI geometry (`gair_qgis.runtime.nili.query_geometry`) as tensors.

    Coordinates are data, never trained, so the geometry is computed in numpy."""
    cells, offsets, weight = query_geometry(coords.detach().cpu().double().numpy(), n)
    as_tensor = lambda a: torch.from_numpy(a).to(coords.device)  # noqa: E731
    return as_tensor(cells), as_tensor(offsets), as_tensor(weight)


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
