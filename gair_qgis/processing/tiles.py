"""Tiles of a raster for the algorithms: sizes, lattices, encoding through the cache, and
the blocks of an output grid that each tile evaluates."""

from __future__ import annotations

import os
import queue
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np
from qgis.core import QgsRectangle

from .. import cache
from ..qgis_io import RasterSource, ground_pixel_m
from ..runtime.errors import InputError
from ..runtime.geometry import (
    PixelGrid,
    TileLattice,
    Window,
    clip_window,
    fractional_pixel,
    pixels_for_ground_size,
    snap_window,
    subgrid,
)
from ..runtime.package import ModelPackage
from ..runtime.preprocess import preprocess_rs
from ..runtime.tile_cache import CachedTile, EntryShape, tile_key
from ..settings import limit_sources, max_cache_bytes, max_cache_gb
from ..translation import translate
from .base import Model, Progress, check_limit
from .errors import NoOverlap


def tile_size_pixels(source: RasterSource, package: ModelPackage, x: float, y: float) -> tuple[int, int]:
    """(cols, rows) of the model's tile ground size (metres on the ground, in any CRS) in the
    raster's pixels at map point (x, y)."""
    return pixels_for_ground_size(ground_pixel_m(source.grid, source.crs, x, y), package.rs_spec.tile_ground_size_m)


def extent_window(source: RasterSource, extent: QgsRectangle) -> Window:
    """An extent in the raster's CRS snapped to the raster's pixel edges."""
    return snap_window(source.grid, extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum())


def output_grid(area: PixelGrid, pixel_size: float) -> PixelGrid:
    """An output grid over `area`'s bounds: `area` itself, or square pixels of `pixel_size`
    from its top-left corner (the last row and column may reach a little beyond). Refused
    above the pixel limit."""
    grid = area
    if pixel_size:
        left, bottom, right, top = area.bounds
        width = max(1, int(np.ceil((right - left) / pixel_size - 1e-9)))
        height = max(1, int(np.ceil((top - bottom) / pixel_size - 1e-9)))
        grid = PixelGrid(left, top, pixel_size, pixel_size, width, height)
    check_limit(
        "max_pixels",
        grid.width * grid.height,
        translate("tiles", "a {} x {} px output").format(grid.width, grid.height),
        translate("tiles", "choose a larger PIXEL_SIZE or a smaller EXTENT"),
    )
    return grid


@dataclass
class Block:
    """The output pixels one tile evaluates: a rectangle of output rows x columns."""

    window: Window
    rows: np.ndarray  # output row indices (R,)
    cols: np.ndarray  # output column indices (C,)
    x: np.ndarray  # (1, C) interpolator x = 2u - 1 in the tile
    y: np.ndarray  # (R, 1) interpolator y = 2v - 1
    pixel_rows: np.ndarray  # (R,) raster row of each output row, relative to the window
    pixel_cols: np.ndarray  # (C,) raster column of each output column, relative to the window

    def valid(self, item: CachedTile) -> np.ndarray:
        """(R, C) whether the raster pixel under each output pixel centre holds data."""
        return item.valid[self.pixel_rows[:, None], self.pixel_cols[None, :]]

    def coords(self) -> np.ndarray:
        """(R * C, 2) interpolator coordinates, row-major."""
        x, y = np.broadcast_arrays(self.x, self.y)
        return np.stack([x.ravel(), y.ravel()], axis=1)


def lattice_blocks(
    raster: PixelGrid, lattice: TileLattice, grid: PixelGrid, cells: Optional[tuple[int, int]] = None
) -> list[Block]:
    """Split `grid`'s pixels whose centres lie inside the raster among the lattice's tiles.
    With `cells` = (nx, ny), tile indices are clamped to 0..nx-1, 0..ny-1."""
    xs, ys = grid.pixel_centres()
    xs, ys = xs[0], ys[:, 0]
    col, row = fractional_pixel(raster, xs, ys)
    inside_col = (col >= 0) & (col < raster.width)
    inside_row = (row >= 0) & (row < raster.height)
    cell_i, cell_j = lattice.cell_of(col, row)
    if cells is not None:
        cell_i, cell_j = np.clip(cell_i, 0, cells[0] - 1), np.clip(cell_j, 0, cells[1] - 1)
    blocks = []
    for i in np.unique(cell_i[inside_col]):
        cols = np.flatnonzero(inside_col & (cell_i == i))
        for j in np.unique(cell_j[inside_row]):
            rows = np.flatnonzero(inside_row & (cell_j == j))
            window = lattice.tile(raster, int(i), int(j))
            u, v = subgrid(raster, window).uv(xs[cols], ys[rows])
            blocks.append(
                Block(
                    window,
                    rows,
                    cols,
                    (2 * u - 1)[None, :],
                    (2 * v - 1)[:, None],
                    np.clip(np.floor(row[rows]).astype(np.int64) - window.row, 0, window.height - 1),
                    np.clip(np.floor(col[cols]).astype(np.int64) - window.col, 0, window.width - 1),
                )
            )
    return blocks


