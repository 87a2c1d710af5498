"""The bundled package's model card (README.md) and the measured quality in its model.json.

Everything in the card is read from the files of the same `make bundled-model` run:
the package's model.json (provenance, heads), RUN/eurosat_evaluation.json, the location
benchmark RUN/benchmark/results.csv and, when present, RUN/frozen_vs_distilled.json.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Optional

import numpy as np

from .benchmark.package_heads import CARD_MARKER

LOCATION_TASKS = (
    ("wealth", "r2", "DHS wealth R²"),
    ("population", "r2", "population R²"),
    ("landcover", "accuracy", "land cover acc"),
    ("climate", "accuracy", "climate acc"),
)
LOCATION_ENCODERS = ("constant", "lonlat", "geoclip", "bundled_twin", "bundled")

# The cosine range the plugin draws this model's similarity layers on. Its street-view/RS
# cosines stay far below the default 0..0.5 scale: on the Detroit example heatmap (make demo)
# they span -0.071..0.034 (2/50/98 % quantiles -0.064, -0.044, 0.013).
SIMILARITY_SCALE = (-0.05, 0.05)


def benchmark_table(results: Path, head: str) -> dict[tuple[str, str], tuple[float, float]]:
    """(task, encoder) -> (mean, std) of the task's main metric for one head kind."""
    values: dict[tuple[str, str], list[float]] = {}
    wanted = {task: metric for task, metric, _ in LOCATION_TASKS}
    with open(results, newline="") as handle:
        for row in csv.DictReader(handle):
            if row["task"] in wanted and row["metric"] == wanted[row["task"]] and row["head"] in (head, "-"):
                values.setdefault((row["task"], row["encoder"]), []).append(float(row["value"]))
    return {key: (float(np.mean(v)), float(np.std(v))) for key, v in values.items()}


