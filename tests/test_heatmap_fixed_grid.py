"""The heatmap does not depend on the click, shows no tile seam and does not saturate its
colour scale: the figures of scripts/heatmap_quality.py on the real Detroit example of
../shared with the bundled model, in a real headless QGIS (skipped without ../shared)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from conftest import GAIR_EXAMPLES, ROOT, requires_examples

pytestmark = requires_examples


@pytest.fixture(scope="module")
def quality():
    """scripts/heatmap_quality.py as a module."""
    spec = importlib.util.spec_from_file_location("heatmap_quality", ROOT / "scripts" / "heatmap_quality.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def report(quality, gair_provider, tmp_path_factory):
    """Every figure of the script for the Detroit example, measured once."""
    from gair_qgis.runtime.package import bundled_package_path

    inputs = quality.example(GAIR_EXAMPLES.parents[1])
    return quality.measure(inputs, tmp_path_factory.mktemp("quality"), str(bundled_package_path()))


@pytest.mark.parametrize("metres", [60, 300])
def test_two_runs_apart_agree_wherever_both_cover(report, metres):
    moved = report[f"moved_{metres}m"]
    assert moved["pixels_both_cover"] > 1000
    assert moved["max_abs_difference"] <= 1e-5


def test_a_click_60_m_away_reuses_the_encoded_tiles(report):
    assert report["tiles_first_click"] > 1 and report["moved_60m"]["tiles_encoded"] == 0


@pytest.mark.parametrize("axis", ["columns", "rows"])
def test_no_tile_edge_jumps_more_than_two_and_a_half_times_the_median(report, axis):
    seams = report["seams_whole_raster"][axis]
    assert len(seams["tile_edges"]) >= 4
    assert seams["worst_tile_edge_over_median"] <= 2.5, seams


def test_the_seam_measure_sees_tiles_side_by_side(quality, gair_provider, tmp_path):
    """TILE_EXTENT tiles side by side (no blending) over the whole raster: the measure flags their seams."""
    from gair_qgis.runtime.package import bundled_package_path

    inputs = quality.example(GAIR_EXAMPLES.parents[1])
    tile = (
        f"{inputs['lon'] - 0.004},{inputs['lon'] + 0.0035},{inputs['lat'] - 0.003},{inputs['lat'] + 0.0027} [EPSG:4326]"
    )
    quality.svheatmap(
        inputs,
        tmp_path / "side.tif",
        inputs["lon"],
        str(bundled_package_path()),
        TILE_EXTENT=tile,
        EXTENT=quality.raster_extent(inputs["rs"]),
    )
    seams = quality.seam_ratio(quality.Heatmap.read(tmp_path / "side.tif").values, (87, 64), (0.0, 0.0))
    assert max(seams[axis]["worst_anywhere_over_median"] for axis in ("columns", "rows")) > 5


def test_the_colour_scale_shows_the_data(report):
    click = report["scale_click"]
    assert click["share_at_scale_ends"] < 0.06  # a 2-98 % stretch: about 4 %, not most of the map
    assert click["low"] >= click["data_min"] and click["high"] <= click["data_max"]
    low_label, high_label = click["legend"].split(" .. ")
    assert low_label.startswith(f"{click['low']:.3g} ") and high_label.startswith(f"{click['high']:.3g} ")
