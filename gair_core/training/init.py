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


def load_geoclip_location(model: GAIR, path: Path | None = None) -> list[str]:
    """Copy GeoCLIP's capsules (Fourier matrices B and MLPs) into the location encoder.

    The heads differ in size (GeoCLIP 512, GAIR embed_dim) and keep their initialisation.
    Returns the keys loaded; CheckpointError lists every shape mismatch."""
    released = torch.load(path or geoclip_weights_path(), map_location="cpu", weights_only=True)
    target = model.location_encoder.state_dict()
    capsules = {k: v for k, v in released.items() if ".capsule." in k}
    missing = sorted(k for k in target if ".capsule." in k and k not in capsules)
    mismatched = [f"  {k}: GeoCLIP {list(v.shape)}, model {list(target[k].shape)}"
                  for k, v in capsules.items() if k in target and target[k].shape != v.shape]
    unknown = sorted(k for k in capsules if k not in target)
    if mismatched or missing or unknown:
        raise CheckpointError(
            "GeoCLIP's location encoder (3 branches, 256 frequencies, 1024 hidden) does not fit this model's "
            "location config; set model.location {num_frequencies: 256, hidden: 1024, depth: 3} in --config.\n"
            + "\n".join(mismatched + [f"  missing: {k}" for k in missing] + [f"  unknown: {k}" for k in unknown]))
    with torch.no_grad():
        for key, value in capsules.items():
            target[key].copy_(value.to(target[key].dtype))
    return sorted(capsules)


def apply_init(model: GAIR, source: str) -> str:
    """Initialise `model` in place from `source` ('geoclip', ours .safetensors, released .pth)."""
    if source == GEOCLIP:
        keys = load_geoclip_location(model)
        return f"location encoder capsules from GeoCLIP ({len(keys)} tensors)"
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"--init: no such file: {path}")
    loaded = load_model(path) if path.suffix == ".safetensors" else load_released(path, model.config)[0]
    if loaded.config != model.config:
        raise CheckpointError(f"--init {path}: its architecture ({loaded.config.name}) differs from this run's")
    model.load_state_dict(loaded.state_dict(), strict=True)
    return f"all weights from {path}"
