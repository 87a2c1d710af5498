"""`python -m gair_core.finetune`: a task head on GAIR embeddings, with standard metrics.

Tasks (embedding used): `sv` (pooled g(s)), `rs` (global RS embedding), `location` (e(x));
kinds: regression (R2, RMSE) and classification (accuracy, macro F1). Modes:
- `linear-probe`: frozen encoder, a linear head on standardised embeddings;
- `head`: frozen encoder, a one-hidden-layer MLP head;
- `full`: the task's encoder and the MLP head trained together.
Every run also scores the constant predictor (training mean / majority class) on the same
held-out rows. Outputs in OUTPUT_DIR: head.safetensors (+ head.json: task, labels or target
scaling, metrics), metrics.json, and model.safetensors for `full`.

Example:
    python -m gair_core.finetune --data dhs.csv --task location --kind regression \\
        --target wealthpooled --mode head --checkpoint run/model.safetensors --output-dir ft/
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset

from gair_qgis.runtime.cli import check_output_folder, command
from gair_qgis.runtime.preprocess import InputError

from .checkpoint import load_any, save_model
from .config import PRESETS, get_preset
from .models import GAIR
from .training.heads import EMBEDDINGS, Head, Targets, fit_head, save_head
from .training.labelled import InputDataset, read_labelled, split_indices
from .training.metrics_eval import classification_metrics, regression_metrics

MODES = ("linear-probe", "head", "full")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gair_core.finetune", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True, help="CSV with the task's inputs and the target column")
    p.add_argument("--task", choices=sorted(EMBEDDINGS), required=True)
    p.add_argument("--kind", choices=["regression", "classification"], required=True)
    p.add_argument("--target", required=True, help="target column")
    p.add_argument("--mode", choices=MODES, default="head")
    p.add_argument("--checkpoint", type=Path, help="ours (.safetensors) or released (.pth); default: an "
                   "untrained model of --preset (a baseline)")
    p.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    p.add_argument("--output-dir", type=Path, required=True)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--lr", type=float, default=1e-3, help="head learning rate")
    p.add_argument("--encoder-lr", type=float, default=1e-4, help="encoder learning rate (mode full)")
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--hidden", type=int, default=256, help="hidden width of the MLP head")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--test-fraction", type=float, default=0.2, help="held out when the CSV has no split column")
    p.add_argument("--max-rows", type=int, help="a seeded random subset of the rows")
    p.add_argument("--workers", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    return p


def embed(model: GAIR, task: str, inputs: torch.Tensor) -> torch.Tensor:
    """The task's embedding of a batch of model inputs."""
    if task == "location":
        return model.encode_location(inputs)
    if task == "sv":
        return model.encode_sv(inputs)
    return model.encode_rs(inputs)[1]


def encoder_of(model: GAIR, task: str) -> nn.Module:
    return {"sv": model.sv_encoder, "rs": model.rs_encoder, "location": model.location_encoder}[task]


@torch.no_grad()
def compute_features(model: GAIR, task: str, dataset: InputDataset, batch_size: int, workers: int) -> torch.Tensor:
    loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers)
    return torch.cat([embed(model, task, batch).float() for batch in loader])


