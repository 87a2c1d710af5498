"""Frozen feature extractors compared in the benchmark: GAIR models and baselines.

Location encoders map (N, 2) float64 (lon, lat) degrees to (N, D) features. Photo encoders
map a list of photo paths to (N, D) features (the pooled SV embedding, as the runtime's 'sv'
heads take it). Each encoder has a name used in the tables and a one-line description.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from gair_qgis.runtime.location import equal_earth

RFF_SEED = 0
UNTRAINED_SEED = 0
TINY_SIGMAS = (1.0, 16.0, 256.0)


@dataclass
class Encoder:
    name: str
    description: str
    encode: Callable[[np.ndarray], np.ndarray]  # location: lonlat -> feats; sv: paths -> feats
    cache_id: str  # changes when the encoder's weights change


def random_fourier(
    lonlat: np.ndarray, sigmas: Sequence[float] = TINY_SIGMAS, frequencies: int = 64, seed: int = RFF_SEED
) -> np.ndarray:
    """[cos, sin](2 pi v B^T) of the Equal Earth coordinates v for each sigma, concatenated
    (GAIR's Fourier front end with no trained layers): (N, 2 * frequencies * len(sigmas))."""
    rng = np.random.default_rng(seed)
    v = equal_earth(lonlat)
    parts = []
    for sigma in sigmas:
        b = rng.normal(0, sigma, (frequencies, 2))
        phase = 2 * math.pi * v @ b.T
        parts += [np.cos(phase), np.sin(phase)]
    return np.concatenate(parts, axis=1).astype(np.float32)


def _torch_location(module) -> Callable[[np.ndarray], np.ndarray]:
    import torch

    def encode(lonlat: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            chunks = [
                module(torch.from_numpy(np.ascontiguousarray(lonlat[i : i + 4096], np.float64)))
                for i in range(0, len(lonlat), 4096)
            ]
        return torch.cat(chunks).float().numpy()

    return encode


def geoclip_encoder() -> Encoder:
    """GeoCLIP's released location encoder (PyPI geoclip, MIT): same capsules as GAIR's design
    (3 branches, 256 frequencies, 1024 hidden), 512-d heads. GeoCLIP takes (lat, lon) and
    projects with Equal Earth; our module takes (lon, lat) and computes the same projection."""
    import torch

    from ...config import LocationEncoderConfig
    from ...models.location_encoder import LocationEncoder
    from ...training.init import geoclip_weights_path

    path = geoclip_weights_path()
    module = LocationEncoder(LocationEncoderConfig(), embed_dim=512)
    module.load_state_dict(torch.load(path, map_location="cpu", weights_only=True), strict=True)
    return Encoder(
        "geoclip",
        "GeoCLIP released location encoder (512-d)",
        _torch_location(module.eval()),
        f"geoclip:{path.stat().st_size}",
    )


def untrained_tiny_encoder() -> Encoder:
    """The tiny preset's location encoder with random weights (torch seed 0): the bundled size."""
    import torch

    from ...config import get_preset
    from ...models.location_encoder import LocationEncoder

    config = get_preset("tiny")
    torch.manual_seed(UNTRAINED_SEED)
    module = LocationEncoder(config.location, config.embed_dim).eval()
    return Encoder(
        "gair_tiny_random",
        "GAIR tiny architecture, random weights (seed 0)",
        _torch_location(module),
        f"tiny-random:{UNTRAINED_SEED}",
    )


def bundled_twin_encoder() -> Encoder:
    """The bundled package's architecture (preset `bundled`) with random weights (torch seed 0):
    what the bundled model's location tower would give without GeoCLIP and training."""
    import torch

    from ...config import get_preset
    from ...models.location_encoder import LocationEncoder

    config = get_preset("bundled")
    torch.manual_seed(UNTRAINED_SEED)
    module = LocationEncoder(config.location, config.embed_dim).eval()
    return Encoder(
        "bundled_twin",
        "bundled architecture, random weights (seed 0)",
        _torch_location(module),
        f"bundled-random:{UNTRAINED_SEED}",
    )


def _package_id(package) -> str:
    return hashlib.sha1(repr(sorted(package.meta.get("files", {}).items())).encode()).hexdigest()[:12]


def bundled_encoder(package_dir: Optional[Path] = None) -> Encoder:
    """The bundled model package on onnxruntime (gair_qgis.runtime), as the plugin runs it."""
    from gair_qgis.runtime.package import load_package
    from gair_qgis.runtime.session import GAIRRuntime

    package = load_package(package_dir)
    runtime = GAIRRuntime(package, force_cpu=True)
    label = "bundled package " + package.name + (" (UNTRAINED)" if package.untrained else "")
    return Encoder("bundled", label, runtime.encode_location, f"bundled:{_package_id(package)}")


def released_encoder(checkpoint: Path) -> Encoder:
    """A GAIR checkpoint (released .pth or ours .safetensors) through gair_core."""
    from ...checkpoint import load_any

    model = load_any(checkpoint).eval()
    stat = Path(checkpoint).stat()
    return Encoder(
        "gair_checkpoint",
        f"GAIR checkpoint {Path(checkpoint).name}",
        _torch_location(model.encode_location),
        f"ckpt:{checkpoint}:{stat.st_size}:{stat.st_mtime}",
    )


def location_encoders(
    checkpoint: Optional[Path] = None, only: Optional[Sequence[str]] = None, log: Callable[[str], None] = print
) -> list[Encoder]:
    """All location encoders available here; a missing one is reported and left out."""
    makers: list[tuple[str, Callable[[], Encoder]]] = [
        ("lonlat", lambda: Encoder("lonlat", "raw (lon, lat) degrees", lambda x: np.asarray(x, np.float32), "lonlat")),
        (
            "equal_earth",
            lambda: Encoder(
                "equal_earth", "Equal Earth (X, Y) of (lon, lat)", lambda x: equal_earth(x).astype(np.float32), "ee"
            ),
        ),
        (
            "rff",
            lambda: Encoder(
                "rff",
                "random Fourier features, sigma 1/16/256, 64 each, untrained (384-d)",
                random_fourier,
                f"rff:{RFF_SEED}",
            ),
        ),
        ("geoclip", geoclip_encoder),
        ("gair_tiny_random", untrained_tiny_encoder),
        ("bundled", bundled_encoder),
        ("bundled_twin", bundled_twin_encoder),
    ]
    if checkpoint:
        makers.append(("gair_checkpoint", lambda: released_encoder(Path(checkpoint))))
    return make_available(makers, only, log)


def make_available(makers: Sequence[tuple[str, Callable]], only: Optional[Sequence[str]], log: Callable) -> list:
    """Build the encoders named in `only` (all when empty), skipping with a logged reason
    those whose weights or package are missing."""
    encoders = []
    for name, make in makers:
        if only and name not in only:
            continue
        try:
            encoders.append(make())
        except (FileNotFoundError, ImportError) as error:
            log(f"encoder {name}: skipped ({error})")
    return encoders


def cached(encoder: Encoder, inputs: np.ndarray, cache_dir: Optional[Path], task: str) -> np.ndarray:
    """encoder.encode(inputs), stored under cache_dir keyed by the inputs and the encoder."""
    if cache_dir is None:
        return encoder.encode(inputs)
    key = hashlib.sha1(np.ascontiguousarray(inputs).tobytes() + encoder.cache_id.encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"{task}-{encoder.name}-{key}.npy"
    if path.is_file():
        return np.load(path)
    features = np.asarray(encoder.encode(inputs), np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, features)
    return features
