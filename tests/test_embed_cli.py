"""`python -m gair_core.embed` on GeoTIFFs and photos the tests write, and on ../shared examples."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from gair_core import embed
from gair_core.checkpoint import load_model
from gair_qgis.runtime.preprocess import preprocess_rs, preprocess_sv, read_photo, released_rs_spec, released_sv_spec

from conftest import GAIR_EXAMPLES, requires_examples, sentinel_like, write_geotiff

OUTPUTS = ["rs_embedding.npy", "sv_embedding.npy", "loc_embedding.npy", "localized_rs_embedding.npy"]


def _run(*args) -> int:
    return embed.main([str(a) for a in args])


def test_writes_the_four_outputs_and_a_summary(tmp_path, l2a_tile, photo, tiny_checkpoint):
    out = tmp_path / "out"
    assert (
        _run(
            "--checkpoint",
            tiny_checkpoint,
            "--rs-image",
            l2a_tile,
            "--sv-image",
            photo,
            "--lon",
            9.17,
            "--lat",
            48.765,
            "--output-dir",
            out,
        )
        == 0
    )
    shapes = {name: np.load(out / name).shape for name in OUTPUTS}
    assert shapes == {name: (1, 128) for name in OUTPUTS}
    assert all(np.load(out / name).dtype == np.float32 for name in OUTPUTS)
    summary = json.loads((out / "embed_summary.json").read_text())
    assert summary["model"]["preset"] == "tiny" and summary["inputs"]["query_mode"] == "nili"


def test_outputs_equal_the_model_called_directly(tmp_path, l2a_tile, photo, tiny_checkpoint):
    out = tmp_path / "out"
    lon, lat = 9.1705, 48.7662
    _run(
        "--checkpoint",
        tiny_checkpoint,
        "--rs-image",
        l2a_tile,
        "--sv-image",
        photo,
        "--lon",
        lon,
        "--lat",
        lat,
        "--output-dir",
        out,
    )
    import rasterio

    model = load_model(tiny_checkpoint)
    with rasterio.open(l2a_tile) as ds:
        pixels, (left, bottom, right, top) = ds.read(), ds.bounds
    with torch.no_grad():
        grid, global_embedding = model.encode_rs(torch.from_numpy(preprocess_rs(pixels, released_rs_spec()))[None])
        u, v = (lon - left) / (right - left), (top - lat) / (top - bottom)
        coords = torch.tensor([[[2 * u - 1, 2 * v - 1]]], dtype=torch.float64)
        localized = model.localize(grid, coords)[0]
        sv = model.encode_sv(torch.from_numpy(preprocess_sv(read_photo(photo), released_sv_spec()))[None])
        loc = model.encode_location(torch.tensor([[lon, lat]], dtype=torch.float64))
    np.testing.assert_allclose(np.load(out / "rs_embedding.npy"), global_embedding.numpy(), rtol=1e-6)
    np.testing.assert_allclose(np.load(out / "localized_rs_embedding.npy"), localized.numpy(), rtol=1e-6)
    np.testing.assert_allclose(np.load(out / "sv_embedding.npy"), sv.numpy(), rtol=1e-6)
    np.testing.assert_allclose(np.load(out / "loc_embedding.npy"), loc.numpy(), rtol=1e-6)


def test_points_csv_normalize_and_bilinear(tmp_path, l2a_tile, tiny_checkpoint):
    points = tmp_path / "points.csv"
    with open(points, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["lon", "lat"])
        writer.writerows([[9.161, 48.761], [9.175, 48.768], [9.18, 48.7699]])
    out = tmp_path / "out"
    assert (
        _run(
            "--checkpoint",
            tiny_checkpoint,
            "--rs-image",
            l2a_tile,
            "--points",
            points,
            "--query-mode",
            "bilinear",
            "--normalize",
            "--output-dir",
            out,
        )
        == 0
    )
    localized = np.load(out / "localized_rs_embedding.npy")
    assert localized.shape == (3, 128)
    np.testing.assert_allclose(np.linalg.norm(localized, axis=1), 1, rtol=1e-5)


def test_a_utm_tile_takes_lon_lat_points(tmp_path, tiny_checkpoint):
    tile = write_geotiff(
        tmp_path / "utm.tif", sentinel_like(200, 200), (500000, 5400000, 502000, 5402000), "EPSG:32632"
    )
    out = tmp_path / "out"
    assert (
        _run(
            "--checkpoint", tiny_checkpoint, "--rs-image", tile, "--lon", 9.0135, "--lat", 48.7630, "--output-dir", out
        )
        == 0
    )
    assert np.load(out / "localized_rs_embedding.npy").shape == (1, 128)


@pytest.mark.parametrize(
    "problem,expected",
    [
        ("outside", "outside the tile"),
        ("bands", "has 4 band"),
        ("photo", "cannot read the photo"),
        ("exists", "already exist"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path, l2a_tile, photo, tiny_checkpoint, capsys, problem, expected):
    args = [
        "--checkpoint",
        tiny_checkpoint,
        "--rs-image",
        l2a_tile,
        "--sv-image",
        photo,
        "--lon",
        9.17,
        "--lat",
        48.765,
        "--output-dir",
        tmp_path / "out",
    ]
    if problem == "outside":
        args[args.index("--lon") + 1] = 10.5
    elif problem == "bands":
        args[args.index("--rs-image") + 1] = write_geotiff(
            tmp_path / "rgbn.tif", sentinel_like(50, 50, bands=4), (9.16, 48.76, 9.17, 48.77), "EPSG:4326"
        )
    elif problem == "photo":
        bad = tmp_path / "broken.jpg"
        bad.write_bytes(b"not a jpeg at all")
        args[args.index("--sv-image") + 1] = bad
    elif problem == "exists":
        assert _run(*args) == 0
    assert _run(*args) == 2
    assert expected in capsys.readouterr().err


@pytest.mark.slow
def test_module_entry_point_runs(tmp_path, l2a_tile, tiny_checkpoint):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gair_core.embed",
            "--checkpoint",
            tiny_checkpoint,
            "--rs-image",
            l2a_tile,
            "--output-dir",
            tmp_path / "o",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "rs_embedding.npy" in result.stdout


@pytest.mark.slow
@requires_examples
def test_released_examples_with_a_released_layout_checkpoint(tmp_path):
    """Every official example through the base preset; localized uses the box from examples.csv."""
    from released_reference import random_released_state_dict

    checkpoint = tmp_path / "checkpoint.pth"
    torch.save({"model": random_released_state_dict(seed=5)}, checkpoint)
    with open(GAIR_EXAMPLES / "examples.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    for row in rows:
        out = tmp_path / row["id"]
        bbox = [row[k] for k in ("rs_bbox_lon_min", "rs_bbox_lat_max", "rs_bbox_lon_max", "rs_bbox_lat_min")]
        assert (
            _run(
                "--checkpoint",
                checkpoint,
                "--rs-image",
                GAIR_EXAMPLES / Path(row["rs_image"]).name,
                "--sv-image",
                GAIR_EXAMPLES / Path(row["sv_image"]).name,
                "--lon",
                row["lon"],
                "--lat",
                row["lat"],
                "--rs-bbox",
                *bbox,
                "--output-dir",
                out,
            )
            == 0
        )
        for name in OUTPUTS:
            array = np.load(out / name)
            assert array.shape == (1, 768) and np.isfinite(array).all()
