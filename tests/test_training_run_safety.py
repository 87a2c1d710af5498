"""A training run never silently replaces an earlier one (refused unless --resume or
--restart; --restart deletes only what a run writes), and --resume falls back to the newest
intact checkpoint when the latest one is truncated."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_support import assert_one_line_refusal, run_cli

pytestmark = pytest.mark.slow  # each test trains (in-process and by the command line): about a minute

TRAIN_FAST = ["--preset", "tiny", "--no-progress", "--no-tensorboard", "--batch-size", "2", "--max-steps", "1"]


@pytest.fixture
def train_manifest(tmp_path, l2a_tile, photo) -> Path:
    path = tmp_path / "manifest.csv"
    rows = [f"{photo},{9.1605 + 0.005 * i},{48.7605 + 0.004 * i},{l2a_tile}" for i in range(2)]
    path.write_text("sv_path,lon,lat,rs_path\n" + "\n".join(rows) + "\n")
    return path


def test_train_into_a_folder_with_an_earlier_run_is_refused_unless_restart(tmp_path, train_manifest):
    from gair_core import train

    out = tmp_path / "run"
    assert train.main(["--manifest", str(train_manifest), *TRAIN_FAST, "--output-dir", str(out)]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert out / "metrics.csv" in before
    result = run_cli("gair_core.train", "--manifest", train_manifest, *TRAIN_FAST, "--output-dir", out)
    assert_one_line_refusal(result, str(out), "--resume", "new --output-dir", "--restart")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    # --restart starts over, and deletes only files a run writes
    (out / "notes.txt").write_text("mine")
    (out / "checkpoints" / "README").write_text("mine too")
    result = run_cli(
        "gair_core.train",
        "--manifest",
        train_manifest,
        *TRAIN_FAST,
        "--max-steps",
        "2",
        "--output-dir",
        out,
        "--restart",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (out / "notes.txt").read_text() == "mine" and (out / "checkpoints" / "README").read_text() == "mine too"
    assert [line.split(",")[0] for line in (out / "metrics.csv").read_text().splitlines()[1:]] == ["1", "2"]
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["README", "latest", "step_00000002"]


def test_resume_falls_back_to_the_newest_intact_checkpoint_and_says_so(tmp_path, train_manifest):
    from gair_core import train

    out = tmp_path / "run"
    common = ["--manifest", str(train_manifest), *TRAIN_FAST, "--save-every", "1", "--output-dir", str(out)]
    assert train.main([*common, "--max-steps", "2"]) == 0
    latest = out / "checkpoints" / "step_00000002" / "model.safetensors"
    latest.write_bytes(latest.read_bytes()[:1000])  # the machine died while it was written
    result = run_cli("gair_core.train", *common, "--max-steps", "3", "--resume")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    warning = [line for line in result.stderr.splitlines() if "step_00000002" in line and "unreadable" in line]
    assert warning and "step_00000001" in warning[0], result.stderr
    assert [line.split(",")[0] for line in (out / "metrics.csv").read_text().splitlines()[1:]] == ["1", "2", "3"]
    assert (out / "checkpoints" / "latest").read_text().strip() == "step_00000003"
