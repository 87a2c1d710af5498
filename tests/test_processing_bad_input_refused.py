"""Inputs that once passed silently are refused by the algorithms (and the embed command):
a raster with no data at all, a BANDS mapping that contradicts the raster's band names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cli_support import assert_one_line_refusal, run_cli


def all_nodata_raster(path: Path) -> Path:
    import rasterio
    from rasterio.transform import from_bounds

    from conftest import L2A_12

    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=60,
        height=50,
        count=12,
        dtype="uint16",
        crs="EPSG:4326",
        transform=from_bounds(9.16, 48.76, 9.1654, 48.7645, 60, 50),
        nodata=0,
    ) as dataset:
        dataset.write(np.zeros((12, 50, 60), np.uint16))
        for index, name in enumerate(L2A_12, start=1):
            dataset.set_band_description(index, name)
    return path


def test_an_all_nodata_raster_is_refused_by_the_embed_command_and_the_algorithms(tmp_path, gair_provider, photo):
    from qgis.core import QgsProcessingException

    from processing_support import run

    raster = all_nodata_raster(tmp_path / "empty.tif")
    result = run_cli("gair_qgis.runtime.embed", "--rs-image", raster, "--output-dir", tmp_path / "out")
    assert_one_line_refusal(result, str(raster), "nodata")
    assert not (tmp_path / "out").exists()
    with pytest.raises(QgsProcessingException, match="no data.*nodata"):
        run(
            "svheatmap",
            {
                "INPUT": str(raster),
                "SV_IMAGE": str(photo),
                "SV_POINT": "9.162,48.762 [EPSG:4326]",
                "OUTPUT": str(tmp_path / "heat.tif"),
            },
        )
    assert not (tmp_path / "heat.tif").exists()


@pytest.mark.parametrize(
    "bands, match",
    [
        ("2,2,2,2,2,2,2,2,2,2", "band 2 .*B2.* where B3"),
        ("1,1,1,1,1,1,1,1,1,1", "band 1 .*B1.* where B2"),
        ("12,11,10,9,8,7,6,5,4,3", "band 12 .*B12.* where B2"),
    ],
)
def test_a_bands_mapping_that_contradicts_the_band_names_is_refused(
    tmp_path, gair_provider, l2a_tile, photo, bands, match
):
    from qgis.core import QgsProcessingException

    from processing_support import run

    with pytest.raises(QgsProcessingException, match=match):
        run(
            "svheatmap",
            {
                "INPUT": str(l2a_tile),
                "SV_IMAGE": str(photo),
                "SV_POINT": "9.17,48.768 [EPSG:4326]",
                "BANDS": bands,
                "OUTPUT": str(tmp_path / "heat.tif"),
            },
        )
