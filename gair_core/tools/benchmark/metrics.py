"""Benchmark metrics (numpy): R2, RMSE, accuracy and macro F1 from gair_core.training.metrics_eval
(shared with gair_core.finetune), plus ROC AUC and the per-task dispatch."""

from __future__ import annotations

import numpy as np

from gair_qgis.runtime.package import CLASSIFICATION, REGRESSION

from ...training.metrics_eval import accuracy, macro_f1, r2_score, rmse
from .common import BINARY

__all__ = ["accuracy", "macro_f1", "r2_score", "rmse", "roc_auc", "task_metrics"]


def roc_auc(target: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties)."""
    target = np.asarray(target).astype(bool)
    score = np.asarray(score, np.float64)
    positives, negatives = int(target.sum()), int((~target).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    sorted_scores = score[order]
    start = 0
    while start < len(score):  # average ranks over ties
        end = start
        while end + 1 < len(score) and sorted_scores[end + 1] == sorted_scores[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return float((ranks[target].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def task_metrics(kind: str, target: np.ndarray, output: np.ndarray, labels: tuple[str, ...] = ()) -> dict[str, float]:
    """Metrics of a task from head outputs: regression values (N,) or (N, T), or class
    probabilities (N, C)."""
    if kind == REGRESSION:
        target2, output2 = target.reshape(len(target), -1), output.reshape(len(output), -1)
        result = {
            "r2": float(np.mean([r2_score(target2[:, t], output2[:, t]) for t in range(target2.shape[1])])),
            "rmse": float(np.mean([rmse(target2[:, t], output2[:, t]) for t in range(target2.shape[1])])),
        }
        if target2.shape[1] > 1:
            result.update({f"r2_{name}": r2_score(target2[:, t], output2[:, t]) for t, name in enumerate(labels)})
        return result
    predicted = output.argmax(axis=1)
    if kind == CLASSIFICATION:
        return {"accuracy": accuracy(target, predicted), "macro_f1": macro_f1(target, predicted, output.shape[1])}
    if kind == BINARY:
        return {"roc_auc": roc_auc(target, output[:, 1]), "accuracy": accuracy(target, predicted)}
    raise ValueError(f"unknown task kind {kind!r}")
