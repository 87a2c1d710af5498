"""`python -m gair_qgis.runtime.quantize PKG --out PKG_INT8`: an int8 copy of a model package.

Torch-free: the RS and SV graphs are constant-folded by onnxruntime's basic graph optimizer
(as exported, their MatMul weights arrive through Transpose nodes, where dynamic quantization
finds nothing to quantize), then their MatMul weights are quantized to int8 with
onnxruntime.quantization (dynamic: activations are quantized per batch at run time). The
location graph stays float (its Fourier phases need float64 and it is cheap). The copy's
fidelity, cosines of its embeddings against the float package's, is measured on the real
GAIR examples when their folder is given (else on seeded random inputs, and says so) and
written into its model.json under "quantization".
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import numpy as np
from numpy.typing import NDArray

from .cli import command
from .errors import InputError, PackageError
from .package import MODEL_CARD, MODEL_JSON, ModelPackage, load_package, model_card, write_package

QUANTIZED_GRAPHS = ("rs_encoder", "sv_encoder")
QUANTIZED_OPS = ["MatMul"]  # Conv as ConvInteger is slower than float on CPU; MatMul carries the weights
# Weight type by CPU. With VNNI (vpdpbusd) onnxruntime multiplies uint8 activations by int8 weights
# without saturation, and that is its fast path: the base RS graph at batch 8 on a 2-core AVX512-VNNI
# machine ran 2.6x float with int8 weights but 1.04x with uint8 (min cosine 0.9999 either way). Without
# VNNI, int8 weights saturate the u8 x s8 pair products (vpmaddubsw): measured on the tiny RS graph, min
# cosine to float 0.985 (int8) against 0.99998 (uint8), so such CPUs get uint8 weights.
# Per channel: the base SV graph on the three GAIR example photos, 0.989 per tensor, 0.999 per channel.
VNNI_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8")
EXAMPLE_COLUMNS = ("rs_image", "sv_image", "lon", "lat")  # examples.csv, as GAIR ships it
Say = Callable[[str], None]
Example = tuple[NDArray[Any], NDArray[Any], NDArray[Any]]  # RS input (10, S, S), NILI queries (N, 2), SV input


def cpu_has_vnni(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this x86 CPU multiplies 8-bit integers with VNNI (read from /proc/cpuinfo; False
    where that file is missing: other systems keep the weight type that is safe everywhere)."""
    try:
        flags = next((line for line in cpuinfo.read_text().splitlines() if line.startswith("flags")), "")
    except OSError:
        return False
    return any(flag in flags.split() for flag in VNNI_FLAGS)


def weight_type_name(vnni: bool) -> str:
    """'int8' on CPUs with VNNI, 'uint8' elsewhere (see the note at VNNI_FLAGS)."""
    return "int8" if vnni else "uint8"


def int8_file(graph: str) -> dict[str, str]:
    return {"file": f"{graph}.int8.onnx", "weights": f"{graph}.int8.weights"}


def fold_constants(source: Path, target: Path) -> None:
    """onnxruntime's basic optimizations (constant folding, no hardware-specific fusion) of a graph."""
    from .session import import_onnxruntime

    ort = import_onnxruntime()
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(target)
    options.add_session_config_entry("session.optimized_model_external_initializers_file_name", target.name + ".data")
    options.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
    ort.InferenceSession(str(source), sess_options=options, providers=["CPUExecutionProvider"])


