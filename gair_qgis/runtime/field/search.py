"""Photo -> where: a street photo against every tile of a field.

Two independent answers, as GAIR gives them: the photo's projected SV vector against each
tile's RS embedding (cosine), and against the location embedding of each tile's centre
(the location tower, lon/lat from the field's CRS; stored by the build, computed here only
for fields made before it was); their combination is the sum of their
z-scores over the field. The field is streamed chunk by chunk (a few chunks in flight in
threads: blosc and onnxruntime release the GIL), so memory stays flat however large
it is: pass 1 writes the two cosines into the similarity raster and keeps running sums and
each ranking's best candidates; pass 2 reads the cosines back chunk by chunk for the z-scores.
"""

from __future__ import annotations

import heapq
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

import numpy as np
from numpy.typing import NDArray

from gair_qgis.runtime.errors import InputError
from gair_qgis.runtime.session import GAIRRuntime

from . import need, store
from .gpkg import write_points
from .grid import FieldGrid, to_lonlat_of
from .heatmap import check_new_output, field_runtime, photo_vector, tile_similarity

RANKINGS = ("rs", "location", "combined")
BANDS = ("rs_cosine", "location_cosine", "combined_z")
THREADS = max(4, min(8, os.cpu_count() or 1))  # chunk reads wait on the disk: more in flight than cores
REFINE_STEPS = 4  # NILI samples per token cell and axis when refining a top tile


@dataclass
class Running:
    """Count, sum and sum of squares of a score (float64), for its mean and spread."""

    count: int = 0
    total: float = 0.0
    squares: float = 0.0

    def add(self, values: NDArray[Any]) -> None:
        finite = values[np.isfinite(values)].astype(np.float64)
        self.count += finite.size
        self.total += float(finite.sum())
        self.squares += float((finite**2).sum())

    def merge(self, other: Running) -> None:
        self.count += other.count
        self.total += other.total
        self.squares += other.squares

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    @property
    def std(self) -> float:
        if not self.count:
            return 1.0
        return max(float(np.sqrt(max(self.squares / self.count - self.mean**2, 0.0))), 1e-12)


@dataclass
class Best:
    """The `top` highest scores seen, with their tile (row, col); ties go to the first tile."""

    top: int
    items: list[tuple[float, int, int]] = field(default_factory=list)

    def add(self, scores: NDArray[Any], row0: int, col0: int) -> None:
        self.extend(top_candidates(scores, row0, col0, self.top))

    def extend(self, candidates: list[tuple[float, int, int]]) -> None:
        """Keep the best of what was kept and `candidates` (from `top_candidates`)."""
        self.items = heapq.nlargest(self.top, self.items + candidates)

    def ranked(self) -> list[tuple[float, int, int]]:
        """(score, row, col), best first."""
        return [(score, -row, -col) for score, row, col in sorted(self.items, reverse=True)]


