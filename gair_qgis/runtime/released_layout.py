"""The released GAIR checkpoint's layout and its mapping to our parameter names, in numpy.

Used by `gair_core.checkpoint` (torch) and by the torch-free import
(`gair_qgis.runtime.import_checkpoint`), so both load exactly the same keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
from numpy.typing import NDArray

from .errors import CheckpointError

# Released keys that GAIR's embeddings never use, each with the reason.
IGNORED_RELEASED_KEYS: dict[str, str] = {
    r"rs_encoder\.layer_norm\.(weight|bias)": "CROMA classification head, unused by GAIR embeddings",
    r"rs_encoder\.head\.(weight|bias)": "CROMA classification head, unused by GAIR embeddings",
    r"nerf_fn\..*": "attention-based query variant, unused by the released NILI/bilinear queries",
    r"query_feature": "attention-based query variant, unused by the released NILI/bilinear queries",
    r"rs_patch_pos_encoding": "attention-based query variant, unused by the released NILI/bilinear queries",
}

_HF_LAYER = re.compile(r"sv_encoder\.encoder\.layer\.(\d+)\.(.+)")
_HF_LAYER_NAMES = {
    "attention.output.dense": "attn.proj",
    "intermediate.dense": "mlp.fc1",
    "output.dense": "mlp.fc2",
    "layernorm_before": "norm1",
    "layernorm_after": "norm2",
}
# (released name, ours) pairs rather than a dict literal: bandit (B105, which plugins.qgis.org runs)
# reads a dict key naming a "token" (the ViT's class token) as a hard-coded password.
_HF_TOP_NAMES = dict(
    [
        ("sv_encoder.embeddings.cls_token", "sv_encoder.vit.cls_token"),
        ("sv_encoder.embeddings.position_embeddings", "sv_encoder.vit.pos_embed"),
        ("sv_encoder.embeddings.patch_embeddings.projection.weight", "sv_encoder.vit.patch_embed.proj.weight"),
        ("sv_encoder.embeddings.patch_embeddings.projection.bias", "sv_encoder.vit.patch_embed.proj.bias"),
        ("sv_encoder.layernorm.weight", "sv_encoder.vit.norm.weight"),
        ("sv_encoder.layernorm.bias", "sv_encoder.vit.norm.bias"),
        ("sv_encoder.pooler.dense.weight", "sv_encoder.pooler.weight"),
        ("sv_encoder.pooler.dense.bias", "sv_encoder.pooler.bias"),
    ]
)
_QKV = re.compile(r"attention\.attention\.(query|key|value)\.(weight|bias)")


@dataclass
class ImportReport:
    loaded: list[str] = field(default_factory=list)
    ignored: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    mismatched: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.unknown or self.missing or self.mismatched)

    def describe(self) -> str:
        lines = []
        for key in self.unknown:
            lines.append(f"  unknown key (not in the released layout): {key}")
        for key in self.missing:
            released = ours_to_released(key.split(" ")[0])
            lines.append(f"  missing key: {key}" + (f" (released name: {released})" if released != key else ""))
        for key, (expected, found) in self.mismatched.items():
            lines.append(f"  shape mismatch: {key}: expected {list(expected)}, found {list(found)}")
        return "\n".join(lines)


def ignored_reason(key: str) -> str | None:
    for pattern, reason in IGNORED_RELEASED_KEYS.items():
        if re.fullmatch(pattern, key):
            return reason
    return None


def released_key_to_ours(key: str) -> str | None:
    """Our parameter name for a released key (HF q/k/v keys map to the fused qkv), or None."""
    if key.startswith("rs_encoder.s2_encoder."):
        return "rs_encoder." + key[len("rs_encoder.s2_encoder.") :]
    if key in _HF_TOP_NAMES:
        return _HF_TOP_NAMES[key]
    layer = _HF_LAYER.fullmatch(key)
    if layer:
        index, rest = layer.groups()
        qkv = _QKV.fullmatch(rest)
        if qkv:
            return f"sv_encoder.vit.blocks.{index}.attn.qkv.{qkv.group(2)}"
        for hf_name, timm_name in _HF_LAYER_NAMES.items():
            if rest.startswith(hf_name + "."):
                return f"sv_encoder.vit.blocks.{index}.{timm_name}{rest[len(hf_name) :]}"
        return None
    if key.startswith("location_encoder.") or key.split(".")[0] in (
        "optical_proj",
        "radar_proj",
        "location_proj",
        "logit_scale",
        "queue_for_location",
        "queue_ptr_location",
    ):
        return key
    if key.startswith("imnet."):
        return "nili." + key
    return None


def ours_to_released(key: str) -> str:
    """The released checkpoint's name of our parameter `key` (the inverse of `released_key_to_ours`;
    a fused qkv names its query part)."""
    if key.startswith("nili.imnet."):
        return key[len("nili.") :]
    for hf, ours in _HF_TOP_NAMES.items():
        if key == ours:
            return hf
    block = re.fullmatch(r"sv_encoder\.vit\.blocks\.(\d+)\.(.+)", key)
    if block:
        index, rest = block.groups()
        qkv = re.fullmatch(r"attn\.qkv\.(weight|bias)", rest)
        if qkv:
            return f"sv_encoder.encoder.layer.{index}.attention.attention.query.{qkv.group(1)} (and key, value)"
        for hf_name, timm_name in _HF_LAYER_NAMES.items():
            if rest.startswith(timm_name + "."):
                return f"sv_encoder.encoder.layer.{index}.{hf_name}{rest[len(timm_name) :]}"
    if key.startswith("rs_encoder."):
        return "rs_encoder.s2_encoder." + key[len("rs_encoder.") :]
    return key


def check_finite(arrays: Mapping[str, NDArray[Any]], source: str) -> None:
    """CheckpointError naming every floating-point array that holds NaN or infinite values."""
    bad = []
    for key, array in arrays.items():
        array = np.asarray(array)
        if array.dtype.kind == "f":
            count = int(array.size - np.count_nonzero(np.isfinite(array)))
            if count:
                bad.append(f"  {key}: {count} of {array.size} values are NaN or infinite")
    if bad:
        raise CheckpointError(
            f"{source} holds weights that are not finite numbers (a diverged or damaged "
            "checkpoint); use another checkpoint:\n" + "\n".join(bad)
        )


def convert_released_state_dict(
    released: Mapping[str, NDArray[Any]], expected: Mapping[str, tuple[int, ...]]
) -> tuple[dict[str, NDArray[Any]], ImportReport]:
    """Released arrays -> our state dict (keys and shapes of `expected`), and a report of
    every key that was loaded, ignored (with the reason), unknown, missing or mis-shaped."""
    report = ImportReport()
    parts: dict[str, dict[str, NDArray[Any]]] = {}  # fused qkv: our key -> {query|key|value: array}
    converted: dict[str, NDArray[Any]] = {}
    for raw_key, array in released.items():
        key = raw_key[len("module.") :] if raw_key.startswith("module.") else raw_key
        reason = ignored_reason(key)
        if reason is not None:
            report.ignored[key] = reason
            continue
        ours = released_key_to_ours(key)
        if ours is None or ours not in expected:
            report.unknown.append(key)
            continue
        qkv = _QKV.search(key)
        if qkv:
            parts.setdefault(ours, {})[qkv.group(1)] = np.asarray(array)
        else:
            converted[ours] = np.asarray(array)
        report.loaded.append(key)
    for ours, pieces in parts.items():
        if set(pieces) != {"query", "key", "value"}:
            absent = sorted({"query", "key", "value"} - set(pieces))
            report.missing.extend(f"{ours} ({name})" for name in absent)
            continue
        fused = tuple(expected[ours])
        piece_shape = (fused[0] // 3, *fused[1:])
        wrong = {name: tuple(piece.shape) for name, piece in pieces.items() if tuple(piece.shape) != piece_shape}
        if wrong:  # checked before concatenating: a crafted broadcast view would be copied whole
            report.mismatched.update({f"{ours} ({name})": (piece_shape, found) for name, found in wrong.items()})
            continue
        converted[ours] = np.concatenate([pieces["query"], pieces["key"], pieces["value"]], axis=0)
    arrays = {}
    for key, shape in expected.items():
        if key not in converted:
            if not any(m.startswith(key) for m in [*report.missing, *report.mismatched]):
                report.missing.append(key)
            continue
        array = converted[key]
        if tuple(array.shape) != tuple(shape):
            report.mismatched[key] = (tuple(shape), tuple(array.shape))
            continue
        arrays[key] = array
    return arrays, report
