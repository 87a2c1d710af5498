"""Location encoder e: Equal Earth + random Fourier feature branches, summed (docs/MODEL.md §6).

The projection and the Fourier phases are computed in float64: with sigma = 256 the phases reach
thousands of radians, where float32 rounding alone moves the embedding by ~1e-4.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from gair_qgis.runtime.location import equal_earth

from ..config import LocationEncoderConfig


class FourierFeatures(nn.Module):
    """gamma(v) = [cos(2 pi v B^T), sin(2 pi v B^T)] with a fixed, stored B ~ N(0, sigma^2)."""

    b: torch.Tensor  # a buffer

    def __init__(self, sigma: float, num_frequencies: int) -> None:
        super().__init__()
        self.register_buffer("b", torch.randn(num_frequencies, 2) * sigma)

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        turns = v.double() @ self.b.double().T
        # whole turns removed in float64; the remaining angle, in [-pi, pi], is exact enough in float32
        phase = (2 * math.pi * (turns - torch.round(turns))).float()
        return torch.cat((torch.cos(phase), torch.sin(phase)), dim=-1)


class LocationBranch(nn.Module):
    def __init__(self, sigma: float, config: LocationEncoderConfig, embed_dim: int) -> None:
        super().__init__()
        layers: list[nn.Module] = [FourierFeatures(sigma, config.num_frequencies)]
        width = 2 * config.num_frequencies
        for _ in range(config.depth):
            layers += [nn.Linear(width, config.hidden), nn.ReLU()]
            width = config.hidden
        self.capsule = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Linear(config.hidden, embed_dim))

    def forward(self, projected: torch.Tensor) -> torch.Tensor:
        return self.head(self.capsule(projected))


class LocationEncoder(nn.Module):
    """(N, 2) (lon, lat) degrees -> (N, D) float32. The projection runs in float64 numpy
    (coordinates are data, not trained); `from_projected` is the part exported to ONNX."""

    def __init__(self, config: LocationEncoderConfig, embed_dim: int) -> None:
        super().__init__()
        self.num_branches = len(config.sigmas)
        for index, sigma in enumerate(config.sigmas):
            self.add_module(f"LocEnc{index}", LocationBranch(sigma, config, embed_dim))

    def forward(self, lonlat: torch.Tensor) -> torch.Tensor:
        projected = torch.from_numpy(equal_earth(lonlat.detach().cpu().numpy())).to(lonlat.device)
        return self.from_projected(projected)

    def from_projected(self, projected: torch.Tensor) -> torch.Tensor:
        branches = [getattr(self, f"LocEnc{i}")(projected) for i in range(self.num_branches)]
        return torch.stack(branches).sum(dim=0)
