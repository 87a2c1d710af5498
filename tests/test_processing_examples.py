"""gair:svheatmap on the released Detroit example tile (../shared/data/gair-examples, not
shipped): with TILE_EXTENT = the raster's extent every pixel equals the runtime's cosine at
that pixel centre, positions taken from the released tile box (docs/MODEL.md §2)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from conftest import GAIR_EXAMPLES, requires_examples
from processing_support import read_output, run, runtime


@requires_examples
def test_detroit_heatmap_equals_the_runtime_cosine_at_every_pixel_centre(tmp_path, gair_provider):
    import rasterio

    example = next(
        r for r in csv.DictReader((GAIR_EXAMPLES / "examples.csv").read_text().splitlines()) if r["id"] == "detroit"
    )
    raster, photo = GAIR_EXAMPLES / example["rs_image"], GAIR_EXAMPLES / example["sv_image"]
    with rasterio.open(raster) as dataset:
        left, bottom, right, top = dataset.bounds
        pixels, names = dataset.read(), list(dataset.descriptions)
    result = run(
        "svheatmap",
        {
            "INPUT": str(raster),
            "SV_IMAGE": str(photo),
            "SV_POINT": f"{example['lon']},{example['lat']} [EPSG:4326]",
            "TILE_EXTENT": f"{left!r},{right!r},{bottom!r},{top!r} [EPSG:4326]",
            "OUTPUT": str(tmp_path / "detroit.tif"),
        },
    )
    out = read_output(tmp_path / "detroit.tif")
    assert out.values.shape == (1,) + pixels.shape[1:]
    assert out.geotransform == pytest.approx(
        (left, (right - left) / pixels.shape[2], 0, top, 0, -(top - bottom) / pixels.shape[1]), rel=0, abs=1e-12
    )

    lon_min, lat_max = float(example["rs_bbox_lon_min"]), float(example["rs_bbox_lat_max"])
    lon_max, lat_min = float(example["rs_bbox_lon_max"]), float(example["rs_bbox_lat_min"])
    lon, lat = out.centres()
    u, v = (lon - lon_min) / (lon_max - lon_min), (lat_max - lat) / (lat_max - lat_min)
    tile = runtime().encode_rs_window(pixels, names)
    _, sv = runtime().encode_photo(photo)
    expected = tile.similarity(sv, (2 * u - 1).ravel(), (2 * v - 1).ravel()).reshape(u.shape)
    np.testing.assert_allclose(out.values[0], expected, atol=1e-5, rtol=0)
    assert result["POINT_SIMILARITY"] is not None
