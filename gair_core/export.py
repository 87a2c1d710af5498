"""`python -m gair_core.export`: a GAIR checkpoint -> a model package for the torch-free runtime.

Each encoder becomes an ONNX graph whose parameters are external data laid out by a
layout file, so the same graph can later be filled from a released checkpoint without
torch (`gair_qgis.runtime.import_checkpoint`). Before anything is written, the ONNX
checker runs and onnxruntime is compared with torch on random and real inputs; a relative
difference above 1e-4 is an error.

    python -m gair_core.export --checkpoint checkpoint.pth --preset base --out packages/gair-base
    python -m gair_core.export --templates-only --preset base --out gair_qgis/runtime/graphs/base
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch
from torch import nn

from gair_qgis.runtime import package as pkg
from gair_qgis.runtime.cli import command
from gair_qgis.runtime.preprocess import (
    preprocess_rs,
    preprocess_sv,
    read_photo,
    released_sv_spec,
)
from gair_qgis.runtime.session import GAIRRuntime

from .checkpoint import load_any
from .config import PRESETS, package_inputs, rs_spec_of
from .models import GAIR

OPSET = 17
PARAM_PREFIX = "model."
WEIGHT_ALIGNMENT = 4096
MAX_RELATIVE_ERROR = 1e-4


class ExportError(RuntimeError):
    """The exported graphs do not reproduce the torch model."""


class RSGraph(nn.Module):
    def __init__(self, model: GAIR) -> None:
        super().__init__()
        self.model = model

    def forward(self, rs_image: torch.Tensor):
        grid, global_embedding = self.model.encode_rs(rs_image)
        return grid, global_embedding, self.model.nili.cell_predictions(grid)


class SVGraph(nn.Module):
    def __init__(self, model: GAIR) -> None:
        super().__init__()
        self.model = model

    def forward(self, sv_image: torch.Tensor):
        pooled = self.model.encode_sv(sv_image)
        return pooled, self.model.project_sv(pooled)


class LocationGraph(nn.Module):
    def __init__(self, model: GAIR) -> None:
        super().__init__()
        self.model = model

    def forward(self, equal_earth: torch.Tensor):
        return self.model.location_encoder.from_projected(equal_earth)


def graph_modules(model: GAIR) -> dict[str, tuple[nn.Module, torch.Tensor]]:
    """Each graph: wrapper and example input (names of inputs and outputs: pkg.GRAPH_IO)."""
    rs, sv = model.config.rs, model.config.sv
    return {
        "rs_encoder": (RSGraph(model), torch.rand(2, rs.in_bands, rs.image_size, rs.image_size)),
        "sv_encoder": (SVGraph(model), torch.randn(2, 3, sv.image_size, sv.image_size)),
        "location_encoder": (LocationGraph(model), torch.rand(3, 2, dtype=torch.float64)),
    }


def graph_io_names(graph: str) -> tuple[str, list[str]]:
    """The input name and output names that model.json declares for a graph."""
    declared = pkg.GRAPH_IO[graph]
    return next(iter(declared["inputs"])), [output.split()[0] for output in declared["outputs"]]


def randomized_copy(model: GAIR, seed: int = 0) -> GAIR:
    """A copy whose every float parameter is distinct noise, so the exporter cannot merge
    parameters that merely happen to be equal (e.g. fresh LayerNorm weights)."""
    clone = copy.deepcopy(model)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for tensor in clone.state_dict().values():
            if tensor.is_floating_point():
                tensor.copy_(torch.randn(tensor.shape, generator=generator, dtype=tensor.dtype))
    return clone


def _merge_duplicate_constants(onnx_model, min_bytes: int = 1 << 16) -> None:
    """Keep one copy of large identical Constant nodes (the tracer inlines a constant, such as
    the ALiBi bias, once per use)."""
    import hashlib

    graph = onnx_model.graph
    first_output: dict[str, str] = {}
    rename: dict[str, str] = {}
    duplicates = []
    for node in graph.node:
        if node.op_type != "Constant" or not node.attribute or len(node.attribute[0].t.raw_data) < min_bytes:
            continue
        tensor = node.attribute[0].t
        digest = hashlib.sha256(bytes(tensor.dims) + tensor.raw_data).hexdigest() + str(tensor.data_type)
        if digest in first_output:
            rename[node.output[0]] = first_output[digest]
            duplicates.append(node)
        else:
            first_output[digest] = node.output[0]
    for node in duplicates:
        graph.node.remove(node)
    for node in graph.node:
        for index, name in enumerate(node.input):
            if name in rename:
                node.input[index] = rename[name]


def fp16_keys(model: GAIR) -> set[str]:
    """Parameters stored as float16 in an fp16 package: every weight matrix or kernel (2-d or
    more). Biases, norms and buffers (the Fourier matrices, whose large entries float16
    would round) stay float32; computation is float32 throughout."""
    return {name for name, value in model.named_parameters() if value.ndim >= 2}


@torch.no_grad()
def round_to_fp16(model: GAIR) -> GAIR:
    """A copy whose fp16-stored parameters hold their float16-rounded values, so that the
    torch model and the package compute with identical weights."""
    model = copy.deepcopy(model)
    parameters = dict(model.named_parameters())
    for key in fp16_keys(model):
        parameters[key].copy_(parameters[key].half().float())
    return model


def _store_fp16(onnx_model, init) -> None:
    """Store an initializer as float16 under a new name and Cast it back to float32 under its
    own name at the start of the graph."""
    from onnx import TensorProto, helper

    name = init.name
    init.name = f"{name}.fp16"
    init.data_type = TensorProto.FLOAT16
    onnx_model.graph.node.insert(
        0, helper.make_node("Cast", [init.name], [name], to=TensorProto.FLOAT, name=f"cast_{name}")
    )


def _externalize(onnx_model, weights_name: str, keys: set[str], half: frozenset[str] = frozenset()) -> list[dict]:
    """Move every parameter initializer to external data in `weights_name` (those in `half` as
    float16); return the layout."""
    import onnx
    from onnx import numpy_helper

    layout, offset = [], 0
    for init in onnx_model.graph.initializer:
        key = init.name[len(PARAM_PREFIX) :] if init.name.startswith(PARAM_PREFIX) else None
        if key not in keys:
            continue
        array = numpy_helper.to_array(init)
        if key in half:
            array = array.astype(np.float16)
            _store_fp16(onnx_model, init)
        offset = -(-offset // WEIGHT_ALIGNMENT) * WEIGHT_ALIGNMENT
        layout.append(
            {
                "name": init.name,
                "key": key,
                "offset": offset,
                "length": int(array.nbytes),
                "shape": list(array.shape),
                "dtype": str(array.dtype),
            }
        )
        for field in ("raw_data", "float_data", "double_data", "int64_data", "int32_data"):
            init.ClearField(field)
        init.data_location = onnx.TensorProto.EXTERNAL
        del init.external_data[:]
        for name, value in (("location", weights_name), ("offset", str(offset)), ("length", str(array.nbytes))):
            entry = init.external_data.add()
            entry.key, entry.value = name, value
        offset += int(array.nbytes)
    return layout


def export_templates(model: GAIR, out_dir: Path, fp16: bool = False) -> None:
    """Write each graph (parameters as external-data references) and its layout to out_dir,
    plus template.json with the architecture and every state-dict shape. With `fp16`, weight
    matrices are stored as float16 (`fp16_keys`) and cast to float32 in the graph."""
    import onnx

    out_dir.mkdir(parents=True, exist_ok=True)
    template_model = randomized_copy(model).eval()
    keys = set(template_model.state_dict())
    for graph, (module, example) in graph_modules(template_model).items():
        onnx_path = out_dir / f"{graph}.onnx"
        input_name, outputs = graph_io_names(graph)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                (example,),
                str(onnx_path),
                dynamo=False,
                do_constant_folding=False,
                opset_version=OPSET,
                input_names=[input_name],
                output_names=outputs,
                dynamic_axes={input_name: {0: "batch"}, **{o: {0: "batch"} for o in outputs}},
            )
        onnx_model = onnx.load(str(onnx_path))
        _merge_duplicate_constants(onnx_model)
        layout = _externalize(
            onnx_model, f"{graph}.weights", keys, frozenset(fp16_keys(template_model)) if fp16 else frozenset()
        )
        onnx.save(onnx_model, str(onnx_path))
        (out_dir / f"{graph}.layout.json").write_text(json.dumps(layout, indent=1))
    template = {
        "architecture": model.config.to_dict(),
        "embed_dim": model.config.embed_dim,
        "state_shapes": {k: list(v.shape) for k, v in model.state_dict().items()},
    }
    (out_dir / pkg.TEMPLATE_JSON).write_text(json.dumps(template, indent=1))


# --- verification ----------------------------------------------------------------------------


def _relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    return float(np.abs(actual - expected).max() / max(np.abs(expected).max(), 1e-12))


def verification_inputs(
    model: GAIR, sample_rs: Optional[Path], sample_sv: Optional[Path]
) -> dict[str, list[np.ndarray]]:
    """Random inputs, plus real ones when sample files are given."""
    rng = np.random.default_rng(0)
    rs, sv = model.config.rs, model.config.sv
    inputs = {
        "rs": [rng.random((2, rs.in_bands, rs.image_size, rs.image_size), dtype=np.float32)],
        "sv": [rng.standard_normal((2, 3, sv.image_size, sv.image_size), dtype=np.float32)],
        "location": [np.stack([rng.uniform(-180, 180, 64), rng.uniform(-90, 90, 64)], axis=1)],
    }
    if sample_rs is not None:
        from gair_core.data.sentinel2 import is_sentinel2_source, read_sentinel2
        from gair_qgis.runtime.raster_file import read_raster

        spec = rs_spec_of(model.config)
        if is_sentinel2_source(sample_rs):
            pixels, names = read_sentinel2(sample_rs, spec.bands).pixels, list(spec.bands)
        else:
            info, pixels = read_raster(sample_rs)
            names = list(info.band_names)
        inputs["rs"].append(preprocess_rs(pixels, spec, names)[None])
    if sample_sv is not None:
        inputs["sv"].append(
            preprocess_sv(read_photo(sample_sv, released_sv_spec().input_size), released_sv_spec())[None]
        )
    return inputs


@torch.inference_mode()
def verify_package(model: GAIR, package: pkg.ModelPackage, inputs: dict[str, list[np.ndarray]]) -> dict[str, float]:
    """Largest relative difference between onnxruntime and torch for every output."""
    runtime = GAIRRuntime(package, force_cpu=True)
    errors: dict[str, float] = {}

    def record(name: str, actual: np.ndarray, expected: torch.Tensor) -> None:
        errors[name] = max(errors.get(name, 0.0), _relative_error(actual, expected.numpy()))

    for images in inputs["rs"]:
        tiles = runtime.encode_rs(images)
        grid, global_embedding = model.encode_rs(torch.from_numpy(images))
        record("rs token_grid", np.stack([t.grid for t in tiles]), grid)
        record("rs global_embedding", np.stack([t.global_embedding for t in tiles]), global_embedding)
        record("rs cell_table", np.stack([t.cell_table for t in tiles]), model.nili.cell_predictions(grid))
        coords = np.random.default_rng(1).uniform(-1, 1, (1, 50, 2))
        localized = np.stack([t.localize(coords[0]) for t in tiles])
        record(
            "rs localized (nili)", localized, model.localize(grid, torch.from_numpy(coords).expand(len(images), -1, -1))
        )
    for images in inputs["sv"]:
        pooled, projected = runtime.encode_sv(images)
        expected_pooled = model.encode_sv(torch.from_numpy(images))
        record("sv pooled", pooled, expected_pooled)
        record("sv projected", projected, model.project_sv(expected_pooled))
    for lonlat in inputs["location"]:
        record("location", runtime.encode_location(lonlat), model.encode_location(torch.from_numpy(lonlat)))
    runtime.close()
    return errors


# --- command line ------------------------------------------------------------------------------


def export_package(
    model: GAIR,
    out: Path,
    *,
    provenance: dict,
    name: str,
    version: str,
    licence: str,
    description: str,
    untrained: bool,
    sample_rs: Optional[Path] = None,
    sample_sv: Optional[Path] = None,
    overwrite: bool = False,
    heads: Sequence[dict] = (),
    head_files: Optional[dict[str, Path]] = None,
    fp16: bool = False,
    sensor: Optional[str] = None,
) -> dict[str, float]:
    """Export, verify and write a package; returns the measured relative errors. With `fp16`
    the weight matrices are stored as float16 (the verification compares with the torch model
    holding the same rounded weights; computation stays float32). `sensor` describes the RS
    data the model was trained on (default: the released model's, Sentinel-2 L2A)."""
    model = (round_to_fp16(model) if fp16 else model).eval()
    pkg.check_replaceable(out, overwrite)
    with tempfile.TemporaryDirectory(prefix="gair-export-") as work:
        work_dir = Path(work)
        export_templates(model, work_dir, fp16=fp16)
        arrays = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
        files = pkg.fill_graphs(work_dir, arrays, work_dir)
        _check_onnx(work_dir)
        storage = "float16 weight matrices, float32 biases/norms/buffers; float32 computation" if fp16 else "float32"
        inputs = package_inputs(model.config)
        if sensor:
            inputs["rs"]["sensor"] = sensor
        meta = pkg.build_meta(
            name=name,
            version=version,
            licence=licence,
            description=description,
            untrained=untrained,
            architecture=model.config.to_dict(),
            embed_dim=model.config.embed_dim,
            inputs=inputs,
            provenance=dict(provenance, weight_storage=storage),
            heads=heads,
        )
        errors = verify_package(
            model, pkg.ModelPackage(work_dir, meta), verification_inputs(model, sample_rs, sample_sv)
        )
        worst = max(errors.values())
        if worst > MAX_RELATIVE_ERROR:
            details = ", ".join(f"{k}: {v:.2e}" for k, v in errors.items())
            raise ExportError(f"onnxruntime differs from torch by {worst:.2e} (limit {MAX_RELATIVE_ERROR}): {details}")
        meta["provenance"]["verification_max_relative_error"] = errors
        files.update(head_files or {})
        pkg.write_package(out, meta, files, overwrite=overwrite)
    return errors


def _check_onnx(folder: Path) -> None:
    import onnx

    for graph in pkg.GRAPH_NAMES:
        onnx.checker.check_model(str(folder / f"{graph}.onnx"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gair_core.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", type=Path, help="released checkpoint.pth or one of ours (.safetensors)")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="base", help="architecture of a .pth file")
    parser.add_argument("--out", type=Path, required=True, help="package folder to write")
    parser.add_argument(
        "--templates-only",
        action="store_true",
        help="write the weightless graph templates used by the torch-free import",
    )
    parser.add_argument("--name", help="package name (default from the checkpoint)")
    parser.add_argument("--version", default="1.0.0")
    parser.add_argument("--licence", default="Apache-2.0")
    parser.add_argument("--description", default="")
    parser.add_argument("--untrained", action="store_true", help="mark the package as untrained in model.json")
    parser.add_argument("--training-data", default="", help="provenance: what the weights were trained on")
    parser.add_argument("--training-steps", type=int, default=None)
    parser.add_argument("--sample-rs-image", type=Path, help="a real RS tile to verify the export on")
    parser.add_argument("--sample-sv-image", type=Path, help="a real photo to verify the export on")
    parser.add_argument(
        "--fp16",
        action="store_true",
        help="store weight matrices as float16 (half the size; computation stays float32)",
    )
    parser.add_argument("--overwrite", action="store_true")
    return parser


@command(errors=(ExportError,))
def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if args.templates_only:
        from .config import get_preset

        export_templates(GAIR(get_preset(args.preset)), args.out)
        print(f"templates written to {args.out}")
        return 0
    if args.checkpoint is None:
        print("error: --checkpoint is required (or --templates-only)", file=sys.stderr)
        return 2
    pkg.check_replaceable(args.out, args.overwrite)  # before loading and exporting (minutes, GBs)
    model = load_any(args.checkpoint, args.preset)
    provenance = {
        "source_checkpoint": args.checkpoint.name,
        "source_sha256": pkg.sha256_of(args.checkpoint),
        "training_data": args.training_data,
        "training_steps": args.training_steps,
        "exported_by": "gair_core.export",
        "torch": torch.__version__,
    }
    errors = export_package(
        model,
        args.out,
        provenance=provenance,
        name=args.name or f"gair-{model.config.name}",
        version=args.version,
        licence=args.licence,
        description=args.description,
        untrained=args.untrained,
        sample_rs=args.sample_rs_image,
        sample_sv=args.sample_sv_image,
        overwrite=args.overwrite,
        fp16=args.fp16,
    )
    for output, error in errors.items():
        print(f"  onnxruntime vs torch, {output}: max relative difference {error:.2e}")
    print(f"package written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
