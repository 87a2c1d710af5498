"""Task heads on GAIR embeddings, their training, and their files (safetensors + JSON).

A head is `Linear` (linear probe) or `Linear-ReLU-Linear` (head-only / full fine-tuning).
Regression targets are standardised for training; the mean and std are stored with the
head so that predictions come out in the target's units.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

EMBEDDINGS = {"sv": "sv_pooled", "rs": "rs_global", "location": "location"}


class Head(nn.Module):
    """Standardises the embedding (stored mean/std), then Linear (hidden == 0) or
    Linear-ReLU-Linear."""

    def __init__(self, in_dim: int, out_dim: int, hidden: int = 0) -> None:
        super().__init__()
        self.layers = [in_dim, out_dim] if hidden == 0 else [in_dim, hidden, out_dim]
        modules: list[nn.Module] = [nn.Linear(in_dim, out_dim)] if hidden == 0 else [
            nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, out_dim)]
        self.net = nn.Sequential(*modules)
        self.register_buffer("feature_mean", torch.zeros(in_dim))
        self.register_buffer("feature_std", torch.ones(in_dim))

    def set_standardisation(self, features: torch.Tensor) -> None:
        """Use the mean and std of (training) features for the input standardisation."""
        self.feature_mean.copy_(features.mean(dim=0))
        self.feature_std.copy_(features.std(dim=0).clamp_min(1e-6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.feature_mean) / self.feature_std)


@dataclass
class Targets:
    """Encoded targets: float standardised values (regression) or class indices (classification)."""

    kind: str
    values: torch.Tensor
    labels: Optional[list[str]] = None
    mean: float = 0.0
    std: float = 1.0

    @staticmethod
    def encode(kind: str, raw: list[str], train: np.ndarray) -> "Targets":
        """Labels sorted (classification); mean/std of the training rows (regression)."""
        if kind == "classification":
            labels = sorted(set(raw))
            index = {label: i for i, label in enumerate(labels)}
            return Targets(kind, torch.tensor([index[r] for r in raw]), labels=labels)
        values = np.array([float(r) for r in raw], dtype=np.float64)
        mean, std = float(values[train].mean()), float(values[train].std() or 1.0)
        return Targets(kind, torch.from_numpy((values - mean) / std).float(), mean=mean, std=std)

    @property
    def out_dim(self) -> int:
        return len(self.labels) if self.kind == "classification" else 1

    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.kind == "classification":
            return nn.functional.cross_entropy(output, target)
        return nn.functional.mse_loss(output[:, 0], target)

    def decode(self, output: torch.Tensor) -> np.ndarray:
        """Head outputs -> predictions in target units (regression) or class indices."""
        if self.kind == "classification":
            return output.argmax(dim=1).numpy()
        return output[:, 0].double().numpy() * self.std + self.mean

    def raw(self, index: np.ndarray) -> np.ndarray:
        """Ground truth of rows in target units / class indices."""
        values = self.values[index]
        return values.numpy() if self.kind == "classification" else values.double().numpy() * self.std + self.mean

    def metadata(self) -> dict:
        return {"labels": self.labels} if self.kind == "classification" else {"target_mean": self.mean,
                                                                              "target_std": self.std}


def fit_head(head: Head, features: torch.Tensor, targets: Targets, train: np.ndarray, epochs: int, lr: float,
             weight_decay: float, batch_size: int, seed: int) -> list[float]:
    """AdamW on cached (frozen-encoder) features; returns the mean loss per epoch."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=weight_decay)
    x, y = features[train], targets.values[train]
    history = []
    for _ in range(epochs):
        order = torch.randperm(len(train), generator=generator)
        total = 0.0
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            loss = targets.loss(head(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        history.append(total / len(order))
    return history


def save_head(head: Head, path: Path, metadata: dict) -> None:
    """`path` (.safetensors, metadata under key 'gair_head') and the same metadata as `path`.json."""
    meta = {**metadata, "layers": head.layers}
    tensors = {k: v.detach().contiguous().cpu() for k, v in head.state_dict().items()}
    save_file(tensors, str(path), metadata={"gair_head": json.dumps(meta)})
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1))


def load_head(path: Path) -> tuple[Head, dict]:
    """A head saved by `save_head` and its metadata."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        meta = json.loads((handle.metadata() or {})["gair_head"])
    layers = meta["layers"]
    head = Head(layers[0], layers[-1], layers[1] if len(layers) == 3 else 0)
    head.load_state_dict(load_file(str(path)), strict=True)
    return head.eval(), meta
