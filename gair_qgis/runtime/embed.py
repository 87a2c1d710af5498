"""`python -m gair_qgis.runtime.embed --package DIR ...`: the embed command on onnxruntime only.

Same flags and output files as `python -m gair_core.embed`, with --package in place of
--checkpoint (default: the bundled package).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

from numpy.typing import NDArray

from . import embed_cli
from .cli import command
from .package import bundled_package_path
from .session import GAIRRuntime
from .tile import EncodedTile


class RuntimeBackend:
    """The embed command's model interface over a model package."""

    def __init__(self, runtime: GAIRRuntime) -> None:
        self.runtime = runtime
        self.rs_spec = runtime.package.rs_spec
        self.sv_spec = runtime.package.sv_spec

    def describe(self) -> dict[str, Any]:
        package = self.runtime.package
        return {
            "backend": "onnxruntime",
            "package": str(package.root),
            "name": package.name,
            "untrained": package.untrained,
            "execution_provider": self.runtime.provider,
            "embed_dim": package.embed_dim,
        }

    def encode_rs(self, image: NDArray[Any]) -> tuple[EncodedTile, NDArray[Any]]:
        tile = self.runtime.encode_rs(image[None])[0]
        return tile, tile.global_embedding

    def encode_sv(self, image: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
        pooled, projected = self.runtime.encode_sv(image[None])
        return pooled[0], projected[0]

    def encode_location(self, lonlat: NDArray[Any]) -> NDArray[Any]:
        return self.runtime.encode_location(lonlat)

    def localize(self, tile: EncodedTile, coords: NDArray[Any], mode: str) -> NDArray[Any]:
        return tile.localize(coords, mode)


def build_parser() -> argparse.ArgumentParser:
    parser = embed_cli.build_parser(
        "python -m gair_qgis.runtime.embed",
        "--package",
        "model package folder (default: the bundled one)",
        required=False,
    )
    parser.add_argument("--cpu", action="store_true", help="force the CPU execution provider")
    return parser


@command
def main(argv: Optional[Sequence[str]] = None) -> int:
    def make_backend(args: argparse.Namespace) -> RuntimeBackend:
        package: Path = args.package or bundled_package_path()
        return RuntimeBackend(GAIRRuntime(package, force_cpu=args.cpu))

    return embed_cli.main(argv, build_parser(), make_backend)


if __name__ == "__main__":
    sys.exit(main())
