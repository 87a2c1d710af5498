"""SV encoder g: timm ViT/16 (LayerNorm eps 1e-12) plus the tanh pooler (docs/MODEL.md §5)."""

from __future__ import annotations

from functools import partial

import torch
from timm.models.vision_transformer import VisionTransformer
from torch import nn

from ..config import SVEncoderConfig


class SVEncoder(nn.Module):
    """(B, 3, 224, 224) -> pooled embedding tanh(W LN(h)[cls] + b), (B, D)."""

    def __init__(self, config: SVEncoderConfig) -> None:
        super().__init__()
        self.vit = VisionTransformer(
            img_size=config.image_size,
            patch_size=config.patch_size,
            embed_dim=config.width,
            depth=config.depth,
            num_heads=config.heads,
            mlp_ratio=config.mlp_ratio,
            qkv_bias=True,
            norm_layer=partial(nn.LayerNorm, eps=config.eps),
            class_token=True,
            global_pool="token",
            num_classes=0,
        )
        self.pooler = nn.Linear(config.width, config.width)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        class_token = self.vit.forward_features(images)[:, 0]
        return torch.tanh(self.pooler(class_token))
