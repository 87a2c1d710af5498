"""Model packages, the onnxruntime runtime, the torch-free import and the fast heatmap."""

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from gair_core.checkpoint import load_model
from gair_core.export import export_package
from gair_qgis.runtime.errors import PackageError
from gair_qgis.runtime.package import FORMAT_VERSION, ModelPackage
from gair_qgis.runtime.session import GAIRRuntime

from conftest import ROOT

N = 12


@pytest.fixture(scope="module")
def tiny_package(tmp_path_factory, tiny_checkpoint):
    out = tmp_path_factory.mktemp("pkg") / "tiny"
    export_package(
        load_model(tiny_checkpoint),
        out,
        provenance={"source_checkpoint": "tiny"},
        name="tiny-test",
        version="0",
        licence="Apache-2.0",
        description="",
        untrained=True,
    )
    return out


@pytest.fixture(scope="module")
def tiny_runtime(tiny_package):
    return GAIRRuntime(tiny_package, force_cpu=True)


def test_package_round_trip(tiny_package):
    package = ModelPackage.load(tiny_package)
    meta = package.meta
    assert meta["format_version"] == FORMAT_VERSION and meta["untrained"] is True
    assert package.embed_dim == 128 and package.grid_size == 12
    assert package.rs_spec.bands == ("B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B11", "B12")
    assert set(meta["files"]) >= {"rs_encoder.onnx", "rs_encoder.weights", "nili.npz"}
    assert meta["provenance"]["verification_max_relative_error"]["sv pooled"] < 1e-4


def test_a_changed_byte_is_refused_naming_the_file(tiny_package, tmp_path):
    copy = shutil.copytree(tiny_package, tmp_path / "copy")
    weights = copy / "sv_encoder.weights"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(PackageError, match="sv_encoder.weights"):
        ModelPackage.load(copy)


def test_a_wrong_format_version_is_refused(tiny_package, tmp_path):
    copy = shutil.copytree(tiny_package, tmp_path / "copy")
    meta = json.loads((copy / "model.json").read_text())
    meta["format_version"] = FORMAT_VERSION + 1
    (copy / "model.json").write_text(json.dumps(meta))
    with pytest.raises(PackageError, match="format version"):
        ModelPackage.load(copy)


def test_runtime_equals_torch_for_the_tiny_preset(tiny_runtime, tiny_checkpoint):
    model = load_model(tiny_checkpoint)
    rng = np.random.default_rng(0)
    rs = rng.random((3, 10, 96, 96), dtype=np.float32)
    sv = rng.standard_normal((2, 3, 224, 224), dtype=np.float32)
    lonlat = np.stack([rng.uniform(-180, 180, 20), rng.uniform(-90, 90, 20)], 1)
    coords = rng.uniform(-1, 1, (1, 40, 2))
    tiles = tiny_runtime.encode_rs(rs)
    with torch.no_grad():
        grid, global_embedding = model.encode_rs(torch.from_numpy(rs))
        localized = model.localize(grid, torch.from_numpy(coords).expand(3, -1, -1))
        pooled = model.encode_sv(torch.from_numpy(sv))
        location = model.encode_location(torch.from_numpy(lonlat))
    close: dict[str, Any] = dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.stack([t.grid for t in tiles]), grid.numpy(), **close)
    np.testing.assert_allclose(np.stack([t.global_embedding for t in tiles]), global_embedding.numpy(), **close)
    np.testing.assert_allclose(np.stack([t.localize(coords[0]) for t in tiles]), localized.numpy(), **close)
    np.testing.assert_allclose(
        np.stack([t.localize(coords[0], "bilinear") for t in tiles]),
        model.localize(grid, torch.from_numpy(coords).expand(3, -1, -1), "bilinear").numpy(),
        **close,
    )
    got_pooled, got_projected = tiny_runtime.encode_sv(sv)
    np.testing.assert_allclose(got_pooled, pooled.numpy(), **close)
    np.testing.assert_allclose(got_projected, model.project_sv(pooled).detach().numpy(), **close)
    np.testing.assert_allclose(tiny_runtime.encode_location(lonlat), location.numpy(), **close)
    assert tiny_runtime.provider == "CPUExecutionProvider"


def _special_coordinates() -> np.ndarray:
    centres = -1 + (2 * np.arange(N) + 1) / N
    edges = -1 + 2 * np.arange(N + 1) / N
    near = np.concatenate([centres[[0, -1]] + d for d in (-2e-6, -1e-6, 1e-6, 3e-5)])
    axis = np.concatenate([centres, edges, near, [-1.0, 1.0, -0.999999, 0.999999]])
    x, y = np.meshgrid(axis, axis)
    return np.stack([x.ravel(), y.ravel()], 1)