def location_lines(results: Optional[Path]) -> list[str]:
    if results is None or not results.is_file():
        return ["(The location benchmark was not run: `../shared` evaluation data missing.)", ""]
    lines = []
    for head in ("linear", "mlp"):
        table = benchmark_table(results, head)
        lines += [
            f"{'Linear probe' if head == 'linear' else 'MLP head (128 hidden)'} on the frozen location "
            "embeddings, test metric, mean ± std over 3 seeds of spatially blocked splits:",
            "",
            "| encoder | " + " | ".join(label for _, _, label in LOCATION_TASKS) + " |",
            "|---|" + "---|" * len(LOCATION_TASKS),
        ]
        for encoder in LOCATION_ENCODERS:
            cells = [
                f"{table[(t, encoder)][0]:.3f} ± {table[(t, encoder)][1]:.3f}" if (t, encoder) in table else ""
                for t, _, _ in LOCATION_TASKS
            ]
            if any(cells):
                lines.append(f"| {encoder} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def compare(ours: tuple[float, float], other: tuple[float, float]) -> str:
    """'beats', 'is on par with' (difference within the larger spread over seeds) or 'does not beat'."""
    if abs(ours[0] - other[0]) <= max(ours[1], other[1]):
        return "is on par with"
    return "beats" if ours[0] > other[0] else "does not beat"


def rs_verdict(evaluation: dict) -> str:
    """One plain sentence comparing the RS embedding's linear probe with the baselines."""
    linear = {r["features"]: (r["accuracy"], r["accuracy_std"]) for r in evaluation["results"] if r["head"] == "linear"}
    ours, twin, stats = linear["bundled"], linear["untrained_twin"], linear["band_mean_std"]
    return (
        f"Linear probe accuracy on other places: this model {ours[0]:.3f} ± {ours[1]:.3f}, untrained twin "
        f"{twin[0]:.3f} ± {twin[1]:.3f}, per-band statistics {stats[0]:.3f} ± {stats[1]:.3f}: the RS embedding "
        f"{compare(ours, stats)} per-band statistics and {compare(ours, twin)} the untrained twin "
        "(± is the spread over the fold seeds; 'on par' when the difference is within it). The RS tower is "
        "small and learnt from a few hundred licence-clean tiles without their labels; the land-use head "
        "adds the labels."
    )


def eurosat_lines(evaluation: dict) -> list[str]:
    names = {
        "bundled": "this model's RS embedding (global, 128-d)",
        "untrained_twin": "untrained twin (same architecture, random weights)",
        "band_mean_std": "per-band mean and std of the patch (20-d)",
    }
    lines = [
        f"{evaluation['task']}. {evaluation['protocol']}.",
        "",
        "| features | linear probe accuracy | MLP head accuracy | linear macro F1 | MLP macro F1 |",
        "|---|---|---|---|---|",
    ]
    rows = {(r["features"], r["head"]): r for r in evaluation["results"]}
    for name, label in names.items():
        linear, mlp = rows[(name, "linear")], rows[(name, "mlp")]
        lines.append(
            f"| {label} | {linear['accuracy']:.3f} ± {linear['accuracy_std']:.3f} | "
            f"{mlp['accuracy']:.3f} ± {mlp['accuracy_std']:.3f} | {linear['macro_f1']:.3f} | "
            f"{mlp['macro_f1']:.3f} |"
        )
    return lines + ["", rs_verdict(evaluation), ""]


def comparison_lines(comparison: Optional[dict]) -> list[str]:
    if not comparison:
        return [
            "Not measured for this package: the distilled variant (configs/bundled-distilled.json: location "
            "tower trainable, distilled towards its GeoCLIP initialisation) did not fit in the CPU time of the "
            "run that built it; the commands to measure it are in docs/TRAINING.md section 5. The frozen tower "
            "is shipped; its DHS wealth linear probe is in the table above.",
            "",
        ]
    return [comparison["summary"], ""]


def card_text(
    meta: dict, evaluation: dict, results: Optional[Path], comparison: Optional[dict], heads_section: str
) -> str:
    prov = meta["provenance"]
    data_lines = [
        f"- **{d['name']}** ({d['licence']}; {d['level']}): {d['use']}. {d['attribution']}"
        for d in prov["training_data"]
    ]
    rows = ", ".join(f"{k} {v}" for k, v in prov["training_rows"].items())
    rs = meta["inputs"]["rs"]
    text = [
        f"# Model card: {meta['name']} {meta['version']}",
        "",
        "A small GAIR model that carries real knowledge within what licence-clean data allows. It is **not** the "
        "released GAIR: for real street-view/satellite results import the released GAIR checkpoint "
        "(*GAIR models* dock, or `python -m gair_qgis.runtime.import_checkpoint checkpoint.pth`).",
        "",
        "## What it knows, and what it cannot do",
        "",
        "- **Places** (location embeddings): its location tower is GeoCLIP's released location encoder (MIT), "
        "its 512-d output projected on the 128 principal directions over the globe, and kept frozen. The location "
        "benchmarks below measure how much of GeoCLIP's knowledge that keeps.",
        "- **Land use of a Sentinel-2 tile**: the `eurosat_land_use` head (10 EuroSAT classes) on the RS tower's "
        f"global embedding of a {rs['tile_ground_size_m']:g} m tile ({rs['input_size']} x {rs['input_size']} px "
        "at 10 m). `gair:tilepredict` draws a land-use map with it. It learnt from 150 patches: expect coarse "
        "classes (water, forest, crops, built-up), not fine distinctions.",
        "- **Street-view photos: weak.** No licence-clean street-view photo lies on any licence-clean Sentinel-2 "
        "raster here, so the SV tower was trained only against locations (25 photos, all in Stuttgart) and never "
        "against RS tiles: the street-view similarity heatmap is close to meaningless. The released GAIR "
        "weights give real heatmaps.",
        "- Sentinel-2 only (the 10 bands B2-B8A, B11, B12). Trained on Level-1C (top of atmosphere) and "
        "Level-2A (surface reflectance) values as stored, mostly L1C; no atmospheric correction is applied.",
        "",
        "## Training data (licence-clean only; nothing marked evaluation-only)",
        "",
        *data_lines,
        f"- Rows of the training manifest: {rows}. Every Sentinel-2 file is cut into {rs['tile_ground_size_m']:g} m "
        "tiles; each row pairs a tile with its centre's location (RS<->location) or a photo with its location "
        "(SV<->location). The data loader reads all four Sentinel-2 layouts through `gair_core.data.sentinel2`.",
        "- Contains modified Copernicus Sentinel data 2015-2019.",
        "",
        "## How it was made",
        "",
        f"- Command: `{prov['command']}` (configs/bundled.json), code commit `{prov['commit']}`.",
        "- Objectives: RS<->location and SV<->location InfoNCE against the location queue (GAIR's SECL; INCL has "
        "no triples here), location tower frozen"
        + rs_self_line(prov["training_config"])
        + f" {prov['training_steps']} steps of batch {prov['training_config']['batch_size']}, AdamW lr "
        f"{prov['training_config']['lr']}, seed {prov['training_config']['seed']}.",
        *([f"- Note: {prov['note']}"] if prov.get("note") else []),
        f"- Wall time of the (last) training invocation {prov['training_wall_s'] / 60:.1f} min ({prov['training_samples_per_s']} samples/s) "
        f"on {prov['hardware']}; torch {prov['torch']}.",
        f"- Storage: {prov.get('weight_storage', 'float32')}; onnxruntime verified against torch before writing "
        "(max relative difference "
        + ", ".join(f"{k} {v:.1e}" for k, v in prov["verification_max_relative_error"].items())
        + ").",
        "",
        "## Measured quality (same run)",
        "",
        "### EuroSAT land use (RS tower)",
        "",
        *eurosat_lines(evaluation),
        "### Location benchmarks (`gair_core.tools.benchmark`, DHS wealth and Place Pulse are evaluation-only)",
        "",
        *location_lines(results),
        "### Frozen vs distilled location tower",
        "",
        *comparison_lines(comparison),
    ]
    card = "\n".join(text)
    if heads_section:
        card += "\n" + heads_section
    return card.rstrip() + "\n"


def rs_self_line(config: dict) -> str:
    """The self-supervised RS objective of the training config, in words (or just a full stop)."""
    weight = config.get("rs_self_weight", 0)
    if not weight:
        return "."
    return (
        f"; and, since the RS tower learns from scratch on a few hundred tiles, a self-supervised RS term "
        f"(weight {weight:g}, descriptor part x{config.get('rs_self_stats_weight', 1.0):g}, "
        "`gair_core.losses.RSSelfSupervision`): InfoNCE between two views of each tile "
        "(a random crop, quarter turn, mirror and brightness gain) and a linear regression, from its global "
        "embedding, of each view's classic per-band descriptors (mean, spread, local contrast; "
        "a hand-crafted target as MaskFeat's HOG), through training-only heads that the package does not "
        "contain. The EuroSAT patches enter it without their labels."
    )


def heads_section_of(card: str) -> str:
    """The '## Prediction heads' section that package_heads wrote, if any."""
    if CARD_MARKER not in card:
        return ""
    section = CARD_MARKER + card.split(CARD_MARKER, 1)[1].split("\n## ", 1)[0]
    return section.rstrip() + "\n"


def write_card(run: Path, package_dir: Path, comparison_path: Optional[Path] = None) -> Path:
    """Write the model card and add the measured quality to model.json (`evaluation`)."""
    from gair_qgis.runtime.package import MODEL_CARD, ModelPackage, write_package

    package = ModelPackage.load(package_dir)
    evaluation = json.loads((run / "eurosat_evaluation.json").read_text())
    results = run / "benchmark" / "results.csv"
    comparison_path = comparison_path or run / "frozen_vs_distilled.json"
    comparison = json.loads(comparison_path.read_text()) if comparison_path.is_file() else None
    card_path = package.root / MODEL_CARD
    old_card = card_path.read_text() if card_path.is_file() else ""
    meta = {k: v for k, v in package.meta.items() if k not in ("files", "format_version")}
    meta["similarity_scale"] = list(SIMILARITY_SCALE)
    meta["evaluation"] = {
        "eurosat_land_use": evaluation,
        "location": {
            f"{t}/{e}/{h}": v
            for h in ("linear", "mlp")
            if results.is_file()
            for (t, e), v in benchmark_table(results, h).items()
        },
        "frozen_vs_distilled": comparison,
    }
    files = {name: package.root / name for name in package.meta.get("files", {})}
    write_package(package.root, meta, files, overwrite=True)
    card = card_text(meta, evaluation, results if results.is_file() else None, comparison, heads_section_of(old_card))
    (Path(package_dir) / MODEL_CARD).write_text(card)
    return Path(package_dir) / MODEL_CARD
