"""`python -m gair_core.finetune`: a task head on GAIR embeddings, with standard metrics, written
into a model package so the plugin can use it.

Tasks (embedding used, the head's input in the package): `sv` (pooled g(s), "sv"), `rs`
(global RS embedding, "rs_global"), `location` (e(x), "location"); kinds: regression (R2,
RMSE) and classification (accuracy, macro F1). Modes:
- `linear-probe`: frozen encoder, a linear head;
- `head`: frozen encoder, a one-hidden-layer MLP head;
- `full`: the task's encoder and the MLP head trained together.
Every run also scores the constant predictor (training mean / majority class) on the same
held-out rows.

Where the head goes (one format: the package's heads/<name>.npz and its model.json entry):
- frozen modes, `--package DIR`: the package of the model whose embeddings the head is trained
  on; the embeddings are computed by that package itself (onnxruntime), and the head is added
  to it (in place, or to `--package-out`). A head the package already has is replaced only with
  `--replace-head`, and then kept recoverable in the package (heads/replaced/<name>.npz, listed
  under "replaced_heads" in model.json);
- `--mode full --package DIR`: the fine-tuned model is exported to the new package DIR together
  with its head (verified against torch, as `gair_core.export` does).
`--output-dir` gets metrics.json (and model.safetensors for `full`).

Example:
    python -m gair_core.finetune --data eurosat.csv --task rs --kind classification \\
        --target label --mode head --package ~/gair-models/gair-base-released
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
from gair_qgis.runtime.errors import InputError
from gair_qgis.runtime.package import (
    CLASSIFICATION,
    LOCATION,
    REGRESSION,
    RS_GLOBAL,
    SV,
    ModelPackage,
    add_heads,
    apply_layers,
    check_head_name,
    load_package,
    replaced_head_file,
)

from .checkpoint import load_any, save_model
from .config import PRESETS, get_preset
from .models import GAIR
from .training.heads import HeadConfig, Layers, Scaling, build_head, head_loss, head_spec, steps_for_epochs, train_head
from .training.labelled import InputDataset, LabelledRows, read_labelled, split_indices
from .training.metrics_eval import classification_metrics, regression_metrics

MODES = ("linear-probe", "head", "full")
HEAD_INPUTS = {"sv": SV, "rs": RS_GLOBAL, "location": LOCATION}  # task -> the runtime embedding


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m gair_core.finetune", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--data", type=Path, required=True, help="CSV with the task's inputs and the target column")
    p.add_argument("--task", choices=sorted(HEAD_INPUTS), required=True)
    p.add_argument("--kind", choices=[REGRESSION, CLASSIFICATION], required=True)
    p.add_argument("--target", required=True, help="target column")
    p.add_argument("--mode", choices=MODES, default="head")
    p.add_argument(
        "--package",
        type=Path,
        help="frozen modes: the model package to train on and add the head "
        "to; --mode full: the new package to export the fine-tuned model and its head to",
    )
    p.add_argument(
        "--package-out",
        type=Path,
        help="frozen modes: write the package with the new head here instead of replacing --package",
    )
    p.add_argument("--head-name", help="the head's name in the package (default: the target column)")
    p.add_argument(
        "--replace-head",
        action="store_true",
        help="replace a head of that name the package already "
        "has (the old one is kept in the package as heads/replaced/<name>.npz)",
    )
    p.add_argument(
        "--checkpoint",
        type=Path,
        help="ours (.safetensors) or released (.pth), for torch embeddings "
        "(without --package) or --mode full; default: an untrained model of --preset (a baseline)",
    )
    p.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    p.add_argument("--output-dir", type=Path, help="metrics.json (and model.safetensors for --mode full)")
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


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse combinations that would write nothing or mix two models' embeddings."""
    if args.package is None and args.output_dir is None:
        raise InputError("give --package (where the head goes) and/or --output-dir (metrics)")
    if args.mode == "full":
        if args.package is not None and args.package.exists():
            raise InputError(
                f"--package {args.package} already exists; --mode full exports the fine-tuned model "
                "to a new package folder: choose another one"
            )
        if args.package_out is not None:
            raise InputError("--package-out is for the frozen modes; with --mode full, --package is the new package")
    elif args.package is not None and args.checkpoint is not None:
        raise InputError(
            "give --package or --checkpoint, not both: with --package the head is trained on the "
            "package's own embeddings"
        )
    if args.package_out is not None and args.package_out.exists():
        raise InputError(f"--package-out {args.package_out} already exists; choose a new folder")


