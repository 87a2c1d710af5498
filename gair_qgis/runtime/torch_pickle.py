"""Read tensors from a PyTorch checkpoint (`torch.save` zip format) without torch and without
running code from the file.

The pickle inside the zip is read by an unpickler whose `find_class` knows only an
allow-list: the tensor rebuild functions (replaced by numpy equivalents), storage types,
`OrderedDict`, and a few inert metadata classes (`argparse.Namespace`) that become plain
dicts. Any other global (e.g. `os.system`, `builtins.eval`) is refused with an error
naming it, so a crafted file cannot execute anything.

Nor can it read outside its own bytes: every tensor's offset, sizes and strides are checked
against its storage (non-negative, last element inside) before a view is taken; a tensor
that fails is refused by name (`UnsafeCheckpointError`). Nor exhaust memory: the archive may
unpack to at most twice the file's size (torch.save stores it uncompressed), and tensors are
copied out of their storages only up to four times the file's size; beyond that (a broadcast
view, stride 0, claiming far more than the file holds) a tensor stays a read-only view of its
storage, taking no memory of its own.
"""

from __future__ import annotations

import collections
import io
import math
import pickle  # nosec B403  # a restricted Unpickler (an allowlist of torch types, no code objects)
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import CheckpointError, UnsafeCheckpointError


class DamagedCheckpointError(CheckpointError):
    """The checkpoint file is missing, truncated or corrupt."""


ZIP_MAGIC = b"PK\x03\x04"
PICKLE_MAGIC = b"\x80"  # a legacy (pre-1.6) torch.save file starts with a pickle protocol byte


_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "BFloat16Storage": "bfloat16",
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


# What a checkpoint may claim, against its file's size: its archive entries unpacked (torch.save
# stores them uncompressed, so a genuine file claims at most its own size) and the bytes its
# tensors are copied into (views of one storage, e.g. tied weights, repeat bytes; beyond this
# budget tensors stay views).
MAX_UNPACKED_PER_FILE_BYTE = 2
MAX_COPIED_PER_FILE_BYTE = 4
SMALL_FILE_ALLOWANCE = 1 << 20  # so that a tiny test checkpoint is not held to a ratio


class _StorageType:
    def __init__(self, name: str) -> None:
        self.dtype: Any = _STORAGE_DTYPES[name]  # a numpy dtype, or "bfloat16"


