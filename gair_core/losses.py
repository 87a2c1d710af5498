"""GAIR's training objectives as small modules (docs/MODEL.md §9), correct under DDP.

- `InclLoss`: symmetric InfoNCE between projected SV vectors and localized RS vectors,
  features gathered from every rank *with* gradients, each rank scoring its own rows
  against the global batch with labels offset by its rank. With DDP's gradient averaging
  this gives exactly the gradient of one process holding the combined batch.
- `SeclLoss`: SV->location and RS->location InfoNCE against the positive location and the
  queued locations (re-encoded each step, identical on every rank).
- `DistillationLoss`: cosine similarity to frozen teacher embeddings (optional).
- `LocationQueue`: the FIFO of past (lon, lat) pairs, stored in the model's
  `queue_for_location` / `queue_ptr_location` buffers; every rank enqueues the gathered
  global batch in rank order, so the queue stays identical everywhere.
- `RSSelfSupervision`: an optional self-supervised term for the RS tower (two views of a
  tile, InfoNCE through a projector; linear regression of each view's spectral and textural
  descriptors),
  for small models trained from scratch on few tiles (the bundled model). Its heads are
  training-only: they are not part of the model and are never exported.
- `GAIRLoss`: 0.5 (INCL + SECL_sv + SECL_rs) [+ distillation] [+ w RS self-supervision].
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from gair_qgis.runtime.errors import InputError


def distributed() -> tuple[int, int]:
    """(rank, world size) of the default process group, (0, 1) without one."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def gather_with_grad(tensor: torch.Tensor) -> torch.Tensor:
    """Concatenate a tensor from every rank along dim 0; gradients flow back to each rank."""
    _, world_size = distributed()
    if world_size == 1:
        return tensor
    import torch.distributed.nn

    return torch.cat(torch.distributed.nn.all_gather(tensor.contiguous()), dim=0)


@torch.no_grad()
def gather_no_grad(tensor: torch.Tensor) -> torch.Tensor:
    """Concatenate a tensor from every rank along dim 0, without gradients."""
    _, world_size = distributed()
    if world_size == 1:
        return tensor
    parts = [torch.empty_like(tensor) for _ in range(world_size)]
    torch.distributed.all_gather(parts, tensor.contiguous())
    return torch.cat(parts, dim=0)