def quantize_graph(source: Path, out_dir: Path, graph: str, work: Path, weights: str = "uint8") -> list[str]:
    """Write the 8-bit graph (and its external weights) of `source` into out_dir, with
    `weights` "int8" or "uint8" MatMul weights; returns the file names."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folded = work / f"{graph}.folded.onnx"
    fold_constants(source, folded)
    quantized = work / f"{graph}.quantized.onnx"
    weight_type = QuantType.QInt8 if weights == "int8" else QuantType.QUInt8
    quantize_dynamic(
        folded,
        quantized,
        weight_type=weight_type,
        op_types_to_quantize=QUANTIZED_OPS,
        per_channel=True,
        extra_options={"MatMulConstBOnly": True},
    )
    model = onnx.load(str(quantized))  # the quantizer may write external data of its own: gather it
    names = int8_file(graph)
    onnx.save_model(
        model,
        str(out_dir / names["file"]),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=names["weights"],
        size_threshold=1024,
    )
    return [names["file"], names["weights"]]


# --- fidelity ------------------------------------------------------------------------


def _cosine(a: NDArray[Any], b: NDArray[Any]) -> NDArray[Any]:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    cosine: NDArray[Any] = np.sum(a * b, axis=-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    return cosine


def example_inputs(examples: Optional[Path], package: ModelPackage) -> tuple[str, list[Example]]:
    """(description, [(RS input (10, S, S), NILI queries (N, 2), SV input (3, S, S)), ...]): the
    GAIR examples (examples.csv: RS tile, photo, lon, lat) when given, else seeded random inputs.
    A missing folder, table, column or file, or a coordinate that is not a number, is an
    InputError naming it."""
    from .geometry import tile_queries
    from .preprocess import preprocess_rs, preprocess_sv, read_photo
    from .raster_file import read_raster

    rs, sv = package.rs_spec, package.sv_spec
    if examples is None:
        rng = np.random.default_rng(0)
        items = [
            (
                rng.random((len(rs.bands), rs.input_size, rs.input_size), dtype=np.float32),
                rng.uniform(-1, 1, (16, 2)),
                rng.standard_normal((3, sv.input_size, sv.input_size)).astype(np.float32),
            )
            for _ in range(3)
        ]
        return "seeded random inputs (no examples folder given)", items
    table = examples / "examples.csv"
    if not table.is_file():
        raise InputError(f"{table} not found; --examples takes the folder of GAIR's examples.csv")
    items = []
    with open(table, newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in EXAMPLE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(
                f"{table} lacks the column(s) {', '.join(missing)}; it needs {', '.join(EXAMPLE_COLUMNS)} "
                "(GAIR's examples.csv)"
            )
        for line, row in enumerate(reader, start=2):
            try:
                lon, lat = float(row["lon"]), float(row["lat"])
            except (TypeError, ValueError):
                raise InputError(
                    f"{table} line {line}: lon {row['lon']!r} and lat {row['lat']!r} must be numbers"
                ) from None
            info, pixels = read_raster(examples / row["rs_image"])
            image = preprocess_rs(pixels[info.band_indices(rs)], rs)
            queries = tile_queries(info.grid, np.array([lon]), np.array([lat]))
            items.append((image, queries, preprocess_sv(read_photo(examples / row["sv_image"], sv.input_size), sv)))
    if not items:
        raise InputError(f"{table} has no rows; give GAIR's examples folder or leave --examples out")
    return f"the {len(items)} GAIR examples in {examples.name}/examples.csv", items


def fidelity(
    float_package: ModelPackage, int8_package: ModelPackage, inputs: tuple[str, list[Example]]
) -> dict[str, Any]:
    """Smallest cosine of the int8 package's global RS, localized RS and projected SV
    embeddings against the float package's, over `inputs` (from `example_inputs`)."""
    from .session import GAIRRuntime

    description, items = inputs
    runtimes = [GAIRRuntime(p, force_cpu=True, batch_size=1) for p in (float_package, int8_package)]
    worst = {"global_rs": 1.0, "localized_rs": 1.0, "sv": 1.0}
    for image, queries, photo in items:
        tiles = [r.encode_rs(image[None])[0] for r in runtimes]
        svs = [r.encode_sv(photo[None])[1][0] for r in runtimes]
        found = {
            "global_rs": _cosine(tiles[0].global_embedding, tiles[1].global_embedding),
            "localized_rs": _cosine(tiles[0].localize(queries), tiles[1].localize(queries)).min(),
            "sv": _cosine(svs[0], svs[1]),
        }
        worst = {k: min(worst[k], float(found[k])) for k in worst}
    return {"data": description, "min_cosine_to_float": worst}


# --- the package ---------------------------------------------------------------------


