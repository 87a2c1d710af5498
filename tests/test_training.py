"""`python -m gair_core.train`: real-data steps, overfitting, exact resume, SIGTERM, torchrun on CPU."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from gair_core import train
from gair_core.checkpoint import load_model

from conftest import GAIR_EXAMPLES, ROOT, requires_examples

FAST = ["--preset", "tiny", "--no-progress", "--no-tensorboard"]


def examples_manifest(tmp_path: Path) -> Path:
    """The three real triples of ../shared/data/gair-examples, referenced in place (not copied)."""
    path = tmp_path / "examples.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sv_path", "lon", "lat", "rs_path"])
        for e in csv.DictReader((GAIR_EXAMPLES / "examples.csv").read_text().splitlines()):
            writer.writerow([GAIR_EXAMPLES / e["sv_image"], e["lon"], e["lat"], GAIR_EXAMPLES / e["rs_image"]])
    return path


@pytest.fixture
def synthetic_manifest(tmp_path, l2a_tile, photo) -> Path:
    """Four points on the synthetic Stuttgart tile (always available)."""
    path = tmp_path / "synthetic.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sv_path", "lon", "lat", "rs_path"])
        for i in range(4):
            writer.writerow([photo, 9.1605 + 0.005 * i, 48.7605 + 0.004 * i, l2a_tile])
    return path


def metrics(out: Path) -> list[dict]:
    return list(csv.DictReader((out / "metrics.csv").read_text().splitlines()))


def run(*args) -> int:
    return train.main([str(a) for a in args])


@pytest.mark.slow
@requires_examples
def test_a_few_steps_on_real_triples_then_resume_with_more_steps(tmp_path):
    manifest, out = examples_manifest(tmp_path), tmp_path / "run"
    assert (
        run(
            "--manifest",
            manifest,
            "--preset",
            "tiny",
            "--max-steps",
            4,
            "--batch-size",
            3,
            "--output-dir",
            out,
            "--no-progress",
        )
        == 0
    )
    rows = metrics(out)
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]
    assert all(np.isfinite(float(r["loss"])) and float(r["samples_per_s"]) > 0 for r in rows)
    assert (out / "checkpoints" / "latest").read_text().strip() == "step_00000004"
    assert list((out / "tensorboard").glob("events.*"))
    assert (
        run(
            "--manifest",
            manifest,
            "--preset",
            "tiny",
            "--max-steps",
            6,
            "--batch-size",
            3,
            "--output-dir",
            out,
            "--resume",
            "--no-progress",
        )
        == 0
    )
    assert [int(r["step"]) for r in metrics(out)] == [1, 2, 3, 4, 5, 6]
    assert (out / "checkpoints" / "latest").read_text().strip() == "step_00000006"
    assert load_model(out / "model.safetensors").config.name == "tiny"
    checkpoint = out / "checkpoints" / "step_00000006"
    assert sorted(p.suffix for p in checkpoint.iterdir()) == [".json", ".safetensors", ".safetensors", ".safetensors"]


@pytest.mark.slow
@requires_examples
def test_loss_falls_when_overfitting_a_small_batch(tmp_path):
    out = tmp_path / "run"
    assert (
        run(
            "--manifest",
            examples_manifest(tmp_path),
            *FAST,
            "--batch-size",
            3,
            "--max-steps",
            15,
            "--lr",
            3e-4,
            "--warmup-steps",
            0,
            "--no-augment",
            "--output-dir",
            out,
        )
        == 0
    )
    rows = metrics(out)
    first, last = rows[0], rows[-3:]
    # the SV<->RS term can reach zero; the location terms cannot (the queue fills with the positives)
    assert np.mean([float(r["incl"]) for r in last]) < 0.2 * float(first["incl"])
    assert np.mean([float(r["loss"]) for r in last]) < 0.6 * float(first["loss"])


@pytest.mark.slow
def test_interrupted_and_resumed_run_ends_with_the_same_weights(tmp_path, synthetic_manifest):
    common = [
        "--manifest",
        synthetic_manifest,
        *FAST,
        "--batch-size",
        2,
        "--max-steps",
        5,
        "--lr",
        1e-3,
        "--warmup-steps",
        2,
        "--save-every",
        100,
    ]
    assert run(*common, "--output-dir", tmp_path / "a") == 0
    assert run(*common, "--output-dir", tmp_path / "b", "--exit-after-steps", 3) == 0
    assert (tmp_path / "b" / "checkpoints" / "latest").read_text().strip() == "step_00000003"
    assert not (tmp_path / "b" / "model.safetensors").exists()
    assert run(*common, "--output-dir", tmp_path / "b", "--resume") == 0
    a, b = (load_file(str(tmp_path / r / "checkpoints" / "step_00000005" / "model.safetensors")) for r in "ab")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)  # queue included
    oa, ob = (load_file(str(tmp_path / r / "checkpoints" / "step_00000005" / "optimizer.safetensors")) for r in "ab")
    assert all(torch.equal(oa[k], ob[k]) for k in oa)
    assert [r["loss"] for r in metrics(tmp_path / "a")] == [r["loss"] for r in metrics(tmp_path / "b")]
    initial = load_file(str(tmp_path / "a" / "model.safetensors"))
    assert not torch.equal(initial["optical_proj.weight"], tiny_initial_weights()["optical_proj.weight"])


def tiny_initial_weights() -> dict:
    from gair_core.config import get_preset
    from gair_core.models import GAIR

    torch.manual_seed(0)
    return GAIR(get_preset("tiny")).state_dict()


@pytest.mark.slow
def test_sigterm_saves_a_checkpoint_and_exits_cleanly(tmp_path, synthetic_manifest):
    out = tmp_path / "run"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gair_core.train",
            "--manifest",
            str(synthetic_manifest),
            *FAST,
            "--batch-size",
            "2",
            "--max-steps",
            "10000",
            "--output-dir",
            str(out),
        ],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not ((out / "metrics.csv").exists() and len(metrics(out)) >= 2):
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    last = int(metrics(out)[-1]["step"])
    assert 2 <= last < 10000
    assert (out / "checkpoints" / "latest").read_text().strip() == f"step_{last:08d}"
    assert json.loads((out / "summary.json").read_text())["stopped_early"] is True


@pytest.mark.ddp
@requires_examples
def test_two_cpu_processes_with_torchrun_train_like_one_process_with_the_combined_batch(tmp_path):
    manifest = examples_manifest(tmp_path)
    common = [
        "--manifest",
        str(manifest),
        *FAST,
        "--max-steps",
        "2",
        "--lr",
        "1e-3",
        "--warmup-steps",
        "0",
        "--no-augment",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc-per-node",
            "2",
            "-m",
            "gair_core.train",
            *common,
            "--batch-size",
            "1",
            "--output-dir",
            str(tmp_path / "ddp"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert run(*common, "--batch-size", 2, "--output-dir", tmp_path / "one") == 0
    ddp, one = (load_file(str(tmp_path / r / "model.safetensors")) for r in ("ddp", "one"))
    assert json.loads((tmp_path / "ddp" / "config.json").read_text())["world_size"] == 2
    initial = tiny_initial_weights()
    for key, value in initial.items():
        if not value.is_floating_point() or torch.equal(one[key], value):  # pointer, frozen parameters
            continue
        ddp_value, one_value = ddp[key], one[key]
        if key.endswith("attn.qkv.bias"):
            # the key bias cancels in the softmax: its gradient is round-off, which Adam scales
            # up to a full step, so only the query and value parts are compared
            third = value.shape[0] // 3
            keep = torch.cat([torch.arange(third), torch.arange(2 * third, 3 * third)])
            ddp_value, one_value, value = ddp_value[keep], one_value[keep], value[keep]
        update = (one_value - value).norm()
        # Adam amplifies round-off where a gradient is ~0, so compare with the size of the update
        assert (ddp_value - one_value).norm() < 0.05 * update, key
    losses = [[float(r["loss"]) for r in metrics(tmp_path / d)] for d in ("ddp", "one")]
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4)


def test_config_file_sets_defaults_and_flags_override_it(tmp_path, synthetic_manifest):
    config = tmp_path / "run.json"
    config.write_text(
        json.dumps(
            {
                "manifest": str(synthetic_manifest),
                "batch_size": 2,
                "max_steps": 3,
                "output_dir": str(tmp_path / "cfg"),
                "model": {"location": {"hidden": 64}},
            }
        )
    )
    args = train.parse_args(["--config", str(config), "--max-steps", "1"])
    assert (args.batch_size, args.max_steps, args.model) == (2, 1, {"location": {"hidden": 64}})
    assert train.model_config(args.preset, args.model).location.hidden == 64
    config.write_text(json.dumps({"manifest": "m.csv", "output_dir": "o", "batch_sise": 2}))
    with pytest.raises(SystemExit):
        train.parse_args(["--config", str(config)])


@pytest.mark.slow
def test_init_from_geoclip_loads_its_location_capsules(tmp_path, synthetic_manifest):
    from gair_core.training.init import geoclip_weights_path

    try:
        geoclip_weights_path()
    except FileNotFoundError as error:
        pytest.skip(str(error))
    config = tmp_path / "run.json"
    config.write_text(json.dumps({"model": {"location": {"num_frequencies": 256, "hidden": 1024}}}))
    out = tmp_path / "geo"
    assert (
        run(
            "--config",
            config,
            "--manifest",
            synthetic_manifest,
            *FAST,
            "--batch-size",
            2,
            "--max-steps",
            0,
            "--init",
            "geoclip",
            "--output-dir",
            out,
        )
        == 0
    )
    ours = load_file(str(out / "model.safetensors"))
    geoclip = torch.load(geoclip_weights_path(), map_location="cpu", weights_only=True)
    for key in ("LocEnc0.capsule.0.b", "LocEnc2.capsule.5.weight"):
        assert torch.equal(ours[f"location_encoder.{key}"], geoclip[key])
    # the plain tiny preset's location tower cannot take GeoCLIP's weights: a clear error, exit 2
    assert (
        run(
            "--manifest",
            synthetic_manifest,
            *FAST,
            "--batch-size",
            2,
            "--max-steps",
            0,
            "--init",
            "geoclip",
            "--output-dir",
            tmp_path / "bad",
        )
        == 2
    )


@pytest.mark.slow
def test_bf16_autocast_and_gradient_accumulation_on_cpu(tmp_path, synthetic_manifest):
    out = tmp_path / "bf16"
    assert (
        run(
            "--manifest",
            synthetic_manifest,
            *FAST,
            "--batch-size",
            2,
            "--accumulation",
            2,
            "--max-steps",
            2,
            "--amp",
            "bf16",
            "--lr",
            1e-4,
            "--output-dir",
            out,
        )
        == 0
    )
    rows = metrics(out)
    assert [int(r["step"]) for r in rows] == [1, 2] and all(np.isfinite(float(r["loss"])) for r in rows)
    assert [int(r["epoch"]) for r in rows] == [0, 1]  # 4 rows, 2 micro-batches of 2 per step: one epoch a step
    config = json.loads((out / "config.json").read_text())
    assert config["precision"] == "bf16" and config["peak_lr"] == 1e-4


def test_precision_modes_on_cpu_and_the_grad_scaler_only_for_fp16():
    from gair_core.training.loop import Precision

    cpu = torch.device("cpu")
    chosen = {mode: Precision.choose(mode, cpu) for mode in ("auto", "off", "bf16", "fp16")}
    assert {mode: p.name for mode, p in chosen.items()} == {
        "auto": "float32",
        "off": "float32",
        "bf16": "bf16",
        "fp16": "fp16",
    }
    assert [mode for mode, p in chosen.items() if p.scaler().is_enabled()] == ["fp16"]
    with chosen["fp16"].autocast():
        assert torch.nn.Linear(4, 4)(torch.randn(2, 4)).dtype == torch.float16
    with chosen["auto"].autocast():
        assert torch.nn.Linear(4, 4)(torch.randn(2, 4)).dtype == torch.float32


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_auto_precision_on_a_gpu_autocasts_to_bf16_where_supported_else_fp16_with_a_scaler():
    from gair_core.training.loop import Precision

    precision = Precision.choose("auto", torch.device("cuda"))
    expected = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    assert precision.dtype == expected and precision.device_type == "cuda"
    assert precision.scaler().is_enabled() == (expected == torch.float16)
    with precision.autocast():
        assert torch.nn.Linear(4, 4).cuda()(torch.randn(2, 4, device="cuda")).dtype == expected


@pytest.mark.slow
def test_fp16_autocast_with_a_grad_scaler_trains_on_cpu_and_auto_is_float32(tmp_path, synthetic_manifest):
    for amp, expected in (("fp16", "fp16"), ("auto", "float32")):
        out = tmp_path / amp
        assert (
            run(
                "--manifest",
                synthetic_manifest,
                *FAST,
                "--batch-size",
                2,
                "--max-steps",
                2,
                "--amp",
                amp,
                "--lr",
                1e-4,
                "--output-dir",
                out,
            )
            == 0
        )
        assert json.loads((out / "config.json").read_text())["precision"] == expected
        rows = metrics(out)
        assert [int(r["step"]) for r in rows] == [1, 2] and all(np.isfinite(float(r["loss"])) for r in rows)