def test_fast_heatmap_equals_direct_evaluation_at_centres_edges_and_corners(tiny_runtime, tiny_checkpoint):
    """Direct = torch NILI: imnet applied to the four gathered 9C-d latents, then cosine."""
    model = load_model(tiny_checkpoint)
    rng = np.random.default_rng(3)
    image = rng.random((1, 10, 96, 96), dtype=np.float32)
    tile = tiny_runtime.encode_rs(image)[0]
    sv = rng.standard_normal(128).astype(np.float32)
    coords = _special_coordinates()
    with torch.no_grad():
        grid, _ = model.encode_rs(torch.from_numpy(image))
        latents = model.localize(grid, torch.from_numpy(coords)[None])[0].numpy().astype(np.float64)
    direct = latents @ sv / np.linalg.norm(latents, axis=1) / np.linalg.norm(sv)
    fast_points = tile.similarity(sv, coords[:, 0], coords[:, 1])
    np.testing.assert_allclose(fast_points, direct, atol=1e-5)
    axis = np.unique(coords[:, 0])
    fast_grid = tile.similarity(sv, axis[None, :], axis[:, None])
    x, y = np.meshgrid(axis, axis)
    np.testing.assert_allclose(fast_grid.ravel(), tile.similarity(sv, x.ravel(), y.ravel()), atol=1e-6)


def test_large_grids_are_evaluated_in_blocks_identically(tiny_runtime):
    tile = tiny_runtime.encode_rs(np.random.default_rng(4).random((1, 10, 96, 96), dtype=np.float32))[0]
    sv = np.random.default_rng(5).standard_normal(128).astype(np.float32)
    xs = np.linspace(-1, 1, 400)
    grid = tile.similarity(sv, xs[None, :], xs[:, None])  # 160,000 queries: several blocks
    x, y = np.meshgrid(xs, xs)
    direct = tile.localize(np.stack([x.ravel(), y.ravel()], 1)).astype(np.float64)
    expected = direct @ sv / np.linalg.norm(direct, axis=1) / np.linalg.norm(sv)
    np.testing.assert_allclose(grid.ravel(), expected, atol=1e-5)


def test_tile_cache_round_trip(tiny_runtime, tmp_path):
    tile = tiny_runtime.encode_rs(np.random.default_rng(6).random((1, 10, 96, 96), dtype=np.float32))[0]
    from gair_qgis.runtime.tile_cache import CachedTile, read_entry, write_entry

    write_entry(tmp_path / "entry.tile", CachedTile(tile, np.ones((96, 96), bool)))
    again = read_entry(tmp_path / "entry.tile").tile
    coords = np.array([[0.1, -0.3], [0.9, 0.95]])
    np.testing.assert_array_equal(again.localize(coords), tile.localize(coords))


def test_runtime_embed_cli_matches_torch_embed(tmp_path, tiny_package, tiny_checkpoint, l2a_tile, photo):
    from gair_core import embed as torch_embed
    from gair_qgis.runtime import embed as runtime_embed

    args = ["--rs-image", l2a_tile, "--sv-image", photo, "--lon", 9.17, "--lat", 48.765]
    args = [str(a) for a in args]
    assert torch_embed.main(["--checkpoint", str(tiny_checkpoint), *args, "--output-dir", str(tmp_path / "t")]) == 0
    assert runtime_embed.main(["--package", str(tiny_package), *args, "--output-dir", str(tmp_path / "r")]) == 0
    for name in ("rs_embedding.npy", "sv_embedding.npy", "loc_embedding.npy", "localized_rs_embedding.npy"):
        np.testing.assert_allclose(np.load(tmp_path / "r" / name), np.load(tmp_path / "t" / name), rtol=1e-4, atol=1e-5)
    summary = json.loads((tmp_path / "r" / "embed_summary.json").read_text())
    assert summary["model"]["backend"] == "onnxruntime" and summary["model"]["untrained"] is True