def top_candidates(scores: NDArray[Any], row0: int, col0: int, top: int) -> list[tuple[float, int, int]]:
    """The `top` best finite scores of a block whose first tile is (row0, col0), as Best keeps them."""
    flat = np.where(np.isfinite(scores), scores, -np.inf).ravel()
    k = min(top, int(np.isfinite(flat).sum()))
    if k == 0:
        return []
    picks = np.argpartition(-flat, k - 1)[:k]
    cols = scores.shape[1]
    return [(float(flat[i]), -(row0 + int(i) // cols), -(col0 + int(i) % cols)) for i in picks]


@dataclass
class SearchResult:
    raster: Path
    points: Path
    places: dict[str, list[tuple[float, int, int]]]
    tiles: int
    seconds: float
    grid: FieldGrid
    scan_seconds: float = 0.0  # streaming the field: the part that grows with its size

    def summary(self) -> str:
        lines = [
            f"similarity raster: {self.raster} (bands {', '.join(BANDS)})",
            f"top places: {self.points} ({self.tiles} tiles searched in {self.seconds:.1f} s, "
            f"{self.scan_seconds:.1f} s of it reading the field)",
        ]
        for ranking, places in self.places.items():
            if places and ranking != "rs_refined":  # its points inside the tiles are in the point layer
                score, row, col = places[0]
                x, y = self.grid.tiles.centres_of(col, row)
                lines.append(
                    f"  best by {ranking}: tile (row {row}, col {col}) at ({float(x):.8g}, {float(y):.8g}), "
                    f"score {score:.4f}"
                )
        return "\n".join(lines)


@dataclass
class FieldArrays:
    """The arrays a search reads, opened once and shared by its threads (zarr reads are thread-safe)."""

    embedding: Any
    coverage: Any
    location: Optional[Any]

    @classmethod
    def open(cls, path: Path) -> FieldArrays:
        group = need("zarr").open_group(str(path), mode="r")
        return cls(group["embedding"], group["coverage"], group.get("location"))


@lru_cache(maxsize=1)
def half_table() -> NDArray[Any]:
    """The float32 value of every float16 bit pattern (65,536 entries)."""
    return np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16).astype(np.float32)


def as_float32(values: NDArray[Any]) -> NDArray[Any]:
    """`values` as float32; float16 through `half_table` (1.6x numpy 1.24's astype, which was a
    third of the time a search spent on the stored location embeddings)."""
    if values.dtype == np.float16:
        return np.take(half_table(), values.view(np.uint16))
    return values.astype(np.float32, copy=False)


def cosines(unit: NDArray[Any], columns: NDArray[Any]) -> NDArray[Any]:
    """Cosine of the unit vector `unit` (D,) with each column of `columns` (D, N), as float32."""
    columns = as_float32(columns)
    norms = np.sqrt(np.einsum("dn,dn->n", columns, columns))
    result: NDArray[Any] = (unit @ columns) / np.maximum(norms, 1e-12)
    return result


@dataclass
class ChunkScan:
    """One chunk's cosines with what the search keeps of them (made in a search thread)."""

    row0: int
    col0: int
    rs: NDArray[Any]
    location: NDArray[Any]
    stats: dict[str, Running]
    candidates: dict[str, list[tuple[float, int, int]]]


def scan_chunk(
    arrays: FieldArrays,
    grid: FieldGrid,
    ci: int,
    cj: int,
    unit: NDArray[Any],
    runtime: Optional[GAIRRuntime],
    min_coverage: int,
    top: int,
) -> ChunkScan:
    """One chunk's RS and location cosines with the photo's unit vector (NaN for tiles under
    `min_coverage`, and for location when `runtime` is None), with each answer's running sums
    and best tiles, so the writing thread only merges."""
    c0, r0, c1, r1 = grid.chunk_tiles(ci, cj)
    dim = unit.shape[0]
    shape = (r1 - r0, c1 - c0)
    poor = arrays.coverage[r0:r1, c0:c1] < min_coverage
    rs = cosines(unit, arrays.embedding[:, r0:r1, c0:c1].reshape(dim, -1)).reshape(shape)
    rs[poor] = np.nan
    location = np.full(shape, np.nan, np.float32)
    if runtime is not None and not poor.all():
        if arrays.location is not None:  # stored by the build
            location = cosines(unit, arrays.location[:, r0:r1, c0:c1].reshape(dim, -1)).reshape(shape)
        else:
            good = ~poor
            x, y = grid.tile_centres(c0, r0, c1, r1)
            lon, lat = to_lonlat_of(grid.crs)(x[good], y[good])
            places = runtime.encode_location(np.stack([lon, lat], axis=1))
            location[good] = cosines(unit, places.T)
        location[poor] = np.nan
    scores = {"rs": rs, "location": location}
    stats = {name: Running() for name in scores}
    for name, values in scores.items():
        stats[name].add(values)
    candidates = {name: top_candidates(values, r0, c0, top) for name, values in scores.items()}
    return ChunkScan(r0, c0, rs, location, stats, candidates)


def in_flight(function: Callable[..., Any], calls: Iterable[tuple[Any, ...]], threads: int) -> Iterator[Any]:
    """Results of calls in order, at most 2 x `threads` computed ahead (bounded memory)."""
    with ThreadPoolExecutor(threads) as pool:
        pending: list[Any] = []
        for args in calls:
            pending.append(pool.submit(function, *args))
            if len(pending) >= 2 * threads:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def search_field(
    field_path: str | Path,
    photo: str | Path,
    out: str | Path,
    raster: Optional[str | Path] = None,
    top: int = 20,
    package: Optional[str | Path] = None,
    min_coverage: int = 50,
    overwrite: bool = False,
    location: bool = True,
    threads: int = THREADS,
    progress: Optional[Callable[[int, int], None]] = None,
) -> SearchResult:
    """Search a field with a photo: the similarity raster (three bands) and the top places.
    `progress(steps done, steps in all)` is called as chunks are scored (two steps per chunk);
    it may raise (InterruptedError for a cancel) to stop: nothing is left behind."""
    started = time.monotonic()
    info = store.read_info(field_path)
    if top < 1:
        raise InputError(f"--top {top}: give a positive number of places")
    if not 0 <= min_coverage <= 100:
        raise InputError(f"--min-coverage {min_coverage}: give a percent from 0 to 100")
    out = check_new_output(out, (".gpkg",), overwrite, "the top places")
    raster = check_new_output(raster or out.with_suffix(".tif"), (".tif", ".tiff"), overwrite, "the similarity raster")
    chunks = store.done_chunks(info.path)
    if not chunks:
        raise InputError(f"{field_path} holds no complete chunk; build it first")
    runtime = field_runtime(info, package)
    sv = photo_vector(runtime, photo)
    grid = info.grid
    partial = raster.with_name(f".{raster.name}.{os.getpid()}.partial")
    scan_started = time.monotonic()
    try:
        places, tiles = _write_scores(
            partial, info, grid, chunks, sv, runtime if location else None, min_coverage, top, threads, progress
        )
        os.replace(partial, raster)
    finally:
        partial.unlink(missing_ok=True)
    scan_seconds = time.monotonic() - scan_started
    if info.tokens:
        places["rs_refined"] = places["rs"]
    write_places(out, grid, info, places, runtime, sv)
    return SearchResult(raster, out, places, tiles, time.monotonic() - started, grid, scan_seconds)


def _write_scores(
    path: Path,
    info: store.FieldInfo,
    grid: FieldGrid,
    chunks: list[tuple[int, int]],
    sv: NDArray[Any],
    runtime: Optional[GAIRRuntime],
    min_coverage: int,
    top: int,
    threads: int,
    progress: Optional[Callable[[int, int], None]] = None,
) -> tuple[dict[str, list[tuple[float, int, int]]], int]:
    report = progress or (lambda done, total: None)
    import rasterio
    from rasterio.transform import Affine
    from rasterio.windows import Window

    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": grid.cols,
        "height": grid.rows,
        "count": 3,
        "dtype": "float32",
        "crs": grid.crs,
        "transform": Affine(grid.tile_width, 0, grid.left, 0, -grid.tile_height, grid.top),
        "nodata": float("nan"),
        "compress": "zstd",  # level 1: twice as fast as deflate here, the same size (float cosines)
        "zstd_level": 1,
        "sparse_ok": True,
    }
    if grid.cols >= 256 and grid.rows >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    stats = {"rs": Running(), "location": Running()}
    best = {name: Best(top) for name in RANKINGS}
    tiles = 0
    with rasterio.open(path, "w+", **profile) as dataset:
        for band, name in enumerate(BANDS, start=1):
            dataset.set_band_description(band, name)
        dataset.update_tags(
            GAIR_FIELD=str(info.path),
            GAIR_FIELD_SEARCH="1: photo vs tile RS embedding (cosine); "
            "2: photo vs location embedding of the tile centre (cosine); 3: sum of their z-scores",
            **{k: str(v) for k, v in (runtime.package.display_tags() if runtime else {}).items()},
        )
        unit = (sv / max(float(np.linalg.norm(sv)), 1e-12)).astype(np.float32)
        arrays = FieldArrays.open(info.path)
        calls = [(arrays, grid, ci, cj, unit, runtime, min_coverage, top) for ci, cj in chunks]
        windows = []
        for scan in in_flight(scan_chunk, calls, threads):
            window = Window(scan.col0, scan.row0, scan.rs.shape[1], scan.rs.shape[0])
            windows.append(window)
            dataset.write(np.stack([scan.rs, scan.location]), indexes=[1, 2], window=window)
            for name in ("rs", "location"):
                stats[name].merge(scan.stats[name])
                best[name].extend(scan.candidates[name])
            tiles += scan.stats["rs"].count
            report(len(windows), 2 * len(chunks))
        for index, window in enumerate(windows):  # pass 2: the z-score sum, from the cosines written above
            rs, location = dataset.read(indexes=[1, 2], window=window)
            combined = (rs - stats["rs"].mean) / stats["rs"].std
            if runtime is not None:
                combined = combined + (location - stats["location"].mean) / stats["location"].std
            dataset.write(combined.astype(np.float32), indexes=3, window=window)
            best["combined"].add(combined, int(window.row_off), int(window.col_off))
            report(len(chunks) + index + 1, 2 * len(chunks))
    places = {name: best[name].ranked() for name in RANKINGS if runtime is not None or name != "location"}
    return places, tiles


def refine(
    info: store.FieldInfo, runtime: GAIRRuntime, sv: NDArray[Any], row: int, col: int
) -> tuple[float, float, float]:
    """The best NILI point inside a tile (map x, y) and its cosine, from the stored cell tables."""
    zarr = need("zarr")
    cells = zarr.open_group(str(info.path), mode="r")["cells"][row, col]
    steps = runtime.package.grid_size * REFINE_STEPS
    t = (np.arange(steps) + 0.5) / steps * 2 - 1
    values = tile_similarity(cells, runtime, sv, t[None, :], t[:, None])
    j, i = np.unravel_index(int(np.argmax(values)), values.shape)
    grid = info.grid
    x = grid.left + (col + (t[i] + 1) / 2) * grid.tile_width
    y = grid.top - (row + (t[j] + 1) / 2) * grid.tile_height
    return float(x), float(y), float(values[j, i])


def write_places(
    out: Path,
    grid: FieldGrid,
    info: store.FieldInfo,
    places: dict[str, list[tuple[float, int, int]]],
    runtime: GAIRRuntime,
    sv: NDArray[Any],
) -> None:
    """The top places of every ranking as points: the tile centre, or with per-cell tables
    (`rs_refined`) the best NILI point inside each of the RS ranking's tiles."""
    from rasterio.crs import CRS

    rows, xy = [], []
    lonlat = to_lonlat_of(grid.crs)
    for ranking, ranked in places.items():
        for rank, (score, row, col) in enumerate(ranked, start=1):
            if ranking == "rs_refined":
                x, y, score = refine(info, runtime, sv, row, col)
            else:
                cx, cy = grid.tiles.centres_of(col, row)
                x, y = float(cx), float(cy)
            lon, lat = lonlat(np.array([x]), np.array([y]))
            rows.append(
                {
                    "ranking": ranking,
                    "rank": rank,
                    "score": float(score),
                    "tile_row": int(row),
                    "tile_col": int(col),
                    "tile": f"{row},{col}",
                    "lon": float(lon[0]),
                    "lat": float(lat[0]),
                }
            )
            xy.append((x, y))
    write_points(out, "top_places", grid.crs, CRS.from_wkt(grid.crs).to_epsg(), rows, xy)
