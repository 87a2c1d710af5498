"""Equal Earth, ALiBi and the NILI properties of docs/MODEL.md §4, §6 and §7."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gair_core.models.nili import NILI, bilinear_query, torch_query_geometry
from gair_core.models.rs_encoder import alibi_2d_bias, alibi_slopes
from gair_qgis.runtime.location import EQUAL_EARTH_SCALE, equal_earth
from gair_qgis.runtime.nili import query_geometry

N = 12


def test_equal_earth_matches_pyproj():
    from pyproj import Transformer

    rng = np.random.default_rng(0)
    lonlat = np.stack([rng.uniform(-180, 180, 200), rng.uniform(-89, 89, 200)], axis=1)
    to_eqearth = Transformer.from_crs("+proj=longlat +R=1", "+proj=eqearth +R=1", always_xy=True)
    x, y = to_eqearth.transform(lonlat[:, 0], lonlat[:, 1])
    expected = np.stack([x, y], axis=1) * EQUAL_EARTH_SCALE / 180
    np.testing.assert_allclose(equal_earth(lonlat), expected, atol=1e-7)


def test_alibi_slopes_are_standard_geometric_for_16_heads():
    assert alibi_slopes(16).tolist() == pytest.approx([2 ** (-0.5 * (h + 1)) for h in range(16)])


def test_alibi_bias_is_minus_slope_times_euclidean_distance():
    bias = alibi_2d_bias(16, 12)[0]
    i, j = 0 * 12 + 0, 3 * 12 + 4  # (0, 0) and (3, 4): distance 5
    assert bias.shape == (16, 144, 144)
    assert bias[:, i, j].tolist() == pytest.approx((-5 * alibi_slopes(16)).tolist())
    assert torch.all(bias[:, i, i] == 0)


def _nili(width=8, dim=8, seed=0):
    torch.manual_seed(seed)
    nili = NILI(width, dim)
    torch.nn.init.normal_(nili.imnet.weight, std=0.1)
    grid = torch.randn(1, N, N, width)
    return nili, grid


def _cell_prediction(nili, grid, row, col):
    """imnet of one cell's latent with offset (0, 0)."""
    from gair_core.models.nili import unfold_latents

    latent = unfold_latents(grid)[0, row * N + col]
    return nili.imnet(torch.cat([latent, torch.zeros(2)]))


def test_cell_centre_gives_that_cells_own_prediction():
    nili, grid = _nili()
    row, col = 4, 7
    centre = torch.tensor([[[-1 + (2 * col + 1) / N, -1 + (2 * row + 1) / N]]], dtype=torch.float64)
    torch.testing.assert_close(nili(grid, centre)[0, 0], _cell_prediction(nili, grid, row, col), atol=1e-5, rtol=1e-5)


def test_four_way_tie_gives_mean_of_the_four_predictions():
    nili, grid = _nili()
    # the corner shared by cells (row 4..5, col 6..7)
    corner = torch.tensor([[[-1 + 2 * 7 / N, -1 + 2 * 5 / N]]], dtype=torch.float64)
    cells, offsets, weight = (torch.from_numpy(a) for a in query_geometry(corner[0].numpy(), N))
    assert sorted(cells[0].tolist()) == sorted([4 * N + 6, 4 * N + 7, 5 * N + 6, 5 * N + 7])
    torch.testing.assert_close(weight[0], torch.full((4,), 0.25, dtype=torch.float64))
    assert torch.allclose(offsets[0].abs(), torch.ones(4, 2, dtype=torch.float64))  # half a cell = 1 in cell units


def test_centre_tap_without_offsets_is_bilinear_interpolation_in_the_interior():
    width = 6
    nili = NILI(width, width)
    with torch.no_grad():
        nili.imnet.weight.zero_()
        nili.imnet.bias.zero_()
        for ch in range(width):
            nili.imnet.weight[ch, ch * 9 + 4] = 1.0  # centre tap (dy=1, dx=1)
    grid = torch.randn(1, N, N, width)
    rng = np.random.default_rng(0)
    coords = torch.from_numpy(rng.uniform(-1 + 1 / N, 1 - 1 / N, size=(1, 300, 2)))
    torch.testing.assert_close(nili(grid, coords), bilinear_query(grid, coords), atol=1e-5, rtol=1e-5)


def test_table_path_equals_direct_path():
    nili, grid = _nili(width=16, dim=16)
    coords = torch.from_numpy(np.random.default_rng(1).uniform(-1, 1, size=(1, 200, 2)))
    few = torch.cat([nili(grid, coords[:, i : i + 1]) for i in range(0, 200, 1)], dim=1)  # 1 point: direct
    many = nili(grid, coords)  # 200 points: per-cell table
    torch.testing.assert_close(few, many, atol=1e-5, rtol=1e-5)


