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


def rs_view(unit: np.ndarray, rng: np.random.Generator, min_area: float = 0.4, gain: float = 0.1) -> np.ndarray:
    """A second view of a [0, 1] (bands, H, W) RS window for the self-supervised RS objective:
    a random square crop of `min_area`..1 of the smaller side squared, a random quarter turn
    and mirror, and one brightness gain for every band (the spectral shape is kept: it is what
    tells land covers apart). Returns the crop at its own size; the caller resizes it."""
    _, height, width = unit.shape
    side = max(1, int(round(min(height, width) * np.sqrt(rng.uniform(min_area, 1.0)))))
    row, col = int(rng.integers(0, height - side + 1)), int(rng.integers(0, width - side + 1))
    view = np.rot90(unit[:, row : row + side, col : col + side], int(rng.integers(4)), axes=(1, 2))
    if rng.random() < 0.5:
        view = view[:, :, ::-1]
    return np.clip(view * np.float32(rng.uniform(1 - gain, 1 + gain)), 0, 1).astype(np.float32)