# --- the fixed, blended tile grid of a raster (heatmaps) ------------------------------------

BLEND_STRIDE = 0.5  # tiles every half tile: each place is inside two tiles along each axis
MIN_BLEND_WEIGHT = 1e-9  # a pixel centre on a tile's very edge (the raster's edge) keeps a value


@dataclass
class BlendBlock(Block):
    """A tile's block of output pixels and the weight of the tile at each: a raised cosine
    sin^2(pi u) sin^2(pi v) of the position (u, v) in [0, 1] across the tile, 0 at its edges."""

    weight_x: np.ndarray  # (C,)
    weight_y: np.ndarray  # (R,)

    def weight(self) -> np.ndarray:
        """(R, C) separable weight."""
        return self.weight_y[:, None] * self.weight_x[None, :]


def raster_tiles(source: RasterSource, package: ModelPackage) -> tuple[TileLattice, tuple[int, int]]:
    """The one tile grid of a raster that every heatmap uses, whatever the click or extent:
    tiles of the model's ground size (in the raster's pixels at its centre) from its top-left
    pixel every BLEND_STRIDE tile, the last ones shifted inside, and how many (nx, ny)."""
    return tile_lattice(source, package, Window(0, 0, source.grid.width, source.grid.height), BLEND_STRIDE)


def raised_cosine(offset: np.ndarray, size: int) -> np.ndarray:
    """sin^2(pi u) at u = offset / size in [0, 1] (floored at MIN_BLEND_WEIGHT): with tiles
    every half tile the weights of the two tiles over a place sum to 1."""
    return np.maximum(np.sin(np.pi * offset / size) ** 2, MIN_BLEND_WEIGHT)


def nearest_tile(raster: PixelGrid, lattice: TileLattice, cells: tuple[int, int], x: float, y: float) -> Window:
    """The tile of the fixed grid whose centre is nearest to map point (x, y): the same tile
    for every point of its central stride x stride cell."""
    col, row = fractional_pixel(raster, x, y)
    columns = [lattice.tile(raster, i, 0) for i in range(cells[0])]
    rows = [lattice.tile(raster, 0, j) for j in range(cells[1])]
    i = int(np.argmin([abs(w.col + w.width / 2 - col) for w in columns]))
    j = int(np.argmin([abs(w.row + w.height / 2 - row) for w in rows]))
    return lattice.tile(raster, i, j)


def _axis_candidates(lattice_start: int, stride: int, size: int, count: int, low: float, high: float) -> list[int]:
    """Lattice indices along one axis whose tiles may hold positions in [low, high]: those whose
    unshifted tile does, and the last one (shifted inside the raster, it may start earlier)."""
    first = max(0, int(np.floor((low - lattice_start - size) / stride)))
    last = min(count - 1, int(np.ceil((high - lattice_start) / stride)))
    return sorted(set(range(first, last + 1)) | {count - 1})


