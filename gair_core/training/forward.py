"""One nn.Module whose forward computes every training feature, so DDP sees one forward."""

from __future__ import annotations

import copy
from typing import Optional, Sequence

import torch
from torch import nn

from gair_qgis.runtime.errors import InputError

from ..losses import RSSelfSupervision
from ..models import GAIR

UNUSED_IN_TRAINING = ("radar_proj", "location_proj")  # released names, not in the objective


class TrainingModule(nn.Module):
    """Wraps a GAIR model (and an optional frozen teacher for distillation, and the optional
    training-only heads of the self-supervised RS objective)."""

    def __init__(
        self, model: GAIR, teacher: Optional[GAIR] = None, rs_self: Optional[RSSelfSupervision] = None
    ) -> None:
        super().__init__()
        self.model = model
        self.rs_self = rs_self
        for name in UNUSED_IN_TRAINING:
            getattr(model, name).requires_grad_(False)
        self.teacher = teacher
        if teacher is not None:
            teacher.requires_grad_(False).eval()

    def forward(
        self,
        sv: torch.Tensor,
        rs: torch.Tensor,
        coords: torch.Tensor,
        lonlat: torch.Tensor,
        queue_lonlat: torch.Tensor,
        has_sv: Optional[torch.Tensor] = None,
        has_rs: Optional[torch.Tensor] = None,
        rs_view: Optional[torch.Tensor] = None,
    ) -> dict[str, torch.Tensor]:
        """Batch tensors -> projected SV, localized RS, location, queued-location embeddings
        (and, with `rs_view` and the RS self-supervision heads, its terms under `rs_self`).

        With `has_sv` / `has_rs` (bool, one per row) only the rows that have a photo / a
        raster are encoded: `sv` and `rs` features then have one row per such row."""
        model = self.model
        if (has_sv is None) != (has_rs is None):
            raise ValueError("internal error: TrainingModule takes has_sv and has_rs together or neither")
        if has_sv is not None and not bool(has_sv.all()):
            sv = sv[has_sv]
        if has_rs is not None and not bool(has_rs.all()):
            rs, coords = rs[has_rs], coords[has_rs]
            rs_view = rs_view[has_rs] if rs_view is not None else None
        features: dict[str, torch.Tensor] = {"logit_scale": model.logit_scale}
        features["rs"], features["rs_global"] = self._rs(rs, coords)
        if self.rs_self is not None and rs_view is not None and rs.shape[0]:
            features["rs_self"] = self.rs_self(features["rs_global"], model.encode_rs(rs_view)[1], rs, rs_view)
        features["sv_pooled"] = model.encode_sv(sv) if sv.shape[0] else sv.new_zeros(0, model.config.embed_dim)
        features["sv"] = model.project_sv(features["sv_pooled"])
        location = model.encode_location(torch.cat([lonlat, queue_lonlat]).double())
        features["location"], features["queue"] = location.split([lonlat.shape[0], queue_lonlat.shape[0]])
        if has_sv is not None and has_rs is not None and not (bool(has_sv.all()) and bool(has_rs.all())):
            features["has_sv"], features["has_rs"] = has_sv, has_rs
        if self.teacher is not None:
            with torch.no_grad():
                features["sv_teacher"] = self.teacher.encode_sv(sv) if sv.shape[0] else features["sv_pooled"]
                features["rs_teacher"] = self.teacher.encode_rs(rs)[1] if rs.shape[0] else features["rs_global"]
                features["location_teacher"] = self.teacher.encode_location(lonlat.double())
        return features

    def _rs(self, rs: torch.Tensor, coords: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Localized RS embeddings at `coords` and global embeddings (empty for no rows)."""
        model = self.model
        if not rs.shape[0]:
            empty = rs.new_zeros(0, model.config.embed_dim)
            return empty, empty
        grid, rs_global = model.encode_rs(rs)
        return model.localize(grid, coords[:, None, :], "nili")[:, 0], rs_global


def freeze(model: GAIR, parts: Sequence[str]) -> list[str]:
    """Freeze whole towers ('location', 'rs', 'sv'); returns what was frozen."""
    towers: dict[str, list[nn.Module]] = {
        "location": [model.location_encoder],
        "rs": [model.rs_encoder, model.nili],
        "sv": [model.sv_encoder, model.optical_proj],
    }
    for part in parts:
        if part not in towers:
            raise InputError(f"--freeze {part!r}: choose among {', '.join(towers)}")
        for module in towers[part]:
            module.requires_grad_(False)
    return list(parts)


def make_teacher(model: GAIR) -> GAIR:
    """A frozen copy of the model as it is now (the distillation teacher)."""
    return copy.deepcopy(model).requires_grad_(False).eval()
