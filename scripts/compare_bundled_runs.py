"""Two runs of `make bundled-model` side by side: does the build reproduce?

Prints the trained weights' largest difference, the EuroSAT cross-validation of each feature
set and the bundled encoder's location benchmark, each as run A, run B and the difference
next to the seed spread of run A (a difference within that spread is within noise).

    .venv/bin/python scripts/compare_bundled_runs.py RUN_A RUN_B   (folders like build/bundled)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from gair_core.tools.benchmark.package_heads import read_baselines


def weight_difference(a: Path, b: Path) -> tuple[float, int]:
    """Largest absolute difference of any trained weight, and how many tensors differ at all."""
    first, second = load_file(a / "train" / "model.safetensors"), load_file(b / "train" / "model.safetensors")
    if first.keys() != second.keys():
        raise SystemExit(f"{a} and {b} trained different models (their weight names differ)")
    differences = [float(np.abs(first[k].astype(np.float64) - second[k]).max()) for k in first]
    return max(differences), sum(d > 0 for d in differences)


def eurosat(run: Path) -> dict[tuple[str, str], tuple[float, float]]:
    results = json.loads((run / "eurosat_evaluation.json").read_text())["results"]
    return {(r["features"], r["head"]): (r["accuracy"], r["accuracy_std"]) for r in results}


HEADLINE_METRICS = {"wealth": "r2", "population": "r2", "landcover": "accuracy", "climate": "accuracy"}


def benchmark(run: Path, encoder: str = "bundled") -> dict[tuple[str, str, str], tuple[float, float]]:
    """(task, head, metric) -> mean and std over seeds of the encoder's headline metric."""
    results = run / "benchmark" / "results.csv"
    return {
        (task, head, metric): read_baselines(results, task, metric, head)[encoder][:2]
        for task, metric in HEADLINE_METRICS.items()
        for head in ("mlp", "linear")
    }


def print_rows(title: str, a: dict, b: dict) -> None:
    print(f"\n{title}\n{'':34s} {'run A':>14s} {'run B':>14s} {'B - A':>8s}  within A's spread")
    for key in a:
        (mean_a, std_a), (mean_b, std_b) = a[key], b[key]
        name = " / ".join(key)
        print(
            f"{name:34s} {mean_a:7.3f} ± {std_a:.3f} {mean_b:7.3f} ± {std_b:.3f} {mean_b - mean_a:+8.3f}  "
            f"{'yes' if abs(mean_b - mean_a) <= max(std_a, 1e-12) else 'no'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_a", type=Path)
    parser.add_argument("run_b", type=Path)
    args = parser.parse_args()
    largest, differing = weight_difference(args.run_a, args.run_b)
    print(f"trained weights: largest |difference| {largest:.3g}, {differing} tensor(s) differ")
    print_rows("EuroSAT land use, accuracy (features / head)", eurosat(args.run_a), eurosat(args.run_b))
    print_rows(
        "location benchmark, bundled encoder (task / head / metric)", benchmark(args.run_a), benchmark(args.run_b)
    )


if __name__ == "__main__":
    main()
