"""`python -m gair_core.train`: pretrain GAIR (INCL + SECL) on a manifest of triples.

Examples:
    python -m gair_core.train --manifest M.csv --preset tiny --max-steps 4 --batch-size 3 --output-dir D
    python -m gair_core.train --output-dir D --manifest M.csv --preset tiny --max-steps 8 --resume
    torchrun --nproc-per-node 2 -m gair_core.train --config run.json

`--config` is a JSON object whose keys are the long flag names with underscores
(`batch_size`, `max_steps`, ...), plus an optional `model` object that overrides the
preset's architecture (e.g. {"location": {"hidden": 1024, "num_frequencies": 256}});
flags given on the command line win over the file.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

import torch
from safetensors import SafetensorError

from gair_qgis.runtime.cli import command
from gair_qgis.runtime.errors import InputError

from .config import PRESETS, GAIRConfig, get_preset, rs_spec_of
from .data.augment import NO_AUGMENT, AugmentConfig
from .data.dataset import PairDataset, infinite_batches, steps_per_epoch
from .data.manifest import read_manifest
from .losses import DistillationLoss, GAIRLoss, LocationQueue, RSSelfSupervision
from .models import GAIR
from .training.forward import TrainingModule, freeze, make_teacher
from .training.init import apply_init
from .training.loop import (
    Precision,
    average_across_ranks,
    forward_backward,
    optimizer_step,
    peak_memory_mb,
    setup_distributed,
    to_device,
)
from .training.metrics import MetricsLogger
from .training.optim import lr_factor, make_optimizer, set_lr
from .training.state import load_training_state, save_training_state


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m gair_core.train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--config", type=Path, help="JSON file of defaults (keys = flag names with underscores)")
    p.add_argument("--manifest", type=Path, help="CSV: sv_path, lon, lat, rs_path[, split]")
    p.add_argument("--split", default="train", help="rows of this split when the manifest has a split column")
    p.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    p.add_argument("--output-dir", type=Path, help="metrics.csv, checkpoints/, tensorboard/, model.safetensors")
    p.add_argument("--batch-size", type=int, default=8, help="samples per process and micro-batch")
    p.add_argument("--accumulation", type=int, default=1, help="micro-batches per optimizer step")
    p.add_argument("--max-steps", type=int, default=100, help="optimizer steps in total (a resumed run counts on)")
    p.add_argument("--lr", type=float, help="peak learning rate (default: base_lr x effective batch / 256)")
    p.add_argument("--base-lr", type=float, default=1.5e-6, help="learning rate per 256 samples (released: 1.5e-6)")
    p.add_argument("--min-lr-factor", type=float, default=0.0, help="final lr as a fraction of the peak")
    p.add_argument(
        "--warmup-steps",
        type=int,
        help="warm-up steps (default: warmup_epochs x steps per epoch, at most a tenth of max_steps)",
    )
    p.add_argument("--warmup-epochs", type=float, default=10.0)
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--betas", type=float, nargs=2, default=(0.9, 0.95))
    p.add_argument("--grad-clip", type=float, default=0.0, help="clip the gradient norm (0: off)")
    p.add_argument(
        "--amp",
        choices=["auto", "bf16", "fp16", "off"],
        default="auto",
        help="auto: bf16 where the GPU supports it, fp16 on other GPUs, float32 on CPU",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes per process")
    p.add_argument("--working-crs", help="read rasters in this CRS (warped windows when it differs)")
    p.add_argument("--no-augment", action="store_true", help="no colour jitter or flips")
    p.add_argument(
        "--init",
        action="append",
        default=[],
        metavar="SOURCE",
        help="released checkpoint (.pth), one of ours (.safetensors) or 'geoclip' (location tower); "
        "repeatable, applied in order",
    )
    p.add_argument(
        "--distill",
        action="store_true",
        help="add cosine distillation to a frozen copy of the initial model (weights --distill-weight)",
    )
    p.add_argument("--distill-weight", type=float, default=0.2)
    p.add_argument(
        "--distill-location-weight",
        type=float,
        default=0.0,
        help="with --distill, also keep the location embeddings close to the initial model's",
    )
    p.add_argument(
        "--rs-self-weight",
        type=float,
        default=0.0,
        help="add the self-supervised RS objective (two views, InfoNCE + spectral statistics; "
        "gair_core.losses.RSSelfSupervision) with this weight, for an RS tower trained from scratch",
    )
    p.add_argument("--rs-self-temperature", type=float, default=0.2)
    p.add_argument(
        "--rs-self-stats-weight",
        type=float,
        default=1.0,
        help="weight of the descriptor regression relative to the two-view term",
    )
    p.add_argument(
        "--freeze",
        action="append",
        default=[],
        choices=["location", "rs", "sv"],
        help="keep this tower's weights fixed (repeatable), e.g. a location tower from --init geoclip",
    )
    p.add_argument("--save-every", type=int, default=500, help="checkpoint every N steps (and at the end)")
    p.add_argument("--keep", type=int, default=3, help="checkpoints kept")
    p.add_argument(
        "--resume",
        nargs="?",
        const="auto",
        help="continue from a checkpoint folder, or (no value) from OUTPUT_DIR's latest",
    )
    p.add_argument(
        "--restart",
        action="store_true",
        help="start over in an OUTPUT_DIR that holds an earlier run: "
        "its checkpoints, metrics and logs are deleted (files the run did not write are kept)",
    )
    p.add_argument(
        "--exit-after-steps",
        type=int,
        help="save and exit after this many steps of this invocation (as on SIGTERM; for tests and preemptible jobs)",
    )
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--no-tensorboard", action="store_true")
    return p


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Flags over --config over defaults; `args.model` holds the architecture overrides."""
    parser = build_parser()
    first, _ = parser.parse_known_args(argv)
    overrides: dict[str, Any] = {}
    if first.config is not None:
        data = json.loads(first.config.read_text())
        overrides = data.pop("model", {}) or {}
        known = {a.dest for a in parser._actions}
        unknown = sorted(set(data) - known)
        if unknown:
            parser.error(f"{first.config}: unknown key(s) {', '.join(unknown)}")
        parser.set_defaults(**data)
    args = parser.parse_args(argv)
    args.model = overrides
    for flag in ("manifest", "output_dir"):
        if getattr(args, flag) is None:
            parser.error(f"--{flag.replace('_', '-')} is required (flag or config key)")
    if args.resume and args.restart:
        parser.error("--resume and --restart exclude each other: continue the run, or start it over")
    args.manifest, args.output_dir = Path(args.manifest), Path(args.output_dir)
    return args