def check_head_is_new(package: ModelPackage, name: str, replace: bool) -> None:
    """Refuse, before any training, to replace a head the package ships unless asked to."""
    if name in {head.name for head in package.heads} and not replace:
        raise InputError(
            f"--package {package.root} already has a head {name}; give another --head-name, or "
            f"--replace-head to replace it (the old one is then kept in the package as "
            f"{replaced_head_file(name)})"
        )


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
def torch_features(model: GAIR, task: str, dataset: InputDataset, batch_size: int, workers: int) -> np.ndarray:
    loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers)
    return torch.cat([embed(model, task, batch).float() for batch in loader]).numpy()


def package_features(package: ModelPackage, task: str, rows: LabelledRows, batch_size: int) -> np.ndarray:
    """The embeddings the plugin computes: the package's own graphs on onnxruntime."""
    from gair_qgis.runtime.session import GAIRRuntime

    runtime = GAIRRuntime(package, force_cpu=True)
    dataset = InputDataset(rows, package.rs_spec, package.sv_spec)
    chunks = []
    for batch in DataLoader(dataset, batch_size=batch_size):
        inputs = batch.numpy()
        if task == "location":
            chunks.append(runtime.encode_location(inputs))
        elif task == "sv":
            chunks.append(runtime.encode_sv(inputs)[0])
        else:
            chunks.append(np.stack([tile.global_embedding for tile in runtime.encode_rs(inputs)]))
    runtime.close()
    return np.concatenate(chunks).astype(np.float32)


