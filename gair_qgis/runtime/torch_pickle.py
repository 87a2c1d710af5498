"""Read tensors from a PyTorch checkpoint (`torch.save` zip format) without torch and without
running code from the file.

The pickle inside the zip is read by an unpickler whose `find_class` knows only an
allow-list: the tensor rebuild functions (replaced by numpy equivalents), storage types,
`OrderedDict`, and a few inert metadata classes (`argparse.Namespace`) that become plain
dicts. Any other global (e.g. `os.system`, `builtins.eval`) is refused with an error
naming it, so a crafted file cannot execute anything.
"""
from __future__ import annotations

import collections
import io
import pickle
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import UnsafeCheckpointError


class DamagedCheckpointError(ValueError):
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


class _StorageType:
    def __init__(self, name: str) -> None:
        self.dtype: Any = _STORAGE_DTYPES[name]  # a numpy dtype, or "bfloat16"


def _rebuild_tensor(storage: NDArray[Any], offset: int, size: tuple[int, ...], stride: tuple[int, ...],
                    *_ignored: Any) -> NDArray[Any]:
    if not size:
        return storage[offset : offset + 1].reshape(()).copy()
    itemsize = storage.itemsize
    view = np.lib.stride_tricks.as_strided(
        storage[offset:], shape=tuple(size), strides=tuple(s * itemsize for s in stride), writeable=False
    )
    return np.ascontiguousarray(view)


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
    def __init__(self, data: bytes, archive: zipfile.ZipFile, prefix: str) -> None:
        super().__init__(io.BytesIO(data))
        self._archive = archive
        self._prefix = prefix
        self._storages: dict[str, NDArray[Any]] = {}

    def find_class(self, module: str, name: str) -> Any:
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
            raw = self._archive.read(f"{self._prefix}data/{key}")
            if storage_type.dtype == "bfloat16":
                self._storages[key] = _bfloat16_to_float32(raw)
            else:
                self._storages[key] = np.frombuffer(raw, dtype=storage_type.dtype)
        return self._storages[key]


def load_checkpoint(path: str | Path) -> Any:
    """The object saved in a torch zip checkpoint, with tensors as numpy arrays."""
    path = Path(path)
    if not path.is_file():
        raise DamagedCheckpointError(f"checkpoint not found: {path} (no such file); check the path")
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as handle:
            head = handle.read(4)
        if head == ZIP_MAGIC:
            raise DamagedCheckpointError(f"{path} is truncated or damaged (its zip directory is missing, e.g. an "
                                         "interrupted download); download it again")
        if head[:1] == PICKLE_MAGIC:
            raise UnsafeCheckpointError(f"{path} is not a PyTorch zip checkpoint but a plain pickle (a legacy, "
                                        "pre-1.6 torch.save file?); re-save it with torch.save from torch >= 1.6")
        raise DamagedCheckpointError(f"{path} is not a PyTorch checkpoint (not a zip archive); give the "
                                     "checkpoint.pth written by torch.save")
    try:
        with zipfile.ZipFile(path) as archive:
            pickles = [name for name in archive.namelist() if name.endswith("data.pkl")]
            if len(pickles) != 1:
                raise UnsafeCheckpointError(f"{path}: expected one data.pkl in the archive, found {len(pickles)}")
            prefix = pickles[0][: -len("data.pkl")]
            return _RestrictedUnpickler(archive.read(pickles[0]), archive, prefix).load()
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise DamagedCheckpointError(f"{path} is damaged ({error}); download or copy it again") from None


def state_dict_from_checkpoint(obj: Any) -> dict[str, NDArray[Any]]:
    """The tensor dict of a loaded checkpoint: `obj["model"]`, `obj["state_dict"]` or obj itself."""
    if isinstance(obj, dict):
        for key in ("model", "state_dict"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not all(isinstance(v, np.ndarray) for v in obj.values()):
        raise ValueError("the checkpoint holds no state dict of tensors (expected a 'model' entry)")
    return dict(obj)
