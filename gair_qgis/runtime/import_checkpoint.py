"""`python -m gair_qgis.runtime.import_checkpoint CHECKPOINT --out DIR`: the released GAIR
`checkpoint.pth` -> a model package, without torch.

The checkpoint is read by the allow-list reader (no code from the file runs), its keys are
mapped exactly as `gair_core` maps them (every key loaded or ignored with a reason; unknown,
missing or mis-shaped keys are errors), and the weightless ONNX graphs shipped with the
plugin (`graphs/base/`, made by `gair_core.export --templates-only`) are filled with them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from . import package as pkg
from .cli import command
from .errors import CheckpointError
from .preprocess import released_inputs
from .released_layout import check_finite, convert_released_state_dict
from .torch_pickle import load_checkpoint, state_dict_from_checkpoint

TEMPLATES = Path(__file__).with_name("graphs") / "base"


def import_released(
    checkpoint: Path,
    out: Path,
    *,
    overwrite: bool = False,
    name: str = "gair-base-released",
    progress: Optional[Callable[[str], None]] = None,
    provenance: Optional[dict[str, Any]] = None,
) -> pkg.ModelPackage:
    """Write a package from a released-layout checkpoint; returns it, loaded and verified.
    `provenance` adds to (or overrides) the recorded provenance, e.g. the download URL."""
    say = progress or (lambda message: None)
    pkg.check_replaceable(out, overwrite)  # before the long read: refuse early, touch nothing
    template = json.loads((TEMPLATES / pkg.TEMPLATE_JSON).read_text())
    say(f"reading {checkpoint.name} (tensors only)")
    released = state_dict_from_checkpoint(load_checkpoint(checkpoint))
    shapes = {key: tuple(shape) for key, shape in template["state_shapes"].items()}
    arrays, report = convert_released_state_dict(released, shapes)
    if not report.ok:
        raise CheckpointError(f"{checkpoint} does not match the released GAIR layout:\n{report.describe()}")
    check_finite(arrays, str(checkpoint))
    say(f"{len(report.loaded)} tensors loaded, {len(report.ignored)} unused ones ignored")
    provenance_record = {
        "source_checkpoint": checkpoint.name,
        "source_sha256": pkg.sha256_of(checkpoint),
        "training_data": "GAIR pretraining (Liu et al. 2025): Global Streetscapes + Sentinel-2",
        "training_steps": None,
        "exported_by": "gair_qgis.runtime.import_checkpoint (torch-free)",
        "ignored_keys": sorted(set(report.ignored.values())),
        **(provenance or {}),
    }
    meta = pkg.build_meta(
        name=name,
        version="1.0.0",
        licence="Apache-2.0",
        description="The released GAIR weights (Hugging Face PingL/GAIR), imported without torch.",
        untrained=False,
        architecture=template["architecture"],
        embed_dim=template["embed_dim"],
        inputs=released_inputs(),
        provenance=provenance_record,
    )
    with tempfile.TemporaryDirectory(prefix="gair-import-", dir=out.parent if out.parent.exists() else None) as work:
        say("writing the ONNX weights")
        files = pkg.fill_graphs(TEMPLATES, arrays, Path(work))
        pkg.write_package(out, meta, files, overwrite=overwrite)
    return pkg.ModelPackage.load(out)


@command
def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gair_qgis.runtime.import_checkpoint", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("checkpoint", type=Path, help="the released checkpoint.pth (or any file in its layout)")
    parser.add_argument("--out", type=Path, required=True, help="package folder to write")
    parser.add_argument("--name", default="gair-base-released")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    import_released(args.checkpoint, args.out, overwrite=args.overwrite, name=args.name, progress=print)
    print(f"package written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
