"""Training augmentations of docs/MODEL.md §9, driven by an explicit numpy Generator
so that a sample's augmentation depends only on (seed, epoch, index): identical with any
number of workers, and after --resume."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VISIBLE_RS_BANDS = (0, 1, 2)  # B2, B3, B4 in model band order


@dataclass(frozen=True)
class AugmentConfig:
    """Probabilities and strengths (the released training code's values by default)."""

    rs_jitter_p: float = 0.7
    rs_brightness: float = 0.2
    rs_contrast: float = 0.2
    sv_flip_p: float = 0.5
    sv_jitter_p: float = 0.3
    sv_jitter: float = 0.1


NO_AUGMENT = AugmentConfig(rs_jitter_p=0.0, sv_flip_p=0.0, sv_jitter_p=0.0)


def _factor(rng: np.random.Generator, strength: float) -> float:
    return float(rng.uniform(max(0.0, 1 - strength), 1 + strength))


def _grey(rgb: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma of (3, H, W) -> (H, W)."""
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def jitter_rs(unit: np.ndarray, rng: np.random.Generator, config: AugmentConfig) -> np.ndarray:
    """Brightness/contrast jitter of the visible bands of a [0, 1] (10, H, W) image (p = rs_jitter_p)."""
    if rng.random() >= config.rs_jitter_p:
        return unit
    out = unit.copy()
    visible = out[list(VISIBLE_RS_BANDS)] * _factor(rng, config.rs_brightness)
    mean = _grey(np.clip(visible, 0, 1)).mean()
    visible = (visible - mean) * _factor(rng, config.rs_contrast) + mean
    out[list(VISIBLE_RS_BANDS)] = np.clip(visible, 0, 1)
    return out


def augment_photo(rgb: np.ndarray, rng: np.random.Generator, config: AugmentConfig) -> np.ndarray:
    """Horizontal flip (p = sv_flip_p) and brightness/contrast/saturation jitter (p = sv_jitter_p)
    of an (H, W, 3) 0..255 photo; returns float32 on the 0..255 scale."""
    out = rgb.astype(np.float32)
    if rng.random() < config.sv_flip_p:
        out = out[:, ::-1]
    if rng.random() < config.sv_jitter_p:
        out = out * _factor(rng, config.sv_jitter)
        chw = np.clip(out, 0, 255).transpose(2, 0, 1)
        mean = _grey(chw).mean()
        out = (out - mean) * _factor(rng, config.sv_jitter) + mean
        grey = _grey(np.clip(out, 0, 255).transpose(2, 0, 1))[..., None]
        out = (out - grey) * _factor(rng, config.sv_jitter) + grey
        out = np.clip(out, 0, 255)
    return np.ascontiguousarray(out)
