"""One nn.Module whose forward computes every training feature, so DDP sees one forward."""
from __future__ import annotations

import copy
from typing import Optional

import torch
from torch import nn

from ..models import GAIR

UNUSED_IN_TRAINING = ("radar_proj", "location_proj")  # released names, not in the objective


class TrainingModule(nn.Module):
    """Wraps a GAIR model (and an optional frozen teacher for distillation)."""

    def __init__(self, model: GAIR, teacher: Optional[GAIR] = None) -> None:
        super().__init__()
        self.model = model
        for name in UNUSED_IN_TRAINING:
            getattr(model, name).requires_grad_(False)
        self.teacher = teacher
        if teacher is not None:
            teacher.requires_grad_(False).eval()

    def forward(self, sv: torch.Tensor, rs: torch.Tensor, coords: torch.Tensor, lonlat: torch.Tensor,
                queue_lonlat: torch.Tensor) -> dict[str, torch.Tensor]:
        """Batch tensors -> projected SV, localized RS, location, queued-location embeddings."""
        model = self.model
        grid, rs_global = model.encode_rs(rs)
        sv_pooled = model.encode_sv(sv)
        features = {
            "sv": model.project_sv(sv_pooled),
            "rs": model.localize(grid, coords[:, None, :], "nili")[:, 0],
            "location": model.encode_location(torch.cat([lonlat, queue_lonlat]).double()),
            "sv_pooled": sv_pooled,
            "rs_global": rs_global,
            "logit_scale": model.logit_scale,
        }
        features["location"], features["queue"] = features["location"].split([lonlat.shape[0], queue_lonlat.shape[0]])
        if self.teacher is not None:
            with torch.no_grad():
                features["sv_teacher"] = self.teacher.encode_sv(sv)
                features["rs_teacher"] = self.teacher.encode_rs(rs)[1]
        return features


def make_teacher(model: GAIR) -> GAIR:
    """A frozen copy of the model as it is now (the distillation teacher)."""
    return copy.deepcopy(model).requires_grad_(False).eval()