def blended_blocks(
    raster: PixelGrid, lattice: TileLattice, cells: tuple[int, int], grid: PixelGrid
) -> list[BlendBlock]:
    """For every tile of the fixed grid over `grid`'s pixels whose centres lie inside the
    raster: those pixels inside the tile, their tile coordinates and the tile's weights."""
    xs, ys = grid.centres_of(np.arange(grid.width), np.arange(grid.height))
    col, row = fractional_pixel(raster, xs, ys)
    inside_col = (col >= 0) & (col < raster.width)
    inside_row = (row >= 0) & (row < raster.height)
    if not (inside_col.any() and inside_row.any()):
        return []
    (sx, sy), first = lattice.stride, lattice.first
    span_i = _axis_candidates(first.col, sx, first.width, cells[0], col[inside_col].min(), col[inside_col].max())
    span_j = _axis_candidates(first.row, sy, first.height, cells[1], row[inside_row].min(), row[inside_row].max())
    blocks, seen = [], set()
    for j in span_j:
        for i in span_i:
            window = lattice.tile(raster, i, j)
            if window in seen:
                continue
            seen.add(window)
            cols = np.flatnonzero(inside_col & (col >= window.col) & (col < window.col + window.width))
            rows = np.flatnonzero(inside_row & (row >= window.row) & (row < window.row + window.height))
            if not (cols.size and rows.size):
                continue
            u, v = subgrid(raster, window).uv(xs[cols], ys[rows])
            blocks.append(
                BlendBlock(
                    window,
                    rows,
                    cols,
                    (2 * u - 1)[None, :],
                    (2 * v - 1)[:, None],
                    np.clip(np.floor(row[rows]).astype(np.int64) - window.row, 0, window.height - 1),
                    np.clip(np.floor(col[cols]).astype(np.int64) - window.col, 0, window.width - 1),
                    raised_cosine(col[cols] - window.col, window.width),
                    raised_cosine(row[rows] - window.row, window.height),
                )
            )
    return blocks


def check_tile_count(windows: Sequence[Window], what: str, fix: str) -> None:
    check_limit("max_tiles", len(set(windows)), what, fix)


READ_AHEAD_BATCHES = 3  # batches read and preprocessed ahead of the model (bounded memory)
BATCH_BYTES = 256 << 20  # model inputs and outputs of one batch at most
REPORT_SECONDS = 5.0


