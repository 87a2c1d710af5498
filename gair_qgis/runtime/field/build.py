"""Building a field on Dask: one task per chunk of tiles; each task reads its own windows
(rasterio, warped into the field's grid), encodes them with the package's RS graph and writes
its own Zarr chunks and done record. Only small things (the job, a chunk's statistics, a
PCA sample, 3 x 32 x 32 bytes of RGB) pass through the client and the scheduler.
"""

from __future__ import annotations

import logging
import os
import resource
import shutil
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence

import numpy as np
from numpy.typing import NDArray

from gair_qgis.runtime.cli import check_output_folder
from gair_qgis.runtime.errors import InputError, PackageError
from gair_qgis.runtime.package import MODEL_JSON, ModelPackage, load_package, verified_sha256
from gair_qgis.runtime.preprocess import preprocess_rs
from gair_qgis.runtime.session import GAIRRuntime

from . import ClusterLost, need, store
from .grid import (
    DEFAULT_CHUNK,
    Bounds,
    FieldGrid,
    Scene,
    check_scale,
    chunk_scenes,
    discover_scenes,
    field_bounds,
    plan_grid,
)

ENCODE_BATCH = 16  # fixed, so a chunk's bytes do not depend on where it runs
# GDAL's block cache while a chunk is read (its default, 5% of RAM, made workers 1 GB here), in
# bytes: rasterio hands a small number to GDALSetCacheMax as bytes (256 meant 256 B: 20x slower)
READ_CACHE_BYTES = 256 << 20
MIN_COVERAGE = 50  # percent of a tile's pixels with data for the PCA sample and search rankings
PCA_SAMPLE_PER_CHUNK = 64
Progress = Callable[[int, int, float], None]  # (tiles done, tiles in all, tiles per second)


@dataclass(frozen=True)
class Job:
    """What every task needs (small: pickled to each task)."""

    field: str
    package: str
    package_sha256: str
    grid: FieldGrid
    scenes: tuple[Scene, ...]
    tokens: bool


@dataclass(frozen=True)
class ChunkTask:
    ci: int
    cj: int
    scenes: tuple[int, ...]


@dataclass
class BuildResult:
    field: Path
    chunks: int = 0
    skipped: int = 0
    tiles: int = 0
    valid: int = 0
    seconds: float = 0.0
    worker_rss_mb: float = 0.0
    workers: int = 0
    dashboard: str = ""
    stats: list[dict[str, Any]] = dataclass_field(default_factory=list)

    @property
    def encoded(self) -> int:
        """Tiles encoded by this run (tiles with data of the chunks not already complete)."""
        return sum(int(s["valid"]) for s in self.stats if not s.get("skipped"))

    @property
    def cpu_seconds(self) -> float:
        """CPU time of the worker processes on the chunks this run encoded (a machine's load aside)."""
        return sum(float(s.get("cpu_seconds", 0.0)) for s in self.stats if not s.get("skipped"))

    @property
    def tiles_per_second(self) -> float:
        return self.rate(self.seconds)

    def rate(self, seconds: float) -> float:
        """Tiles encoded per second after `seconds`."""
        return self.encoded / seconds if seconds > 0 else 0.0


def package_sha256(package: ModelPackage) -> str:
    """The package's identity: the sha256 of its model.json, which holds every file's sha256."""
    return verified_sha256(package.root / MODEL_JSON)


# --- on the workers ---------------------------------------------------------------------

_RUNTIME: dict[tuple[str, str], GAIRRuntime] = {}


