"""What a benchmark run produces: one Result per (task, encoder, head, seed), gathered per
task in a TaskOutcome, and their summary. Shared by runner (which fills them), report and
plots (which read them), so none of those imports another."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from .common import Task

CONSTANT = "constant"  # the constant predictor's encoder name


@dataclass
class Result:
    task: str
    encoder: str
    head: str
    seed: int
    metrics: dict[str, float]
    sizes: tuple[int, int, int]


@dataclass
class TaskOutcome:
    task: Optional[Task]
    name: str
    skipped: Optional[str] = None
    results: list[Result] = field(default_factory=list)
    # seed-0 test predictions per (encoder, head), for the maps: (test indices, outputs)
    predictions: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    encoders: dict[str, str] = field(default_factory=dict)  # name -> description

    def ran(self) -> Task:
        """The task of an outcome that ran (reports and plots read only those)."""
        if self.task is None:
            raise ValueError(f"internal error: task {self.name} was skipped ({self.skipped}), it has no results")
        return self.task


def summarize(results: Sequence[Result], metric: str) -> dict[tuple[str, str, str], tuple[float, float, int]]:
    """(task, encoder, head) -> (mean, std, seeds) of one metric."""
    groups: dict[tuple[str, str, str], list[float]] = {}
    for r in results:
        if metric in r.metrics:
            groups.setdefault((r.task, r.encoder, r.head), []).append(r.metrics[metric])
    return {k: (float(np.mean(v)), float(np.std(v)), len(v)) for k, v in groups.items()}