RUN_FILES = ("metrics.csv", "config.json", "summary.json", "model.safetensors", "checkpoints", "tensorboard")
CHECKPOINT_FILES = {
    "model.safetensors",
    "optimizer.safetensors",
    "rng.safetensors",
    "state.json",
    "training_heads.safetensors",
}


def check_output_dir(args: argparse.Namespace) -> None:
    """Refuse an OUTPUT_DIR that is a file, or that holds an earlier run unless the run resumes
    it (--resume) or starts it over (--restart: that run's own files are deleted first)."""
    out = args.output_dir
    if out.exists() and not out.is_dir():
        raise InputError(f"--output-dir {out} is a file; give a folder (it is created if missing)")
    if args.resume or not out.is_dir():
        return
    earlier = [name for name in RUN_FILES if (out / name).exists()]
    if not earlier:
        return
    if not args.restart:
        raise InputError(
            f"--output-dir {out} holds an earlier run ({', '.join(earlier)}); continue it with --resume, "
            "choose a new --output-dir, or pass --restart to start over (deleting that run's files)"
        )
    delete_earlier_run(out)


def delete_earlier_run(out: Path) -> None:
    """Delete the files a training run writes in `out`, and nothing else: checkpoint folders
    holding anything of another origin are refused, naming the file, before anything goes."""
    import shutil

    checkpoints = out / "checkpoints"
    steps = sorted(checkpoints.glob("step_*")) if checkpoints.is_dir() else []
    for step in steps:
        foreign = sorted(p.name for p in step.iterdir() if p.name not in CHECKPOINT_FILES) if step.is_dir() else [""]
        if foreign:
            raise InputError(
                f"--restart: {step / foreign[0]} was not written by a training run; move it out of "
                f"{out} or choose a new --output-dir"
            )
    for step in steps:
        shutil.rmtree(step)
    for name in (
        "metrics.csv",
        "config.json",
        "summary.json",
        "model.safetensors",
        "checkpoints/latest",
        "checkpoints/latest.tmp",
    ):
        (out / name).unlink(missing_ok=True)
    for events in (out / "tensorboard").glob("events.out.tfevents.*"):
        events.unlink()
    for folder in (checkpoints, out / "tensorboard"):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def model_config(preset: str, overrides: dict) -> GAIRConfig:
    """The preset with nested overrides applied."""
    data = get_preset(preset).to_dict()
    for key, value in overrides.items():
        if isinstance(value, dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return GAIRConfig.from_dict(data)


@dataclass
class Run:
    """Everything a training loop holds."""

    args: argparse.Namespace
    rank: int
    world_size: int
    device: torch.device
    model: GAIR
    module: torch.nn.Module
    criterion: GAIRLoss
    optimizer: torch.optim.AdamW
    scaler: torch.amp.GradScaler
    precision: Precision
    queue: LocationQueue
    dataset: PairDataset
    heads: Optional[RSSelfSupervision]
    peak_lr: float
    warmup: int
    step: int = 0
    epoch: int = 0
    batch: int = 0

    @property
    def samples_per_step(self) -> int:
        return self.args.batch_size * self.args.accumulation * self.world_size


def build_run(args: argparse.Namespace) -> Run:
    rank, world_size, device = setup_distributed()
    torch.manual_seed(args.seed)
    rows = read_manifest(args.manifest)
    if any(r.split for r in rows):
        rows = [r for r in rows if r.split == args.split]
    config = model_config(args.preset, args.model)
    dataset = PairDataset(
        rows,
        seed=args.seed,
        augment=NO_AUGMENT if args.no_augment else AugmentConfig(),
        working_crs=args.working_crs,
        rs_spec=rs_spec_of(config),
        rs_views=args.rs_self_weight > 0,
    )
    model = GAIR(config)
    notes = [apply_init(model, source) for source in args.init]
    notes += [f"{part} tower frozen" for part in freeze(model, args.freeze)]
    teacher = make_teacher(model) if args.distill else None
    heads = (
        RSSelfSupervision(config.embed_dim, config.rs.in_bands, args.rs_self_temperature, args.rs_self_stats_weight).to(
            device
        )
        if args.rs_self_weight > 0
        else None
    )
    model.to(device)
    training_module = TrainingModule(model, teacher.to(device) if teacher is not None else None, heads)
    module: torch.nn.Module = training_module
    if world_size > 1:
        module = torch.nn.parallel.DistributedDataParallel(
            module, device_ids=[device.index] if device.type == "cuda" else None, broadcast_buffers=False
        )
    effective = args.batch_size * args.accumulation * world_size
    peak_lr = args.lr if args.lr is not None else args.base_lr * effective / 256
    per_epoch = steps_per_epoch(len(dataset), args.batch_size, world_size, args.accumulation)
    warmup = (
        args.warmup_steps
        if args.warmup_steps is not None
        else min(round(args.warmup_epochs * per_epoch), args.max_steps // 10)
    )
    precision = Precision.choose(args.amp, device)
    run = Run(
        args,
        rank,
        world_size,
        device,
        model,
        module,
        GAIRLoss(
            DistillationLoss(args.distill_weight, args.distill_weight, args.distill_location_weight)
            if args.distill
            else None,
            args.rs_self_weight,
        ),
        make_optimizer(training_module, peak_lr, args.weight_decay, tuple(args.betas)),
        precision.scaler(),
        precision,
        LocationQueue(model.queue_for_location, model.queue_ptr_location),
        dataset,
        heads,
        peak_lr,
        warmup,
    )
    if args.resume:
        source = args.output_dir if args.resume == "auto" else Path(args.resume)
        meta = load_training_state(source, model, run.optimizer, run.scaler, heads)
        run.step, run.epoch, run.batch = meta["step"], meta["epoch"], meta["batch"]
        for folder, reason in meta["skipped"]:
            notes.append(
                f"warning: {folder} is unreadable ({reason}); resuming from the newest intact "
                f"checkpoint, {Path(meta['path']).name}"
            )
        notes.append(f"resumed from {meta['path']} at step {run.step}")
        saved = meta["args"]["batch_size"] * meta["world_size"]
        if saved != args.batch_size * world_size:
            notes.append(
                f"warning: the global batch changed ({saved} -> {args.batch_size * world_size}); "
                "training continues, but not exactly as the interrupted run would have"
            )
    if rank == 0:
        for note in notes:
            print(f"train: {note}", file=sys.stderr)
    return run


def save(run: Run) -> Optional[Path]:
    """A checkpoint of the run (rank 0 writes; every rank waits for it)."""
    path = None
    if run.rank == 0:
        extra = {
            "epoch": run.epoch,
            "batch": run.batch,
            "world_size": run.world_size,
            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(run.args).items()},
        }
        path = save_training_state(
            run.args.output_dir / "checkpoints",
            run.step,
            run.model,
            run.optimizer,
            run.scaler,
            extra,
            run.args.keep,
            run.heads,
        )
    if run.world_size > 1:
        torch.distributed.barrier()
    return path


class StopFlag:
    """Set by SIGTERM (or SIGINT); checked by every rank after each step."""

    def __init__(self) -> None:
        self.requested = False
        self._previous = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._previous[sig] = signal.signal(sig, self._handle)

    def _handle(self, signum, frame) -> None:
        self.requested = True

    def any_rank(self, world_size: int) -> bool:
        if world_size == 1:
            return self.requested
        flag = torch.tensor([int(self.requested)])
        torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
        return bool(flag.item())

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def train(args: argparse.Namespace) -> dict:
    """Run training to args.max_steps (or until stopped); returns a summary dict."""
    if int(os.environ.get("RANK", "0")) == 0:  # under torchrun, rank 0 alone checks and clears
        check_output_dir(args)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    run = build_run(args)
    if run.rank == 0:
        (args.output_dir / "config.json").write_text(
            json.dumps(
                {
                    **{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                    "resolved_model": run.model.config.to_dict(),
                    "peak_lr": run.peak_lr,
                    "warmup_steps": run.warmup,
                    "precision": run.precision.name,
                    "world_size": run.world_size,
                },
                indent=1,
            )
        )
    logger = (
        MetricsLogger(
            args.output_dir,
            [
                "epoch",
                "loss",
                "incl",
                "sv_loc",
                "rs_loc",
                "distill",
                "rs_views",
                "rs_stats",
                "lr",
                "grad_norm",
                "samples_per_s",
                "peak_mem_mb",
            ],
            resume_step=run.step if args.resume else None,
            tensorboard=not args.no_tensorboard,
        )
        if run.rank == 0
        else None
    )
    stop = StopFlag()
    batches = infinite_batches(
        run.dataset, args.batch_size, args.seed, run.epoch, run.batch, run.rank, run.world_size, args.workers
    )
    progress = _progress(run)
    parameters = [p for p in run.model.parameters() if p.requires_grad]
    parameters += [p for p in run.heads.parameters()] if run.heads is not None else []
    started, first_step, stopped = time.perf_counter(), run.step, False
    try:
        while run.step < args.max_steps:
            tick = time.perf_counter()
            lr = run.peak_lr * lr_factor(run.step, run.warmup, args.max_steps, args.min_lr_factor)
            set_lr(run.optimizer, lr)
            totals: dict[str, float] = {}
            for micro in range(args.accumulation):
                run.epoch, batch_index, batch = next(batches)
                run.batch = batch_index + 1
                losses = forward_backward(
                    run.module,
                    run.criterion,
                    to_device(batch, run.device),
                    run.queue,
                    run.precision,
                    run.scaler,
                    args.accumulation,
                    sync=micro == args.accumulation - 1,
                )
                for name, value in losses.items():
                    totals[name] = totals.get(name, 0.0) + value / args.accumulation
            totals = average_across_ranks(totals, run.world_size)
            grad_norm = optimizer_step(run.optimizer, run.scaler, parameters, args.grad_clip)
            run.step += 1
            rate = run.samples_per_step / (time.perf_counter() - tick)
            if logger is not None:
                logger.log(
                    run.step,
                    {
                        "epoch": run.epoch,
                        **totals,
                        "lr": lr,
                        "grad_norm": grad_norm,
                        "samples_per_s": rate,
                        "peak_mem_mb": peak_memory_mb(run.device),
                    },
                )
                progress.update(1)
                progress.set_postfix(loss=f"{totals['loss']:.4f}", lr=f"{lr:.3g}", samples_s=f"{rate:.1f}")
            interrupted = stop.any_rank(run.world_size) or (
                args.exit_after_steps is not None and run.step - first_step >= args.exit_after_steps
            )
            if interrupted and run.step < args.max_steps:
                stopped = True
                break
            if run.step % args.save_every == 0 and run.step < args.max_steps:
                save(run)
        checkpoint = save(run)
    finally:
        stop.restore()
        progress.close()
        if logger is not None:
            logger.close()
    elapsed = time.perf_counter() - started
    summary = {
        "step": run.step,
        "stopped_early": stopped,
        "wall_s": elapsed,
        "samples_per_s": (run.step - first_step) * run.samples_per_step / max(elapsed, 1e-9),
        "peak_mem_mb": peak_memory_mb(run.device),
        "checkpoint": str(checkpoint) if checkpoint else None,
    }
    if run.rank == 0:
        if not stopped:
            from .checkpoint import save_model

            save_model(run.model, args.output_dir / "model.safetensors")
        (args.output_dir / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def _progress(run: Run):
    from tqdm import tqdm

    return tqdm(
        total=run.args.max_steps,
        initial=run.step,
        desc="train",
        unit="step",
        disable=run.rank != 0 or run.args.no_progress,
        file=sys.stderr,
        dynamic_ncols=True,
    )


@command(errors=(SafetensorError,))
def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        summary = train(args)
    finally:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
    state = "stopped early (resume with --resume)" if summary["stopped_early"] else "done"
    print(
        f"train: {state} at step {summary['step']}; {summary['samples_per_s']:.2f} samples/s; "
        f"peak memory {summary['peak_mem_mb']:.0f} MB; checkpoint {summary['checkpoint']}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
