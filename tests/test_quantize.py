"""int8 copies of a model package: a valid package, loadable, close to float, fidelity recorded."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gair_qgis.runtime import quantize
from gair_qgis.runtime.package import ModelPackage, bundled_package_path, load_package
from gair_qgis.runtime.session import GAIRRuntime

from conftest import GAIR_EXAMPLES, requires_examples


@pytest.fixture(scope="module")
def int8_package(tmp_path_factory):
    out = tmp_path_factory.mktemp("q") / "int8"
    examples = GAIR_EXAMPLES if (GAIR_EXAMPLES / "examples.csv").exists() else None
    return load_package(quantize.quantize_package(bundled_package_path(), out, examples))


def test_int8_copy_is_a_valid_package_with_int8_graphs(int8_package):
    meta = json.loads((int8_package.root / "model.json").read_text())
    assert set(meta["files"]) == {
        p.relative_to(int8_package.root).as_posix() for p in int8_package.root.rglob("*") if p.is_file()
    } - {"model.json", "README.md"}
    assert ModelPackage.load(int8_package.root).meta["quantization"]["of"] == load_package().name
    for graph in quantize.QUANTIZED_GRAPHS:
        import onnx

        ops = {
            node.op_type for node in onnx.load(str(int8_package.graph_path(graph)), load_external_data=False).graph.node
        }
        assert ops & {"DynamicQuantizeMatMul", "MatMulInteger", "DynamicQuantizeLinear"}, ops


def test_int8_embeddings_are_close_to_float(int8_package):
    rng = np.random.default_rng(3)
    float_rt, int8_rt = GAIRRuntime(load_package(), force_cpu=True), GAIRRuntime(int8_package, force_cpu=True)
    spec = int8_package.rs_spec
    image = rng.random((2, len(spec.bands), spec.input_size, spec.input_size), dtype=np.float32)
    for a, b in zip(float_rt.encode_rs(image), int8_rt.encode_rs(image)):
        cos = (
            a.global_embedding
            @ b.global_embedding
            / np.linalg.norm(a.global_embedding)
            / np.linalg.norm(b.global_embedding)
        )
        assert 0.99 < cos < 1.0 + 1e-6
    lonlat = np.array([[10.0, 50.0], [-83.2, 42.5]])
    assert np.array_equal(float_rt.encode_location(lonlat), int8_rt.encode_location(lonlat))  # location stays float


@requires_examples
def test_fidelity_on_the_real_examples_is_written_into_model_json(int8_package):
    fidelity = int8_package.meta["quantization"]["fidelity"]
    assert "3 GAIR examples" in fidelity["data"]
    assert set(fidelity["min_cosine_to_float"]) == {"global_rs", "localized_rs", "sv"}
    assert all(0.99 < v <= 1.0 + 1e-9 for v in fidelity["min_cosine_to_float"].values())


def test_cli_refuses_an_existing_folder_and_an_int8_package(int8_package, tmp_path, capsys):
    existing = tmp_path / "there"
    existing.mkdir()
    assert quantize.main([str(bundled_package_path()), "--out", str(existing)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert list(existing.iterdir()) == []
    assert quantize.main([str(int8_package.root), "--out", str(tmp_path / "again")]) == 2
    assert "already an int8 package" in capsys.readouterr().err
    assert not (tmp_path / "again").exists()


def test_the_weight_type_follows_the_cpu(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor : 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n")
    assert quantize.cpu_has_vnni(cpuinfo) and quantize.weight_type_name(True) == "int8"
    cpuinfo.write_text("processor : 0\nflags\t\t: fpu sse2 avx2 avx512f\n")
    assert not quantize.cpu_has_vnni(cpuinfo) and quantize.weight_type_name(False) == "uint8"
    assert not quantize.cpu_has_vnni(tmp_path / "missing")


def test_the_chosen_weight_type_is_recorded(int8_package):
    chosen = quantize.weight_type_name(quantize.cpu_has_vnni())
    assert int8_package.meta["quantization"]["weights"] == chosen
    assert chosen in int8_package.meta["graphs"]["rs_encoder"]["quantized"]


def test_uint8_weights_are_close_to_float_too(tmp_path):
    package = load_package(quantize.quantize_package(bundled_package_path(), tmp_path / "u8", weights="uint8"))
    assert package.meta["quantization"]["weights"] == "uint8"
    assert all(0.99 < v <= 1.0 + 1e-9 for v in package.meta["quantization"]["fidelity"]["min_cosine_to_float"].values())