def quantize_package(
    package_dir: str | Path,
    out_dir: str | Path,
    examples: Optional[Path] = None,
    say: Say = lambda _: None,
    weights: Optional[str] = None,
) -> Path:
    """Write an int8 copy of a package to `out_dir` (a valid package: every file hashed in
    model.json), with its measured fidelity in model.json; returns out_dir. `weights`
    ("int8" / "uint8") defaults to this CPU's fast and exact choice (`weight_type_name`)."""
    weights = weights or weight_type_name(cpu_has_vnni())
    package = load_package(package_dir)
    out_dir = Path(out_dir)
    if out_dir.resolve() == package.root.resolve():
        raise PackageError(f"--out {out_dir} is the package itself; choose a new folder for the int8 copy")
    if out_dir.resolve().is_relative_to(package.root.resolve()):
        raise PackageError(
            f"--out {out_dir} lies inside the package {package.root}; choose a folder outside it for the int8 copy"
        )
    if out_dir.exists():
        raise PackageError(f"{out_dir} already exists; choose another folder for the int8 copy")
    if package.meta.get("quantization"):
        raise PackageError(f"{package.root} is already an int8 package; quantize its float original")
    inputs = example_inputs(examples, package)  # read before the long work: a bad folder is refused now
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".gair-int8-", dir=out_dir.parent) as tmp:
        work, staged = Path(tmp) / "work", Path(tmp) / "graphs"
        work.mkdir()
        staged.mkdir()
        files: dict[str, Path] = {name: package.root / name for name in package.meta.get("files", {})}
        meta = {k: v for k, v in package.meta.items() if k not in ("files", "format_version")}
        meta["graphs"] = {g: dict(v) for g, v in package.meta["graphs"].items()}
        for graph in QUANTIZED_GRAPHS:
            say(f"quantizing {graph}")
            for name in quantize_graph(package.graph_path(graph), staged, graph, work, weights):
                files[name] = staged / name
            for key in ("file", "weights", "layout"):
                files.pop(package.meta["graphs"][graph].get(key, ""), None)
            meta["graphs"][graph].pop("layout", None)
            meta["graphs"][graph].update(
                int8_file(graph), quantized=f"8-bit dynamic ({weights} MatMul weights, per channel)"
            )
        meta["name"] = f"{package.name}-int8"
        meta["description"] = f"{package.meta.get('description', '')} int8 copy of {package.name}.".strip()
        meta["quantization"] = {
            "of": package.name,
            "method": "onnxruntime basic constant folding, then "
            f"quantize_dynamic with {weights} weights per channel on constant MatMul weights",
            "weights": weights,
            "graphs": list(QUANTIZED_GRAPHS),
            "note": "int8 weights are chosen on CPUs with VNNI; on a CPU without VNNI such "
            "a copy loses accuracy: make the int8 copy on the machine that runs it",
        }
        final = write_package(Path(tmp) / "final", meta, files)
        say("measuring fidelity against the float package")
        measured = fidelity(package, load_package(final), inputs)
        written = json.loads((final / MODEL_JSON).read_text())  # model.json itself is not hashed
        written["quantization"]["fidelity"] = measured
        (final / MODEL_JSON).write_text(json.dumps(written, indent=2))
        card = model_card(package.root)
        if card is not None:
            (final / MODEL_CARD).write_bytes(card + b"\n\nThis is an int8 copy: see quantization in model.json.\n")
        if out_dir.exists():
            raise PackageError(f"{out_dir} appeared while quantizing; it was not replaced")
        os.replace(final, out_dir)
    return out_dir


@command
def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gair_qgis.runtime.quantize", description=__doc__.split("\n\n")[0])
    parser.add_argument("package", type=Path, help="the float model package folder")
    parser.add_argument("--out", type=Path, required=True, help="the new int8 package folder (must not exist)")
    parser.add_argument("--examples", type=Path, help="folder of GAIR's examples.csv to measure fidelity on")
    parser.add_argument(
        "--weights",
        choices=["int8", "uint8"],
        help="MatMul weight type (default: int8 on CPUs with VNNI, uint8 elsewhere)",
    )
    args = parser.parse_args(argv)
    out = quantize_package(
        args.package, args.out, args.examples, say=lambda m: print(m, file=sys.stderr), weights=args.weights
    )
    worst = load_package(out).meta["quantization"]["fidelity"]["min_cosine_to_float"]
    print(f"wrote {out}; min cosine to float: " + ", ".join(f"{k} {v:.4f}" for k, v in worst.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
