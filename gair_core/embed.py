"""`python -m gair_core.embed`: GAIR embeddings with the torch model (flags as the released script).

Example:
    python -m gair_core.embed --checkpoint checkpoint.pth --rs-image tile.tif \
        --sv-image photo.jpg --lon -83.04 --lat 42.33 --output-dir out/
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch

from gair_qgis.runtime import embed_cli
from gair_qgis.runtime.cli import command
from gair_qgis.runtime.preprocess import released_rs_spec, released_sv_spec

from .checkpoint import load_any
from .config import PRESETS
from .models import GAIR


class TorchBackend:
    """The embed command's model interface over a torch GAIR."""

    def __init__(self, model: GAIR, checkpoint: Path) -> None:
        self.model = model.eval()
        self.checkpoint = checkpoint
        self.rs_spec = released_rs_spec()
        self.sv_spec = released_sv_spec()

    def describe(self) -> dict:
        return {
            "backend": "torch",
            "checkpoint": str(self.checkpoint),
            "preset": self.model.config.name,
            "embed_dim": self.model.config.embed_dim,
        }

    @torch.inference_mode()
    def encode_rs(self, image: np.ndarray) -> tuple[torch.Tensor, np.ndarray]:
        grid, global_embedding = self.model.encode_rs(torch.from_numpy(image)[None])
        return grid, global_embedding[0].numpy()

    @torch.inference_mode()
    def encode_sv(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pooled = self.model.encode_sv(torch.from_numpy(image)[None])
        return pooled[0].numpy(), self.model.project_sv(pooled)[0].numpy()

    @torch.inference_mode()
    def encode_location(self, lonlat: np.ndarray) -> np.ndarray:
        return self.model.encode_location(torch.from_numpy(lonlat)).numpy()

    @torch.inference_mode()
    def localize(self, grid: torch.Tensor, coords: np.ndarray, mode: str) -> np.ndarray:
        return self.model.localize(grid, torch.from_numpy(coords)[None], mode)[0].numpy()


def build_parser() -> argparse.ArgumentParser:
    parser = embed_cli.build_parser(
        "python -m gair_core.embed",
        "--checkpoint",
        "released GAIR checkpoint.pth (any file in the released layout) or one of ours (.safetensors)",
    )
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="base",
        help="architecture for a released-layout .pth file (default: base)",
    )
    return parser


@command
def main(argv: Optional[Sequence[str]] = None) -> int:
    def make_backend(args: argparse.Namespace) -> TorchBackend:
        return TorchBackend(load_any(args.checkpoint, args.preset), args.checkpoint)

    return embed_cli.main(argv, build_parser(), make_backend)


if __name__ == "__main__":
    sys.exit(main())
