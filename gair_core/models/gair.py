"""The GAIR model: three encoders into one space, NILI, projection heads, temperature, queue."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..config import GAIRConfig
from .location_encoder import LocationEncoder
from .nili import NILI, bilinear_query
from .rs_encoder import RSEncoder
from .sv_encoder import SVEncoder

QUERY_MODES = ("nili", "bilinear")


class GAIR(nn.Module):
    # buffers (register_buffer): the contrastive temperature's log-inverse and the location queue
    logit_scale: torch.Tensor
    queue_for_location: torch.Tensor
    queue_ptr_location: torch.Tensor

    def __init__(self, config: GAIRConfig) -> None:
        super().__init__()
        self.config = config
        dim = config.embed_dim
        self.rs_encoder = RSEncoder(config.rs)
        self.sv_encoder = SVEncoder(config.sv)
        self.location_encoder = LocationEncoder(config.location, dim)
        self.nili = NILI(config.rs.width, dim)
        self.optical_proj = nn.Linear(dim, dim)  # projects SV embeddings (historical name)
        self.radar_proj = nn.Linear(dim, dim)
        self.location_proj = nn.Linear(dim, dim)
        self.register_buffer("logit_scale", torch.tensor(math.log(1 / config.temperature)))
        queue = nn.functional.normalize(torch.randn(2, config.queue_size), dim=0)
        self.register_buffer("queue_for_location", queue)
        self.register_buffer("queue_ptr_location", torch.zeros(1, dtype=torch.long))

    @property
    def grid_size(self) -> int:
        return self.config.rs.grid_size

    def encode_rs(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 10, 96, 96) -> token grid (B, n, n, D) and global embedding (B, D)."""
        tokens, global_embedding = self.rs_encoder(images)
        grid = tokens.view(tokens.shape[0], self.grid_size, self.grid_size, tokens.shape[-1])
        return grid, global_embedding

    def encode_sv(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 3, 224, 224) -> pooled SV embedding g(s), (B, D)."""
        return self.sv_encoder(images)

    def project_sv(self, pooled: torch.Tensor) -> torch.Tensor:
        """g(s) -> optical_proj(g(s)), the SV vector compared with RS and location embeddings."""
        return self.optical_proj(pooled)

    def encode_location(self, lonlat: torch.Tensor) -> torch.Tensor:
        """(N, 2) (lon, lat) degrees, float64 preferred -> (N, D)."""
        return self.location_encoder(lonlat)

    def localize(self, grid: torch.Tensor, coords: torch.Tensor, mode: str = "nili") -> torch.Tensor:
        """Localized RS embeddings at (B, N, 2) queries c = 2 (u, v) - 1 (float64) -> (B, N, D)."""
        if mode == "nili":
            return self.nili(grid, coords)
        if mode == "bilinear":
            return bilinear_query(grid, coords)
        raise ValueError(f"unknown query mode {mode!r}; choose one of {QUERY_MODES}")
