"""results.md (summary and per-task tables), results.csv (one row per measurement) and plots."""

from __future__ import annotations

import csv
import datetime
import platform
from pathlib import Path
from typing import Sequence

from .outcomes import CONSTANT, TaskOutcome, summarize

PROTOCOL = (
    "Frozen encoder; features standardised on train; head = linear layer or MLP (one hidden layer of 128, "
    "ReLU), full-batch Adam (lr 3e-3, weight decay 1e-4, 300 steps), the step with the best validation loss "
    "kept; metric on test. Splits: whole lon/lat grid blocks (size per task) shuffled by the seed, ~20 % of "
    "the samples to test, ~10 % to val, the rest to train. Mean +- standard deviation over the seeds "
    "(split and head initialisation change with the seed)."
)


def git_commit() -> str:
    """The checkout's short commit (with '+changes' when the tree is dirty), or 'unknown'."""
    import subprocess

    root = Path(__file__).resolve().parents[3]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return commit + ("+changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def fmt(value: tuple[float, float, int] | None) -> str:
    return "" if value is None else f"{value[0]:.3f} ± {value[1]:.3f}"


def encoder_order(outcomes: Sequence[TaskOutcome]) -> list[str]:
    names: list[str] = []
    for outcome in outcomes:
        for name in outcome.encoders:
            if name not in names:
                names.append(name)
    return names


def summary_table(outcomes: Sequence[TaskOutcome], head: str) -> list[str]:
    """Encoders x tasks, the primary metric of each task, one head (constant row has head '-')."""
    ran = [o for o in outcomes if o.task is not None]
    header = "| encoder | " + " | ".join(f"{o.name} ({o.ran().primary})" for o in ran) + " |"
    lines = [header, "|" + "---|" * (len(ran) + 1)]
    for encoder in encoder_order(ran):
        cells = []
        for o in ran:
            stats = summarize(o.results, o.ran().primary)
            cells.append(fmt(stats.get((o.name, encoder, "-" if encoder == CONSTANT else head))))
        lines.append(f"| {encoder} | " + " | ".join(cells) + " |")
    return lines


def task_section(outcome: TaskOutcome) -> list[str]:
    task = outcome.ran()
    sizes = sorted({r.sizes for r in outcome.results})
    lines = [
        f"### {task.name}",
        "",
        f"- data: {task.data}",
        f"- kind: {task.kind}; split blocks: {task.block_deg} deg; "
        f"train/val/test sizes per seed: {', '.join('/'.join(map(str, s)) for s in sizes)}",
        "",
    ]
    metrics = task.metrics
    lines += ["| encoder | head | " + " | ".join(metrics) + " |", "|---|---|" + "---|" * len(metrics)]
    stats = {m: summarize(outcome.results, m) for m in metrics}
    for encoder in outcome.encoders:
        for head in sorted({r.head for r in outcome.results if r.encoder == encoder}):
            cells = [fmt(stats[m].get((task.name, encoder, head))) for m in metrics]
            lines.append(f"| {encoder} | {head} | " + " | ".join(cells) + " |")
    return lines + [""]


def write_csv(outcomes: Sequence[TaskOutcome], path: Path) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["task", "encoder", "head", "seed", "metric", "value", "n_train", "n_val", "n_test"])
        for outcome in outcomes:
            for r in outcome.results:
                for metric, value in r.metrics.items():
                    writer.writerow([r.task, r.encoder, r.head, r.seed, metric, f"{value:.6f}", *r.sizes])


def write_report(
    outcomes: Sequence[TaskOutcome],
    out: Path,
    command: str,
    seeds: Sequence[int],
    max_samples: int,
    seconds: float,
    plots: bool = True,
) -> list[Path]:
    """Write results.md, results.csv and (unless disabled) PNG plots; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    heads = sorted({r.head for o in outcomes for r in o.results if r.head != "-"}, key=lambda h: h != "mlp")
    png: list[Path] = []
    if plots:
        try:
            from .plots import write_plots

            png = write_plots(outcomes, out)
        except ImportError as error:  # matplotlib is in the `core` extra; say so rather than fail
            print(f"plots skipped: {error} (pip install matplotlib)")
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# GAIR downstream benchmark",
        "",
        f"`{command}` — {now}, code {git_commit()}, {seconds / 60:.1f} min on {platform.machine()} CPU; seeds {list(seeds)}; "
        f"at most {max_samples} samples per task.",
        "",
        PROTOCOL,
        "",
    ]
    encoders = {name: desc for o in outcomes for name, desc in o.encoders.items()}
    lines += ["Encoders:", ""] + [f"- `{n}`: {d}" for n, d in encoders.items()] + [""]
    for head in heads:
        lines += [f"## Summary, {head} head", ""] + summary_table(outcomes, head) + [""]
    skipped = [o for o in outcomes if o.skipped]
    if skipped:
        lines += ["## Skipped tasks", ""] + [f"- **{o.name}**: {o.skipped}" for o in skipped] + [""]
    lines += ["## Per task", ""]
    for outcome in outcomes:
        if outcome.task is not None:
            lines += task_section(outcome)
    if png:
        lines += ["## Plots", ""] + [f"- [{p.name}]({p.name})" for p in png] + [""]
    md, table = out / "results.md", out / "results.csv"
    md.write_text("\n".join(lines))
    write_csv(outcomes, table)
    return [md, table, *png]
