"""RS encoder f: the CROMA optical ViT with 2D-ALiBi attention bias (docs/MODEL.md §4).

Module names follow the released checkpoint (`rs_encoder.s2_encoder.*` without the
`s2_encoder` level), so importing it is a prefix change.
"""

from __future__ import annotations

import itertools
from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from ..config import RSEncoderConfig


def alibi_slopes(num_heads: int) -> torch.Tensor:
    """The standard ALiBi geometric slopes 2^(-8 (h+1) / num_heads); 2^(-0.5 (h+1)) for 16 heads."""
    return torch.tensor([2.0 ** (-8.0 * (h + 1) / num_heads) for h in range(num_heads)])


def grid_distances(grid_size: int) -> torch.Tensor:
    """(N, N) Euclidean distances between the tokens of a row-major grid."""
    points = torch.tensor(list(itertools.product(range(grid_size), range(grid_size))), dtype=torch.float64)
    return torch.cdist(points, points).float()


def alibi_2d_bias(num_heads: int, grid_size: int) -> torch.Tensor:
    """(1, heads, N, N) bias -slope_h * ||p_i - p_j|| over a row-major grid of N tokens."""
    return (-alibi_slopes(num_heads)[:, None, None] * grid_distances(grid_size))[None]


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.input_norm = nn.LayerNorm(dim)
        self.to_qkv = nn.Linear(dim, dim * 3, bias=False)
        self.to_out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape
        qkv = self.to_qkv(self.input_norm(x)).view(batch, tokens, 3, self.heads, dim // self.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        return self.to_out(out.transpose(1, 2).reshape(batch, tokens, dim))


class FeedForward(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.input_norm = nn.LayerNorm(dim)
        # indices 0 and 3 as in the checkpoint (1 = GELU, 2 = dropout)
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Identity(), nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.input_norm(x))


class Transformer(nn.Module):
    def __init__(self, dim: int, depth: int, heads: int, hidden: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            nn.ModuleList([Attention(dim, heads), FeedForward(dim, hidden)]) for _ in range(depth)
        )

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        for block in self.layers:
            attention, feed_forward = cast(nn.ModuleList, block)
            x = x + attention(x, bias)
            x = x + feed_forward(x)
        return x


class RSEncoder(nn.Module):
    """(B, bands, S, S) -> token grid (B, G*G, D) and global embedding (B, D)."""

    def __init__(self, config: RSEncoderConfig) -> None:
        super().__init__()
        self.config = config
        self.linear_input = nn.Linear(config.in_bands * config.patch_size**2, config.width)
        self.transformer = Transformer(config.width, config.depth, config.heads, config.width * config.mlp_ratio)
        self.register_buffer("attn_bias", alibi_2d_bias(config.heads, config.grid_size), persistent=False)

    def embed_patches(self, images: torch.Tensor) -> torch.Tensor:
        """(B, C, S, S) -> (B, G*G, D): `linear_input` on each p x p patch flattened in
        (channel, row, col) order, patches row-major. That is a p x p convolution with
        stride p whose kernel is the linear weight reshaped, which runs faster than
        cutting out the patches."""
        p = self.config.patch_size
        kernel = self.linear_input.weight.view(-1, self.config.in_bands, p, p)
        embedded = F.conv2d(images, kernel, self.linear_input.bias, stride=p)  # (B, D, G, G)
        return embedded.flatten(2).transpose(1, 2)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        tokens = self.transformer(self.embed_patches(images), self.attn_bias)
        return tokens, tokens.mean(dim=1)
