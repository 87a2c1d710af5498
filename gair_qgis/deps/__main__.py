"""`python3 -m gair_qgis.deps install|repair|status|remove|plan`: the installer's command line
(the GUI's dialog runs it too, with --progress and --cancel-file)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

from .common import EXIT_BAD_INPUT, EXIT_CANCELLED, EXIT_FAILED, PROGRESS_PREFIX, Cancelled, DepsError
from .folders import default_root, python_folder
from .install import install, remove, status
from .pins import make_plan


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 -m gair_qgis.deps",
        description="Install onnxruntime (with --regions also Dask and Zarr) for the GAIR plugin with QGIS's Python, into a folder the plugin owns. "
        "Run it with QGIS's Python from the QGIS plugins folder.",
    )
    parser.add_argument("command", choices=("install", "repair", "status", "remove", "plan"))
    parser.add_argument(
        "--target",
        type=Path,
        help="the plugin's dependency folder "
        "(default: <QGIS profile>/python/gair_deps, found from where the plugin is)",
    )
    parser.add_argument(
        "--proxy",
        default=os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy"),
        help="proxy URL for pip, with credentials if the proxy needs them, as pip's --proxy "
        "takes it (default: $HTTPS_PROXY)",
    )
    parser.add_argument(
        "--private-pip", action="store_true", help="run pip from a wheel even where QGIS's Python has its own pip"
    )
    parser.add_argument(
        "--regions",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="install (or with --no-regions leave out) the region extras too: dask[distributed], "
        "zarr 2 and numcodecs, which the embedding-field algorithms (gair:fieldbuild, fieldsearch, "
        "fieldheatmap) need (default: as the install there has them)",
    )
    parser.add_argument("--cancel-file", type=Path, help="stop (and change nothing) when this file appears")
    parser.add_argument("--progress", action="store_true", help=f"print '{PROGRESS_PREFIX}PERCENT TEXT' lines")
    parser.add_argument("--json", action="store_true", help="status as JSON")
    parser.add_argument("--debug", action="store_true", help="tracebacks on errors")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one command; the exit code (0, EXIT_FAILED, EXIT_BAD_INPUT or EXIT_CANCELLED)."""
    args = _parser().parse_args(argv)

    def log(line: str) -> None:
        print(line, flush=True)

    def progress(percent: int, text: str) -> None:
        if args.progress:
            print(f"{PROGRESS_PREFIX}{percent} {text}", flush=True)

    cancel_file = args.cancel_file
    try:
        root = args.target.absolute() if args.target else default_root()
        if args.command in ("install", "repair"):
            install(
                root,
                proxy=args.proxy,
                log=log,
                progress=progress,
                allow_own_pip=not args.private_pip,
                regions=args.regions,
                should_cancel=lambda: bool(cancel_file and cancel_file.exists()),
            )
            return 0
        if args.command == "plan":
            for line in make_plan(root, regions=bool(args.regions)).describe():
                print(line)
            return 0
        if args.command == "remove":
            print("removed" if remove(root, log) else f"nothing installed in {python_folder(root)}")
            return 0
        report = status(root)
        if args.json:
            print(json.dumps(report, indent=1))
        else:
            _print_status(report)
        return 0 if report.get("works") else EXIT_FAILED
    except Cancelled as error:
        print(f"gair_qgis.deps: {error}", file=sys.stderr)
        return EXIT_CANCELLED
    except (DepsError, OSError) as error:
        if args.debug:
            raise
        print(f"gair_qgis.deps {args.command}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT if isinstance(error, DepsError) else EXIT_FAILED
    except KeyboardInterrupt:
        print("gair_qgis.deps: interrupted; nothing was changed", file=sys.stderr)
        return EXIT_CANCELLED


def _print_status(report: dict) -> None:
    if not report["installed"]:
        print(f"not installed in {report['folder']} (install with: python3 -m gair_qgis.deps install)")
        return
    record = report["record"]
    packages = ", ".join(f"{name} {version}" for name, version in record["packages"].items())
    print(f"installed in {report['folder']}: {packages} ({record['bytes'] / 1e6:.0f} MB, {record['installed']})")
    if report.get("works"):
        check = report["check"]
        print(f"works: onnxruntime {check['onnxruntime']} with QGIS's numpy {check['numpy']}")
        if report.get("regions_check"):
            regions = report["regions_check"]
            print(
                "region extras work: "
                + ", ".join(f"{name} {regions[name]}" for name in ("dask", "distributed", "zarr", "numcodecs"))
            )
    else:
        print(f"BROKEN: {report.get('problem')} (repair with: python3 -m gair_qgis.deps install)")


if __name__ == "__main__":
    sys.exit(main())
