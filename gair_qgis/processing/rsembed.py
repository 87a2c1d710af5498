"""gair:rsembed: encode a raster into the tile cache; optionally write embeddings as a raster."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from qgis.core import (
    QgsApplication,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
)

from .. import cache, compat
from ..analysis import PCA
from ..qgis_io import OUTPUT_NODATA, atomic_geotiff, check_output_path
from ..runtime.errors import InputError
from ..runtime.geometry import PixelGrid, TileLattice, subgrid
from ..settings import LIMIT_DEFAULTS, limit_is_set, limit_sources, max_cache_gb
from ..translation import QT_TRANSLATE_NOOP, translate
from .base import GairAlgorithm, Model, Progress
from .tiles import (
    Block,
    area_window,
    check_tile_count,
    encode_windows,
    lattice_blocks,
    lattice_windows,
    output_grid,
    tile_lattice,
)

HELP = QT_TRANSLATE_NOOP(
    "RsEmbedAlgorithm",
    """Encodes a raster tile by tile with GAIR's RS encoder and keeps the encodings in the tile \
cache, so that later heatmaps and predictions on the same tiles return at once.

Tiles have the model's tile ground size (2 km for GAIR) in the raster's pixels, start at the \
top-left corner of the <b>{EXTENT}</b> (default: the whole raster) and repeat every <b>{STRIDE}</b> x tile \
size (1 = side by side, 0.5 = half overlap); tiles at the raster's edge are shifted inside it.

