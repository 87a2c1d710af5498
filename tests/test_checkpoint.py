"""Released-checkpoint import (base preset, exact released layout) and our own checkpoints."""

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from gair_core.checkpoint import load_model, load_released, save_model
from gair_core.config import get_preset
from gair_core.models import GAIR
from gair_qgis.runtime.errors import CheckpointError, UnsafeCheckpointError
from gair_qgis.runtime.torch_pickle import load_checkpoint

from released_reference import croma_tokens, hf_vit_pooler, random_released_state_dict, released_layout


@pytest.fixture(scope="module")
def released_state():
    return random_released_state_dict(seed=0)


@pytest.fixture(scope="module")
def released_file(tmp_path_factory, released_state):
    path = tmp_path_factory.mktemp("released") / "checkpoint.pth"
    torch.save({"model": released_state, "epoch": 3}, path)
    return path


@pytest.fixture(scope="module")
def loaded(released_file):
    return load_released(released_file)


def test_layout_is_the_released_one():
    layout = released_layout()
    assert len(layout) == 402
    assert sum(int(np.prod(s)) for s in layout.values()) > 200_000_000


def test_every_released_key_is_loaded_or_ignored_with_a_reason(loaded):
    model, report = loaded
    assert report.ok and not report.unknown and not report.missing
    assert len(report.loaded) + len(report.ignored) == 402
    assert all(report.ignored.values())
    assert {k.split(".")[0] for k in report.ignored} == {
        "rs_encoder",
        "nerf_fn",
        "query_feature",
        "rs_patch_pos_encoding",
    }


def test_loaded_values_equal_the_file(loaded, released_state):
    model, _ = loaded
    ours = model.state_dict()
    torch.testing.assert_close(ours["nili.imnet.weight"], released_state["imnet.weight"])
    torch.testing.assert_close(
        ours["rs_encoder.transformer.layers.11.1.net.3.weight"],
        released_state["rs_encoder.s2_encoder.transformer.layers.11.1.net.3.weight"],
    )
    qkv = ours["sv_encoder.vit.blocks.5.attn.qkv.weight"]
    torch.testing.assert_close(
        qkv[768:1536], released_state["sv_encoder.encoder.layer.5.attention.attention.key.weight"]
    )


def test_sv_encoder_equals_the_hugging_face_vit_pooler(loaded, released_state):
    model, _ = loaded
    images = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(model.encode_sv(images), hf_vit_pooler(released_state, images), atol=2e-5, rtol=1e-4)


def test_rs_encoder_equals_croma_with_alibi(loaded, released_state):
    model, _ = loaded
    images = torch.rand(2, 10, 96, 96)
    with torch.no_grad():
        grid, global_embedding = model.encode_rs(images)
        expected = croma_tokens(released_state, images)
    torch.testing.assert_close(grid.reshape(2, 144, 768), expected, atol=2e-5, rtol=1e-4)
    torch.testing.assert_close(global_embedding, expected.mean(1), atol=2e-5, rtol=1e-4)


@pytest.mark.slow
def test_module_prefix_is_accepted(tmp_path):
    state = random_released_state_dict(seed=1, prefix="module.")
    path = tmp_path / "ddp.pth"
    torch.save({"model": state}, path)
    _, report = load_released(path)
    assert report.ok


@pytest.mark.slow
@pytest.mark.parametrize("change", ["rename", "drop", "reshape"])
def test_bad_keys_fail_naming_the_key(tmp_path, released_state, change):
    state = dict(released_state)
    key = "optical_proj.weight"
    if change == "rename":
        state["optical_projection.weight"] = state.pop(key)
    elif change == "drop":
        del state[key]
    else:
        state[key] = torch.zeros(768, 767)
    path = tmp_path / f"{change}.pth"
    torch.save({"model": state}, path)
    with pytest.raises(CheckpointError) as error:
        load_released(path)
    message = str(error.value)
    assert "optical_proj.weight" in message
    if change == "rename":
        assert "unknown key" in message and "optical_projection.weight" in message
    if change == "reshape":
        assert "[768, 767]" in message


class _RunsCode:
    def __reduce__(self):
        import os

        return (os.system, ("touch /tmp/gair_pwned",))


def test_a_pickle_that_would_run_code_is_refused(tmp_path):
    path = tmp_path / "evil.pth"
    torch.save({"model": {"x": torch.zeros(1)}, "payload": _RunsCode()}, path)
    Path("/tmp/gair_pwned").unlink(missing_ok=True)
    with pytest.raises(UnsafeCheckpointError, match="refused to load (os|posix).system"):
        load_checkpoint(path)
    assert not Path("/tmp/gair_pwned").exists()


def test_a_plain_pickle_file_is_refused(tmp_path):
    path = tmp_path / "plain.pkl"
    path.write_bytes(pickle.dumps({"model": {}}))
    with pytest.raises(UnsafeCheckpointError, match="not a PyTorch zip"):
        load_checkpoint(path)


def test_training_metadata_like_argparse_namespace_is_read_as_data(tmp_path):
    import argparse

    path = tmp_path / "with_args.pth"
    torch.save({"model": {"w": torch.arange(6.0).view(2, 3).t()}, "args": argparse.Namespace(lr=0.1)}, path)
    obj = load_checkpoint(path)
    assert obj["args"]["lr"] == 0.1
    np.testing.assert_array_equal(obj["model"]["w"], np.arange(6.0, dtype=np.float32).reshape(2, 3).T)


def test_our_checkpoints_round_trip_losslessly(tmp_path):
    torch.manual_seed(0)
    model = GAIR(get_preset("tiny"))
    path = tmp_path / "tiny.safetensors"
    save_model(model, path)
    restored = load_model(path)
    for key, value in model.state_dict().items():
        assert torch.equal(value, restored.state_dict()[key]), key
    assert restored.config == model.config