class _RefusedTensor:
    """Stands in for a tensor whose extent does not fit its storage: refused, with the
    tensor's name, once the whole pickle is read (`_refuse_bad_tensors`)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def tensor_extent_problem(storage_length: int, offset: Any, size: Any, stride: Any) -> str | None:
    """Why a view (offset, size, stride, in elements) does not fit a storage of
    `storage_length` elements, or None when it does: all non-negative integers, as many
    strides as sizes, and the last element inside the storage."""
    if not _is_index(offset):
        return f"offset {offset!r} is not a non-negative integer"
    if not isinstance(size, tuple) or not isinstance(stride, tuple) or len(size) != len(stride):
        return f"size {size!r} and stride {stride!r} are not tuples of one length"
    if not all(_is_index(v) for v in size + stride):
        return f"size {size} or stride {stride} holds a negative or non-integer value"
    if 0 in size:
        return None if offset <= storage_length else f"offset {offset} is past the storage's {storage_length} elements"
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= storage_length:
        return (
            f"its last element ({last}: offset {offset}, size {list(size)}, stride {list(stride)}) lies "
            f"outside its storage of {storage_length} elements"
        )
    return None


def _rebuild_tensor(
    storage: NDArray[Any], offset: Any, size: Any, stride: Any, *_ignored: Any, copy: bool = True
) -> NDArray[Any] | _RefusedTensor:
    """The tensor as a numpy array: a contiguous copy, or with `copy=False` a read-only view
    of its storage; a _RefusedTensor when its extent does not fit the storage."""
    if not isinstance(storage, np.ndarray):
        return _RefusedTensor(f"its storage is {type(storage).__name__}, not tensor data")
    problem = tensor_extent_problem(len(storage), offset, size, stride)
    if problem:
        return _RefusedTensor(problem)
    if not size:
        return storage[offset : offset + 1].reshape(()).copy()
    itemsize = storage.itemsize
    view = np.lib.stride_tricks.as_strided(
        storage[offset:], shape=size, strides=tuple(s * itemsize for s in stride), writeable=False
    )
    return np.ascontiguousarray(view) if copy else view


def _rebuild_parameter(data: NDArray[Any], *_ignored: Any) -> NDArray[Any]:
    return data


class _Namespace(dict[str, Any]):
    """Stands in for argparse.Namespace: keeps its attributes as dict items."""

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, dict):
            self.update(state)


_ALLOWED: dict[tuple[str, str], Any] = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("argparse", "Namespace"): _Namespace,
}
_ALLOWED.update({("torch", name): _StorageType(name) for name in _STORAGE_DTYPES})


def _bfloat16_to_float32(raw: bytes) -> NDArray[Any]:
    return (np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, archive: zipfile.ZipFile, prefix: str, copy_budget: int) -> None:
        super().__init__(io.BytesIO(data))
        self._archive = archive
        self._prefix = prefix
        self._storages: dict[str, NDArray[Any]] = {}
        self._copy_budget = copy_budget  # bytes tensors may still be copied into

    def _rebuild_within_budget(
        self, storage: Any, offset: Any, size: Any, stride: Any, *rest: Any
    ) -> NDArray[Any] | _RefusedTensor:
        """A tensor copied out of its storage while the copies fit the budget, else a view."""
        copy = True
        if isinstance(storage, np.ndarray) and isinstance(size, tuple) and all(_is_index(n) for n in size):
            claimed = math.prod(size) * storage.itemsize
            copy = claimed <= self._copy_budget
            self._copy_budget -= claimed if copy else 0
        return _rebuild_tensor(storage, offset, size, stride, *rest, copy=copy)

    def find_class(self, module: str, name: str) -> Any:
        if _ALLOWED.get((module, name)) is _rebuild_tensor:
            return self._rebuild_within_budget
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafeCheckpointError(
                f"refused to load {module}.{name} from the checkpoint: only tensors and plain data "
                "are read. The file is not a plain PyTorch state dict (or it was crafted to run code)."
            ) from None

    def persistent_load(self, pid: Any) -> NDArray[Any]:
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise UnsafeCheckpointError(f"unsupported persistent id in the checkpoint: {pid!r}")
        storage_type, key = pid[1], str(pid[2])
        if not isinstance(storage_type, _StorageType):
            raise UnsafeCheckpointError(f"unsupported storage type in the checkpoint: {storage_type!r}")
        if key not in self._storages:
            try:
                raw = self._archive.read(f"{self._prefix}data/{key}")
            except KeyError:
                raise UnsafeCheckpointError(f"the checkpoint refers to a storage data/{key} it does not hold") from None
            itemsize = 2 if storage_type.dtype == "bfloat16" else np.dtype(storage_type.dtype).itemsize
            if len(raw) % itemsize:
                raise DamagedCheckpointError(
                    f"the checkpoint's storage data/{key} has {len(raw)} bytes, not a whole "
                    f"number of {itemsize}-byte elements; download or copy it again"
                )
            if storage_type.dtype == "bfloat16":
                self._storages[key] = _bfloat16_to_float32(raw)
            else:
                self._storages[key] = np.frombuffer(raw, dtype=storage_type.dtype)
        return self._storages[key]


# What a crafted pickle can provoke inside the allowed callables (wrong argument types or
# counts, a bad persistent id): refused as a malformed file, never an "internal error".
_MALFORMED_PICKLE = (TypeError, AttributeError, IndexError, KeyError, ValueError, RecursionError)


def _check_claimed_size(path: Path, archive: zipfile.ZipFile) -> int:
    """Refuse an archive whose entries unpack to far more than the file's size (a zip bomb);
    returns the bytes its tensors may be copied into."""
    file_size = path.stat().st_size
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_PER_FILE_BYTE * file_size + SMALL_FILE_ALLOWANCE:
        raise UnsafeCheckpointError(
            f"{path} claims {unpacked} bytes unpacked from a {file_size}-byte file (a "
            "compressed or crafted archive; torch.save stores its data uncompressed); "
            "re-save it with torch.save"
        )
    return MAX_COPIED_PER_FILE_BYTE * file_size + SMALL_FILE_ALLOWANCE


def _refuse_bad_tensors(obj: Any, path: Path) -> None:
    """Raise UnsafeCheckpointError naming the first tensor (by its key path) whose extent
    did not fit its storage."""
    seen: set[int] = set()
    pending: list[tuple[str, Any]] = [("", obj)]
    while pending:
        name, item = pending.pop()
        if isinstance(item, _RefusedTensor):
            raise UnsafeCheckpointError(
                f"{path}: tensor {name or '(the whole file)'} is refused: {item.reason}; the file is damaged or crafted"
            )
        if id(item) in seen or not isinstance(item, (dict, list, tuple, set, frozenset)):
            continue
        seen.add(id(item))
        children = item.items() if isinstance(item, dict) else enumerate(item)
        pending.extend((f"{name}.{key}" if name else str(key), value) for key, value in children)


def load_checkpoint(path: str | Path) -> Any:
    """The object saved in a torch zip checkpoint, with tensors as numpy arrays."""
    path = Path(path)
    if not path.is_file():
        raise DamagedCheckpointError(f"checkpoint not found: {path} (no such file); check the path")
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as handle:
            head = handle.read(4)
        if head == ZIP_MAGIC:
            raise DamagedCheckpointError(
                f"{path} is truncated or damaged (its zip directory is missing, e.g. an "
                "interrupted download); download it again"
            )
        if head[:1] == PICKLE_MAGIC:
            raise UnsafeCheckpointError(
                f"{path} is not a PyTorch zip checkpoint but a plain pickle (a legacy, "
                "pre-1.6 torch.save file?); re-save it with torch.save from torch >= 1.6"
            )
        raise DamagedCheckpointError(
            f"{path} is not a PyTorch checkpoint (not a zip archive); give the checkpoint.pth written by torch.save"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            pickles = [name for name in archive.namelist() if name.endswith("data.pkl")]
            if len(pickles) != 1:
                raise UnsafeCheckpointError(f"{path}: expected one data.pkl in the archive, found {len(pickles)}")
            prefix = pickles[0][: -len("data.pkl")]
            budget = _check_claimed_size(path, archive)
            loaded = _RestrictedUnpickler(archive.read(pickles[0]), archive, prefix, budget).load()
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise DamagedCheckpointError(f"{path} is damaged ({error}); download or copy it again") from None
    except (DamagedCheckpointError, pickle.UnpicklingError):
        raise
    except _MALFORMED_PICKLE as error:
        raise UnsafeCheckpointError(
            f"{path}: its pickle is malformed ({type(error).__name__}: {error}); the file "
            "is not a plain PyTorch state dict (damaged or crafted)"
        ) from None
    _refuse_bad_tensors(loaded, path)
    return loaded


def state_dict_from_checkpoint(obj: Any) -> dict[str, NDArray[Any]]:
    """The tensor dict of a loaded checkpoint: `obj["model"]`, `obj["state_dict"]` or obj itself."""
    if isinstance(obj, dict):
        for key in ("model", "state_dict"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not all(isinstance(v, np.ndarray) for v in obj.values()):
        raise CheckpointError("the checkpoint holds no state dict of tensors (expected a 'model' entry)")
    return dict(obj)
