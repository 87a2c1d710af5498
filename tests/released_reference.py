"""Test helpers: random state dicts in the released layout, and plain functional forwards
written from the released naming (HF ViT, CROMA), to check our key mapping end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
import torch.nn.functional as F

LAYOUT_FILE = Path(__file__).with_name("data") / "released_checkpoint_layout.json"


def released_layout() -> dict[str, list[int]]:
    return json.loads(LAYOUT_FILE.read_text())


def random_released_state_dict(seed: int = 0, prefix: str = "") -> dict[str, torch.Tensor]:
    """Random tensors with exactly the released keys and shapes (weights ~ N(0, 0.02))."""
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in released_layout().items():
        if key == "queue_ptr_location":
            tensor = torch.zeros(shape, dtype=torch.long)
        elif key == "logit_scale":
            tensor = torch.tensor(math.log(1 / 0.07))
        elif key.endswith("capsule.0.b"):
            tensor = torch.randn(shape, generator=generator) * 16
        elif key.endswith("norm.weight") or "layernorm" in key and key.endswith("weight"):
            tensor = 1 + 0.1 * torch.randn(shape, generator=generator)
        else:
            tensor = 0.02 * torch.randn(shape, generator=generator)
        state[prefix + key] = tensor
    return state


def _ln(x, sd, name, eps):
    return F.layer_norm(x, x.shape[-1:], sd[name + ".weight"], sd[name + ".bias"], eps)


def _lin(x, sd, name):
    return F.linear(x, sd[name + ".weight"], sd.get(name + ".bias"))


def hf_vit_pooler(sd: dict, images: torch.Tensor, heads: int = 12) -> torch.Tensor:
    """Hugging Face ViTModel pooler_output, written out from the checkpoint's own names."""
    p = "sv_encoder."
    x = (
        F.conv2d(
            images,
            sd[p + "embeddings.patch_embeddings.projection.weight"],
            sd[p + "embeddings.patch_embeddings.projection.bias"],
            stride=16,
        )
        .flatten(2)
        .transpose(1, 2)
    )
    x = (
        torch.cat([sd[p + "embeddings.cls_token"].expand(len(x), -1, -1), x], 1)
        + sd[p + "embeddings.position_embeddings"]
    )
    layers = len({k.split(".")[3] for k in sd if k.startswith(p + "encoder.layer.")})
    for i in range(layers):
        q = f"{p}encoder.layer.{i}."
        h = _ln(x, sd, q + "layernorm_before", 1e-12)
        b, n, d = h.shape

        def split(t, b=b, n=n, d=d):
            return t.view(b, n, heads, d // heads).transpose(1, 2)

        qh, kh, vh = (split(_lin(h, sd, q + f"attention.attention.{w}")) for w in ("query", "key", "value"))
        attn = (qh @ kh.transpose(-1, -2) / math.sqrt(d // heads)).softmax(-1)
        x = x + _lin((attn @ vh).transpose(1, 2).reshape(b, n, d), sd, q + "attention.output.dense")
        h = _ln(x, sd, q + "layernorm_after", 1e-12)
        x = x + _lin(F.gelu(_lin(h, sd, q + "intermediate.dense")), sd, q + "output.dense")
    x = _ln(x, sd, p + "layernorm", 1e-12)
    return torch.tanh(_lin(x[:, 0], sd, p + "pooler.dense"))


def croma_tokens(sd: dict, images: torch.Tensor, heads: int = 16, patch: int = 8) -> torch.Tensor:
    """CROMA optical encoder tokens, written out from the checkpoint's own names."""
    p = "rs_encoder.s2_encoder."
    b, c, hgt, wid = images.shape
    g = hgt // patch
    x = images.view(b, c, g, patch, g, patch).permute(0, 2, 4, 1, 3, 5).reshape(b, g * g, c * patch * patch)
    x = _lin(x, sd, p + "linear_input")
    pts = torch.tensor([(r, cc) for r in range(g) for cc in range(g)], dtype=torch.float32)
    dist = torch.cdist(pts, pts)
    slopes = torch.tensor([2 ** (-0.5 * (h + 1)) for h in range(heads)])
    bias = -slopes[:, None, None] * dist
    layers = len({k.split(".")[4] for k in sd if k.startswith(p + "transformer.layers.")})
    for i in range(layers):
        q = f"{p}transformer.layers.{i}."
        h = _ln(x, sd, q + "0.input_norm", 1e-5)
        n, d = h.shape[1:]
        qh, kh, vh = (t.view(b, n, heads, d // heads).transpose(1, 2) for t in _lin(h, sd, q + "0.to_qkv").chunk(3, -1))
        attn = (qh @ kh.transpose(-1, -2) / math.sqrt(d // heads) + bias).softmax(-1)
        x = x + _lin((attn @ vh).transpose(1, 2).reshape(b, n, d), sd, q + "0.to_out")
        h = _ln(x, sd, q + "1.input_norm", 1e-5)
        x = x + _lin(F.gelu(_lin(h, sd, q + "1.net.0")), sd, q + "1.net.3")
    return x


def save_compact_released_checkpoint(path: Path, seed: int = 0) -> Path:
    """A released-layout checkpoint of ~2 MB: every tensor has the released shape, but is one
    random row broadcast over its leading dimensions (torch.save keeps the stride-0 view), so
    the strict import accepts it while tests can serve and download it quickly."""
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in released_layout().items():
        if key == "queue_ptr_location":
            state[key] = torch.zeros(shape, dtype=torch.long)
        elif not shape:
            state[key] = torch.tensor(math.log(1 / 0.07))
        else:
            state[key] = (0.02 * torch.randn(shape[-1], generator=generator)).expand(*shape)
    torch.save({"model": state}, path)
    return path