def runtime_for(job: Job) -> GAIRRuntime:
    """The worker's GAIRRuntime for the job's package (loaded once per process, checked)."""
    key = (job.package, job.package_sha256)
    if key not in _RUNTIME:
        package = load_package(job.package)
        if package_sha256(package) != job.package_sha256:
            raise PackageError(
                f"the package at {job.package} on {socket.gethostname()} is not the one the build "
                "started with (its model.json differs); install the same package on every worker"
            )
        _RUNTIME.clear()
        _RUNTIME[key] = GAIRRuntime(package, batch_size=ENCODE_BATCH)
    return _RUNTIME[key]


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def open_options(path: str) -> dict[str, str]:
    """GDAL open options: a JPEG2000 file's codestream tiles as GDAL blocks, so the block cache
    keeps what is decoded (otherwise each strip of a single-tile file decodes the whole file)."""
    return {"USE_TILE_AS_BLOCK": "YES"} if path.lower().endswith(".jp2") else {}


class ChunkReader:
    """The pixels of a chunk's tiles, one row of tiles at a time, from every scene that meets
    it: each file warped into the field's reading grid (GDAL WarpedVRT, bilinear; nearest
    where the file's grid already is the field's), scenes taking precedence in input order."""

    def __init__(self, job: Job, task: ChunkTask) -> None:
        import rasterio
        from rasterio.enums import Resampling
        from rasterio.transform import Affine
        from rasterio.vrt import WarpedVRT

        grid = job.grid
        self.c0, self.r0, self.c1, self.r1 = grid.chunk_tiles(task.ci, task.cj)
        pixels = grid.pixels_of(self.c0, self.r0, self.c1, self.r1)
        transform = Affine(pixels.pixel_width, 0.0, pixels.left, 0.0, -pixels.pixel_height, pixels.top)
        self.width, self.tile = pixels.width, grid.tile_pixels
        self.bands = len(job.scenes[task.scenes[0]].sources)
        self._open: list[Any] = []
        self.scenes: list[list[tuple[list[int], list[int], Any]]] = []
        dtypes = set()
        for index in task.scenes:
            scene = job.scenes[index]
            same = scene.crs == grid.crs and np.allclose(scene.resolution, (pixels.pixel_width, pixels.pixel_height))
            parts = []
            for path in scene.files:
                source = rasterio.open(path, **open_options(path))
                self._open.append(source)
                vrt = WarpedVRT(
                    source,
                    crs=grid.crs,
                    transform=transform,
                    width=pixels.width,
                    height=pixels.height,
                    resampling=Resampling.nearest if same else Resampling.bilinear,
                    add_alpha=True,
                )
                self._open.append(vrt)
                positions, band_numbers = scene.bands_of(path)
                parts.append((positions, band_numbers, vrt))
                dtypes.add(np.dtype(source.dtypes[band_numbers[0] - 1]))
            self.scenes.append(parts)
        self.dtype = dtypes.pop() if len(dtypes) == 1 else np.dtype(np.float32)

    def strip(self, row: int) -> tuple[NDArray[Any], NDArray[Any]]:
        """(bands, tile, width) pixels in model band order and the (tile, width) valid mask of
        the chunk's `row`-th row of tiles."""
        from rasterio.windows import Window

        window = Window(0, row * self.tile, self.width, self.tile)
        pixels = np.zeros((self.bands, self.tile, self.width), self.dtype)
        valid = np.zeros((self.tile, self.width), bool)
        for parts in self.scenes:
            scene_pixels = np.zeros_like(pixels)
            scene_valid = np.ones_like(valid)
            for positions, band_numbers, vrt in parts:
                data = vrt.read(indexes=[*band_numbers, vrt.count], window=window)
                scene_pixels[positions] = data[:-1]
                scene_valid &= data[-1] > 0
            take = scene_valid & ~valid
            pixels[:, take] = scene_pixels[:, take]
            valid |= scene_valid
        return pixels, valid

    def close(self) -> None:
        for dataset in reversed(self._open):
            dataset.close()