def batch_size_for(model: Model, window: Window) -> int:
    """The runtime's batch size, reduced so one batch's window pixels, model inputs and
    outputs stay within BATCH_BYTES."""
    package = model.package
    spec, n, d = package.rs_spec, package.grid_size, package.embed_dim
    per_tile = 4 * (len(spec.bands) * (spec.input_size**2 + window.width * window.height) + (2 * n * n + 1) * d)
    return max(1, min(max(1, model.runtime.batch_size), BATCH_BYTES // per_tile))


def encode_windows(
    model: Model,
    source: RasterSource,
    bands: Sequence[int],
    windows: Sequence[Window],
    progress: Progress,
    feedback,
    keep: Optional[Callable[[CachedTile], object]] = lambda item: item,
) -> tuple[dict, int]:
    """Encoded tiles for windows of the raster (cached ones reused); returns {window: keep(item)}
    (nothing kept when `keep` is None, so memory stays bounded for any number of tiles) and how
    many were encoded now. Each tile is in the tile cache (and on disk, when it has a folder)
    as soon as it is encoded, so a cancelled or killed run resumes from there.

    Reading and preprocessing run in threads (`read_ahead`), READ_AHEAD_BATCHES batches ahead
    of the model (GDAL, numpy and onnxruntime release the GIL), and disk writes in another
    (runtime.tile_cache.TileWriter);
    progress reports tiles/s and the time left."""
    found: dict[Window, object] = {}
    missing: list[tuple[Window, str]] = []
    keys: list[str] = []
    has_data = False
    for window in dict.fromkeys(windows):
        key = tile_key(source.source, source.grid, window, model.package, bands)
        keys.append(key)
        item = cache.TILES.get(
            key, EntryShape(model.package.grid_size, model.package.embed_dim, (window.height, window.width))
        )
        if item is None:
            missing.append((window, key))
            continue
        has_data = has_data or bool(item.valid.any())
        if keep is not None:
            found[window] = keep(item)
    reused = len(set(windows)) - len(missing)
    if reused:
        feedback.pushInfo(translate("tiles", "{} tile(s) reused from the tile cache").format(reused))
    if missing:
        batch = batch_size_for(model, missing[0][0])
        readers = reader_count(source)
        threads = model_threads(model, len(missing) > batch, readers)
        rate = RateReport(len(missing), feedback)
        # leaving the block stops the reader first, then writes every tile already encoded
        with (
            cache.TILES.writer() as writer,
            closing(read_ahead(source, bands, model.package.rs_spec, missing, batch, readers)) as batches,
        ):
            for chunk, inputs, masks in batches:
                progress.step(rate.done, len(missing))
                for (window, key), tile, valid in zip(chunk, model.runtime.encode_rs(inputs, threads=threads), masks):
                    item = CachedTile(tile, valid)
                    has_data = has_data or bool(valid.any())
                    writer.put(key, item, in_memory=keep is not None)  # streamed tiles live on disk only
                    if keep is not None:
                        found[window] = keep(item)
                rate.add(len(chunk))
        rate.finish()
        prune_disk_cache(keys, feedback)
    progress.step(len(missing), len(missing))
    if windows and not has_data:
        raise InputError(
            translate(
                "tiles",
                "the raster {} holds no data in the {} tile(s) used: every pixel of the "
                "model's bands is nodata; choose a raster, extent or point with data",
            ).format(source.source, len(set(windows)))
        )
    return found, len(missing)


def prune_disk_cache(keys: Sequence[str], feedback) -> None:
    """Keep the disk tile cache within its budget (GAIR_MAX_CACHE_GB or gair/max_cache_gb),
    least recently used entries first out, never the tiles of this run (`keys`)."""
    budget_gb = max_cache_gb()
    deleted, freed = cache.TILES.prune(max_cache_bytes(), keep=keys)
    if deleted:
        feedback.pushInfo(
            translate(
                "tiles", "tile cache {}: {} least recently used tile(s) deleted ({:.2f} GB) to stay within {:g} GB ({})"
            ).format(cache.TILES.directory, deleted, freed / 1e9, budget_gb, limit_sources("max_cache_gb"))
        )


FAST_MODEL_EMBED_DIM = 384  # up to this width the RS model encodes a tile faster than it is read on CPU


def model_threads(model: Model, pipelined: bool, readers: int = 1) -> Optional[int]:
    """onnxruntime threads for the RS graph: a fast (narrow) model on the CPU of a pipelined run
    leaves a core to each tile reader (a parallel operator waits for its slowest thread, so
    sharing every core with the reader stalled the tiny model 3x per batch on 2 cores); a
    slow model, which the reader easily keeps busy, and other providers keep the default."""
    cores = os.cpu_count() or 1
    if (
        not pipelined
        or cores < 2
        or model.package.embed_dim > FAST_MODEL_EMBED_DIM
        or model.runtime.provider != "CPUExecutionProvider"
        or os.environ.get("GAIR_THREADS")
    ):
        return None
    return max(1, cores - readers)


READERS = 2  # reading threads when the model keeps a core: a 200 px tile takes about as long to read as to encode


def reader_count(source: RasterSource) -> int:
    """Reading threads for a source: READERS where there are more cores than that and each
    thread opens its own GDAL handle; else one (on 2 cores a second reader only takes CPU from
    the model; a QGIS data provider is read from one thread at a time)."""
    cores = os.cpu_count() or 1
    return READERS if source.gdal_path is not None and cores > READERS else 1


def read_ahead(
    source: RasterSource, bands: Sequence[int], spec, missing: list[tuple[Window, str]], batch: int, readers: int = 1
):
    """Yield (chunk, model inputs, valid masks) batch by batch, in order, read and preprocessed
    in `readers` worker threads, each taking every readers-th batch, READ_AHEAD_BATCHES ahead
    in all. Stops the workers when the consumer stops."""
    chunks = [missing[start : start + batch] for start in range(0, len(missing), batch)]
    outs: list[queue.Queue] = [queue.Queue(maxsize=max(1, READ_AHEAD_BATCHES // readers)) for _ in range(readers)]
    stop = threading.Event()

    def put(out: queue.Queue, item: object) -> bool:
        """Queue an item unless stopped first; whether it was queued."""
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work(first: int) -> None:
        try:
            for chunk in chunks[first::readers]:
                if stop.is_set():
                    return
                inputs, masks = read_batch(source, bands, spec, [window for window, _ in chunk])
                if not put(outs[first], (chunk, inputs, masks)):
                    return
        except BaseException as error:  # re-raised in the consumer, in its batch's turn
            put(outs[first], error)

    workers = [
        threading.Thread(target=work, args=(first,), name=f"gair-read-ahead-{first}", daemon=True)
        for first in range(min(readers, len(chunks)))
    ]
    for worker in workers:
        worker.start()
    try:
        for index in range(len(chunks)):
            item = outs[index % readers].get()
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        for worker in workers:
            worker.join()


def read_batch(source: RasterSource, bands: Sequence[int], spec, windows: Sequence[Window]) -> tuple[np.ndarray, list]:
    """(B, bands, S, S) model inputs of windows and each window's valid mask (the pixels are not kept).
    Side by side windows are read in one call (`row_runs`): ~40% less reading time than one
    call per 200 px tile of an uncompressed GeoTIFF."""
    inputs = np.empty((len(windows), len(spec.bands), spec.input_size, spec.input_size), np.float32)
    masks = []
    for run in row_runs(windows):
        first, last = windows[run.start], windows[run.stop - 1]
        span = Window(first.col, first.row, last.col + last.width - first.col, first.height)
        pixels = source.read(span, bands)  # rows already in model order
        for index in run:
            offset = windows[index].col - span.col
            tile = pixels[:, :, offset : offset + windows[index].width]
            inputs[index] = preprocess_rs(tile, spec)
            masks.append(source.valid_mask(tile, bands))
    return inputs, masks


def row_runs(windows: Sequence[Window]) -> list[range]:
    """Indices of windows in runs of consecutive windows on the same rows, each starting right
    after or inside the previous one and ending after it: a run's windows cover one window
    (from the first's left edge to the last's right edge) and no pixel outside them."""
    runs: list[range] = []
    start = 0
    for index in range(1, len(windows) + 1):
        if index < len(windows):
            previous, window = windows[index - 1], windows[index]
            if (window.row, window.height) == (
                previous.row,
                previous.height,
            ) and previous.col < window.col <= previous.col + previous.width <= window.col + window.width:
                continue
        runs.append(range(start, index))
        start = index
    return runs


class RateReport:
    """Tiles per second and the time left, told to the feedback every REPORT_SECONDS."""

    def __init__(self, total: int, feedback) -> None:
        self.total, self.feedback, self.done = total, feedback, 0
        self.start = self.last = time.monotonic()

    def add(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.last >= REPORT_SECONDS and self.done < self.total:
            self.last = now
            rate = self.done / max(now - self.start, 1e-9)
            self.feedback.pushInfo(
                translate("tiles", "{}/{} tiles encoded, {:.1f} tiles/s, about {} left").format(
                    self.done, self.total, rate, format_seconds((self.total - self.done) / rate)
                )
            )

    def finish(self) -> None:
        seconds = time.monotonic() - self.start
        self.feedback.pushInfo(
            translate("tiles", "{} tile(s) encoded in {} ({:.1f} tiles/s)").format(
                self.done, format_seconds(seconds), self.done / max(seconds, 1e-9)
            )
        )


def format_seconds(seconds: float) -> str:
    minutes, rest = divmod(int(round(seconds)), 60)
    return (
        translate("tiles", "{} min {} s").format(minutes, rest) if minutes else translate("tiles", "{} s").format(rest)
    )


def area_window(source: RasterSource, extent: Optional[QgsRectangle]) -> Window:
    """An extent (raster CRS) snapped to the raster's pixels and clipped to it; None: the whole raster."""
    if extent is None:
        return Window(0, 0, source.grid.width, source.grid.height)
    area = clip_window(source.grid, extent_window(source, extent))
    if area is None:
        raise NoOverlap(
            translate("tiles", "EXTENT {} does not overlap the raster INPUT; choose an area inside it").format(
                extent.toString()
            )
        )
    return area


def tile_lattice(
    source: RasterSource, package: ModelPackage, area: Window, stride_fraction: float = 1.0
) -> tuple[TileLattice, tuple[int, int]]:
    """Tiles of the model's ground size from the area's top-left corner every
    `stride_fraction` x tile size, and how many cover the area (nx, ny)."""
    left, bottom, right, top = subgrid(source.grid, area).bounds
    cols, rows = tile_size_pixels(source, package, (left + right) / 2, (bottom + top) / 2)
    stride = (
        max(1, round(min(cols, area.width) * stride_fraction)),
        max(1, round(min(rows, area.height) * stride_fraction)),
    )
    lattice = TileLattice(Window(area.col, area.row, cols, rows), stride)
    return lattice, lattice.count(area)


def lattice_windows(
    source: RasterSource, lattice: TileLattice, cells: tuple[int, int]
) -> list[tuple[tuple[int, int], Window]]:
    """((i, j), window) of every lattice tile, row by row."""
    return [((i, j), lattice.tile(source.grid, i, j)) for j in range(cells[1]) for i in range(cells[0])]
