"""Downstream metrics (numpy): R2 and RMSE for regression, accuracy and macro F1 for classification."""

from __future__ import annotations

import numpy as np


def r2_score(target: np.ndarray, prediction: np.ndarray) -> float:
    """1 - SS_res / SS_tot (0 for the mean predictor, negative when worse)."""
    target, prediction = np.asarray(target, np.float64), np.asarray(prediction, np.float64)
    total = ((target - target.mean()) ** 2).sum()
    return float(1 - ((target - prediction) ** 2).sum() / total) if total > 0 else 0.0


def rmse(target: np.ndarray, prediction: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(target, np.float64) - np.asarray(prediction, np.float64)) ** 2)))


def accuracy(target: np.ndarray, prediction: np.ndarray) -> float:
    return float(np.mean(np.asarray(target) == np.asarray(prediction)))


def macro_f1(target: np.ndarray, prediction: np.ndarray, num_classes: int) -> float:
    """Unweighted mean of per-class F1 over the classes present in target or prediction."""
    target, prediction = np.asarray(target), np.asarray(prediction)
    scores = []
    for label in range(num_classes):
        tp = np.sum((prediction == label) & (target == label))
        fp = np.sum((prediction == label) & (target != label))
        fn = np.sum((prediction != label) & (target == label))
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


def regression_metrics(target: np.ndarray, prediction: np.ndarray) -> dict[str, float]:
    return {"r2": r2_score(target, prediction), "rmse": rmse(target, prediction)}


def classification_metrics(target: np.ndarray, prediction: np.ndarray, num_classes: int) -> dict[str, float]:
    return {"accuracy": accuracy(target, prediction), "macro_f1": macro_f1(target, prediction, num_classes)}
