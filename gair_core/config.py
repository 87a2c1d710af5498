"""Architecture presets of GAIR.

`base` is the released architecture (docs/MODEL.md §4-§8, §11); `tiny` keeps the same
design with small widths and depths, for tests and for the bundled model.
Preprocessing constants are not here: they belong to the model package's metadata
(`gair_qgis/runtime/released_inputs.json`, read by `gair_qgis.runtime.preprocess`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from gair_qgis.runtime.errors import InputError


@dataclass(frozen=True)
class RSEncoderConfig:
    """CROMA optical ViT with 2D-ALiBi."""

    in_bands: int = 10
    image_size: int = 96
    patch_size: int = 8
    width: int = 768
    depth: int = 12
    heads: int = 16
    mlp_ratio: int = 4
    num_classes: int = 10  # CROMA classification head kept in the checkpoint, unused
    tile_ground_size_m: float = 2000.0  # ground size of one input tile (image_size pixels of ~10 m, resized)

    @property
    def grid_size(self) -> int:
        return self.image_size // self.patch_size


@dataclass(frozen=True)
class SVEncoderConfig:
    """ViT/16 with class token, learned positions and a tanh pooler."""

    image_size: int = 224
    patch_size: int = 16
    width: int = 768
    depth: int = 12
    heads: int = 12
    mlp_ratio: int = 4
    eps: float = 1e-12


@dataclass(frozen=True)
class LocationEncoderConfig:
    """Equal Earth + random Fourier feature branches (GeoCLIP design)."""

    sigmas: tuple[float, ...] = (1.0, 16.0, 256.0)
    num_frequencies: int = 256
    hidden: int = 1024
    depth: int = 3


@dataclass(frozen=True)
class GAIRConfig:
    name: str
    embed_dim: int
    rs: RSEncoderConfig
    sv: SVEncoderConfig
    location: LocationEncoderConfig
    temperature: float = 0.07
    queue_size: int = 4096

    def __post_init__(self) -> None:
        if not (self.rs.width == self.sv.width == self.embed_dim):
            raise InputError("rs.width, sv.width and embed_dim must be equal (one shared space)")

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict) -> GAIRConfig:
        loc = dict(data["location"])
        loc["sigmas"] = tuple(loc["sigmas"])
        return GAIRConfig(
            name=data["name"],
            embed_dim=data["embed_dim"],
            rs=RSEncoderConfig(**data["rs"]),
            sv=SVEncoderConfig(**data["sv"]),
            location=LocationEncoderConfig(**loc),
            temperature=data.get("temperature", 0.07),
            queue_size=data.get("queue_size", 4096),
        )


PRESETS: dict[str, GAIRConfig] = {
    "base": GAIRConfig(
        name="base",
        embed_dim=768,
        rs=RSEncoderConfig(),
        sv=SVEncoderConfig(),
        location=LocationEncoderConfig(),
    ),
    # The bundled model (configs/bundled.json): sized for 64 x 64 EuroSAT patches at 10 m (a
    # 640 m tile, no resize), a location tower of GeoCLIP's capsule sizes, small RS and SV towers.
    "bundled": GAIRConfig(
        name="bundled",
        embed_dim=128,
        rs=RSEncoderConfig(image_size=64, patch_size=8, width=128, depth=4, heads=4, tile_ground_size_m=640.0),
        sv=SVEncoderConfig(width=128, depth=2, heads=4),
        location=LocationEncoderConfig(num_frequencies=256, hidden=1024, depth=3),
        queue_size=256,
    ),
    "tiny": GAIRConfig(
        name="tiny",
        embed_dim=128,
        rs=RSEncoderConfig(width=128, depth=2, heads=4),
        sv=SVEncoderConfig(width=128, depth=2, heads=4),
        location=LocationEncoderConfig(num_frequencies=64, hidden=256),
        queue_size=512,
    ),
}


def package_inputs(config: GAIRConfig) -> dict:
    """The `inputs` of a package of this architecture: the released preprocessing constants
    (gair_qgis/runtime/released_inputs.json, their one owner) with the RS input size, token
    grid and tile ground size of this architecture."""
    from gair_qgis.runtime.preprocess import released_inputs

    inputs = released_inputs()
    rs = config.rs
    inputs["rs"] = dict(
        inputs["rs"],
        input_size=rs.image_size,
        patch_size=rs.patch_size,
        token_grid=rs.grid_size,
        tile_ground_size_m=rs.tile_ground_size_m,
    )
    return inputs


def rs_spec_of(config: GAIRConfig):
    """The RSInputSpec a model of this architecture is trained and run with."""
    from gair_qgis.runtime.preprocess import RSInputSpec

    return RSInputSpec.from_dict(package_inputs(config)["rs"])


def get_preset(name: str) -> GAIRConfig:
    """Return the named preset, or raise with the list of known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        raise InputError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}") from None
