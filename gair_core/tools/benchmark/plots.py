"""PNG plots: a bar chart per task (primary metric, mean +- std per encoder and head) and, for
location tasks, a map of test-set truth vs prediction (seed 0) for the best encoder and for
the bundled model."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from gair_qgis.runtime.package import CLASSIFICATION, REGRESSION

from .common import BINARY, Task
from .outcomes import CONSTANT, TaskOutcome, summarize


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def bar_chart(outcome: TaskOutcome, path: Path) -> Path:
    plt = _pyplot()
    task = outcome.ran()
    stats = summarize(outcome.results, task.primary)
    encoders = list(outcome.encoders)
    heads = sorted({h for (_, _, h) in stats if h != "-"}, key=lambda h: h != "mlp")
    width = 0.8 / max(len(heads), 1)
    fig, ax = plt.subplots(figsize=(1.0 + 0.9 * len(encoders), 3.6))
    for index, head in enumerate(heads):
        values = [stats.get((task.name, e, "-" if e == CONSTANT else head), (np.nan, 0, 0)) for e in encoders]
        x = np.arange(len(encoders)) + (index - (len(heads) - 1) / 2) * width
        ax.bar(x, [v[0] for v in values], width, yerr=[v[1] for v in values], capsize=2, label=f"{head} head")
    ax.set_xticks(np.arange(len(encoders)))
    ax.set_xticklabels(encoders, rotation=35, ha="right", fontsize=8)
    ax.set_ylabel(task.primary)
    ax.axhline(0, color="black", linewidth=0.5)
    seeds = max((v[2] for v in stats.values()), default=0)
    ax.set_title(f"{task.name}: {task.primary} (mean ± std, {seeds} seeds)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _values(task: Task, outputs: np.ndarray) -> np.ndarray:
    if task.kind == REGRESSION:
        return outputs.reshape(len(outputs), -1)[:, 0]
    if task.kind == BINARY:
        return outputs[:, 1]
    return outputs.argmax(axis=1)


def prediction_map(outcome: TaskOutcome, encoders: Sequence[str], head: str, path: Path) -> Path:
    """Truth and each encoder's seed-0 test predictions as coloured points on lon/lat axes."""
    plt = _pyplot()
    task = outcome.ran()
    panels: list[tuple[str, Optional[tuple[np.ndarray, np.ndarray]]]] = [("truth", None)]
    panels += [(e, outcome.predictions[(e, head)]) for e in encoders if (e, head) in outcome.predictions]
    first = panels[1][1] if len(panels) > 1 else None
    test = first[0] if first is not None else np.arange(len(task))
    lonlat = task.lonlat[test]
    truth = task.y[test].reshape(len(test), -1)[:, 0] if task.kind == REGRESSION else task.y[test]
    categorical = task.kind == CLASSIFICATION
    if categorical:
        cmap, limits = plt.get_cmap("tab20", task.num_outputs), (-0.5, task.num_outputs - 0.5)
    elif task.kind == BINARY:
        cmap, limits = "coolwarm", (0, 1)
    else:
        cmap, limits = "viridis", tuple(np.percentile(truth, [2, 98]))
    low, high = lonlat.min(axis=0), lonlat.max(axis=0)
    margin = 0.03 * (high - low) + 1e-3
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels) + 1.5, 3.6), squeeze=False)
    for ax, (name, prediction) in zip(axes[0], panels):
        values = truth if prediction is None else _values(task, prediction[1])
        points = ax.scatter(lonlat[:, 0], lonlat[:, 1], c=values, s=4, cmap=cmap, vmin=limits[0], vmax=limits[1])
        ax.set_title(name if prediction is None else f"{name} ({head} head)", fontsize=9)
        ax.set_xlabel("lon")
        ax.set_xlim(low[0] - margin[0], high[0] + margin[0])
        ax.set_ylim(low[1] - margin[1], high[1] + margin[1])
        ax.set_aspect("equal", adjustable="box")
    axes[0][0].set_ylabel("lat")
    colorbar = fig.colorbar(points, ax=axes[0].tolist(), shrink=0.8)
    if categorical:
        colorbar.set_ticks(np.arange(task.num_outputs))
        colorbar.set_ticklabels(list(task.labels), fontsize=6)
    else:
        colorbar.set_label(task.labels[0] if task.kind == REGRESSION else "P(presence)")
    fig.suptitle(f"{task.name}: test points of seed 0, truth vs prediction", fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_plots(outcomes: Sequence[TaskOutcome], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for outcome in outcomes:
        if outcome.task is None or not outcome.results:
            continue
        task = outcome.task
        paths.append(bar_chart(outcome, out / f"{outcome.name}_bars.png"))
        if task.modality != "location":
            continue
        stats = summarize(outcome.results, task.primary)
        candidates = [(v[0], e) for (t, e, h), v in stats.items() if h == "mlp" and e != CONSTANT]
        if not candidates:
            continue
        best = max(candidates)[1]
        shown = [best] + (["bundled"] if best != "bundled" and "bundled" in outcome.encoders else [])
        paths.append(prediction_map(outcome, shown, "mlp", out / f"{outcome.name}_map.png"))
    return paths
