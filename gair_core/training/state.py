"""Training checkpoints: atomic, and loadable without unpickling anything.

A checkpoint is a folder `step_NNNNNNNN/` with
- `model.safetensors`: `gair_core.checkpoint.save_model` (weights, queue and config);
- `optimizer.safetensors`: every tensor of the optimizer state (`state.<param>.<name>`);
- `rng.safetensors`: torch CPU (and CUDA) generator states;
- `training_heads.safetensors`: the training-only heads (the RS self-supervision's), when the run has them;
- `state.json`: step, data position, optimizer param groups, scaler, numpy/python RNG,
  the run's arguments.
It is written to `step_NNNNNNNN.tmp/` and renamed into place; `latest` (a text file,
replaced atomically) names the newest complete one.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path
from typing import Any, Optional

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from gair_qgis.runtime.errors import InputError

from ..checkpoint import load_model, save_model
from ..models import GAIR

LATEST = "latest"
TRAINING_HEADS = "training_heads.safetensors"


def step_dir(root: Path, step: int) -> Path:
    return root / f"step_{step:08d}"


def optimizer_to_files(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    """Optimizer state -> (tensors, JSON-able rest)."""
    state = optimizer.state_dict()
    tensors, scalars = {}, {}
    for index, values in state["state"].items():
        for name, value in values.items():
            if torch.is_tensor(value):
                tensors[f"state.{index}.{name}"] = value.detach().contiguous().cpu()
            else:
                scalars[f"{index}.{name}"] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def optimizer_from_files(optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], meta: dict) -> None:
    """Restore an optimizer from `optimizer_to_files` output."""
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        _, index, name = key.split(".", 2)
        state.setdefault(int(index), {})[name] = value
    for key, value in meta["scalars"].items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    groups = [dict(group, betas=tuple(group["betas"])) if "betas" in group else group for group in meta["param_groups"]]
    optimizer.load_state_dict({"state": state, "param_groups": groups})


def rng_state() -> tuple[dict[str, torch.Tensor], dict]:
    tensors = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        for index, value in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"cuda.{index}"] = value
    numpy_state = np.random.get_state()
    if not isinstance(numpy_state, tuple):  # a dict only when the global generator is not MT19937
        raise ValueError(
            f"numpy's global random generator is {numpy_state.get('bit_generator')}, not MT19937; "
            "its state cannot be saved in a checkpoint"
        )
    kind, keys, position, has_gauss, gauss = numpy_state
    python = random.getstate()
    meta = {
        "numpy": [kind, keys.tolist(), position, has_gauss, gauss],
        "python": [python[0], list(python[1]), python[2]],
    }
    return tensors, meta


def set_rng_state(tensors: dict[str, torch.Tensor], meta: dict) -> None:
    torch.set_rng_state(tensors["torch"])
    cuda = [tensors[k] for k in sorted(k for k in tensors if k.startswith("cuda."))]
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda)
    kind, keys, position, has_gauss, gauss = meta["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), position, has_gauss, gauss))
    version, internal, gauss_next = meta["python"]
    random.setstate((version, tuple(internal), gauss_next))


def save_training_state(
    root: Path,
    step: int,
    model: GAIR,
    optimizer: torch.optim.Optimizer,
    scaler: Optional[torch.amp.GradScaler],
    extra: dict,
    keep: int = 3,
    heads: Optional[nn.Module] = None,
) -> Path:
    """Write a checkpoint atomically and point `latest` at it; keep the newest `keep`."""
    root.mkdir(parents=True, exist_ok=True)
    final = step_dir(root, step)
    tmp = final.with_name(final.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    save_model(model, tmp / "model.safetensors")
    opt_tensors, opt_meta = optimizer_to_files(optimizer)
    save_file(opt_tensors, str(tmp / "optimizer.safetensors"))
    rng_tensors, rng_meta = rng_state()
    save_file(rng_tensors, str(tmp / "rng.safetensors"))
    if heads is not None:
        save_file({k: v.detach().contiguous() for k, v in heads.state_dict().items()}, str(tmp / TRAINING_HEADS))
    meta = {
        "step": step,
        "optimizer": opt_meta,
        "rng": rng_meta,
        "scaler": scaler.state_dict() if scaler is not None and scaler.is_enabled() else None,
        **extra,
    }
    (tmp / "state.json").write_text(json.dumps(meta, indent=1))
    _fsync_dir(tmp)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    _write_atomic(root / LATEST, final.name + "\n")
    _prune(root, keep)
    return final


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    for child in path.iterdir():
        with open(child, "rb") as handle:
            os.fsync(handle.fileno())


def _prune(root: Path, keep: int) -> None:
    steps = sorted(p for p in root.glob("step_*") if p.is_dir() and not p.name.endswith(".tmp"))
    for old in steps[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)


def checkpoint_candidates(path: Path) -> list[Path]:
    """Checkpoint folders to resume from, best first: the folder itself, or in a checkpoints root
    (or a run's output folder) the one `latest` names and then every other, newest first."""
    if (path / "state.json").is_file():
        return [path]
    for root in (path, path / "checkpoints"):
        steps = sorted((p for p in root.glob("step_*") if p.is_dir() and not p.name.endswith(".tmp")), reverse=True)
        latest = root / (root / LATEST).read_text().strip() if (root / LATEST).is_file() else None
        if latest is not None or steps:
            return ([latest] if latest is not None else []) + [p for p in steps if p != latest]
    raise FileNotFoundError(f"no training checkpoint at {path} (expected state.json or a 'latest' file)")


BROKEN = (OSError, ValueError, KeyError, EOFError, SafetensorError)  # what a truncated or missing file raises


def read_checkpoint(folder: Path) -> tuple[dict, GAIR, dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Every file of a checkpoint folder, read whole before anything is restored."""
    meta = json.loads((folder / "state.json").read_text())
    return (
        meta,
        load_model(folder / "model.safetensors"),
        load_file(str(folder / "optimizer.safetensors")),
        load_file(str(folder / "rng.safetensors")),
    )


def load_heads(folder: Path, heads: Optional[nn.Module]) -> None:
    """The training-only heads from a checkpoint: both present or both absent, else the run
    and the checkpoint disagree on the objective."""
    stored = folder / TRAINING_HEADS
    if heads is None and stored.is_file():
        raise InputError(
            f"{folder} was trained with the RS self-supervision (--rs-self-weight); resume with the same "
            "setting, or start a new run"
        )
    if heads is not None:
        if not stored.is_file():
            raise InputError(
                f"{folder} was trained without the RS self-supervision; resume without "
                "--rs-self-weight, or start a new run"
            )
        heads.load_state_dict(load_file(str(stored)), strict=True)


def load_training_state(
    path: Path,
    model: GAIR,
    optimizer: torch.optim.Optimizer,
    scaler: Optional[torch.amp.GradScaler],
    heads: Optional[nn.Module] = None,
) -> dict:
    """Restore model weights (and queue), optimizer, scaler, RNGs and the training-only heads
    in place from the newest intact checkpoint; returns its state.json plus `path` and
    `skipped` [(folder, reason)] for newer ones that could not be read (a truncated file, say)."""
    skipped: list[tuple[str, str]] = []
    for folder in checkpoint_candidates(path):
        try:
            meta, saved, optimizer_tensors, rng_tensors = read_checkpoint(folder)
        except BROKEN as error:
            skipped.append((str(folder), f"{type(error).__name__}: {error}"))
            continue
        break
    else:
        reasons = "; ".join(f"{folder}: {reason}" for folder, reason in skipped)
        raise InputError(
            f"no intact training checkpoint under {path} ({reasons}); start a new run in a new "
            "--output-dir or with --restart"
        )
    if saved.config != model.config:
        raise InputError(f"{folder} holds a {saved.config.name!r} model with another architecture than this run's")
    model.load_state_dict(saved.state_dict(), strict=True)
    load_heads(folder, heads)
    optimizer_from_files(optimizer, optimizer_tensors, meta["optimizer"])
    if scaler is not None and meta.get("scaler"):
        scaler.load_state_dict(meta["scaler"])
    set_rng_state(rng_tensors, meta["rng"])
    meta["path"] = str(folder)
    meta["skipped"] = skipped
    return meta
