"""Paired comparison of the bundled package's RS embedding with per-band statistics and the
untrained twin on EuroSAT land use: the same spatially blocked folds for every feature set,
per fold seed, so the differences are not blurred by the folds' own spread.

    .venv/bin/python scripts/eurosat_paired.py [--shared ../shared] [--seeds 6]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from gair_core.config import get_preset, rs_spec_of
from gair_core.tools import bundled
from gair_qgis.runtime.package import apply_layers, bundled_package_path

ROOT = Path(__file__).resolve().parents[1]


def accuracy(features: np.ndarray, data: bundled.Eurosat, seed: int) -> float:
    """Linear-probe accuracy over the 5 blocked folds of one seed."""
    folds = bundled.spatial_stratified_folds(data.lonlat, data.labels, seed)
    predicted = np.zeros(len(data.labels), np.int64)
    for fold in range(bundled.FOLDS):
        test = folds == fold
        layers = bundled.fit_rs_head(features[~test], data.labels[~test], "linear", seed)
        predicted[test] = apply_layers(layers, features[test], softmax=True).argmax(axis=1)
    return float((predicted == data.labels).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--seeds", type=int, default=6)
    args = parser.parse_args()
    data = bundled.load_eurosat(args.shared, rs_spec_of(get_preset("bundled")))
    features = bundled.rs_features(bundled_package_path(), data.inputs)
    features["band_mean_std"] = bundled.band_statistics(data.pixels)
    scores = {name: np.array([accuracy(f, data, seed) for seed in range(args.seeds)]) for name, f in features.items()}
    for name, values in scores.items():
        print(f"{name:16s} {values.mean():.3f}  per seed {np.round(values, 3).tolist()}")
    for other in ("band_mean_std", "untrained_twin"):
        difference = scores["bundled"] - scores[other]
        print(
            f"bundled - {other}: {difference.mean():+.3f} (better on {(difference > 0).sum()}, equal on "
            f"{(difference == 0).sum()}, worse on {(difference < 0).sum()} of {args.seeds} seeds)"
        )


if __name__ == "__main__":
    main()
