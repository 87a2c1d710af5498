"""Crafted checkpoints: a tensor's offset, size and stride must fit its storage, and what a
file claims is capped against its own size (issue 23, item 1).

The checkpoints are written opcode by opcode with the standard library (no torch), exactly
as torch.save lays them out (`archive/data.pkl` + `archive/data/<key>`), so each test sets
the one field it attacks.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from gair_qgis.runtime import import_checkpoint
from gair_qgis.runtime.errors import UnsafeCheckpointError
from gair_qgis.runtime.torch_pickle import load_checkpoint

STORAGE = np.arange(6, dtype=np.float32)  # data/0: six float32 elements, 0..5


def _global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _value(value: object) -> bytes:
    """The opcodes that push `value` (a protocol 2 pickle without its PROTO and STOP)."""
    return pickle.dumps(value, protocol=2)[2:-1]


def _storage(key: str = "0", numel: int = len(STORAGE)) -> bytes:
    """The persistent id ("storage", FloatStorage, key, "cpu", numel), loaded (BINPERSID)."""
    return (
        b"("
        + _value("storage")
        + _global("torch", "FloatStorage")
        + _value(key)
        + _value("cpu")
        + _value(numel)
        + b"tQ"
    )


def _rebuild(args: bytes) -> bytes:
    return _global("torch._utils", "_rebuild_tensor_v2") + b"(" + args + b"tR"  # MARK args TUPLE REDUCE


def _tensor(offset: object, size: object, stride: object, key: str = "0", numel: int = len(STORAGE)) -> bytes:
    """torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())."""
    return _rebuild(
        _storage(key, numel)
        + _value(offset)
        + _value(size)
        + _value(stride)
        + b"\x89"
        + _global("collections", "OrderedDict")
        + b")R"
    )


def write_checkpoint(
    path: Path, tensors: dict[str, bytes], storage: bytes = STORAGE.tobytes(), compress: bool = False
) -> Path:
    """A torch.save-like zip whose pickle is {name: tensor opcodes, ...}."""
    body = b"".join(_value(name) + opcodes for name, opcodes in tensors.items())
    data = b"\x80\x02}(" + body + b"u."
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        archive.writestr("archive/data.pkl", data)
        archive.writestr("archive/data/0", storage)
    return path


def test_an_honest_crafted_tensor_loads_as_its_view(tmp_path):
    """The crafting itself is right: a view inside its storage reads exactly those elements."""
    path = write_checkpoint(tmp_path / "ok.pth", {"w": _tensor(1, (2, 2), (2, 1)), "s": _tensor(5, (), ())})
    loaded = load_checkpoint(path)
    np.testing.assert_array_equal(loaded["w"], [[1, 2], [3, 4]])
    assert loaded["s"] == 5


@pytest.mark.parametrize(
    ("offset", "size", "stride", "why"),
    [
        (4, (2, 2), (2, 1), "outside its storage"),  # last element 7 of 6
        (0, (3,), (3,), "outside its storage"),  # last element 6 of 6
        (6, (), (), "outside its storage"),  # a scalar past the end
        (-2, (2,), (1,), "offset -2"),
        (2, (3,), (-1,), "negative"),
        (0, (2, 2), (1,), "one length"),
        (0, (2,), (1.5,), "non-integer"),
    ],
)
def test_a_tensor_outside_its_storage_is_refused_by_name(tmp_path, offset, size, stride, why):
    path = write_checkpoint(
        tmp_path / "bad.pth", {"fine": _tensor(0, (6,), (1,)), "encoder.weight": _tensor(offset, size, stride)}
    )
    with pytest.raises(UnsafeCheckpointError, match=why) as refused:
        load_checkpoint(path)
    assert "tensor encoder.weight is refused" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_small_file_cannot_expand_into_a_huge_copy(tmp_path):
    """Stride 0 keeps every element inside a 6-element storage while claiming 64 MB: beyond the
    copy budget (four times the file's size, plus 1 MiB) the tensor stays a read-only view of
    its storage and allocates nothing; within it, tensors are copied as before."""
    path = write_checkpoint(
        tmp_path / "expanding.pth", {"small": _tensor(0, (64, 6), (0, 1)), "big": _tensor(0, (4096, 4096), (0, 0))}
    )
    assert path.stat().st_size < 2000
    loaded = load_checkpoint(path)
    big, small = loaded["big"], loaded["small"]
    assert big.shape == (4096, 4096) and big.strides == (0, 0) and not big.flags.writeable
    assert big.base is not None and big.max() == big.min() == 0
    assert small.flags.c_contiguous and small.flags.owndata and small[63, 5] == 5


def test_an_archive_that_unpacks_far_beyond_its_size_is_refused(tmp_path):
    """A deflated storage of 32 MB of zeros in a file of a few dozen KB (a zip bomb)."""
    zeros = bytes(32 << 20)
    path = write_checkpoint(
        tmp_path / "bomb.pth", {"w": _tensor(0, (4,), (1,), numel=len(zeros) // 4)}, storage=zeros, compress=True
    )
    assert path.stat().st_size < 200_000
    with pytest.raises(UnsafeCheckpointError, match="claims .* bytes unpacked"):
        load_checkpoint(path)


@pytest.mark.parametrize(
    "opcodes",
    [
        _tensor(0, (2,), (1,), key="7"),  # a storage the archive does not hold
        _rebuild(_storage() + _value(0)),  # rebuild without its size and stride
        _global("torch", "FloatStorage") + b")R",  # a storage type called like a function
    ],
    ids=["missing storage", "missing arguments", "storage type called"],
)
def test_a_malformed_pickle_is_refused_not_an_internal_error(tmp_path, opcodes):
    path = write_checkpoint(tmp_path / "malformed.pth", {"w": opcodes})
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint(path)


def test_the_import_command_refuses_in_one_line_with_exit_2(tmp_path, capsys):
    path = write_checkpoint(tmp_path / "checkpoint.pth", {"imnet.weight": _tensor(4, (2, 2), (2, 1))})
    out = tmp_path / "package"
    assert import_checkpoint.main([str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    assert "tensor imnet.weight is refused" in err and str(path) in err
    assert not out.exists()


def test_a_broadcast_view_of_the_wrong_shape_is_refused_before_any_copy(tmp_path):
    """A 400 GB attention weight broadcast from 6 floats: the import reports its shape instead
    of copying it into the fused qkv weight (numpy would fail to allocate, or the OS kill QGIS)."""
    from gair_qgis.runtime.errors import CheckpointError

    key = "sv_encoder.encoder.layer.0.attention.attention.{}.weight"
    huge = _tensor(0, (1_000_000, 100_000), (0, 0))
    path = write_checkpoint(tmp_path / "checkpoint.pth", {key.format(part): huge for part in ("query", "key", "value")})
    with pytest.raises(CheckpointError) as refused:
        import_checkpoint.import_released(path, tmp_path / "package")
    assert "sv_encoder.vit.blocks.0.attn.qkv.weight (query)" in str(refused.value)
    assert "1000000" in str(refused.value)
    assert not (tmp_path / "package").exists()