class InclLoss(nn.Module):
    """CE(s r^T / tau, I) + CE(r s^T / tau, I) over the global batch (inputs L2-normalised)."""

    def forward(self, sv: torch.Tensor, rs: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
        rank, _ = distributed()
        all_sv, all_rs = gather_with_grad(sv), gather_with_grad(rs)
        labels = torch.arange(sv.shape[0], device=sv.device) + rank * sv.shape[0]
        scale = logit_scale.exp()
        return F.cross_entropy(scale * sv @ all_rs.T, labels) + F.cross_entropy(scale * rs @ all_sv.T, labels)


class SeclLoss(nn.Module):
    """-log exp(a.l / tau) / (exp(a.l / tau) + sum_k exp(a.l_k / tau)) for each row a, its
    location l and the queued locations l_k (all L2-normalised). Per-row: no gathering needed."""

    def forward(
        self, anchor: torch.Tensor, location: torch.Tensor, queued: torch.Tensor, logit_scale: torch.Tensor
    ) -> torch.Tensor:
        scale = logit_scale.exp()
        positive = scale * (anchor * location).sum(dim=-1, keepdim=True)
        negatives = scale * anchor @ queued.T
        logits = torch.cat([positive, negatives], dim=1)
        return F.cross_entropy(logits, torch.zeros(anchor.shape[0], dtype=torch.long, device=anchor.device))


def mean_or_zero(values: torch.Tensor) -> torch.Tensor:
    """The mean of a 1-d tensor, 0 for an empty one (a batch without rows of one kind)."""
    return values.mean() if values.numel() else values.new_zeros(())


class DistillationLoss(nn.Module):
    """-w_sv cos(g(S), g_T(S)) - w_rs cos(mean f(R), mean f_T(R)) [- w_loc cos(e(l), e_T(l))],
    averaged over the batch."""

    def __init__(self, sv_weight: float = 0.2, rs_weight: float = 0.2, location_weight: float = 0.0) -> None:
        super().__init__()
        self.sv_weight, self.rs_weight, self.location_weight = sv_weight, rs_weight, location_weight

    def forward(
        self,
        sv: torch.Tensor,
        sv_teacher: torch.Tensor,
        rs: torch.Tensor,
        rs_teacher: torch.Tensor,
        location: Optional[torch.Tensor] = None,
        location_teacher: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        loss = -(
            self.sv_weight * mean_or_zero(F.cosine_similarity(sv, sv_teacher.detach(), dim=-1))
            + self.rs_weight * mean_or_zero(F.cosine_similarity(rs, rs_teacher.detach(), dim=-1))
        )
        if self.location_weight and location is not None and location_teacher is not None:
            loss = loss - self.location_weight * F.cosine_similarity(location, location_teacher.detach(), dim=-1).mean()
        return loss


def tile_statistics(images: torch.Tensor) -> torch.Tensor:
    """(B, bands, S, S) -> (B, 3 bands): per-band mean, std and local contrast (mean absolute
    difference of neighbouring pixels, across plus along): the classic spectral and textural
    descriptors of a land-cover patch, unchanged by the views' quarter turns and mirrors."""
    contrast = (images[..., :, 1:] - images[..., :, :-1]).abs().mean(dim=(2, 3)) + (
        images[..., 1:, :] - images[..., :-1, :]
    ).abs().mean(dim=(2, 3))
    return torch.cat([images.mean(dim=(2, 3)), images.std(dim=(2, 3)), contrast], dim=1)


class RSSelfSupervision(nn.Module):
    """Self-supervision of the RS global embedding, for an RS tower trained from scratch.

    - views: InfoNCE between the projected global embeddings of two views of each tile (the
      tile and `augment.rs_view` of it), the other tiles of the batch as negatives (SimCLR);
    - statistics: each view's spectral and textural descriptors (`tile_statistics`,
      standardised over the batch) regressed *linearly* from its global embedding, a
      hand-crafted regression target as in MaskFeat (HOG there): the spectral signature and
      texture that tell land covers apart stay linearly readable from the embedding.
    Returns {"rs_views": ..., "rs_stats": ...} (the latter times `stats_weight`)."""

    def __init__(
        self, embed_dim: int, bands: int, temperature: float = 0.2, stats_weight: float = 1.0, hidden: int = 256
    ) -> None:
        super().__init__()
        self.temperature, self.stats_weight = temperature, stats_weight
        self.projector = nn.Sequential(nn.Linear(embed_dim, hidden), nn.GELU(), nn.Linear(hidden, 128))
        self.decoder = nn.Linear(embed_dim, 3 * bands)

    def forward(
        self, global_a: torch.Tensor, global_b: torch.Tensor, images_a: torch.Tensor, images_b: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        if global_a.shape[0] < 2:  # no negatives: nothing to contrast
            zero = global_a.sum() * 0
            return {"rs_views": zero, "rs_stats": zero}
        a = F.normalize(self.projector(global_a.float()), dim=-1)
        b = F.normalize(self.projector(global_b.float()), dim=-1)
        logits = a @ b.T / self.temperature
        labels = torch.arange(a.shape[0], device=a.device)
        views = 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels))
        with torch.no_grad():
            target = tile_statistics(torch.cat([images_a, images_b]).float())
            target = (target - target.mean(dim=0)) / (target.std(dim=0) + 1e-6)
        stats = F.mse_loss(self.decoder(torch.cat([global_a, global_b]).float()), target)
        return {"rs_views": views, "rs_stats": self.stats_weight * stats}


class LocationQueue:
    """FIFO of (lon, lat) pairs over a model's (2, Q) queue buffer and its pointer."""

    def __init__(self, queue: torch.Tensor, pointer: torch.Tensor) -> None:
        self.queue, self.pointer = queue, pointer

    def lonlat(self) -> torch.Tensor:
        """(Q, 2) float64 (lon, lat) of the queue, detached."""
        return self.queue.detach().T.double().clone()

    @torch.no_grad()
    def enqueue(self, lonlat: torch.Tensor) -> None:
        """Add this step's locations from every rank (in rank order), overwriting the oldest."""
        batch = gather_no_grad(lonlat.to(self.queue.device, torch.float64)).to(self.queue.dtype)
        size = self.queue.shape[1]
        batch = batch[-size:]
        positions = (int(self.pointer.item()) + torch.arange(batch.shape[0], device=self.queue.device)) % size
        self.queue[:, positions] = batch.T
        self.pointer[0] = (int(self.pointer.item()) + batch.shape[0]) % size


class GAIRLoss(nn.Module):
    """The released objective: 0.5 (INCL + SECL_sv + SECL_rs), plus optional distillation.

    `forward(features)` takes the dict of `gair_core.training.forward_features` and returns
    a dict of scalar tensors with `loss` (to backpropagate) and each component."""

    def __init__(self, distillation: Optional[DistillationLoss] = None, rs_self_weight: float = 0.0) -> None:
        super().__init__()
        self.incl = InclLoss()
        self.secl = SeclLoss()
        self.distillation = distillation
        self.rs_self_weight = rs_self_weight

    def forward(self, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        sv = F.normalize(features["sv"].float(), dim=-1)
        rs = F.normalize(features["rs"].float(), dim=-1)
        location = F.normalize(features["location"].float(), dim=-1)
        queued = F.normalize(features["queue"].float(), dim=-1)
        scale = features["logit_scale"].float()
        if "has_sv" in features:
            parts = self.partial_rows(sv, rs, location, queued, scale, features["has_sv"], features["has_rs"])
        else:
            parts = {
                "incl": self.incl(sv, rs, scale),
                "sv_loc": self.secl(sv, location, queued, scale),
                "rs_loc": self.secl(rs, location, queued, scale),
            }
        loss = 0.5 * (parts["incl"] + parts["sv_loc"] + parts["rs_loc"])
        if self.distillation is not None:
            parts["distill"] = self.distillation(
                features["sv_pooled"].float(),
                features["sv_teacher"].float(),
                features["rs_global"].float(),
                features["rs_teacher"].float(),
                features["location"].float(),
                features["location_teacher"].float(),
            )
            loss = loss + parts["distill"]
        if self.rs_self_weight and "rs_self" in features:
            parts.update(features["rs_self"])
            loss = loss + self.rs_self_weight * (parts["rs_views"] + parts["rs_stats"])
        return {"loss": loss, **parts}

    def partial_rows(
        self,
        sv: torch.Tensor,
        rs: torch.Tensor,
        location: torch.Tensor,
        queued: torch.Tensor,
        scale: torch.Tensor,
        has_sv: torch.Tensor,
        has_rs: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        """The objective over a batch mixing triples and pairs (one process): INCL over the
        triples, each SECL over the rows that have its modality; a term with no rows is 0."""
        _, world_size = distributed()
        if world_size > 1:
            raise InputError("manifests with pair rows (an empty sv_path or rs_path) train in one process")
        both = has_sv & has_rs
        zero = location.new_zeros(())
        incl = self.incl(sv[both[has_sv]], rs[both[has_rs]], scale) if int(both.sum()) else zero
        sv_loc = self.secl(sv, location[has_sv], queued, scale) if sv.shape[0] else zero
        rs_loc = self.secl(rs, location[has_rs], queued, scale) if rs.shape[0] else zero
        return {"incl": incl, "sv_loc": sv_loc, "rs_loc": rs_loc}
