"""The whole chain for a released-layout checkpoint: torch-free import -> `scripts/qgis_process
run gair:svheatmap` over an official example tile with TILE_EXTENT = the tile -> every pixel
equals the cosine computed with torch the released way (the released preprocessing with
torch's interpolate, gair_core's encoders and NILI, positions from the tile box in
examples.csv), abs 1e-4."""

from __future__ import annotations

import csv
import subprocess

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from conftest import GAIR_EXAMPLES, ROOT, requires_examples
from released_reference import random_released_state_dict

SENTINEL_BANDS = [1, 2, 3, 4, 5, 6, 7, 8, 10, 11]  # of the 12-band L2A stack


def released_rs_input(pixels: np.ndarray, spec) -> torch.Tensor:
    """RS preprocessing as the released code does it: float32, uint8 truncation, torch bicubic."""
    # np.float32 of a list is a float32 array (numpy's stubs say a scalar)
    mean, std = np.float32(spec.mean)[:, None, None], np.float32(spec.std)[:, None, None]  # type: ignore[index]
    low, high = mean - 2 * std, mean + 2 * std
    scaled = (pixels[SENTINEL_BANDS].astype(np.float32) - low) / (high - low) * 255.0
    tensor = torch.from_numpy(np.clip(scaled, 0, 255).astype(np.uint8)).float().div(255)[None]
    return F.interpolate(tensor, size=(96, 96), mode="bicubic", align_corners=False)


def released_sv_input(rgb: np.ndarray, spec) -> torch.Tensor:
    image = (rgb.astype(np.float32) - np.float32(spec.mean)) / np.float32(spec.std)
    tensor = torch.from_numpy(np.moveaxis(image, -1, 0)).float()[None]
    return F.interpolate(tensor, size=(224, 224), mode="bicubic", align_corners=False)


@pytest.mark.slow
@pytest.mark.qgis
@requires_examples
def test_qgis_process_heatmap_from_an_imported_released_checkpoint_equals_torch(tmp_path):
    import rasterio

    from gair_core.checkpoint import load_released
    from gair_qgis.runtime.import_checkpoint import import_released
    from gair_qgis.runtime.preprocess import read_photo, released_rs_spec, released_sv_spec

    checkpoint = tmp_path / "checkpoint.pth"
    torch.save({"model": random_released_state_dict(seed=21)}, checkpoint)
    package = import_released(checkpoint, tmp_path / "package")

    example = next(
        r for r in csv.DictReader((GAIR_EXAMPLES / "examples.csv").read_text().splitlines()) if r["id"] == "sacramento"
    )
    raster, photo = GAIR_EXAMPLES / example["rs_image"], GAIR_EXAMPLES / example["sv_image"]
    lon_min, lat_max = float(example["rs_bbox_lon_min"]), float(example["rs_bbox_lat_max"])
    lon_max, lat_min = float(example["rs_bbox_lon_max"]), float(example["rs_bbox_lat_min"])
    output = tmp_path / "heatmap.tif"
    result = subprocess.run(
        [
            str(ROOT / "scripts" / "qgis_process"),
            "run",
            "gair:svheatmap",
            "--",
            f"INPUT={raster}",
            f"SV_IMAGE={photo}",
            f"SV_POINT={example['lon']},{example['lat']} [EPSG:4326]",
            f"TILE_EXTENT={lon_min!r},{lon_max!r},{lat_min!r},{lat_max!r} [EPSG:4326]",
            f"MODEL={package.root}",
            f"OUTPUT={output}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]

    with rasterio.open(raster) as dataset:
        pixels = dataset.read()
    with rasterio.open(output) as heat:
        values, transform = heat.read(1), heat.transform
    rows, cols = np.meshgrid(np.arange(values.shape[0]), np.arange(values.shape[1]), indexing="ij")
    lon = transform.c + (cols + 0.5) * transform.a
    lat = transform.f + (rows + 0.5) * transform.e
    u, v = (lon - lon_min) / (lon_max - lon_min), (lat_max - lat) / (lat_max - lat_min)
    coords = torch.from_numpy(np.stack([2 * u - 1, 2 * v - 1], -1).reshape(1, -1, 2))

    model, _ = load_released(checkpoint)
    with torch.no_grad():
        grid, _ = model.encode_rs(released_rs_input(pixels, released_rs_spec()))
        sv = model.project_sv(model.encode_sv(released_sv_input(read_photo(photo), released_sv_spec())))[0]
        localized = model.localize(grid, coords)[0]
    expected = (F.cosine_similarity(localized, sv[None], dim=1)).numpy().reshape(values.shape)
    assert values.shape == pixels.shape[1:]
    np.testing.assert_allclose(values, expected, atol=1e-4, rtol=0)
