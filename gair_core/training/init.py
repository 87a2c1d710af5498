"""`--init`: start training from a released checkpoint, one of ours, or GeoCLIP's location encoder.

GeoCLIP (PyPI `geoclip`, MIT) ships its location-encoder weights inside the package; they
are read with `torch.load(weights_only=True)` from the installed files without importing
geoclip (whose imports pull in transformers). Install it with `pip install --no-deps geoclip`
(its declared dependencies would replace numpy 1.x).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch

from gair_qgis.runtime.errors import CheckpointError

from ..checkpoint import load_model, load_released
from ..models import GAIR

GEOCLIP = "geoclip"
GEOCLIP_WEIGHTS = Path("model") / "weights" / "location_encoder_weights.pth"


def geoclip_weights_path() -> Path:
    """The location-encoder weights file of the installed `geoclip` package."""
    spec = importlib.util.find_spec(GEOCLIP)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("--init geoclip needs the PyPI package geoclip: pip install --no-deps geoclip")
    path = Path(list(spec.submodule_search_locations)[0]) / GEOCLIP_WEIGHTS
    if not path.is_file():
        raise FileNotFoundError(f"geoclip is installed but {path} is missing")
    return path


GEOCLIP_DIM = 512
PCA_POINTS = 20000
PCA_SEED = 0


def sphere_points(count: int, seed: int = PCA_SEED) -> torch.Tensor:
    """(count, 2) float64 (lon, lat), uniform over the sphere's area."""
    generator = torch.Generator().manual_seed(seed)
    lon = torch.rand(count, generator=generator, dtype=torch.float64) * 360 - 180
    lat = torch.rad2deg(torch.asin(torch.rand(count, generator=generator, dtype=torch.float64) * 2 - 1))
    return torch.stack([lon, lat], dim=1)


@torch.no_grad()
def geoclip_pca_heads(released: dict, config, embed_dim: int) -> dict[str, torch.Tensor]:
    """Heads of `embed_dim` outputs whose summed output is GeoCLIP's 512-d location embedding,
    centred and projected on its `embed_dim` principal directions over the globe (area-uniform
    points): the smaller space keeps as much of GeoCLIP's embedding as a linear map can."""
    from ..models.location_encoder import LocationEncoder

    full = LocationEncoder(config, GEOCLIP_DIM)
    full.load_state_dict(released, strict=True)
    embeddings = full(sphere_points(PCA_POINTS)).double()
    mean = embeddings.mean(dim=0)
    _, _, vt = torch.linalg.svd(embeddings - mean, full_matrices=False)
    projection = vt[:embed_dim]  # (embed_dim, 512)
    heads = {}
    for index in range(full.num_branches):
        weight, bias = released[f"LocEnc{index}.head.0.weight"], released[f"LocEnc{index}.head.0.bias"]
        heads[f"LocEnc{index}.head.0.weight"] = (projection @ weight.double()).float()
        heads[f"LocEnc{index}.head.0.bias"] = (projection @ (bias.double() - mean / full.num_branches)).float()
    return heads


def load_geoclip_location(model: GAIR, path: Path | None = None) -> list[str]:
    """Copy GeoCLIP's location encoder into the model's: the capsules (Fourier matrices B and
    MLPs) as they are; the heads as they are when the model's embedding is 512-d, else as the
    projection of GeoCLIP's embedding on its principal directions (`geoclip_pca_heads`).
    Returns the keys loaded; CheckpointError lists every shape mismatch."""
    released = torch.load(path or geoclip_weights_path(), map_location="cpu", weights_only=True)
    target = model.location_encoder.state_dict()
    capsules = {k: v for k, v in released.items() if ".capsule." in k}
    missing = sorted(k for k in target if ".capsule." in k and k not in capsules)
    mismatched = [
        f"  {k}: GeoCLIP {list(v.shape)}, model {list(target[k].shape)}"
        for k, v in capsules.items()
        if k in target and target[k].shape != v.shape
    ]
    unknown = sorted(k for k in capsules if k not in target)
    if mismatched or missing or unknown:
        raise CheckpointError(
            "GeoCLIP's location encoder (3 branches, 256 frequencies, 1024 hidden) does not fit this model's "
            "location config; set model.location {num_frequencies: 256, hidden: 1024, depth: 3} in --config.\n"
            + "\n".join(mismatched + [f"  missing: {k}" for k in missing] + [f"  unknown: {k}" for k in unknown])
        )
    embed_dim = model.config.embed_dim
    heads = (
        {k: v for k, v in released.items() if ".head." in k}
        if embed_dim == GEOCLIP_DIM
        else geoclip_pca_heads(released, model.config.location, embed_dim)
    )
    with torch.no_grad():
        for key, value in {**capsules, **heads}.items():
            target[key].copy_(value.to(target[key].dtype))
    return sorted(capsules) + sorted(heads)


def apply_init(model: GAIR, source: str) -> str:
    """Initialise `model` in place from `source` ('geoclip', ours .safetensors, released .pth)."""
    if source == GEOCLIP:
        keys = load_geoclip_location(model)
        return f"location encoder from GeoCLIP ({len(keys)} tensors; heads: its principal directions)"
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"--init: no such file: {path}")
    loaded = load_model(path) if path.suffix == ".safetensors" else load_released(path, model.config)[0]
    if loaded.config != model.config:
        raise CheckpointError(f"--init {path}: its architecture ({loaded.config.name}) differs from this run's")
    model.load_state_dict(loaded.state_dict(), strict=True)
    return f"all weights from {path}"
