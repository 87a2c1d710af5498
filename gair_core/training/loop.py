"""The pieces of one training step, shared by `gair_core.train` and the DDP tests."""

from __future__ import annotations

import contextlib
import os
import resource
from dataclasses import dataclass
from typing import Optional

import torch
from torch import nn

from ..losses import GAIRLoss, LocationQueue


@dataclass
class Precision:
    """Autocast dtype (None = float32) and whether a GradScaler is needed (float16 only)."""

    dtype: Optional[torch.dtype]
    device_type: str

    @staticmethod
    def choose(mode: str, device: torch.device) -> Precision:
        """'auto': bf16 on GPUs that support it, fp16 on other GPUs, float32 on CPU."""
        if mode == "off":
            return Precision(None, device.type)
        if mode == "bf16":
            return Precision(torch.bfloat16, device.type)
        if mode == "fp16":
            return Precision(torch.float16, device.type)
        if device.type == "cuda":
            return Precision(torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16, "cuda")
        return Precision(None, device.type)

    def autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    def scaler(self) -> torch.amp.GradScaler:
        return torch.amp.GradScaler(self.device_type, enabled=self.dtype == torch.float16)

    @property
    def name(self) -> str:
        return {None: "float32", torch.bfloat16: "bf16", torch.float16: "fp16"}[self.dtype]


def to_device(batch: dict, device: torch.device) -> dict:
    return {k: v.to(device, non_blocking=True) if torch.is_tensor(v) else v for k, v in batch.items()}


def forward_backward(
    module: nn.Module,
    criterion: GAIRLoss,
    batch: dict,
    queue: LocationQueue,
    precision: Precision,
    scaler: torch.amp.GradScaler,
    accumulation: int = 1,
    sync: bool = True,
) -> dict[str, float]:
    """Forward one micro-batch, backpropagate loss / accumulation, then enqueue its locations.

    `sync=False` skips DDP's gradient all-reduce (all but the last micro-batch of a step)."""
    no_sync = getattr(module, "no_sync", None)
    context = no_sync() if (not sync and no_sync is not None) else contextlib.nullcontext()
    with context:
        with precision.autocast():
            features = module(
                batch["sv"],
                batch["rs"],
                batch["coords"],
                batch["lonlat"],
                queue.lonlat(),
                batch.get("has_sv"),
                batch.get("has_rs"),
                batch.get("rs_view"),
            )
        losses = criterion(features)
        scaler.scale(losses["loss"] / accumulation).backward()
    queue.enqueue(batch["lonlat"])
    return {name: float(value.detach()) for name, value in losses.items()}


def optimizer_step(
    optimizer: torch.optim.Optimizer, scaler: torch.amp.GradScaler, parameters, grad_clip: float
) -> float:
    """Unscale, clip (when grad_clip > 0), step and zero the gradients; returns the gradient norm."""
    scaler.unscale_(optimizer)
    norm = torch.nn.utils.clip_grad_norm_(parameters, grad_clip if grad_clip > 0 else float("inf"))
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad(set_to_none=True)
    return float(norm)


def average_across_ranks(values: dict[str, float], world_size: int) -> dict[str, float]:
    """The mean of each value over all ranks (for logging the global batch's losses)."""
    if world_size == 1:
        return values
    names = sorted(values)
    tensor = torch.tensor([values[n] for n in names], dtype=torch.float64)
    torch.distributed.all_reduce(tensor)
    return {name: float(v) / world_size for name, v in zip(names, tensor)}


def peak_memory_mb(device: torch.device) -> float:
    """Peak GPU memory allocated by torch, or the process's peak resident set size on CPU."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_distributed() -> tuple[int, int, torch.device]:
    """Join the torchrun process group when launched by torchrun: (rank, world, device)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if world_size > 1 and not torch.distributed.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        torch.distributed.init_process_group(backend)
    rank = torch.distributed.get_rank() if world_size > 1 else 0
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
        return rank, world_size, torch.device("cuda", local_rank)
    return rank, world_size, torch.device("cpu")