class IndexedDataset(Dataset):
    """(input, row index) pairs of a dataset."""

    def __init__(self, dataset: InputDataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.dataset[index], index


def train_full(model: GAIR, head: Head, args: argparse.Namespace, dataset: InputDataset, targets: Targets,
               train: np.ndarray) -> list[float]:
    """The task's encoder and the head, trained together with AdamW (two learning rates)."""
    encoder = encoder_of(model, args.task).train()
    optimizer = torch.optim.AdamW([{"params": encoder.parameters(), "lr": args.encoder_lr},
                                   {"params": head.parameters(), "lr": args.lr}], weight_decay=args.weight_decay)
    generator = torch.Generator().manual_seed(args.seed)
    loader = DataLoader(Subset(IndexedDataset(dataset), train.tolist()), batch_size=args.batch_size, shuffle=True,
                        generator=generator, num_workers=args.workers)
    history = []
    for _ in range(args.epochs):
        total = 0.0
        for inputs, rows in loader:
            loss = targets.loss(head(embed(model, args.task, inputs).float()), targets.values[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)
        history.append(total / len(train))
    encoder.eval()
    return history


def constant_prediction(targets: Targets, train: np.ndarray, size: int) -> np.ndarray:
    """The training mean (regression) or majority class (classification), `size` times."""
    if targets.kind == "classification":
        return np.full(size, np.bincount(targets.values[train].numpy()).argmax())
    return np.full(size, targets.raw(train).mean())


def score(targets: Targets, truth: np.ndarray, prediction: np.ndarray) -> dict[str, float]:
    if targets.kind == "classification":
        return classification_metrics(truth, prediction, targets.out_dim)
    return regression_metrics(truth, prediction)


def finetune(args: argparse.Namespace) -> dict:
    """Train and evaluate a head; writes the outputs and returns the metrics dict."""
    check_output_folder(args.output_dir, "--output-dir")  # before the features are computed
    torch.manual_seed(args.seed)
    model = load_any(args.checkpoint, args.preset) if args.checkpoint else GAIR(get_preset(args.preset))
    model.eval()
    rows = read_labelled(args.data, args.task, args.target, args.max_rows, args.seed)
    train, test = split_indices(rows, args.test_fraction, args.seed)
    if len(train) == 0 or len(test) == 0:
        raise InputError(f"{args.data}: need rows for training and for testing (got {len(train)} and {len(test)})")
    targets = Targets.encode(args.kind, rows.targets, train)
    dataset = InputDataset(rows)
    hidden = 0 if args.mode == "linear-probe" else args.hidden
    head = Head(model.config.embed_dim, targets.out_dim, hidden)
    started = time.perf_counter()
    features = compute_features(model, args.task, dataset, args.batch_size, args.workers)
    head.set_standardisation(features[train])
    if args.mode == "full":
        history = train_full(model, head, args, dataset, targets, train)
        features = compute_features(model, args.task, dataset, args.batch_size, args.workers)
    else:
        history = fit_head(head, features, targets, train, args.epochs, args.lr, args.weight_decay,
                           args.batch_size, args.seed)
    with torch.no_grad():
        prediction = targets.decode(head.eval()(features[test]))
    truth = targets.raw(test)
    result = {
        "task": args.task, "kind": args.kind, "mode": args.mode, "target": args.target,
        "embedding": EMBEDDINGS[args.task], "checkpoint": str(args.checkpoint) if args.checkpoint else None,
        "preset": model.config.name, "rows": {"train": int(len(train)), "test": int(len(test))},
        "metrics": score(targets, truth, prediction),
        "constant_baseline": score(targets, truth, constant_prediction(targets, train, len(test))),
        "train_loss": history, "wall_s": time.perf_counter() - started,
    }
    write_outputs(args, model, head, targets, result)
    return result


def write_outputs(args: argparse.Namespace, model: GAIR, head: Head, targets: Targets, result: dict) -> None:
    args.output_dir.mkdir(parents=True, exist_ok=True)
    meta = {k: v for k, v in result.items() if k != "train_loss"}
    save_head(head, args.output_dir / "head.safetensors", {**meta, **targets.metadata()})
    (args.output_dir / "metrics.json").write_text(json.dumps(result, indent=1))
    if args.mode == "full":
        save_model(model, args.output_dir / "model.safetensors")


@command
def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    result = finetune(args)
    metrics = ", ".join(f"{k} {v:.4f}" for k, v in result["metrics"].items())
    baseline = ", ".join(f"{k} {v:.4f}" for k, v in result["constant_baseline"].items())
    print(f"finetune: {args.task} {args.kind} ({args.mode}) on {result['rows']['test']} held-out rows: {metrics}; "
          f"constant predictor: {baseline}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