class IndexedDataset(Dataset):
    """(input, row index) pairs of a dataset."""

    def __init__(self, dataset: InputDataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.dataset[index], index


def encode_targets(kind: str, raw: list[str], train: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Class indices and the sorted labels (classification), or float values and [target]."""
    if kind == CLASSIFICATION:
        labels = sorted(set(raw))
        index = {label: i for i, label in enumerate(labels)}
        return np.array([index[r] for r in raw], np.int64), labels
    try:
        return np.array([float(r) for r in raw], np.float64), []
    except ValueError as error:
        raise InputError(f"a regression target must be a number: {error}") from None


def train_full(
    model: GAIR,
    args: argparse.Namespace,
    dataset: InputDataset,
    y: np.ndarray,
    outputs: int,
    scaling: Scaling,
    train: np.ndarray,
) -> tuple[Layers, list[float]]:
    """The task's encoder and an MLP head trained together (AdamW, two learning rates); the
    head comes back as layers on the fine-tuned encoder's raw embeddings."""
    torch.manual_seed(args.seed)
    head = build_head("mlp", model.config.embed_dim, outputs, args.hidden)
    x_mean, x_std = (torch.from_numpy(a.astype(np.float32)) for a in (scaling.x_mean, scaling.x_std))
    targets = scaling.targets(y)
    encoder = encoder_of(model, args.task).train()
    optimizer = torch.optim.AdamW(
        [{"params": encoder.parameters(), "lr": args.encoder_lr}, {"params": head.parameters(), "lr": args.lr}],
        weight_decay=args.weight_decay,
    )
    generator = torch.Generator().manual_seed(args.seed)
    loader = DataLoader(
        Subset(IndexedDataset(dataset), train.tolist()),
        batch_size=args.batch_size,
        shuffle=True,
        generator=generator,
        num_workers=args.workers,
    )
    history = []
    for _ in range(args.epochs):
        total = 0.0
        for inputs, rows in loader:
            output = head((embed(model, args.task, inputs).float() - x_mean) / x_std)
            loss = head_loss(args.kind, output, targets[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)
        history.append(total / len(train))
    encoder.eval()
    return scaling.fold(head.eval()), history


def constant_prediction(kind: str, y: np.ndarray, train: np.ndarray, size: int) -> np.ndarray:
    """The training mean (regression) or majority class (classification), `size` times."""
    if kind == CLASSIFICATION:
        return np.full(size, np.bincount(y[train]).argmax())
    return np.full(size, y[train].mean())


def score(kind: str, truth: np.ndarray, prediction: np.ndarray, classes: int) -> dict[str, float]:
    if kind == CLASSIFICATION:
        return classification_metrics(truth, prediction, classes)
    return regression_metrics(truth, prediction)


def predict(kind: str, layers: Layers, features: np.ndarray) -> np.ndarray:
    """Class indices or values, exactly as the plugin applies the head."""
    outputs = apply_layers(layers, features, softmax=kind == CLASSIFICATION)
    return outputs.argmax(axis=1) if kind == CLASSIFICATION else outputs[:, 0]


def finetune(args: argparse.Namespace) -> dict:
    """Train and evaluate a head; writes the outputs and returns the metrics dict."""
    check_arguments(args)
    if args.output_dir is not None:
        check_output_folder(args.output_dir, "--output-dir")  # before the features are computed
    torch.manual_seed(args.seed)
    head_name = check_head_name(args.head_name or args.target, "--head-name")
    frozen_package = load_package(args.package) if args.package is not None and args.mode != "full" else None
    if frozen_package is not None:
        check_head_is_new(frozen_package, head_name, args.replace_head)
    rows = read_labelled(args.data, args.task, args.target, args.max_rows, args.seed)
    train, test = split_indices(rows, args.test_fraction, args.seed)
    if len(train) == 0 or len(test) == 0:
        raise InputError(f"{args.data}: need rows for training and for testing (got {len(train)} and {len(test)})")
    y, labels = encode_targets(args.kind, rows.targets, train)
    outputs = len(labels) if labels else 1
    started = time.perf_counter()
    model: Optional[GAIR] = None
    if frozen_package is not None:
        features = package_features(frozen_package, args.task, rows, args.batch_size)
        preset = frozen_package.name
    else:
        model = (load_any(args.checkpoint, args.preset) if args.checkpoint else GAIR(get_preset(args.preset))).eval()
        features = torch_features(model, args.task, InputDataset(rows), args.batch_size, args.workers)
        preset = model.config.name
    if args.mode == "full":
        scaling = Scaling.fit(args.kind, features[train], y[train], outputs)
        layers, history = train_full(trained(model), args, InputDataset(rows), y, outputs, scaling, train)
        features = torch_features(trained(model), args.task, InputDataset(rows), args.batch_size, args.workers)
    else:
        config = HeadConfig(
            kind="linear" if args.mode == "linear-probe" else "mlp",
            hidden=args.hidden,
            steps=steps_for_epochs(args.epochs, len(train), args.batch_size),
            lr=args.lr,
            weight_decay=args.weight_decay,
            batch_size=args.batch_size,
            eval_every=steps_for_epochs(1, len(train), args.batch_size),
        )
        layers = train_head(args.kind, features[train], y[train], features[:0], y[:0], outputs, args.seed, config)
        history = []
    truth = y[test]
    result = {
        "task": args.task,
        "kind": args.kind,
        "mode": args.mode,
        "target": args.target,
        "embedding": HEAD_INPUTS[args.task],
        "model": str(args.package)
        if frozen_package is not None
        else (str(args.checkpoint) if args.checkpoint else None),
        "preset": preset,
        "rows": {"train": int(len(train)), "test": int(len(test))},
        "metrics": score(args.kind, truth, predict(args.kind, layers, features[test]), outputs),
        "constant_baseline": score(args.kind, truth, constant_prediction(args.kind, y, train, len(test)), outputs),
        "train_loss": history,
        "wall_s": time.perf_counter() - started,
    }
    write_outputs(args, model, layers, labels, result)
    return result


def trained(model: Optional[GAIR]) -> GAIR:
    """The torch model of --mode full (always loaded then: a package is exported, not read)."""
    if model is None:
        raise ValueError("internal error: --mode full without a torch model")
    return model


def package_head(args: argparse.Namespace, labels: list[str], result: dict) -> dict:
    """The head's model.json entry: its inputs, outputs and the measured metric."""
    primary = "accuracy" if args.kind == CLASSIFICATION else "r2"
    metric = {
        "name": primary,
        "value": round(result["metrics"][primary], 4),
        "constant_baseline": round(result["constant_baseline"][primary], 4),
        "data": args.data.name,
        "split": f"{result['rows']['test']} held-out rows (the CSV's split column, else a seeded random "
        f"{args.test_fraction:g}), {result['rows']['train']} training rows, seed {args.seed}",
        "trained_by": f"gair_core.finetune --mode {args.mode}",
    }
    return head_spec(
        args.head_name or args.target,
        REGRESSION if args.kind == REGRESSION else CLASSIFICATION,
        HEAD_INPUTS[args.task],
        labels or [args.target],
        metric,
    )


def write_outputs(
    args: argparse.Namespace, model: Optional[GAIR], layers: Layers, labels: list[str], result: dict
) -> None:
    spec = package_head(args, labels, result)
    if args.package is not None:
        if args.mode == "full":
            export_with_head(trained(model), args, spec, layers)
        else:
            existed = spec["name"] in {head.name for head in load_package(args.package).heads}
            add_heads(args.package, [(spec, layers)], args.package_out, replace=args.replace_head)
            if existed:
                result["replaced_head_kept_as"] = replaced_head_file(spec["name"])
        result["package"] = str(args.package_out or args.package)
        result["head"] = spec["name"]
    if args.output_dir is not None:
        args.output_dir.mkdir(parents=True, exist_ok=True)
        (args.output_dir / "metrics.json").write_text(json.dumps(result, indent=1))
        if args.mode == "full":
            save_model(trained(model), args.output_dir / "model.safetensors")


def export_with_head(model: GAIR, args: argparse.Namespace, spec: dict, layers: Layers) -> None:
    """The fine-tuned model as a new package (verified against torch), then its head."""
    from .export import export_package

    provenance = {
        "source_checkpoint": str(args.checkpoint) if args.checkpoint else None,
        "fine_tuned": f"gair_core.finetune --mode full, task {args.task}, target {args.target}, "
        f"data {args.data.name}, {args.epochs} epochs",
        "exported_by": "gair_core.finetune",
    }
    name = args.package.name
    export_package(
        model,
        args.package,
        provenance=provenance,
        name=name,
        version="1.0.0",
        licence="see the source checkpoint's licence",
        description=f"GAIR fine-tuned on {args.data.name} ({args.task} {args.kind}, {args.target})",
        untrained=args.checkpoint is None,
    )
    add_heads(args.package, [(spec, layers)])


@command
def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    result = finetune(args)
    metrics = ", ".join(f"{k} {v:.4f}" for k, v in result["metrics"].items())
    baseline = ", ".join(f"{k} {v:.4f}" for k, v in result["constant_baseline"].items())
    print(
        f"finetune: {args.task} {args.kind} ({args.mode}) on {result['rows']['test']} held-out rows: {metrics}; "
        f"constant predictor: {baseline}",
        file=sys.stderr,
    )
    if "package" in result:
        print(
            f"head {result['head']} (input {HEAD_INPUTS[args.task]}) written to the package {result['package']}",
            file=sys.stderr,
        )
    if "replaced_head_kept_as" in result:
        print(
            f"the head it replaced is kept in that package as {result['replaced_head_kept_as']} (model.json "
            "'replaced_heads')",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
