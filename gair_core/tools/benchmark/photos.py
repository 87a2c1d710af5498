"""Street-photo feature extractors for the SV task: GAIR SV encoders (pooled g(s), the input
of the package's 'sv' heads) and a colour-statistics baseline.

Photos are read and preprocessed once, in chunks, and every photo encoder sees each chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from gair_qgis.runtime.preprocess import preprocess_sv, read_photo

from .encoders import UNTRAINED_SEED, _package_id, make_available

CHUNK = 32


@dataclass
class PhotoEncoder:
    name: str
    description: str
    encode: Callable[[np.ndarray, list[np.ndarray]], np.ndarray]  # (B,3,S,S) preprocessed, raw RGB -> (B, D)
    cache_id: str


def color_stats(raw: list[np.ndarray]) -> np.ndarray:
    """Per-channel mean, std and an 8-bin histogram of each RGB photo: (B, 30)."""
    rows = []
    for rgb in raw:
        pixels = rgb.reshape(-1, 3).astype(np.float64)
        hist = [np.histogram(pixels[:, c], bins=8, range=(0, 256))[0] / len(pixels) for c in range(3)]
        rows.append(np.concatenate([pixels.mean(0) / 255, pixels.std(0) / 255, *hist]))
    return np.array(rows, np.float32)


def _torch_sv(model) -> Callable[[np.ndarray, list[np.ndarray]], np.ndarray]:
    import torch

    def encode(batch: np.ndarray, raw: list[np.ndarray]) -> np.ndarray:
        with torch.no_grad():
            return model.encode_sv(torch.from_numpy(batch)).float().numpy()

    return encode


def photo_encoders(
    checkpoint: Optional[Path] = None, only: Optional[Sequence[str]] = None, log: Callable[[str], None] = print
) -> list[PhotoEncoder]:
    """Photo encoders available here; a missing one is reported and left out."""

    def bundled() -> PhotoEncoder:
        from gair_qgis.runtime.package import load_package
        from gair_qgis.runtime.session import GAIRRuntime

        package = load_package()
        runtime = GAIRRuntime(package, force_cpu=True)
        return PhotoEncoder(
            "bundled_sv",
            f"bundled package {package.name} SV encoder (pooled)",
            lambda batch, raw: runtime.encode_sv(batch)[0],
            f"bundled-sv:{_package_id(package)}",
        )

    def tiny() -> PhotoEncoder:
        import torch

        from ...config import get_preset
        from ...models import GAIR

        torch.manual_seed(UNTRAINED_SEED)
        return PhotoEncoder(
            "gair_tiny_random_sv",
            "GAIR tiny SV encoder, random weights (seed 0)",
            _torch_sv(GAIR(get_preset("tiny")).eval()),
            f"tiny-sv:{UNTRAINED_SEED}",
        )

    def released(path: Path) -> PhotoEncoder:
        from ...checkpoint import load_any

        model = load_any(path).eval()
        stat = path.stat()
        return PhotoEncoder(
            "gair_checkpoint_sv",
            f"GAIR checkpoint {path.name} SV encoder (pooled)",
            _torch_sv(model),
            f"ckpt-sv:{path}:{stat.st_size}:{stat.st_mtime}",
        )

    makers = [
        (
            "color_stats",
            lambda: PhotoEncoder(
                "color_stats", "RGB mean, std, 8-bin histograms (30-d)", lambda batch, raw: color_stats(raw), "color"
            ),
        ),
        ("bundled_sv", bundled),
        ("gair_tiny_random_sv", tiny),
    ]
    if checkpoint:
        path = Path(checkpoint)
        makers.append(("gair_checkpoint_sv", lambda: released(path)))
    return make_available(makers, only, log)


def encode_photos(paths: Sequence[Path], encoders: Sequence[PhotoEncoder], spec) -> dict[str, np.ndarray]:
    """Features of every photo for each encoder, reading each photo once."""
    outputs: dict[str, list[np.ndarray]] = {e.name: [] for e in encoders}
    for start in range(0, len(paths), CHUNK):
        raw = [read_photo(p, spec.input_size) for p in paths[start : start + CHUNK]]
        batch = np.stack([preprocess_sv(rgb, spec) for rgb in raw]).astype(np.float32)
        for encoder in encoders:
            outputs[encoder.name].append(np.asarray(encoder.encode(batch, raw), np.float32))
    return {name: np.concatenate(chunks) for name, chunks in outputs.items()}