def encode_chunk(job: Job, task: ChunkTask) -> dict[str, Any]:
    """Encode one chunk and write its Zarr chunks and done record (idempotent: a complete chunk
    is skipped; the same inputs give the same bytes wherever it runs)."""
    path = Path(job.field)
    keys = [job.scenes[i].key() for i in task.scenes]
    if store.is_complete(path, task.ci, task.cj, keys, job.tokens):
        return {"chunk": [task.ci, task.cj], "skipped": True, "tiles": 0, "valid": 0, "rss_mb": peak_rss_mb()}
    started, cpu_started = time.monotonic(), time.process_time()
    runtime = runtime_for(job)
    with need("rasterio").Env(GDAL_CACHEMAX=READ_CACHE_BYTES):
        reader = ChunkReader(job, task)
        embedding, coverage, cells = encode_strips(reader, runtime, job.tokens)
    rows, cols = coverage.shape
    location = tile_locations(job.grid, runtime, reader, coverage) if (path / "location").is_dir() else None
    write_chunk(path, (slice(reader.r0, reader.r1), slice(reader.c0, reader.c1)), embedding, coverage, cells, location)
    stats = {
        "tiles": rows * cols,
        "valid": int((coverage > 0).sum()),
        "seconds": round(time.monotonic() - started, 3),
        "cpu_seconds": round(time.process_time() - cpu_started, 3),
    }  # the worker process's, all its threads
    store.write_record(path, task.ci, task.cj, keys, job.tokens, stats)
    return {
        "chunk": [task.ci, task.cj],
        "skipped": False,
        **stats,
        "rss_mb": peak_rss_mb(),
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }


def encode_strips(
    reader: ChunkReader, runtime: GAIRRuntime, tokens: bool
) -> tuple[NDArray[Any], NDArray[Any], Optional[NDArray[Any]]]:
    """A chunk's (D, rows, cols) embeddings (NaN without data), (rows, cols) coverage percents
    and, with `tokens`, its (rows, cols, cells, D) float16 NILI tables, row of tiles by row;
    closes the reader."""
    spec, dim = runtime.package.rs_spec, runtime.package.embed_dim
    rows, cols = reader.r1 - reader.r0, reader.c1 - reader.c0
    embedding = np.full((dim, rows, cols), np.nan, np.float32)
    coverage = np.zeros((rows, cols), np.uint8)
    cells = np.zeros((rows, cols, runtime.package.grid_size**2, dim), np.float16) if tokens else None
    try:
        for row in range(rows):
            pixels, valid = reader.strip(row)
            share = valid.reshape(reader.tile, cols, reader.tile).mean(axis=(0, 2))
            coverage[row] = np.ceil(share * 100).astype(np.uint8)
            todo = np.flatnonzero(share > 0)
            for start in range(0, len(todo), ENCODE_BATCH):
                batch = todo[start : start + ENCODE_BATCH]
                inputs = np.stack(
                    [preprocess_rs(pixels[:, :, c * reader.tile : (c + 1) * reader.tile], spec) for c in batch]
                )
                for col, tile in zip(batch, runtime.encode_rs(inputs, threads=1)):
                    embedding[:, row, col] = tile.global_embedding
                    if cells is not None:
                        cells[row, col] = tile.cell_table
    finally:
        reader.close()
    return embedding, coverage, cells


def tile_locations(grid: FieldGrid, runtime: GAIRRuntime, reader: ChunkReader, coverage: NDArray[Any]) -> NDArray[Any]:
    """(D, rows, cols) float16 location embeddings of the chunk's tile centres with data (NaN elsewhere)."""
    from .grid import to_lonlat_of

    good = coverage > 0
    location = np.full((runtime.package.embed_dim, *coverage.shape), np.nan, np.float16)
    if good.any():
        x, y = grid.tile_centres(reader.c0, reader.r0, reader.c1, reader.r1)
        lon, lat = to_lonlat_of(grid.crs)(x[good], y[good])
        location[:, good] = runtime.encode_location(np.stack([lon, lat], axis=1)).T.astype(np.float16)
    return location


