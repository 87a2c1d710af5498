"""`python -m gair_core.data`: check a training manifest, or build one from Global Streetscapes.

python -m gair_core.data validate MANIFEST.csv
python -m gair_core.data import-streetscapes --root DIR --rasters TILES/ --output MANIFEST.csv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from gair_qgis.runtime.cli import command
from gair_qgis.runtime.errors import InputError

from .manifest import validate_manifest, write_manifest
from .streetscapes import import_streetscapes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m gair_core.data", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="report every bad row; exit 1 when any")
    validate.add_argument("manifest", type=Path)
    imp = commands.add_parser("import-streetscapes", help="pair Global Streetscapes photos with RS rasters")
    imp.add_argument("--root", type=Path, required=True, help="folder with images/ and the metadata CSV")
    imp.add_argument("--images", type=Path, help="image folder (default: ROOT/images)")
    imp.add_argument(
        "--metadata",
        type=Path,
        help="metadata CSV with uuid, lat, lon (default: the first of "
        "ROOT/images_metadata.csv, ROOT/metadata_common_attributes.csv)",
    )
    imp.add_argument("--rasters", type=Path, nargs="+", required=True, help="raster files or folders")
    imp.add_argument("--output", type=Path, required=True, help="manifest CSV to write")
    imp.add_argument("--val-fraction", type=float, default=0.0, help="rows to the val split (by sequence)")
    imp.add_argument("--test-fraction", type=float, default=0.0, help="rows to the test split (by sequence)")
    imp.add_argument("--absolute", action="store_true", help="absolute paths (default: relative to the manifest)")
    return parser


def run_validate(manifest: Path) -> int:
    count, problems = validate_manifest(manifest)
    for problem in problems:
        print(problem)
    bad_rows = len({p.row for p in problems})
    print(f"{manifest}: {count} row(s), {bad_rows} bad", file=sys.stderr)
    return 1 if problems else 0


def default_metadata(root: Path) -> Path:
    for name in ("images_metadata.csv", "metadata_common_attributes.csv", "metadata_common_attributes_sample.csv"):
        if (root / name).is_file():
            return root / name
    raise InputError(f"no metadata CSV in {root}; give --metadata")


def run_import(args: argparse.Namespace) -> int:
    report = import_streetscapes(
        args.images or args.root / "images",
        args.metadata or default_metadata(args.root),
        args.rasters,
        args.val_fraction,
        args.test_fraction,
        None if args.absolute else args.output.resolve().parent,
    )
    write_manifest(args.output, report.rows)
    print(f"{args.output}: {report.describe()}", file=sys.stderr)
    return 0 if report.rows else 1


@command
def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    return run_validate(args.manifest) if args.command == "validate" else run_import(args)


if __name__ == "__main__":
    sys.exit(main())
