"""Land cover of Sentinel-2 tiles against MODIS classes: not run by this benchmark.

This benchmark scores location encoders on tasks spread over the globe, with spatially
blocked splits of hundreds of places. The only RS tiles with a world-wide, licence-clean land
label at hand are the 150 EuroSAT patches (MIT, 10 land-use classes, all in Europe); they are
too few and too clustered for this benchmark's blocked train/val/test splits, and the 3
official GAIR example tiles (CC BY-NC 4.0) are evaluation-only and far too few.

RS land use *is* measured, on EuroSAT, where the RS tower is built: `python -m
gair_core.tools.bundled package` cross-validates a linear probe and the shipped head on the RS
embeddings with whole 2 x 2 degree blocks per fold (scored on other places), against per-band
statistics and the untrained twin, and writes the figures into the package's model card.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..common import SkipTask, Task

NAME = "rs_landcover"
EXAMPLES = Path("data/gair-examples")


def load(max_samples: Optional[int], shared: Path) -> Task:
    tiles = sorted((Path(shared) / EXAMPLES).glob("*_rs.tif"))
    raise SkipTask(
        f"no world-wide licence-clean Sentinel-2 tile set for blocked splits ({len(tiles)} GAIR example tiles, "
        "evaluation only; 150 EuroSAT patches, Europe only): RS land use is cross-validated on EuroSAT by "
        "`python -m gair_core.tools.bundled package` (figures in the bundled model card)"
    )
