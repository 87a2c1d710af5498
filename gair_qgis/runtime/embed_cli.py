"""The `embed` command line, shared by `gair_core.embed` (torch) and `gair_qgis.runtime.embed`
(onnxruntime): same flags and output files as the released `extract_embeddings.py`, one
implementation, two backends.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any, Callable, Optional, Protocol, Sequence

import numpy as np
from numpy.typing import NDArray

from .cli import check_output_folder
from .errors import InputError
from .geometry import bbox_grid, tile_queries
from .location import check_lonlat
from .partial_files import OWNER, owner_tag, remove_stale
from .preprocess import (
    RSInputSpec,
    SmallPhotoWarning,
    SVInputSpec,
    band_indices,
    preprocess_rs,
    preprocess_sv,
    read_photo,
)
from .raster_file import RasterInfo, check_has_data, read_raster

OUTPUT_FILES = (
    "rs_embedding.npy",
    "sv_embedding.npy",
    "sv_projected_embedding.npy",
    "loc_embedding.npy",
    "localized_rs_embedding.npy",
)
SUMMARY_FILE = "embed_summary.json"  # written last: it lists the set of outputs a run wrote
# `.<output>.<pid>@<host>.partial`: an output being written (see `_write_into_place`)
PARTIAL_OUTPUT = re.compile(
    rf"\.(?:{'|'.join(re.escape(n) for n in (*OUTPUT_FILES, SUMMARY_FILE))})"
    rf"\.{OWNER.pattern}\.partial"
)


class Backend(Protocol):
    """What the command needs from a model (torch or onnxruntime)."""

    rs_spec: RSInputSpec
    sv_spec: SVInputSpec

    def describe(self) -> dict[str, Any]: ...
    def encode_rs(self, image: NDArray[Any]) -> tuple[Any, NDArray[Any]]: ...  # (encoded tile, (D,) global)
    def encode_sv(self, image: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]: ...  # pooled, projected
    def encode_location(self, lonlat: NDArray[Any]) -> NDArray[Any]: ...  # (N, D)
    def localize(self, tile: Any, coords: NDArray[Any], mode: str) -> NDArray[Any]: ...  # (N, D)


def read_points(args: argparse.Namespace) -> Optional[NDArray[Any]]:
    """(N, 2) float64 (lon, lat) from --lon/--lat or --points (checked by `check_lonlat`), or None."""
    if args.points is not None:
        with open(args.points, newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            columns = reader.fieldnames or []
        if not {"lon", "lat"} <= set(columns):
            raise InputError(f"{args.points}: expected a CSV with columns 'lon' and 'lat' (found {columns or 'none'})")
        if not rows:
            raise InputError(f"{args.points}: has the columns lon and lat but no rows; add one row per point")
        values = []
        for number, row in enumerate(rows, start=2):  # the header is row 1
            try:
                values.append([float(row["lon"]), float(row["lat"])])
            except (TypeError, ValueError):
                raise InputError(
                    f"{args.points} row {number}: lon {row['lon']!r}, lat {row['lat']!r} are not "
                    "numbers; give decimal degrees in every row"
                ) from None
        return check_lonlat(np.array(values, dtype=np.float64), f"{args.points} row {{i}}", number_from=2)
    if (args.lon is None) != (args.lat is None):
        raise InputError("give both --lon and --lat, or neither")
    if args.lon is None:
        return None
    return check_lonlat(np.array([[args.lon, args.lat]], dtype=np.float64), "--lon/--lat")


def tile_coords(tile: RasterInfo, lonlat: NDArray[Any], bbox: Optional[Sequence[float]]) -> NDArray[Any]:
    """Interpolator coordinates of (lon, lat) points inside the tile, in float64."""
    if bbox is not None:
        return tile_queries(bbox_grid(bbox), lonlat[:, 0], lonlat[:, 1])
    if tile.crs is None:
        raise InputError("the raster has no CRS: give its box with --rs-bbox LON_MIN LAT_MAX LON_MAX LAT_MIN")
    if tile.is_geographic:
        return tile_queries(tile.grid, lonlat[:, 0], lonlat[:, 1])
    from rasterio.warp import transform

    xs, ys = transform("EPSG:4326", tile.crs, lonlat[:, 0].tolist(), lonlat[:, 1].tolist())
    return tile_queries(tile.grid, np.asarray(xs), np.asarray(ys))


def build_parser(prog: str, model_flag: str, model_help: str, required: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Extract GAIR RS, SV, location and localized RS embeddings."
    )
    parser.add_argument(model_flag, type=Path, required=required, help=model_help)
    parser.add_argument(
        "--rs-image", type=Path, help="RS tile (GeoTIFF): 10 bands in model order or a 12-band L2A stack"
    )
    parser.add_argument("--sv-image", type=Path, help="street-view photo (JPEG/PNG)")
    parser.add_argument("--lon", type=float, help="longitude of the photo (degrees)")
    parser.add_argument("--lat", type=float, help="latitude of the photo (degrees)")
    parser.add_argument("--points", type=Path, help="CSV with columns lon,lat (instead of --lon/--lat)")
    parser.add_argument(
        "--rs-bbox",
        type=float,
        nargs=4,
        metavar=("LON_MIN", "LAT_MAX", "LON_MAX", "LAT_MIN"),
        help="box of the RS tile (default: the raster's own bounds)",
    )
    parser.add_argument(
        "--query-mode",
        choices=["nili", "liif", "bilinear"],
        default="nili",
        help="localized query: NILI (the released 'liif') or plain bilinear",
    )
    parser.add_argument("--normalize", action="store_true", help="L2-normalise every embedding")
    parser.add_argument("--output-dir", type=Path, default=Path("outputs"), help="folder for the .npy files")
    parser.add_argument("--overwrite", action="store_true", help="replace outputs already in --output-dir")
    return parser


def _normalize(array: NDArray[Any]) -> NDArray[Any]:
    normalized: NDArray[Any] = array / np.maximum(np.linalg.norm(array, axis=-1, keepdims=True), 1e-12)
    return normalized


def compute(args: argparse.Namespace, backend: Backend) -> dict[str, NDArray[Any]]:
    """Every embedding the arguments ask for, as float32 arrays keyed by output file name."""
    mode = "nili" if args.query_mode == "liif" else args.query_mode
    lonlat = read_points(args)
    outputs: dict[str, NDArray[Any]] = {}
    raster, encoded = None, None
    if args.rs_image is not None:
        raster, pixels = read_raster(args.rs_image)
        check_has_data(raster, pixels, band_indices(pixels.shape[0], backend.rs_spec, list(raster.band_names)))
        encoded, global_embedding = backend.encode_rs(preprocess_rs(pixels, backend.rs_spec, list(raster.band_names)))
        outputs["rs_embedding.npy"] = global_embedding[None]
    if args.sv_image is not None:
        pooled, projected = backend.encode_sv(
            preprocess_sv(read_photo(args.sv_image, backend.sv_spec.input_size), backend.sv_spec)
        )
        outputs["sv_embedding.npy"] = pooled[None]
        outputs["sv_projected_embedding.npy"] = projected[None]
    if lonlat is not None:
        outputs["loc_embedding.npy"] = backend.encode_location(lonlat)
        if raster is not None:
            coords = tile_coords(raster, lonlat, args.rs_bbox)
            outputs["localized_rs_embedding.npy"] = backend.localize(encoded, coords, mode)
    if args.normalize:
        outputs = {name: _normalize(array) for name, array in outputs.items()}
    return {name: np.ascontiguousarray(array, dtype=np.float32) for name, array in outputs.items()}


def write_outputs(args: argparse.Namespace, outputs: dict[str, NDArray[Any]], model: dict[str, Any]) -> Path:
    """Write the arrays and a summary JSON; refuses to replace files unless --overwrite. With
    --overwrite the earlier run's set (the outputs its summary lists) is replaced as a whole: those
    this run does not write again are removed, nothing else in the folder is touched. Each file is
    written beside its place and renamed into it, the summary last."""
    out_dir: Path = args.output_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = [out_dir / name for name in outputs] + [out_dir / SUMMARY_FILE]
    existing = [str(p) for p in targets if p.exists()]
    if existing and not args.overwrite:
        raise InputError(
            f"outputs already exist ({', '.join(existing)}); pass --overwrite or pick another --output-dir"
        )
    earlier = earlier_outputs(out_dir) if args.overwrite else []
    remove_stale(out_dir, PARTIAL_OUTPUT)  # what a killed run (kill -9) left half-written
    summary = {
        "inputs": {
            key: (str(value) if isinstance(value, Path) else value)
            for key, value in vars(args).items()
            if key not in ("overwrite", "output_dir")
        },
        "model": model,
        "outputs": {
            name: {"path": str(out_dir / name), "shape": list(a.shape), "dtype": "float32"}
            for name, a in outputs.items()
        },
    }
    for name, array in outputs.items():
        _write_into_place(out_dir / name, functools.partial(_save_array, array=array))
    for name in earlier:
        if name not in outputs:
            (out_dir / name).unlink(missing_ok=True)
    _write_into_place(out_dir / SUMMARY_FILE, lambda handle: handle.write(json.dumps(summary, indent=2).encode()))
    return out_dir


def earlier_outputs(out_dir: Path) -> list[str]:
    """The output files an earlier run's summary in `out_dir` lists (only this command's file
    names; an unreadable summary lists none)."""
    try:
        listed = json.loads((out_dir / SUMMARY_FILE).read_text()).get("outputs", {})
    except (OSError, ValueError, AttributeError):
        return []
    return [name for name in listed if name in OUTPUT_FILES] if isinstance(listed, dict) else []


def _save_array(handle: Any, array: NDArray[Any]) -> None:
    np.save(handle, array)


def _write_into_place(path: Path, write: Callable[[Any], object]) -> None:
    """`write(handle)` into a partial file beside `path`, then renamed to it (never half-written);
    the partial file names this process, so that a later run removes it if this one is killed."""
    partial = path.with_name(f".{path.name}.{owner_tag()}.partial")
    try:
        with open(partial, "wb") as handle:
            write(handle)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def main(
    argv: Optional[Sequence[str]],
    parser: argparse.ArgumentParser,
    make_backend: Callable[[argparse.Namespace], Backend],
) -> int:
    args = parser.parse_args(argv)
    if args.rs_image is None and args.sv_image is None and args.lon is None and args.points is None:
        parser.error("nothing to embed: give --rs-image, --sv-image and/or --lon/--lat or --points")
    check_output_folder(args.output_dir, "--output-dir")
    backend = make_backend(args)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", SmallPhotoWarning)
        outputs = compute(args, backend)
    for warning in said:  # about the input (a small photo): one line each; any other as Python shows it
        if issubclass(warning.category, SmallPhotoWarning):
            print(f"warning: {warning.message}", file=sys.stderr)
        else:
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    out_dir = write_outputs(args, outputs, backend.describe())
    for name, array in outputs.items():
        print(f"{out_dir / name}  {list(array.shape)}")
    print(f"{out_dir / SUMMARY_FILE}")
    return 0