def _reference_liif(nili, grid, coords):
    """The released query written with grid_sample (nearest) as in LIIF, for comparison."""
    feat = grid.permute(0, 3, 1, 2)
    b, c, h, w = feat.shape
    feat = F.unfold(feat, 3, padding=1).view(b, c * 9, h, w)
    centres = -1 + (2 * torch.arange(N, dtype=torch.float64) + 1) / N
    cy, cx = torch.meshgrid(centres, centres, indexing="ij")
    feat_coord = torch.stack([cx, cy])[None].float()
    coord = coords.float()
    preds, areas = [], []
    for vx in (-1, 1):
        for vy in (-1, 1):
            c_ = coord.clone()
            c_[..., 0] += vx / N + 1e-6
            c_[..., 1] += vy / N + 1e-6
            c_.clamp_(-1 + 1e-6, 1 - 1e-6)
            q_feat = F.grid_sample(feat, c_[:, None], mode="nearest", align_corners=False)[:, :, 0].permute(0, 2, 1)
            q_coord = F.grid_sample(feat_coord, c_[:, None], mode="nearest", align_corners=False)
            q_coord = q_coord[:, :, 0].permute(0, 2, 1)
            rel = (coord - q_coord) * N
            preds.append(nili.imnet(torch.cat([q_feat, rel], dim=-1)))
            areas.append((rel[..., 0] * rel[..., 1]).abs() + 1e-9)
    total = torch.stack(areas).sum(0)
    areas = [areas[3], areas[2], areas[1], areas[0]]
    return sum(p * (a / total)[..., None] for p, a in zip(preds, areas))


def test_nili_matches_the_released_grid_sample_formulation():
    nili, grid = _nili(width=16, dim=16, seed=3)
    coords = torch.from_numpy(np.random.default_rng(2).uniform(-0.999, 0.999, size=(1, 500, 2)))
    with torch.no_grad():
        torch.testing.assert_close(nili(grid, coords), _reference_liif(nili, grid, coords), atol=2e-5, rtol=1e-4)


def _geometry_queries() -> np.ndarray:
    """Random queries plus the hard ones: cell centres, cell borders, the tile's edges and beyond."""
    rng = np.random.default_rng(4)
    centres = -1 + (2 * np.arange(N) + 1) / N
    borders = -1 + 2 * np.arange(N + 1) / N
    xs = np.concatenate([centres, borders, [-1.2, 1.3]])
    special = np.array([(x, y) for x in xs for y in (centres[3], borders[5])])
    return np.concatenate([rng.uniform(-1, 1, size=(500, 2)), special])


TORCH_DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", TORCH_DEVICES)
def test_torch_geometry_on_the_device_equals_the_numpy_runtime_path(device):
    coords = _geometry_queries()
    expected = query_geometry(coords, N)
    actual = torch_query_geometry(torch.from_numpy(coords).to(device), N)
    assert all(a.device.type == device for a in actual)
    np.testing.assert_array_equal(actual[0].cpu().numpy(), expected[0])  # the same cells
    for got, want in zip(actual[1:], expected[1:]):
        assert got.dtype == torch.float64
        np.testing.assert_allclose(got.cpu().numpy(), want, rtol=1e-12, atol=1e-12)


def test_torch_geometry_never_leaves_the_device():
    """On the meta device (shapes only, no data) any trip through numpy would raise."""
    cells, offsets, weight = torch_query_geometry(torch.empty(3, 7, 2, device="meta"), N)
    assert (cells.device.type, offsets.device.type, weight.device.type) == ("meta", "meta", "meta")
    assert (cells.shape, offsets.shape, weight.shape) == ((3, 7, 4), (3, 7, 4, 2), (3, 7, 4))
    assert cells.dtype == torch.int64


@pytest.mark.parametrize("device", TORCH_DEVICES)
def test_torch_nili_on_the_device_equals_the_runtime_tile(device):
    """The model's NILI on `device` and the runtime's numpy path (EncodedTile.localize) agree."""
    from gair_qgis.runtime.tile import EncodedTile

    nili, grid = _nili(width=16, dim=16, seed=5)
    coords = _geometry_queries()
    with torch.no_grad():
        model = nili.to(device)(grid.to(device), torch.from_numpy(coords)[None].to(device))[0].cpu().numpy()
        table = nili.cell_predictions(grid.to(device))[0].cpu().numpy()
        offset_weight, bias = nili.offset_weight.cpu().numpy(), nili.imnet.bias.cpu().numpy()
    tile = EncodedTile(grid[0].numpy(), grid[0].mean((0, 1)).numpy(), table, offset_weight, bias)
    np.testing.assert_allclose(model, tile.localize(coords), rtol=1e-4, atol=1e-5)
