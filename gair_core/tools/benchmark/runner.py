"""`python -m gair_core.tools.benchmark`: run the tasks for every encoder, head and seed, and write
build/benchmark/results.md, results.csv and PNG plots.

Example: `python -m gair_core.tools.benchmark --out build/benchmark` (all tasks, ~10 min on 2 cores);
`--tasks population --seeds 0 --max-samples 500` for a quick check; `--checkpoint FILE` adds a
GAIR checkpoint (released .pth or ours .safetensors) to the encoders.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from gair_qgis.runtime.cli import command
from gair_qgis.runtime.package import REGRESSION, apply_layers

from ...training.heads import HeadConfig, train_head
from .common import SkipTask, Task
from .encoders import Encoder, cached, location_encoders
from .metrics import task_metrics
from .outcomes import CONSTANT, Result, TaskOutcome, summarize
from .splits import blocked_split
from .tasks import MODULES

REPO = Path(__file__).resolve().parents[3]
DEFAULT_SHARED = Path(os.environ.get("GAIR_SHARED", REPO.parent / "shared"))
DEFAULT_TASKS = ("wealth", "population", "landcover", "climate", "species", "perception", "rs_landcover")
DEFAULT_SEEDS = (0, 1, 2)
DEFAULT_MAX_SAMPLES = 4000


def constant_outputs(task: Task, train: np.ndarray, count: int) -> np.ndarray:
    """The constant predictor: the train mean (regression) or train class frequencies."""
    if task.kind == REGRESSION:
        mean = task.y[train].reshape(len(train), -1).mean(axis=0)
        return np.repeat(mean[None], count, axis=0)
    frequencies = np.bincount(task.y[train], minlength=task.num_outputs) / len(train)
    return np.repeat(frequencies[None], count, axis=0)


def evaluate_features(
    task: Task,
    features: Optional[np.ndarray],
    encoder: str,
    heads: Sequence[HeadConfig],
    seeds: Sequence[int],
    outcome: TaskOutcome,
) -> None:
    """Fit each head on each seed's split and record test metrics (and seed-0 predictions);
    `features` None is the constant predictor (one run per seed, head '-')."""
    for seed in seeds:
        split = blocked_split(task.lonlat, task.block_deg, seed)
        sizes = (len(split.train), len(split.val), len(split.test))
        for head in heads:
            if features is None:
                outputs = constant_outputs(task, split.train, len(split.test))
            else:
                layers = train_head(
                    task.kind,
                    features[split.train],
                    task.y[split.train],
                    features[split.val],
                    task.y[split.val],
                    task.num_outputs,
                    seed,
                    head,
                )
                outputs = apply_layers(layers, features[split.test], softmax=task.kind != REGRESSION)
            metrics = task_metrics(task.kind, task.y[split.test], outputs, task.labels)
            outcome.results.append(
                Result(task.name, encoder, head.kind if features is not None else "-", seed, metrics, sizes)
            )
            if seed == seeds[0]:
                outcome.predictions[(encoder, head.kind)] = (split.test, outputs)
            if features is None:
                break


def task_features(
    task: Task,
    encoders: Sequence[Encoder],
    photo_names: Optional[Sequence[str]],
    checkpoint: Optional[Path],
    cache_dir: Optional[Path],
    log: Callable[[str], None],
) -> dict[str, tuple[str, np.ndarray]]:
    """name -> (description, features) for every encoder that applies to the task."""
    features = {}
    for encoder in encoders:
        start = time.time()
        features[encoder.name] = (encoder.description, cached(encoder, task.lonlat, cache_dir, task.name))
        log(f"  {task.name}: {encoder.name} features {features[encoder.name][1].shape} in {time.time() - start:.1f}s")
    if task.modality == "sv":
        features.update(photo_features(task, photo_names, checkpoint, cache_dir, log))
    return features


def photo_features(
    task: Task,
    only: Optional[Sequence[str]],
    checkpoint: Optional[Path],
    cache_dir: Optional[Path],
    log: Callable[[str], None],
) -> dict[str, tuple[str, np.ndarray]]:
    """Photo-encoder features of an SV task, cached like the location ones."""
    from gair_qgis.runtime.package import load_package

    from .photos import encode_photos, photo_encoders

    if task.photos is None:
        raise ValueError(f"internal error: task {task.name} is a photo task without photos")
    photos = task.photos
    encoders = photo_encoders(checkpoint, only, log)
    key_base = "\n".join(str(p) for p in photos).encode()
    result, todo = {}, []
    for encoder in encoders:
        key = hashlib.sha1(key_base + encoder.cache_id.encode()).hexdigest()[:16]
        path = cache_dir / f"{task.name}-{encoder.name}-{key}.npy" if cache_dir else None
        if path is not None and path.is_file():
            result[encoder.name] = (encoder.description, np.load(path))
        else:
            todo.append((encoder, path))
    if todo:
        start = time.time()
        encoded = encode_photos(photos, [e for e, _ in todo], load_package().sv_spec)
        log(
            f"  {task.name}: {len(photos)} photos through {', '.join(e.name for e, _ in todo)} "
            f"in {time.time() - start:.1f}s"
        )
        for encoder, path in todo:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                np.save(path, encoded[encoder.name])
            result[encoder.name] = (encoder.description, encoded[encoder.name])
    return result


def run_task(
    name: str,
    max_samples: Optional[int],
    shared: Path,
    encoders: Sequence[Encoder],
    heads: Sequence[HeadConfig],
    seeds: Sequence[int],
    checkpoint: Optional[Path],
    cache_dir: Optional[Path],
    photo_names: Optional[Sequence[str]] = None,
    log: Callable[[str], None] = print,
) -> TaskOutcome:
    """Load one task and evaluate every encoder on it; a SkipTask is recorded, not raised."""
    try:
        task = MODULES[name].load(max_samples, shared)
    except SkipTask as reason:
        log(f"task {name}: SKIPPED: {reason}")
        return TaskOutcome(None, name, skipped=str(reason))
    log(f"task {name}: {len(task)} samples, {task.kind}, blocks {task.block_deg} deg; {task.data}")
    outcome = TaskOutcome(task, name)
    evaluate_features(task, None, CONSTANT, heads, seeds, outcome)
    outcome.encoders[CONSTANT] = "constant predictor (train mean / class frequencies)"
    for encoder, (description, features) in task_features(
        task, encoders, photo_names, checkpoint, cache_dir, log
    ).items():
        start = time.time()
        evaluate_features(task, features, encoder, heads, seeds, outcome)
        outcome.encoders[encoder] = description
        mean, std, _ = summarize(outcome.results, task.primary)[(name, encoder, heads[0].kind)]
        log(
            f"  {name}: {encoder}: {task.primary} {mean:.3f} +- {std:.3f} ({heads[0].kind}) "
            f"in {time.time() - start:.1f}s"
        )
    return outcome


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m gair_core.tools.benchmark",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=REPO / "build" / "benchmark", help="output folder")
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="the shared data folder (evaluation-only sets); default ../shared or $GAIR_SHARED",
    )
    parser.add_argument("--tasks", nargs="+", default=list(DEFAULT_TASKS), choices=list(MODULES))
    parser.add_argument("--encoders", nargs="+", default=None, help="only these encoders (names as in the table)")
    parser.add_argument("--heads", nargs="+", default=["mlp", "linear"], choices=["mlp", "linear"])
    parser.add_argument("--seeds", nargs="+", type=int, default=list(DEFAULT_SEEDS))
    parser.add_argument(
        "--max-samples",
        type=int,
        default=DEFAULT_MAX_SAMPLES,
        help="fixed seeded subsample per task (default %(default)s)",
    )
    parser.add_argument("--steps", type=int, default=HeadConfig.steps, help="head training steps")
    parser.add_argument("--checkpoint", type=Path, default=None, help="a GAIR checkpoint to add as an encoder")
    parser.add_argument("--no-cache", action="store_true", help="do not reuse cached features under OUT/cache")
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default %(default)s)")
    return parser.parse_args(argv)


@command
def main(argv: Optional[Sequence[str]] = None) -> int:
    from .report import write_report

    args = parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    start = time.time()
    heads = [HeadConfig(kind=k, steps=args.steps) for k in args.heads]
    encoders = location_encoders(args.checkpoint, args.encoders)
    cache_dir = None if args.no_cache else args.out / "cache"
    outcomes = [
        run_task(
            name, args.max_samples, args.shared, encoders, heads, args.seeds, args.checkpoint, cache_dir, args.encoders
        )
        for name in args.tasks
    ]
    command = "python -m gair_core.tools.benchmark " + " ".join(argv if argv is not None else sys.argv[1:])
    paths = write_report(
        outcomes, args.out, command.strip(), args.seeds, args.max_samples, time.time() - start, plots=not args.no_plots
    )
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
