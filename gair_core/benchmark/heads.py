"""Small prediction heads on frozen features: linear or one-hidden-layer MLP, full-batch Adam,
early stopping on the validation split.

The fitted head is returned as affine layers [(W (out, in), b), ...] with ReLU between them,
acting on the *raw* features (the train-set standardisation is folded into the first layer),
which is the format `gair_qgis.runtime.package.add_heads` stores and `gair_qgis.analysis.Head`
applies. Classification heads output logits (softmax applied at prediction); regression heads
output values in the target's own units.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .common import REGRESSION

Layers = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class HeadConfig:
    kind: str = "mlp"  # "mlp" | "linear"
    hidden: int = 128
    steps: int = 300
    lr: float = 3e-3
    weight_decay: float = 1e-4
    eval_every: int = 10


def build_head(kind: str, inputs: int, outputs: int, hidden: int) -> nn.Sequential:
    if kind == "linear":
        return nn.Sequential(nn.Linear(inputs, outputs))
    if kind == "mlp":
        return nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, outputs))
    raise ValueError(f"unknown head {kind!r}; choose linear or mlp")


def _loss(task_kind: str, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    if task_kind == REGRESSION:
        return ((logits - target) ** 2).mean()
    return nn.functional.cross_entropy(logits, target)


def fit_head(task_kind: str, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
             num_outputs: int, seed: int, config: HeadConfig = HeadConfig()) -> Layers:
    """Train a head and return its layers on raw features (best validation loss kept)."""
    torch.manual_seed(seed)
    x_train = np.asarray(x_train, np.float64)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std = np.where(std > 1e-8, std, 1.0)
    regression = task_kind == REGRESSION
    y_shape = (-1, num_outputs)
    if regression:
        y_mean = np.asarray(y_train, np.float64).reshape(y_shape).mean(axis=0)
        y_std = np.asarray(y_train, np.float64).reshape(y_shape).std(axis=0)
        y_std = np.where(y_std > 1e-8, y_std, 1.0)

    def tensors(x: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        xt = torch.from_numpy(((np.asarray(x, np.float64) - mean) / std).astype(np.float32))
        if regression:
            yt = torch.from_numpy(((np.asarray(y, np.float64).reshape(y_shape) - y_mean) / y_std).astype(np.float32))
        else:
            yt = torch.from_numpy(np.asarray(y, np.int64))
        return xt, yt

    xt, yt = tensors(x_train, y_train)
    xv, yv = tensors(x_val, y_val) if len(y_val) else (xt, yt)
    head = build_head(config.kind, xt.shape[1], num_outputs, config.hidden)
    optimizer = torch.optim.Adam(head.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    best = (float("inf"), [p.detach().clone() for p in head.parameters()])
    for step in range(1, config.steps + 1):
        optimizer.zero_grad()
        _loss(task_kind, head(xt), yt).backward()
        optimizer.step()
        if step % config.eval_every == 0 or step == config.steps:
            with torch.no_grad():
                val_loss = float(_loss(task_kind, head(xv), yv))
            if val_loss < best[0]:
                best = (val_loss, [p.detach().clone() for p in head.parameters()])
    with torch.no_grad():
        for parameter, value in zip(head.parameters(), best[1]):
            parameter.copy_(value)
    layers = [(m.weight.detach().double().numpy(), m.bias.detach().double().numpy())
              for m in head if isinstance(m, nn.Linear)]
    # fold the input standardisation into the first layer, the target scaling into the last
    w0, b0 = layers[0]
    layers[0] = (w0 / std, b0 - (w0 / std) @ mean)
    if regression:
        wl, bl = layers[-1]
        layers[-1] = (wl * y_std[:, None], bl * y_std + y_mean)
    return [(w.astype(np.float32), b.astype(np.float32)) for w, b in layers]
