"""GAIR losses: the formulas, and DDP (two gloo processes) == one process with the combined batch."""

import math
import os

import pytest
import torch
import torch.nn.functional as F

from gair_core.config import get_preset
from gair_core.losses import GAIRLoss, InclLoss, LocationQueue, SeclLoss
from gair_core.models import GAIR
from gair_core.training.forward import TrainingModule
from gair_core.training.loop import Precision, forward_backward

SCALE = torch.tensor(math.log(1 / 0.07))


def unit(*shape, seed=0):
    return F.normalize(torch.randn(*shape, generator=torch.Generator().manual_seed(seed)), dim=-1)


def test_incl_is_the_symmetric_infonce_of_the_spec():
    s, r = unit(5, 16, seed=1), unit(5, 16, seed=2)
    expected: float | torch.Tensor = 0.0
    for i in range(5):  # CE(s r^T / tau, I) + CE(r s^T / tau, I), written out
        expected -= torch.log_softmax(s[i] @ r.T / 0.07, 0)[i] / 5
        expected -= torch.log_softmax(r[i] @ s.T / 0.07, 0)[i] / 5
    torch.testing.assert_close(InclLoss()(s, r, SCALE), expected, rtol=1e-5, atol=1e-5)


def test_secl_uses_the_positive_location_and_the_queue_only():
    a, l, q = unit(4, 16, seed=3), unit(4, 16, seed=4), unit(7, 16, seed=5)
    expected = torch.stack(
        [
            -torch.log(
                torch.exp(a[i] @ l[i] / 0.07) / (torch.exp(a[i] @ l[i] / 0.07) + torch.exp(a[i] @ q.T / 0.07).sum())
            )
            for i in range(4)
        ]
    ).mean()
    torch.testing.assert_close(SeclLoss()(a, l, q, SCALE), expected, rtol=1e-5, atol=1e-5)
    # other rows' locations are not negatives: each row's loss is the same alone or in the batch
    alone = torch.stack([SeclLoss()(a[i : i + 1], l[i : i + 1], q, SCALE) for i in range(4)]).mean()
    torch.testing.assert_close(alone, SeclLoss()(a, l, q, SCALE))


def test_queue_is_a_fifo_of_lon_lat():
    queue = torch.zeros(2, 5)
    pointer = torch.zeros(1, dtype=torch.long)
    fifo = LocationQueue(queue, pointer)
    fifo.enqueue(torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=torch.float64))
    fifo.enqueue(torch.tensor([[7.0, 8.0], [9.0, 10.0], [11.0, 12.0]], dtype=torch.float64))
    assert fifo.lonlat()[:, 0].tolist() == [11.0, 3.0, 5.0, 7.0, 9.0] and int(pointer) == 1
    assert fifo.lonlat().dtype == torch.float64


def test_total_is_half_the_sum_of_the_three_terms():
    features = {
        "sv": torch.randn(3, 8),
        "rs": torch.randn(3, 8),
        "location": torch.randn(3, 8),
        "queue": torch.randn(6, 8),
        "logit_scale": SCALE,
    }
    losses = GAIRLoss()(features)
    torch.testing.assert_close(losses["loss"], 0.5 * (losses["incl"] + losses["sv_loc"] + losses["rs_loc"]))


# --- DDP ------------------------------------------------------------------------------------

BATCH = 4


def make_batch():
    g = torch.Generator().manual_seed(7)
    cfg = get_preset("tiny")
    lonlat = torch.stack(
        [
            torch.rand(BATCH, generator=g, dtype=torch.float64) * 360 - 180,
            torch.rand(BATCH, generator=g, dtype=torch.float64) * 160 - 80,
        ],
        dim=1,
    )
    return {
        "sv": torch.randn(BATCH, 3, cfg.sv.image_size, cfg.sv.image_size, generator=g),
        "rs": torch.rand(BATCH, cfg.rs.in_bands, cfg.rs.image_size, cfg.rs.image_size, generator=g),
        "coords": torch.rand(BATCH, 2, generator=g, dtype=torch.float64) * 2 - 1,
        "lonlat": lonlat,
    }


def gradients(rank: int, world_size: int, out: str) -> None:
    """One training micro-step over this rank's slice of the batch; saves gradients and queue."""
    torch.manual_seed(0)
    model = GAIR(get_preset("tiny"))
    module: torch.nn.Module = TrainingModule(model)
    if world_size > 1:
        module = torch.nn.parallel.DistributedDataParallel(module, broadcast_buffers=False)
    per_rank = BATCH // world_size
    batch = {k: v[rank * per_rank : (rank + 1) * per_rank] for k, v in make_batch().items()}
    precision = Precision.choose("off", torch.device("cpu"))
    forward_backward(
        module,
        GAIRLoss(),
        batch,
        LocationQueue(model.queue_for_location, model.queue_ptr_location),
        precision,
        precision.scaler(),
    )
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    torch.save({"grads": grads, "queue": model.queue_for_location.clone()}, f"{out}/rank{rank}.pt")


def _worker(rank: int, world_size: int, out: str, port: int) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.distributed.init_process_group("gloo", rank=rank, world_size=world_size)
    try:
        torch.set_num_threads(1)
        gradients(rank, world_size, out)
    finally:
        torch.distributed.destroy_process_group()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.ddp
def test_two_gloo_processes_give_the_gradients_of_one_process_with_the_combined_batch(tmp_path):
    torch.multiprocessing.spawn(_worker, args=(2, str(tmp_path), free_port()), nprocs=2, join=True)
    (tmp_path / "single").mkdir()
    gradients(0, 1, str(tmp_path / "single"))
    single = torch.load(tmp_path / "single" / "rank0.pt", weights_only=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2)]
    assert set(single["grads"]) == set(ranks[0]["grads"])
    assert len(single["grads"]) > 50
    for name, grad in single["grads"].items():
        assert grad.abs().max() > 0 or "pooler" in name
        for rank in ranks:  # DDP averages the ranks' gradients: identical on both, equal to the single run
            error = (rank["grads"][name] - grad).norm() / grad.norm().clamp_min(1e-12)
            assert error < 1e-4, f"{name}: relative gradient difference {error:.2e}"
    torch.testing.assert_close(ranks[0]["queue"], ranks[1]["queue"], rtol=0, atol=0)
    torch.testing.assert_close(ranks[0]["queue"], single["queue"], rtol=0, atol=0)
