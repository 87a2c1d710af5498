"""GAIR on onnxruntime: encoders from a model package, batched, on the best execution provider.

onnxruntime is imported lazily so that the plugin loads (and can say what is missing)
where it is not installed.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

import numpy as np
from numpy.typing import NDArray

from .errors import PackageError
from .location import check_lonlat, equal_earth
from .package import GRAPH_NAMES, ModelPackage, load_package
from .preprocess import preprocess_rs, preprocess_sv, read_photo
from .tile import EncodedTile

if TYPE_CHECKING:
    from onnxruntime import InferenceSession

# Preferred first; CPU is always available.
PROVIDER_PREFERENCE = (
    "CUDAExecutionProvider",
    "ROCMExecutionProvider",
    "CoreMLExecutionProvider",
    "DmlExecutionProvider",
    "CPUExecutionProvider",
)


LOCATION_BATCH = 4096  # location queries are tiny; batch them wide


class RuntimeUnavailable(ImportError):
    """onnxruntime is not installed in this Python."""


# The runtime stands alone (no QGIS): the plugin layer adds its own installer offer to this.
ONNXRUNTIME_MISSING = (
    "onnxruntime is not installed in this Python: in QGIS, install it with the GAIR models dock > "
    "Dependencies > Install; elsewhere `pip install onnxruntime`"
)


def import_onnxruntime() -> ModuleType:
    """The onnxruntime module, or RuntimeUnavailable saying how to install it."""
    try:
        import onnxruntime
    except ImportError as error:
        raise RuntimeUnavailable(ONNXRUNTIME_MISSING) from error
    module: ModuleType = onnxruntime
    return module


def choose_providers(available: Sequence[str], force_cpu: bool = False) -> list[str]:
    """Execution providers to request, best first."""
    if force_cpu:
        return ["CPUExecutionProvider"]
    return [p for p in PROVIDER_PREFERENCE if p in available] or ["CPUExecutionProvider"]


class GAIRRuntime:
    """The three encoders of a model package on onnxruntime."""

    def __init__(
        self, package: ModelPackage | str | Path | None = None, force_cpu: bool = False, batch_size: int = 8
    ) -> None:
        self.package = package if isinstance(package, ModelPackage) else load_package(package)
        self.batch_size = batch_size
        ort = import_onnxruntime()
        self._providers = choose_providers(ort.get_available_providers(), force_cpu)
        self._ort = ort
        self._sessions: dict[str, InferenceSession] = {}
        self._offset_weight, self._bias = self.package.nili_arrays()

    @property
    def provider(self) -> str:
        """The execution provider actually running the RS graph (any of its sessions)."""
        existing = [s for k, s in self._sessions.items() if k.split(":")[0] == "rs_encoder"]
        provider: str = (existing[0] if existing else self._session("rs_encoder")).get_providers()[0]
        return provider

    def _session(self, graph: str, threads: Optional[int] = None) -> InferenceSession:
        """The graph's session; `threads` (intra-op threads) other than the default gets its own,
        which replaces the graph's other sessions (one copy of the weights in memory)."""
        key = graph if threads is None else f"{graph}:{threads}"
        if key not in self._sessions:
            for other in [k for k in self._sessions if k.split(":")[0] == graph]:
                del self._sessions[other]
            if graph not in GRAPH_NAMES:
                raise PackageError(f"unknown graph {graph!r}")
            options = self._ort.SessionOptions()
            options.intra_op_num_threads = threads or int(os.environ.get("GAIR_THREADS", "0"))
            # idle onnxruntime threads sleep instead of spinning: the tile reader runs beside them
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._sessions[key] = self._ort.InferenceSession(
                str(self.package.graph_path(graph)), sess_options=options, providers=self._providers
            )
        return self._sessions[key]

    def _run_batched(
        self,
        graph: str,
        inputs: NDArray[Any],
        progress: Optional[Callable[[int, int], bool]] = None,
        batch_size: Optional[int] = None,
        threads: Optional[int] = None,
    ) -> list[NDArray[Any]]:
        """Run a graph over inputs in batches; `progress(done, total)` returning False cancels."""
        session = self._session(graph, threads)
        name = session.get_inputs()[0].name
        step = batch_size or self.batch_size
        chunks: list[list[NDArray[Any]]] = []
        for start in range(0, len(inputs), step):
            chunks.append(session.run(None, {name: inputs[start : start + step]}))
            if progress is not None and progress(min(start + step, len(inputs)), len(inputs)) is False:
                raise InterruptedError("cancelled")
        return [np.concatenate([c[i] for c in chunks]) for i in range(len(chunks[0]))] if chunks else []

    # --- RS ------------------------------------------------------------------------------

    def encode_rs(
        self, images: NDArray[Any], progress: Optional[Callable[[int, int], bool]] = None, threads: Optional[int] = None
    ) -> list[EncodedTile]:
        """(B, bands, S, S) preprocessed inputs -> one EncodedTile each. `threads`: onnxruntime's
        intra-op threads, when other threads (a tile reader) need a core (a second session)."""
        grids, globals_, tables = self._run_batched(
            "rs_encoder", np.ascontiguousarray(images, np.float32), progress, threads=threads
        )
        return [EncodedTile(g, e, t, self._offset_weight, self._bias) for g, e, t in zip(grids, globals_, tables)]

    def encode_rs_window(
        self, pixels: NDArray[Any], band_names: Optional[Sequence[Optional[str]]] = None
    ) -> EncodedTile:
        """A raster window (C, H, W) of digital numbers -> EncodedTile."""
        return self.encode_rs(preprocess_rs(pixels, self.package.rs_spec, band_names)[None])[0]

    # --- SV ------------------------------------------------------------------------------

    def encode_sv(self, images: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
        """(B, 3, 224, 224) preprocessed photos -> pooled g(s) and projected (B, D) each."""
        pooled, projected = self._run_batched("sv_encoder", np.ascontiguousarray(images, np.float32))
        return pooled, projected

    def encode_photo(self, photo: str | Path | NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
        """A photo file or (H, W, 3) RGB array -> pooled and projected (D,) vectors."""
        rgb = read_photo(photo, self.package.sv_spec.input_size) if isinstance(photo, (str, Path)) else photo
        pooled, projected = self.encode_sv(preprocess_sv(rgb, self.package.sv_spec)[None])
        return pooled[0], projected[0]

    # --- location -------------------------------------------------------------------------

    def encode_location(
        self, lonlat: NDArray[Any], progress: Optional[Callable[[int, int], bool]] = None
    ) -> NDArray[Any]:
        """(N, 2) (lon, lat) degrees -> (N, D) location embeddings."""
        projected = equal_earth(check_lonlat(lonlat))
        (embedding,) = self._run_batched("location_encoder", projected, progress, LOCATION_BATCH)
        return embedding

    def close(self) -> None:
        """Free the onnxruntime sessions."""
        self._sessions.clear()