<b>{OUTPUT_TYPE}</b>:
- None: fill the cache only.
- Global embedding per tile: one pixel per tile (D bands), pixels of the stride's size centred on \
each tile.
- PCA: a 3-band view of the NILI-localized embeddings at every output pixel (<b>{PIXEL_SIZE}</b>, \
default the raster's); each pixel is evaluated in the tile whose central part contains it. \
PCA components come from a sample of the pixels; their scale has no absolute meaning.

<b>{BATCH_SIZE}</b>: tiles per onnxruntime call (fewer when a batch would exceed 256 MB). Reading runs \
ahead of the model in a thread; the log reports tiles/s and the time left.

Any number of tiles (a whole Sentinel-2 scene) is allowed when the tile cache's disk can hold \
them: tiles stream through memory, and from 64 tiles on they are kept on disk (GAIR_CACHE_DIR, \
else the QGIS profile's gair/tile-cache), so a cancelled or killed run resumes where it stopped. \
Setting GAIR_MAX_TILES / the QGIS setting gair/max_tiles imposes a limit; the PCA view keeps \
every tile in memory and always uses it (default {max_tiles}). The disk cache keeps {max_cache_gb} GB at most \
(GAIR_MAX_CACHE_GB / gair/max_cache_gb): after a run, the least recently used tiles of other runs go first.""",
)

OUTPUT_TYPES = [
    QT_TRANSLATE_NOOP("RsEmbedAlgorithm", "None (fill the tile cache only)"),
    QT_TRANSLATE_NOOP("RsEmbedAlgorithm", "Global embedding per tile (D bands)"),
    QT_TRANSLATE_NOOP("RsEmbedAlgorithm", "PCA of localized embeddings (3 bands)"),
]
PCA_SAMPLE = 20_000
LOCALIZE_CHUNK = 8192


class RsEmbedAlgorithm(GairAlgorithm):
    EXTENT = "EXTENT"
    STRIDE = "STRIDE"
    BATCH_SIZE = "BATCH_SIZE"
    OUTPUT_TYPE = "OUTPUT_TYPE"
    PIXEL_SIZE = "PIXEL_SIZE"

    algorithm_name = "rsembed"
    display_name = QT_TRANSLATE_NOOP("RsEmbedAlgorithm", "Encode raster tiles (RS embeddings)")
    help_text = HELP
    raster_parameter = GairAlgorithm.INPUT
    _group, _group_id = "Remote sensing", "remotesensing"

    def help_values(self) -> dict:
        return dict(LIMIT_DEFAULTS)

    def initAlgorithm(self, config=None) -> None:
        self.add_raster_input(self.INPUT)
        self.add_model_parameter()
        self.add_with_help(
            QgsProcessingParameterExtent(self.EXTENT, self.tr("Area to encode"), optional=True),
            self.tr("Default: the whole raster."),
        )
        self.add_with_help(
            QgsProcessingParameterNumber(
                self.STRIDE, self.tr("Stride"), type=compat.NUMBER_DOUBLE, defaultValue=1.0, minValue=0.1, maxValue=1.0
            ),
            self.tr("As a fraction of the tile size: 1 = side by side, 0.5 = half overlap."),
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.BATCH_SIZE, self.tr("Tiles per batch"), defaultValue=8, minValue=1, maxValue=256
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.OUTPUT_TYPE,
                self.tr("Raster to write"),
                options=[self.tr(option) for option in OUTPUT_TYPES],
                defaultValue=0,
            )
        )
        self.add_with_help(
            QgsProcessingParameterNumber(
                self.PIXEL_SIZE, self.tr("PCA pixel size"), type=compat.NUMBER_DOUBLE, optional=True, minValue=0.0
            ),
            self.tr("For the PCA view, in the raster's CRS units. Default: the raster's own pixel size."),
        )
        self.addParameter(
            QgsProcessingParameterRasterDestination(
                self.OUTPUT, self.tr("Embedding raster"), optional=True, createByDefault=False
            )
        )
        self.add_tile_outputs()

    def process(self, parameters, context, feedback) -> dict:
        kind = self.parameterAsEnum(parameters, self.OUTPUT_TYPE, context)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context) if kind else None
        if kind and not output:
            raise InputError(
                self.tr("OUTPUT_TYPE {} writes a raster: set OUTPUT, or choose OUTPUT_TYPE 0").format(kind)
            )
        if output:
            output = check_output_path(output)
        source, model, bands = self.raster_model_bands(parameters, context, feedback)
        model.runtime.batch_size = self.parameterAsInt(parameters, self.BATCH_SIZE, context)
        area = area_window(source, self.optional_extent(parameters, context, self.EXTENT, source.crs))
        lattice, cells = tile_lattice(
            source, model.package, area, self.parameterAsDouble(parameters, self.STRIDE, context)
        )
        windows = [window for _, window in lattice_windows(source, lattice, cells)]
        if kind == 2 or limit_is_set("max_tiles"):  # the PCA view keeps every tile in memory
            check_tile_count(
                windows, self.tr("this EXTENT at this STRIDE"), self.tr("choose a smaller EXTENT or a larger STRIDE")
            )
        else:  # tiles stream through: memory stays bounded, the disk cache must hold them
            check_scene_disk(model, windows, feedback)
        keep = {0: None, 1: lambda item: item.tile.global_embedding}.get(kind, lambda item: item)
        encoded, fresh = encode_windows(model, source, bands, windows, Progress(feedback, 0, 80), feedback, keep)
        results = {"TILES": len(set(windows)), "ENCODED_TILES": fresh, self.OUTPUT: str(output) if output else None}
        if kind == 1:
            self.write_global(output, source, model, lattice, cells, encoded, feedback)
        elif kind == 2:
            grid = output_grid(subgrid(source.grid, area), self.optional_double(parameters, context, self.PIXEL_SIZE))
            self.write_pca(
                output, source, model, lattice_blocks(source.grid, lattice, grid, cells), grid, encoded, feedback
            )
        return results

    def write_global(self, output, source, model, lattice: TileLattice, cells, encoded, feedback) -> None:
        """One pixel per tile (stride-sized, centred on the tile) with its global embedding."""
        g = source.grid
        grid = lattice.cell_grid(g, cells)
        values = np.empty((model.package.embed_dim, cells[1], cells[0]), dtype=np.float32)
        for j in range(cells[1]):
            for i in range(cells[0]):
                values[:, j, i] = encoded[lattice.tile(g, i, j)]
        names = [f"embedding_{k}" for k in range(values.shape[0])]
        with atomic_geotiff(output, grid, values.shape[0], source.crs, names, self.metadata(model, "global")) as writer:
            Progress(feedback).check()
            writer.write(values)

    def write_pca(self, output, source, model, blocks: list[Block], grid: PixelGrid, encoded, feedback) -> None:
        """A 3-band PCA view of the localized embeddings at each output pixel centre."""
        total = sum(b.rows.size * b.cols.size for b in blocks)
        rng = np.random.default_rng(0)
        share = min(1.0, PCA_SAMPLE / max(total, 1))
        sample = [
            localize(encoded[b.window], b.coords()[rng.random(b.rows.size * b.cols.size) < share]) for b in blocks
        ]
        pca = PCA.fit(np.concatenate(sample))
        values = np.full((3, grid.height, grid.width), OUTPUT_NODATA, dtype=np.float32)
        progress = Progress(feedback, 80, 99)
        for done, block in enumerate(blocks):
            progress.step(done, len(blocks))
            item = encoded[block.window]
            scores = pca.transform(localize(item, block.coords())).T.reshape(3, block.rows.size, block.cols.size)
            values[:, block.rows[:, None], block.cols[None, :]] = np.where(block.valid(item), scores, OUTPUT_NODATA)
        with atomic_geotiff(output, grid, 3, source.crs, ["pc1", "pc2", "pc3"], self.metadata(model, "pca")) as writer:
            writer.write(values)

    @staticmethod
    def metadata(model: Model, kind: str) -> dict:
        return {"GAIR_MODEL": model.package.name, "GAIR_UNTRAINED": model.package.untrained, "GAIR_CONTENT": kind}


RESUMABLE_TILES = 64  # from this many tiles on, a run keeps its tiles on disk (resumable) even without GAIR_CACHE_DIR


def default_cache_directory() -> Path:
    return Path(QgsApplication.qgisSettingsDirPath()) / "gair" / "tile-cache"


def tile_bytes(package) -> int:
    """Bytes of one cached tile on disk (token grid, cell table, global embedding; the valid mask is small)."""
    n, d = package.grid_size, package.embed_dim
    return 4 * (2 * n * n + 1) * d + 64 * 1024


def check_scene_disk(model: Model, windows, feedback) -> None:
    """Without a tile limit set, any number of tiles is allowed when the disk cache can hold
    them: memory stays bounded (tiles stream through), and a cancelled or killed run resumes
    from the disk. Large runs get a disk cache folder in the QGIS profile when none is set."""
    count = len(set(windows))
    if cache.TILES.directory is None and count >= RESUMABLE_TILES:
        cache.TILES.directory = default_cache_directory()
    directory = cache.TILES.directory
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    needed, free = count * tile_bytes(model.package), shutil.disk_usage(directory).free
    if needed > free:
        raise InputError(
            translate(
                "RsEmbedAlgorithm",
                "{count} tiles need about {needed:.1f} GB in the tile cache {folder}, which has {free:.1f} "
                "GB free; choose a smaller EXTENT, a larger STRIDE, or set GAIR_CACHE_DIR to a folder on a larger disk",
            ).format(count=count, needed=needed / 1e9, folder=directory, free=free / 1e9)
        )
    feedback.pushInfo(
        translate(
            "RsEmbedAlgorithm",
            "{count} tiles; their encodings go to the tile cache {folder} (about {needed:.2f} GB), so a "
            "cancelled or interrupted run resumes where it stopped. Memory stays bounded: tiles stream through. Set "
            "GAIR_MAX_TILES (or the QGIS setting gair/max_tiles) to impose a tile limit. The cache keeps {budget} GB at "
            "most, least recently used tiles deleted first ({sources}).",
        ).format(
            count=count,
            folder=directory,
            needed=needed / 1e9,
            budget=f"{max_cache_gb():g}",
            sources=limit_sources("max_cache_gb"),
        )
    )


def localize(item, coords: np.ndarray) -> np.ndarray:
    """NILI-localized embeddings (N, D) of a cached tile, in chunks to bound memory."""
    parts = [item.tile.localize(coords[s : s + LOCALIZE_CHUNK]) for s in range(0, len(coords), LOCALIZE_CHUNK)]
    return np.concatenate(parts) if parts else np.zeros((0, item.tile.cell_table.shape[1]), np.float32)
