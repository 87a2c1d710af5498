"""Location encoder e: Equal Earth + random Fourier feature branches, summed (GAIR_SPEC.md section 6).

Projection and Fourier phases are computed in float64: with sigma = 256 the phases reach
thousands of radians, where float32 rounding alone moves the embedding by ~1e-4.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from ..config import LocationEncoderConfig

A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
EQUAL_EARTH_SCALE = 66.50336


def equal_earth(lonlat: torch.Tensor) -> torch.Tensor:
    """(N, 2) degrees (lon, lat) -> (N, 2) Equal Earth (X, Y) on the unit sphere x 66.50336/180."""
    lon, lat = torch.deg2rad(lonlat[:, 0]), torch.deg2rad(lonlat[:, 1])
    theta = torch.asin(math.sqrt(3) / 2 * torch.sin(lat))
    denominator = 3 * (9 * A4 * theta**8 + 7 * A3 * theta**6 + 3 * A2 * theta**2 + A1)
    x = 2 * math.sqrt(3) * lon * torch.cos(theta) / denominator
    y = A4 * theta**9 + A3 * theta**7 + A2 * theta**3 + A1 * theta
    return torch.stack((x, y), dim=1) * EQUAL_EARTH_SCALE / 180


class FourierFeatures(nn.Module):
    """gamma(v) = [cos(2 pi v B^T), sin(2 pi v B^T)] with a fixed, stored B ~ N(0, sigma^2)."""

    def __init__(self, sigma: float, num_frequencies: int) -> None:
        super().__init__()
        self.register_buffer("b", torch.randn(num_frequencies, 2) * sigma)

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        phase = 2 * math.pi * v.double() @ self.b.double().T
        return torch.cat((torch.cos(phase), torch.sin(phase)), dim=-1).float()


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
    """(N, 2) float64 (lon, lat) degrees -> (N, D) float32."""

    def __init__(self, config: LocationEncoderConfig, embed_dim: int) -> None:
        super().__init__()
        self.num_branches = len(config.sigmas)
        for index, sigma in enumerate(config.sigmas):
            self.add_module(f"LocEnc{index}", LocationBranch(sigma, config, embed_dim))

    def forward(self, lonlat: torch.Tensor) -> torch.Tensor:
        projected = equal_earth(lonlat.double())
        branches = [getattr(self, f"LocEnc{i}")(projected) for i in range(self.num_branches)]
        return torch.stack(branches).sum(dim=0)
