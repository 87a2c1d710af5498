"""Checkpoints: import of the released GAIR layout, and our own lossless save/load.

Nothing here unpickles a user's file: torch zip checkpoints go through the allow-list
reader of `gair_qgis.runtime.torch_pickle`, our own files are safetensors.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from gair_qgis.runtime.errors import CheckpointError
from gair_qgis.runtime.released_layout import ImportReport, check_finite, convert_released_state_dict
from gair_qgis.runtime.torch_pickle import load_checkpoint, state_dict_from_checkpoint

from .config import GAIRConfig, get_preset
from .models import GAIR

__all__ = ["CheckpointError", "ImportReport", "load_released", "save_model", "load_model", "load_any"]


def load_released(path: str | Path, config: GAIRConfig | None = None) -> tuple[GAIR, ImportReport]:
    """A GAIR model (preset `base` unless given) with weights from a released-layout checkpoint.

    Raises CheckpointError listing every unknown key, missing key and shape mismatch."""
    model = GAIR(config or get_preset("base"))
    released = state_dict_from_checkpoint(load_checkpoint(path))
    expected = model.state_dict()
    arrays, report = convert_released_state_dict(released, {k: tuple(v.shape) for k, v in expected.items()})
    if not report.ok:
        raise CheckpointError(f"{path} does not match the released GAIR layout:\n{report.describe()}")
    check_finite(arrays, str(path))
    model.load_state_dict({k: torch.from_numpy(np.array(a)).to(expected[k].dtype) for k, a in arrays.items()})
    return model.eval(), report


# --- our own checkpoints (safetensors) ---------------------------------------------------


def save_model(model: GAIR, path: str | Path) -> None:
    """Write model weights and config to a safetensors file (lossless, no pickle)."""
    tensors = {key: value.detach().contiguous().cpu() for key, value in model.state_dict().items()}
    save_file(tensors, str(path), metadata={"gair_config": json.dumps(model.config.to_dict())})


def load_model(path: str | Path) -> GAIR:
    """A model saved by `save_model`; any key or shape difference is an error."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
    if "gair_config" not in metadata:
        raise CheckpointError(f"{path} is a safetensors file without a GAIR config; was it written by gair_core?")
    model = GAIR(GAIRConfig.from_dict(json.loads(metadata["gair_config"])))
    tensors = load_file(str(path))
    expected = model.state_dict()
    report = ImportReport(
        unknown=sorted(set(tensors) - set(expected)),
        missing=sorted(set(expected) - set(tensors)),
        mismatched={
            k: (tuple(expected[k].shape), tuple(v.shape))
            for k, v in tensors.items()
            if k in expected and v.shape != expected[k].shape
        },
    )
    if not report.ok:
        raise CheckpointError(f"{path} does not match its own config:\n{report.describe()}")
    check_finite(
        {k: v.numpy() for k, v in tensors.items() if v.is_floating_point() and v.dtype != torch.bfloat16}, str(path)
    )
    model.load_state_dict(tensors, strict=True)
    return model.eval()


def load_any(path: str | Path, preset: str = "base") -> GAIR:
    """Our safetensors file, or a released-layout torch checkpoint loaded into `preset`."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    if path.suffix == ".safetensors":
        return load_model(path)
    return load_released(path, get_preset(preset))[0]
