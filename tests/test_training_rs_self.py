"""The self-supervised RS objective (`--rs-self-weight`): views, descriptors, heads in checkpoints."""

import csv
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from gair_core import train
from gair_core.data.augment import rs_view
from gair_core.losses import RSSelfSupervision, tile_statistics

FAST = ["--preset", "tiny", "--no-progress", "--no-tensorboard"]


@pytest.fixture
def tiles_manifest(tmp_path, l2a_tile, photo) -> Path:
    """Four RS<->location pair rows and one SV<->location row on the synthetic Stuttgart tile."""
    path = tmp_path / "pairs.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sv_path", "lon", "lat", "rs_path"])
        for i in range(4):
            writer.writerow(["", 9.1605 + 0.005 * i, 48.7605 + 0.004 * i, l2a_tile])
        writer.writerow([photo, 9.17, 48.77, ""])
    return path


def test_a_view_is_a_crop_turned_and_mirrored_with_one_gain_for_every_band():
    unit = np.random.default_rng(1).random((10, 40, 30), dtype=np.float32) * 0.5
    view = rs_view(unit, np.random.default_rng(0))
    assert view.dtype == np.float32 and view.shape[0] == 10 and view.shape[1] == view.shape[2] <= 30
    assert view.min() >= 0 and view.max() <= 1
    assert np.array_equal(view, rs_view(unit, np.random.default_rng(0)))  # reproducible from the sample's generator
    flat = np.broadcast_to(np.linspace(0.1, 0.5, 10, dtype=np.float32)[:, None, None], (10, 40, 30)).copy()
    ratio = rs_view(flat, np.random.default_rng(2))[:, 0, 0] / flat[:, 0, 0]
    assert np.allclose(ratio, ratio[0]) and 0.9 <= ratio[0] <= 1.1  # the spectral shape is kept


def test_descriptors_see_spectra_and_texture():
    flat = torch.full((1, 2, 8, 8), 0.5)
    striped = flat.clone()
    striped[:, :, :, ::2] = 0.3
    stats = tile_statistics(torch.cat([flat, striped]))
    assert stats.shape == (2, 3 * 2)
    assert torch.all(stats[0, 4:6] == 0) and torch.all(stats[1, 4:6] > 0.1)  # contrast of the stripes


def test_the_objective_trains_the_rs_tower_and_only_its_heads_besides():
    heads = RSSelfSupervision(embed_dim=16, bands=10)
    encoder = torch.nn.Linear(10, 16)
    images = torch.rand(6, 10, 8, 8)
    views = images.flip(3)
    terms = heads(encoder(images.mean(dim=(2, 3))), encoder(views.mean(dim=(2, 3))), images, views)
    assert set(terms) == {"rs_views", "rs_stats"} and all(torch.isfinite(v) for v in terms.values())
    (terms["rs_views"] + terms["rs_stats"]).backward()
    assert encoder.weight.grad is not None and encoder.weight.grad.abs().sum() > 0


@pytest.mark.slow
def test_rs_self_runs_resume_exactly_and_refuse_a_changed_objective(tmp_path, tiles_manifest, capsys):
    without = [
        "--manifest",
        tiles_manifest,
        *FAST,
        "--batch-size",
        4,
        "--max-steps",
        4,
        "--lr",
        1e-3,
        "--warmup-steps",
        1,
        "--save-every",
        100,
    ]
    common = [*without, "--rs-self-weight", 1]
    assert train.main([str(a) for a in [*common, "--output-dir", tmp_path / "a"]]) == 0
    with open(tmp_path / "a" / "metrics.csv") as metrics:
        rows = list(csv.DictReader(metrics))
    assert all(float(r["rs_views"]) > 0 and float(r["rs_stats"]) > 0 for r in rows)
    assert train.main([str(a) for a in [*common, "--output-dir", tmp_path / "b", "--exit-after-steps", 2]]) == 0
    step2 = tmp_path / "b" / "checkpoints" / "step_00000002"
    assert (step2 / "training_heads.safetensors").is_file()
    assert train.main([str(a) for a in [*without, "--output-dir", tmp_path / "b", "--resume"]]) == 2
    assert "--rs-self-weight" in capsys.readouterr().err
    assert train.main([str(a) for a in [*common, "--output-dir", tmp_path / "b", "--resume"]]) == 0
    a, b = (
        load_file(str(tmp_path / r / "checkpoints" / "step_00000004" / name))
        for r in "ab"
        for name in ("model.safetensors",)
    )
    assert all(torch.equal(a[k], b[k]) for k in a)
    ha, hb = (
        load_file(str(tmp_path / r / "checkpoints" / "step_00000004" / "training_heads.safetensors")) for r in "ab"
    )
    assert all(torch.equal(ha[k], hb[k]) for k in ha)