def write_chunk(
    path: Path,
    window: tuple[slice, slice],
    embedding: NDArray[Any],
    coverage: NDArray[Any],
    cells: Optional[NDArray[Any]],
    location: Optional[NDArray[Any]] = None,
) -> None:
    """The chunk's arrays into their Zarr chunks (`window`: its tile rows and columns), the same
    bytes wherever it runs."""
    zarr = need("zarr")
    store.single_threaded_blosc()
    rows, cols = window
    zarr.open_array(str(path / "embedding"), mode="r+")[:, rows, cols] = embedding
    zarr.open_array(str(path / "coverage"), mode="r+")[rows, cols] = coverage
    if location is not None:
        zarr.open_array(str(path / "location"), mode="r+")[:, rows, cols] = location
    if cells is not None:
        zarr.open_array(str(path / "cells"), mode="r+")[rows, cols] = cells


def chunk_block(path: str, ci: int, cj: int) -> tuple[NDArray[Any], NDArray[Any]]:
    """(D, rows, cols) embeddings and (rows, cols) coverage of one stored chunk."""
    zarr = need("zarr")
    grid = store.read_info(path).grid
    c0, r0, c1, r1 = grid.chunk_tiles(ci, cj)
    group = zarr.open_group(path, mode="r")
    return group["embedding"][:, r0:r1, c0:c1], group["coverage"][r0:r1, c0:c1]


def chunk_sample(path: str, ci: int, cj: int) -> tuple[int, int, NDArray[Any]]:
    """(ci, cj, up to PCA_SAMPLE_PER_CHUNK embeddings of well-covered tiles, evenly spaced)."""
    embedding, coverage = chunk_block(path, ci, cj)
    flat = embedding.reshape(embedding.shape[0], -1).T
    good = np.flatnonzero(coverage.ravel() >= MIN_COVERAGE)
    picks = good[np.linspace(0, len(good) - 1, min(len(good), PCA_SAMPLE_PER_CHUNK)).astype(int)] if len(good) else good
    return ci, cj, flat[picks]


def chunk_rgb(path: str, ci: int, cj: int, pca: dict[str, NDArray[Any]]) -> tuple[int, int, NDArray[Any]]:
    """(ci, cj, (3, rows, cols) uint8) PCA colours of a chunk: 1..255, 0 where no data."""
    embedding, coverage = chunk_block(path, ci, cj)
    d, rows, cols = embedding.shape
    projected = (embedding.reshape(d, -1).T.astype(np.float64) - pca["mean"]) @ pca["components"].T
    scaled = np.nan_to_num((projected - pca["low"]) / np.maximum(pca["high"] - pca["low"], 1e-12))
    rgb = (1 + np.clip(scaled, 0, 1) * 254).round().astype(np.uint8).T.reshape(3, rows, cols)
    rgb[:, coverage == 0] = 0
    return ci, cj, rgb


# --- executors ------------------------------------------------------------------------------

Runner = Callable[[Callable[..., Any], Sequence[tuple[Any, ...]]], Iterator[Any]]