def test_importing_gair_qgis_imports_neither_qgis_nor_torch():
    code = (
        "import sys, gair_qgis, gair_qgis.runtime.session, gair_qgis.runtime.embed, gair_qgis.runtime.import_checkpoint;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'qgis', 'PyQt5', 'gair_core')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


BLOCK_TORCH = textwrap.dedent("""
    import sys
    class _NoTorch:
        def find_spec(self, name, path=None, target=None):
            if name.split('.')[0] in ('torch', 'gair_core', 'onnx', 'timm'):
                raise ImportError(f'{name} is blocked in this test')
    sys.meta_path.insert(0, _NoTorch())
""")


@pytest.fixture(scope="module")
def base_checkpoint(tmp_path_factory):
    from released_reference import random_released_state_dict

    path = tmp_path_factory.mktemp("base") / "checkpoint.pth"
    torch.save({"model": random_released_state_dict(seed=11, prefix="module."), "epoch": 1}, path)
    return path


@pytest.mark.slow
def test_base_preset_export_and_torch_free_import_agree(tmp_path, base_checkpoint, l2a_tile, photo):
    """Base preset (the released architecture): torch export vs the import that runs with
    torch blocked, compared on real-format inputs through the runtime embed command."""
    from gair_core.checkpoint import load_released

    model, _ = load_released(base_checkpoint)
    errors = export_package(
        model,
        tmp_path / "exported",
        provenance={},
        name="base",
        version="0",
        licence="x",
        description="",
        untrained=False,
    )
    assert max(errors.values()) < 1e-4
    del model
    script = BLOCK_TORCH + textwrap.dedent(f"""
        from gair_qgis.runtime import import_checkpoint, embed
        assert import_checkpoint.main([{str(base_checkpoint)!r}, '--out', {str(tmp_path / "imported")!r}]) == 0
        for name in ('imported', 'exported'):
            assert embed.main(['--package', {str(tmp_path)!r} + '/' + name, '--rs-image', {str(l2a_tile)!r},
                               '--sv-image', {str(photo)!r}, '--lon', '9.17', '--lat', '48.765',
                               '--output-dir', {str(tmp_path)!r} + '/out-' + name]) == 0
        assert not any(m.split('.')[0] == 'torch' for m in sys.modules)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for name in ("rs_embedding.npy", "sv_embedding.npy", "loc_embedding.npy", "localized_rs_embedding.npy"):
        imported = np.load(tmp_path / "out-imported" / name)
        exported = np.load(tmp_path / "out-exported" / name)
        assert imported.shape == (1, 768)
        np.testing.assert_allclose(imported, exported, rtol=1e-6, atol=1e-6)


def test_heads_are_added_with_hashes_and_read_back(tiny_package, tmp_path):
    from gair_qgis.runtime.package import add_heads

    rng = np.random.default_rng(7)
    layers = [(rng.standard_normal((16, 128)), rng.standard_normal(16)), (rng.standard_normal((3, 16)), np.zeros(3))]
    spec = {
        "name": "landcover",
        "task": "classification",
        "input": "rs_global",
        "labels": ["water", "urban", "forest"],
        "metric": {"name": "accuracy", "value": 0.5},
    }
    package = add_heads(tiny_package, [(spec, layers)], out_dir=tmp_path / "with-head")
    (head,) = package.heads
    assert head.labels == ("water", "urban", "forest") and head.file == "heads/landcover.npz"
    assert "heads/landcover.npz" in package.meta["files"]
    loaded = package.head_layers(head)
    np.testing.assert_allclose(loaded[1][0], layers[1][0].astype(np.float32))
    assert ModelPackage.load(tiny_package).heads == []  # the source package is untouched


def test_adding_heads_keeps_the_model_card(tiny_package, tmp_path):
    from gair_qgis.runtime.package import add_heads

    copy = shutil.copytree(tiny_package, tmp_path / "carded")
    (copy / "README.md").write_text("# card\n")
    add_heads(
        copy,
        [
            (
                {"name": "h", "task": "regression", "input": "location", "targets": ["t"]},
                [(np.ones((1, 128)), np.zeros(1))],
            )
        ],
    )
    assert (copy / "README.md").read_text() == "# card\n"


def test_a_package_is_hashed_again_only_when_a_file_changes(tiny_package, tmp_path, monkeypatch):
    from gair_qgis.runtime import package as pkg

    copy = shutil.copytree(tiny_package, tmp_path / "memo")
    ModelPackage.load(copy)
    hashed: list[str] = []

    def not_the_hash(path: Path) -> str:
        hashed.append(path.name)
        return "not-the-hash"

    monkeypatch.setattr(pkg, "sha256_of", not_the_hash)
    ModelPackage.load(copy)  # unchanged files: no hashing
    assert hashed == []
    weights = copy / "rs_encoder.weights"
    data = bytearray(weights.read_bytes())
    data[100] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(PackageError, match="rs_encoder.weights"):
        ModelPackage.load(copy)
    assert hashed == ["rs_encoder.weights"]
