"""Prediction heads on GAIR embeddings: the one trainer and the one format.

A head is a linear layer or a one-hidden-layer MLP on an embedding the runtime returns
("rs_global", "location", or "sv": the pooled g(s)). Whatever trains it (the benchmark,
`gair_core.finetune`, the bundled model's heads), it ends as affine layers
[(W (out, in), b (out,)), ...] with ReLU between them, acting on the *raw* embedding: the
input standardisation is folded into the first layer and a regression's target scaling into
the last. That is the format a model package stores (`heads/<name>.npz` plus its entry in
model.json, written by `gair_qgis.runtime.package.add_heads`) and the plugin applies
(`gair_qgis.runtime.package.apply_layers`; softmax for classifiers).

To add a head to a package:

    layers = train_head("classification", x_train, y_train, x_val, y_val, num_outputs=3, seed=0)
    add_heads(package_dir, [(head_spec("land_use", "classification", "rs_global", labels, metric), layers)])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import torch
from torch import nn

from gair_qgis.runtime.errors import InputError
from gair_qgis.runtime.package import CLASSIFICATION, REGRESSION  # every other kind ("binary") is a classifier

Layers = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class HeadConfig:
    """How `train_head` trains: Adam on the whole training set per step (`batch_size` None)
    or on shuffled mini-batches, keeping the parameters of the best validation loss (checked
    every `eval_every` steps)."""

    kind: str = "mlp"  # "mlp" | "linear"
    hidden: int = 128
    steps: int = 300
    lr: float = 3e-3
    weight_decay: float = 1e-4
    eval_every: int = 10
    batch_size: Optional[int] = None


def build_head(kind: str, inputs: int, outputs: int, hidden: int) -> nn.Sequential:
    if kind == "linear":
        return nn.Sequential(nn.Linear(inputs, outputs))
    if kind == "mlp":
        return nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, outputs))
    raise InputError(f"unknown head {kind!r}; choose linear or mlp")


def head_loss(task_kind: str, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error on standardised targets (regression), else cross-entropy."""
    if task_kind == REGRESSION:
        return ((output - target) ** 2).mean()
    return nn.functional.cross_entropy(output, target)


@dataclass(frozen=True)
class Scaling:
    """The input standardisation and (regression) target scaling a head is trained under."""

    x_mean: np.ndarray
    x_std: np.ndarray
    y_mean: Optional[np.ndarray] = None
    y_std: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        if (self.y_mean is None) != (self.y_std is None):
            raise ValueError("Scaling: y_mean and y_std are given together (regression) or not at all")

    @staticmethod
    def fit(task_kind: str, x: np.ndarray, y: np.ndarray, num_outputs: int) -> Scaling:
        x = np.asarray(x, np.float64)
        x_std = x.std(axis=0)
        scaling = Scaling(x.mean(axis=0), np.where(x_std > 1e-8, x_std, 1.0))
        if task_kind != REGRESSION:
            return scaling
        y = np.asarray(y, np.float64).reshape(-1, num_outputs)
        y_std = y.std(axis=0)
        return Scaling(scaling.x_mean, scaling.x_std, y.mean(axis=0), np.where(y_std > 1e-8, y_std, 1.0))

    def inputs(self, x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(((np.asarray(x, np.float64) - self.x_mean) / self.x_std).astype(np.float32))

    def targets(self, y: np.ndarray) -> torch.Tensor:
        if self.y_mean is None:
            return torch.from_numpy(np.asarray(y, np.int64))
        y = np.asarray(y, np.float64).reshape(-1, len(self.y_mean))
        return torch.from_numpy(((y - self.y_mean) / self.y_std).astype(np.float32))

    def fold(self, module: nn.Sequential) -> Layers:
        """The module's linear layers, standardisation folded in: layers on raw embeddings
        whose output is in the target's units (regression) or logits."""
        layers = [
            (m.weight.detach().double().numpy(), m.bias.detach().double().numpy())
            for m in module
            if isinstance(m, nn.Linear)
        ]
        w0, b0 = layers[0]
        layers[0] = (w0 / self.x_std, b0 - (w0 / self.x_std) @ self.x_mean)
        if self.y_mean is not None and self.y_std is not None:
            wl, bl = layers[-1]
            layers[-1] = (wl * self.y_std[:, None], bl * self.y_std + self.y_mean)
        return [(w.astype(np.float32), b.astype(np.float32)) for w, b in layers]


def train_head(
    task_kind: str,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    num_outputs: int,
    seed: int,
    config: HeadConfig = HeadConfig(),
) -> Layers:
    """Train a head on embeddings and return its layers, ready for `add_heads`.

    x_train (N, D) and x_val (M, D): embeddings as the runtime returns them (float).
    y_train / y_val: class indices 0..num_outputs-1 (int, `task_kind` "classification" or
    "binary") or values in the target's units ((N,) or (N, num_outputs), "regression").
    With an empty validation set the training set's loss picks the best step.
    Returns [(W, b), ...] float32 on raw embeddings (ReLU between layers; softmax of the
    output gives class probabilities)."""
    torch.manual_seed(seed)
    scaling = Scaling.fit(task_kind, x_train, y_train, num_outputs)
    xt, yt = scaling.inputs(x_train), scaling.targets(y_train)
    xv, yv = (scaling.inputs(x_val), scaling.targets(y_val)) if len(y_val) else (xt, yt)
    head = build_head(config.kind, xt.shape[1], num_outputs, config.hidden)
    optimizer = torch.optim.Adam(head.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    batches = _batches(len(xt), config.batch_size, seed)
    best = (float("inf"), [p.detach().clone() for p in head.parameters()])
    for step in range(1, config.steps + 1):
        rows = next(batches)
        optimizer.zero_grad()
        head_loss(task_kind, head(xt[rows]), yt[rows]).backward()
        optimizer.step()
        if step % config.eval_every == 0 or step == config.steps:
            with torch.no_grad():
                val_loss = float(head_loss(task_kind, head(xv), yv))
            if val_loss < best[0]:
                best = (val_loss, [p.detach().clone() for p in head.parameters()])
    with torch.no_grad():
        for parameter, value in zip(head.parameters(), best[1]):
            parameter.copy_(value)
    return scaling.fold(head)


def _batches(count: int, batch_size: Optional[int], seed: int):
    """Row selections per step: everything (full batch), or shuffled mini-batches epoch after epoch."""
    if not batch_size or batch_size >= count:
        while True:
            yield slice(None)
    generator = torch.Generator().manual_seed(seed)
    while True:
        order = torch.randperm(count, generator=generator)
        for start in range(0, count, batch_size):
            yield order[start : start + batch_size]


def steps_for_epochs(epochs: int, rows: int, batch_size: Optional[int]) -> int:
    """Optimiser steps that make `epochs` passes over `rows` rows."""
    per_epoch = 1 if not batch_size else max(1, -(-rows // batch_size))
    return max(1, epochs * per_epoch)


def head_spec(name: str, task_kind: str, embedding: str, outputs: Sequence[str], metric: dict) -> dict:
    """A head's model.json entry for `add_heads`: `outputs` are the class labels
    (classifiers) or the target names (regression); `metric` holds name, value, data, split."""
    classifier = task_kind != REGRESSION
    return {
        "name": name,
        "task": CLASSIFICATION if classifier else REGRESSION,
        "input": embedding,
        "labels" if classifier else "targets": list(outputs),
        "metric": dict(metric),
    }