def run_here(function: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> Iterator[Any]:
    """One call after another in this process (the reference build, `--scheduler none`)."""
    for args in calls:
        yield function(*args)


def has_dashboard() -> bool:
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None


DASK_LOGGERS = ("distributed", "tornado", "asyncio")
# Dask starts its workers with MALLOC_TRIM_THRESHOLD_ set; any value of it also fixes glibc's mmap
# threshold at 128 kB, so every strip-sized array is mmapped, faulted in page by page and unmapped:
# 3.5-4x the CPU of allocating it in a plain process. The local cluster's workers go without it.
LOCAL_WORKER_ENVIRON = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


@contextmanager
def quiet_dask_logs() -> Iterator[None]:
    """Dask's and tornado's own log lines (a lost scheduler's reconnection tracebacks) kept off
    stderr while a build runs, unless the project's loggers are at DEBUG (--debug): what went
    wrong reaches the user as one error."""
    if logging.getLogger("gair_qgis").isEnabledFor(logging.DEBUG):
        yield
        return
    names = [name for name in list(logging.root.manager.loggerDict) if name.split(".")[0] in DASK_LOGGERS]
    loggers = [logging.getLogger(name) for name in {*DASK_LOGGERS, *names}]  # dask's config sets child levels too
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


@contextmanager
def dask_runner(
    scheduler: str, workers: Optional[int], log: Callable[[str], None]
) -> Iterator[tuple[Runner, int, str]]:
    """A Runner on Dask: a LocalCluster of single-threaded worker processes sized to the machine
    (`scheduler` "local"), or the cluster at a scheduler address (tcp://host:8786)."""
    distributed = need("distributed")
    cluster = None
    if scheduler == "local":
        count = workers or os.cpu_count() or 1
        with need("dask").config.set(LOCAL_WORKER_ENVIRON):
            cluster = distributed.LocalCluster(
                n_workers=count,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0" if has_dashboard() else None,
                silence_logs=logging.ERROR,
            )
        client = distributed.Client(cluster)
    else:
        try:
            client = distributed.Client(scheduler, timeout="15s")
        except (OSError, TimeoutError) as error:
            raise InputError(
                f"cannot reach the Dask scheduler at {scheduler} ({error}); start one with "
                "`dask scheduler` and workers with `dask worker ADDRESS`, or leave --scheduler out "
                "for a local cluster"
            ) from None
    address = client.scheduler.address
    dashboard = client.dashboard_link if has_dashboard() or cluster is None else ""
    count = len(client.scheduler_info().get("workers", {}))
    log(f"Dask: {count} worker(s) at {address}; dashboard: {dashboard or 'not available (pip install bokeh for it)'}")

    def run(function: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> Iterator[Any]:
        futures: list[Any] = []
        try:
            futures = [client.submit(function, *args, pure=False) for args in calls]
            for _, result in distributed.as_completed(futures, with_results=True):
                if isinstance(result, BaseException):  # a future cancelled under us: the scheduler is gone
                    raise ClusterLost(f"lost the Dask scheduler at {address} ({type(result).__name__})")
                yield result
        except (OSError, TimeoutError, distributed.comm.CommClosedError) as error:
            raise ClusterLost(f"lost the Dask scheduler at {address} ({type(error).__name__}: {error})") from None
        except distributed.KilledWorker as error:
            raise ClusterLost(
                f"the task {error.task} killed worker after worker; check the workers' memory and logs"
            ) from None
        finally:
            if client.status == "running":
                client.cancel(futures)

    try:
        yield run, count, dashboard
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --- the build --------------------------------------------------------------------------------


def open_or_create(
    out: Path,
    package: ModelPackage,
    scenes: list[Scene],
    tokens: bool,
    crs: Optional[str],
    tile_size: Optional[float],
    chunk: Optional[int],
) -> tuple[FieldGrid, list[Bounds], bool]:
    """The field's grid and each scene's bounds in its CRS, checking an existing field can take
    these inputs; and whether the field is new (not yet created)."""
    sha = package_sha256(package)
    if out.exists():
        info = store.read_info(out)
        if info.package_sha256 != sha:
            raise InputError(
                f"{out} was built with the package {info.package_name} (sha256 {info.package_sha256[:12]}); "
                f"it cannot be extended with {package.name} (sha256 {sha[:12]}): build a new field"
            )
        grid = info.grid
        given = {"--chunk": (chunk, grid.chunk), "--tile-size": (tile_size, grid.tile_width)}
        for flag, (value, stored) in given.items():
            if value is not None and value != stored:
                raise InputError(
                    f"{out} has another grid ({flag} {stored}, not {value}); build a new field, or "
                    "leave the flag out to extend this one"
                )
        if crs is not None:
            from rasterio.crs import CRS

            if CRS.from_user_input(crs) != CRS.from_wkt(grid.crs):
                raise InputError(
                    f"{out} has another grid (its CRS is not {crs}); build a new field, or leave --crs "
                    "out to extend this one"
                )
        if info.tokens != tokens:
            raise InputError(f"{out} was built {'with' if info.tokens else 'without'} --tokens; give the same choice")
        bounds = [field_bounds(scene, grid.crs) for scene in scenes]
        for scene, box in zip(scenes, bounds):
            check_scale(scene, box, grid.crs, package.rs_spec, (grid.tile_width, grid.tile_height))
            if not grid.chunks_over(box):
                raise InputError(f"{scene.name} lies outside the grid of {out}; build a new field that covers it")
        return grid, bounds, False
    grid, bounds = plan_grid(scenes, package.rs_spec, crs, tile_size, chunk or DEFAULT_CHUNK)
    return grid, bounds, True


def provenance(
    package: ModelPackage,
    grid: FieldGrid,
    scenes: Sequence[Scene],
    tokens: bool,
    previous: Optional[dict[str, Any]] = None,
) -> dict[str, Any]:
    inputs = list(previous.get("inputs", [])) if previous else []
    known = {entry["key"] for entry in inputs}
    for scene in scenes:
        if scene.key() not in known:
            inputs.append(
                {
                    "key": scene.key(),
                    "name": scene.name,
                    "crs": scene.crs,
                    "files": [{"path": p, "size": s, "mtime_ns": m} for p, s, m in scene.identity],
                }
            )
    return {
        "format": store.FORMAT,
        "package": {"name": package.name, "sha256": package_sha256(package), "path": str(package.root.resolve())},
        "grid": grid.to_dict(),
        "embedding_dim": package.embed_dim,
        "tokens": tokens,
        "cells": package.grid_size**2 if tokens else 0,
        "token_grid": package.grid_size,
        "inputs": inputs,
        "created": (previous or {}).get("created", time.strftime("%Y-%m-%dT%H:%M:%S%z")),
        "min_coverage": MIN_COVERAGE,
    }


def create_field(out: Path, grid: FieldGrid, attrs: dict[str, Any], package: ModelPackage, tokens: bool) -> None:
    """Create the store aside and move it into place, so a killed build never leaves a half-made field."""
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        store.create(partial, grid, attrs, package.embed_dim, package.grid_size**2 if tokens else 0)
        os.rename(partial, out)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        if not out.exists():
            raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def build_field(
    inputs: Sequence[str],
    out: str | Path,
    package: Optional[str | Path] = None,
    crs: Optional[str] = None,
    tile_size: Optional[float] = None,
    chunk: Optional[int] = None,
    tokens: bool = False,
    scheduler: str = "local",
    workers: Optional[int] = None,
    progress: Optional[Progress] = None,
    log: Callable[[str], None] = print,
) -> BuildResult:
    """Build (or resume, or extend) the field at `out` from rasters or folders. `scheduler`:
    "local" (a LocalCluster), "none" (this process only) or a Dask scheduler address."""
    out = Path(out)
    for module in ("zarr", "numcodecs", *(() if scheduler == "none" else ("distributed",))):
        need(module)
    loaded = load_package(package)
    if "rs_encoder" not in loaded.meta.get("graphs", {}):
        raise PackageError(f"the package {loaded.root} has no RS graph (rs_encoder); give a GAIR package with one")
    scenes = discover_scenes(inputs, loaded.rs_spec)
    check_output_folder(out.parent, "the field's folder")
    grid, bounds, new = open_or_create(out, loaded, scenes, tokens, crs, tile_size, chunk)
    attrs = provenance(loaded, grid, scenes, tokens, None if new else store.read_info(out).attrs)
    if new:
        create_field(out, grid, attrs, loaded, tokens)
    with store.build_lock(out):
        store.update_attrs(out, attrs)
        job = Job(str(out.resolve()), str(loaded.root.resolve()), package_sha256(loaded), grid, tuple(scenes), tokens)
        tasks = [ChunkTask(ci, cj, tuple(found)) for (ci, cj), found in chunk_scenes(grid, bounds).items()]
        total = sum(_chunk_size(grid, t) for t in tasks)
        log(
            f"field {out}: {grid.cols} x {grid.rows} tiles of {grid.tile_width:g} x {grid.tile_height:g} map units, "
            f"{len(tasks)} chunk(s) of up to {grid.chunk} x {grid.chunk} tiles to check or encode ({total} tiles)"
        )
        result = BuildResult(out)
        try:
            _build(out, grid, job, tasks, total, result, scheduler, workers, progress, log)
        except ClusterLost as error:
            raise ClusterLost(
                f"{error}; the {len(store.done_chunks(out))} complete chunk(s) stay in {out}: rerun the "
                "same command (with a running scheduler) to resume"
            ) from None
    return result


def _build(
    out: Path,
    grid: FieldGrid,
    job: Job,
    tasks: list[ChunkTask],
    total: int,
    result: BuildResult,
    scheduler: str,
    workers: Optional[int],
    progress: Optional[Progress],
    log: Callable[[str], None],
) -> None:
    """Encode the chunks of `tasks` on the runner of `scheduler`, then write the PCA view."""
    with _runner(scheduler, workers, log) as (run, count, dashboard):
        result.workers, result.dashboard = count, dashboard
        started = time.monotonic()
        done = 0
        for stats in run(encode_chunk, [(job, task) for task in tasks]):
            result.stats.append(stats)
            result.chunks += 1
            result.skipped += bool(stats.get("skipped"))
            result.valid += int(stats.get("valid", 0))
            result.worker_rss_mb = max(result.worker_rss_mb, float(stats.get("rss_mb", 0)))
            done += _chunk_size(grid, ChunkTask(stats["chunk"][0], stats["chunk"][1], ()))
            if progress is not None:
                progress(done, total, result.rate(time.monotonic() - started))
        result.seconds = time.monotonic() - started
        result.tiles = total
        write_pca(out, grid, run, log)


def _chunk_size(grid: FieldGrid, task: ChunkTask) -> int:
    c0, r0, c1, r1 = grid.chunk_tiles(task.ci, task.cj)
    return (c1 - c0) * (r1 - r0)


@contextmanager
def _runner(scheduler: str, workers: Optional[int], log: Callable[[str], None]) -> Iterator[tuple[Runner, int, str]]:
    if scheduler == "none":
        yield run_here, 1, ""
        return
    with quiet_dask_logs(), dask_runner(scheduler, workers, log) as runner:
        yield runner


def fit_pca(sample: NDArray[Any]) -> dict[str, NDArray[Any]]:
    """Mean, three leading components (sign: largest loading positive) and the 2nd and 98th
    percentiles of the sample's projections."""
    sample = np.asarray(sample, np.float64)
    mean = sample.mean(axis=0)
    _, _, vt = np.linalg.svd(sample - mean, full_matrices=False)
    components = np.zeros((3, sample.shape[1]))
    components[: min(3, len(vt))] = vt[:3]
    signs = np.sign(components[np.arange(3), np.abs(components).argmax(axis=1)])
    components *= np.where(signs == 0, 1, signs)[:, None]
    projected = (sample - mean) @ components.T
    return {
        "mean": mean,
        "components": components,
        "low": np.percentile(projected, 2, axis=0),
        "high": np.percentile(projected, 98, axis=0),
    }


class RgbStatistics:
    """Exact statistics of the PCA view's pixels with data (integer sums: the same in any chunk
    order), written as GDAL's STATISTICS_* band metadata: QGIS reads them instead of sampling,
    which finds no data in a sparse field (scenes far apart)."""

    def __init__(self) -> None:
        self.count = 0
        self.sums = [0, 0, 0]
        self.squares = [0, 0, 0]
        self.low, self.high = [255, 255, 255], [0, 0, 0]

    def add(self, rgb: NDArray[Any]) -> None:
        valid = rgb[0] > 0
        self.count += int(valid.sum())
        for band in range(3):
            values = rgb[band][valid].astype(np.int64)
            if values.size:
                self.sums[band] += int(values.sum())
                self.squares[band] += int((values**2).sum())
                self.low[band], self.high[band] = (
                    min(self.low[band], int(values.min())),
                    max(self.high[band], int(values.max())),
                )

    def tags(self, pixels: int) -> list[dict[str, str]]:
        if not self.count:
            return [{}, {}, {}]
        result = []
        for band in range(3):
            mean = self.sums[band] / self.count
            std = max(self.squares[band] / self.count - mean**2, 0.0) ** 0.5
            result.append(
                {
                    "STATISTICS_MINIMUM": str(self.low[band]),
                    "STATISTICS_MAXIMUM": str(self.high[band]),
                    "STATISTICS_MEAN": f"{mean:.6f}",
                    "STATISTICS_STDDEV": f"{std:.6f}",
                    "STATISTICS_VALID_PERCENT": f"{100.0 * self.count / max(pixels, 1):.6g}",
                }
            )
        return result


def write_pca(out: Path, grid: FieldGrid, run: Runner, log: Callable[[str], None]) -> None:
    """pca_rgb.tif in the field: three PCA components of every tile's embedding as RGB (one
    pixel per tile), from a sample of every chunk; written aside and moved into place."""
    import rasterio
    from rasterio.transform import Affine
    from rasterio.windows import Window

    chunks = store.done_chunks(out)
    found = sorted(run(chunk_sample, [(str(out), ci, cj) for ci, cj in chunks]), key=lambda s: (s[1], s[0]))
    samples = [sample for _, _, sample in found if len(sample)]  # in chunk order, wherever they ran: same PCA
    if not samples:
        log("no tile with data: no PCA view written")
        return
    pca = fit_pca(np.concatenate(samples))
    block = 256 if grid.cols >= 256 and grid.rows >= 256 else None
    profile = {
        "driver": "GTiff",
        "width": grid.cols,
        "height": grid.rows,
        "count": 3,
        "dtype": "uint8",
        "crs": grid.crs,
        "nodata": 0,
        "compress": "deflate",
        "photometric": "RGB",
        "sparse_ok": True,
        "transform": Affine(grid.tile_width, 0, grid.left, 0, -grid.tile_height, grid.top),
    }
    if block:
        profile.update(tiled=True, blockxsize=block, blockysize=block)
    final = out / store.PCA_FILE
    partial = out / f".{store.PCA_FILE}.{os.getpid()}.partial"
    try:
        with rasterio.open(partial, "w", **profile) as dataset:
            dataset.update_tags(GAIR_FIELD_PCA="three principal components of the tile embeddings as RGB")
            stats = RgbStatistics()
            for ci, cj, rgb in run(chunk_rgb, [(str(out), ci, cj, pca) for ci, cj in chunks]):
                c0, r0, c1, r1 = grid.chunk_tiles(ci, cj)
                dataset.write(rgb, window=Window(c0, r0, c1 - c0, r1 - r0))
                stats.add(rgb)
            for band, tags in enumerate(stats.tags(grid.cols * grid.rows), start=1):
                dataset.update_tags(band, **tags)
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    log(f"PCA view: {final}")


def same_chunks(first: str | Path, second: str | Path, arrays: Iterable[str] = store.ARRAYS) -> list[str]:
    """Chunk files that differ between two fields (missing on one side counts), array by array."""
    differ = []
    for name in arrays:
        a, b = Path(first) / name, Path(second) / name
        keys = {p.name for p in a.glob("*") if not p.name.startswith(".")} | {
            p.name for p in b.glob("*") if not p.name.startswith(".")
        }
        for key in sorted(keys):
            if not ((a / key).is_file() and (b / key).is_file() and (a / key).read_bytes() == (b / key).read_bytes()):
                differ.append(f"{name}/{key}")
    return differ
