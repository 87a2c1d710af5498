"""Model packages: a folder with `model.json` plus the ONNX graphs and arrays it lists.

`model.json` is the one owner of preprocessing constants, sizes, provenance and heads.
Every file it lists carries a sha256; a package whose format version or any hash does
not match is refused, naming the file. A package is hostile until checked (`validate_meta`,
run by every load): every file it uses (graphs, weights, layouts, arrays, heads) is listed in
`files`, every name is a relative, normalised path that resolves inside the package (symbolic
links included; model.json and the model card too), and the fields the runtime reads have their types; anything else is a
one-line PackageError naming the entry.

Graph weights live beside each graph as ONNX external data (`<graph>.weights`), laid out
by `<graph>.layout.json` (parameter name, offset, shape, dtype). The same layout lets the
torch-free import fill a graph from a released checkpoint (`write_weights`).
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any, Iterable, Mapping, Optional, Sequence

import numpy as np
from numpy.typing import NDArray

from .errors import PackageError
from .preprocess import RSInputSpec, SVInputSpec

FORMAT_VERSION = 1
MODEL_JSON = "model.json"
GRAPH_NAMES = ("rs_encoder", "sv_encoder", "location_encoder")
NILI_ARRAYS = "nili.npz"  # offset_weight (D, 2) and bias (D,) of imnet
TEMPLATE_JSON = "template.json"  # architecture and state shapes beside weightless graphs
MODEL_CARD = "README.md"  # the human-readable model card; not hashed, kept by add_heads and quantize


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_VERIFIED: dict[tuple[str, int, int], str] = {}  # (path, size, mtime) -> sha256, per process


def verified_sha256(path: Path) -> str:
    """sha256 of a file, hashed again only when its path, size or modification time changed:
    a package of several hundred MB is loaded on every algorithm run."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _VERIFIED:
        _VERIFIED[key] = sha256_of(path)
    return _VERIFIED[key]


# A head's task and the embedding it reads (HeadSpec.task, HeadSpec.input).
CLASSIFICATION, REGRESSION = "classification", "regression"
HEAD_TASKS = (CLASSIFICATION, REGRESSION)
RS_GLOBAL, LOCATION, SV = "rs_global", "location", "sv"  # global RS embedding, e(x), pooled g(s)
HEAD_INPUTS = (RS_GLOBAL, LOCATION, SV)
TILE_HEAD_INPUTS = (RS_GLOBAL, LOCATION)  # the heads that apply to a tile (gair:tilepredict, predictions dock)


@dataclass(frozen=True)
class HeadSpec:
    """A prediction head stored in the package (weights in an .npz of layers)."""

    name: str
    task: str  # one of HEAD_TASKS
    input: str  # one of HEAD_INPUTS
    file: str
    labels: tuple[str, ...]
    targets: tuple[str, ...]
    metric: dict[str, Any]

    @staticmethod
    def from_dict(data: dict[str, Any]) -> HeadSpec:
        return HeadSpec(
            name=data["name"],
            task=data["task"],
            input=data["input"],
            file=data["file"],
            labels=tuple(data.get("labels", ())),
            targets=tuple(data.get("targets", ())),
            metric=dict(data.get("metric", {})),
        )


@dataclass(frozen=True)
class ModelPackage:
    root: Path
    meta: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.meta["name"])

    @property
    def embed_dim(self) -> int:
        return int(self.meta["embedding_size"])

    @property
    def rs_spec(self) -> RSInputSpec:
        return RSInputSpec.from_dict(self.meta["inputs"]["rs"])

    @property
    def sv_spec(self) -> SVInputSpec:
        return SVInputSpec.from_dict(self.meta["inputs"]["sv"])

    @property
    def grid_size(self) -> int:
        return self.rs_spec.token_grid

    @property
    def heads(self) -> list[HeadSpec]:
        return [HeadSpec.from_dict(h) for h in self.meta.get("heads", [])]

    @property
    def untrained(self) -> bool:
        return bool(self.meta.get("untrained", False))

    @property
    def similarity_scale(self) -> Optional[tuple[float, float]]:
        """The cosine range its similarity layers are drawn on ("similarity_scale" in
        model.json), for a model whose cosines stay far below the plugin's default scale."""
        scale = self.meta.get("similarity_scale")
        return (float(scale[0]), float(scale[1])) if scale else None

    def display_tags(self) -> dict[str, Any]:
        """The GAIR_* tags every result raster carries: the model, untrained, its similarity scale."""
        tags: dict[str, Any] = {"GAIR_MODEL": self.name, "GAIR_UNTRAINED": self.untrained}
        if self.similarity_scale:
            tags["GAIR_SIMILARITY_SCALE"] = ",".join(f"{v:g}" for v in self.similarity_scale)
        return tags

    def path(self, name: str) -> Path:
        return self.root / name

    def graph_path(self, graph: str) -> Path:
        return self.root / str(self.meta["graphs"][graph]["file"])

    def nili_arrays(self) -> tuple[NDArray[Any], NDArray[Any]]:
        """imnet's offset weight W_d (D, 2) and bias b (D,)."""
        with np.load(self.path(self.meta["arrays"]["nili"]["file"]), allow_pickle=False) as data:
            return data["offset_weight"].astype(np.float32), data["bias"].astype(np.float32)

    def head_layers(self, head: HeadSpec) -> list[tuple[NDArray[Any], NDArray[Any]]]:
        """The head's affine layers [(W, b), ...]; ReLU between them."""
        with np.load(self.path(head.file), allow_pickle=False) as data:
            count = len([k for k in data.files if k.startswith("weight_")])
            return [(data[f"weight_{i}"], data[f"bias_{i}"]) for i in range(count)]

    @staticmethod
    def load(root: str | Path) -> ModelPackage:
        """Read and verify a package folder: its model.json (`validate_meta`), format version
        and every file's sha256."""
        root = Path(root)
        meta_path = root / MODEL_JSON
        if not meta_path.is_file():
            raise PackageError(f"{root} is not a GAIR model package: {MODEL_JSON} is missing")
        check_resolves_inside(root, MODEL_JSON, str(meta_path))
        model_card(root)  # read nowhere else, but copied by add_heads and quantize
        try:
            meta = json.loads(meta_path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise PackageError(f"{meta_path} is not valid JSON: {error}") from None
        validate_meta(meta, root)
        for name, expected in meta["files"].items():
            path = root / name
            if not path.is_file():
                raise PackageError(f"{root}: file {name} listed in {MODEL_JSON} is missing")
            if verified_sha256(path) != expected:
                raise PackageError(
                    f"{root}: {name} does not match the sha256 in {MODEL_JSON} (corrupt or modified); "
                    "re-export or re-import the package"
                )
        return ModelPackage(root, meta)


# --- checking a package's model.json -----------------------------------------------------

_SHA256 = re.compile(r"[0-9a-f]{64}")
_REFUSED_IN_NAMES = ("\\", ":", "\0")  # Windows separators and drives / streams, NUL


def check_member_name(name: Any, entry: str, root: Optional[Path] = None) -> str:
    """`name` if it is a package file name: a non-empty, relative, normalised POSIX path
    with no '..' (and not model.json); with `root`, it must also resolve inside `root`,
    symbolic links included. Else a PackageError naming `entry`."""
    fix = "a package file must be a relative path inside the package; the package is refused"
    if not isinstance(name, str) or not name:
        raise PackageError(f"{entry}: {name!r} is not a file name; {fix}")
    if (
        name.startswith("/")
        or PureWindowsPath(name).is_absolute()
        or any(c in name for c in _REFUSED_IN_NAMES)
        or posixpath.normpath(name) != name
        or ".." in name.split("/")
        or name == MODEL_JSON
    ):
        raise PackageError(f"{entry} names {name!r}: {fix}")
    if root is not None:
        check_resolves_inside(root, name, f"{entry} names {name!r}, which")
    return name


def check_resolves_inside(root: Path, name: str, what: str) -> None:
    """PackageError unless `root / name` resolves inside `root` (symbolic links followed);
    `what` starts the message ("... resolves outside the package")."""
    inside = root.resolve()
    resolved = (root / name).resolve()
    if resolved == inside or not resolved.is_relative_to(inside):
        raise PackageError(
            f"{what} resolves outside the package (to {resolved}, through a symbolic link); a package "
            "file must be a relative path inside the package; the package is refused"
        )


def model_card(root: Path) -> Optional[bytes]:
    """The package's model card (README.md: text, not hashed), or None when it has none; one
    that resolves outside the package is refused (`ModelPackage.load` checks it first)."""
    card = root / MODEL_CARD
    if not (card.exists() or card.is_symlink()):
        return None
    check_resolves_inside(root, MODEL_CARD, f"{card}")
    return card.read_bytes() if card.is_file() else None


def _require(condition: bool, where: Path, what: str) -> None:
    if not condition:
        raise PackageError(f"{where}: {what}; the package is malformed: re-export or re-import it")


def _check_listed(name: Any, entry: str, files: Mapping[str, Any], where: Path) -> None:
    _require(
        isinstance(name, str) and name in files,
        where,
        f"{entry} names {name!r}, which is not listed in 'files' (every file a package uses is hashed there)",
    )


def _check_heads(heads: Any, key: str, files: Mapping[str, Any], where: Path) -> None:
    _require(isinstance(heads, list), where, f"'{key}' is not a list")
    for index, head in enumerate(heads):
        entry = f"{key}[{index}]"
        _require(isinstance(head, dict), where, f"{entry} is not an object")
        try:
            spec = HeadSpec.from_dict(head)
            valid = (
                isinstance(spec.name, str)
                and bool(spec.name)
                and spec.task in HEAD_TASKS
                and spec.input in HEAD_INPUTS
                and all(isinstance(v, str) for v in spec.labels + spec.targets)
            )
        except (KeyError, TypeError, ValueError) as error:
            raise PackageError(
                f"{where}: {entry} lacks or mistypes a field ({type(error).__name__}: {error}); the "
                "package is malformed: re-export or re-import it"
            ) from None
        _require(
            valid, where, f"{entry} needs a name, a task in {HEAD_TASKS}, an input in {HEAD_INPUTS} and text labels"
        )
        _check_listed(spec.file, f"{entry}.file", files, where)


def _check_inputs(meta: Mapping[str, Any], where: Path) -> None:
    inputs: Any = meta.get("inputs")
    _require(
        isinstance(inputs, dict) and isinstance(inputs.get("rs"), dict) and isinstance(inputs.get("sv"), dict),
        where,
        "'inputs' needs 'rs' and 'sv' objects",
    )
    try:
        rs, sv = RSInputSpec.from_dict(inputs["rs"]), SVInputSpec.from_dict(inputs["sv"])
    except (KeyError, TypeError, ValueError) as error:
        raise PackageError(
            f"{where}: 'inputs' lacks or mistypes a field ({type(error).__name__}: {error}); the "
            "package is malformed: re-export or re-import it"
        ) from None
    _require(len(rs.bands) == len(rs.mean) == len(rs.std) > 0, where, "'inputs.rs' needs one mean and std per band")
    _require(min(rs.input_size, rs.token_grid, sv.input_size) > 0, where, "input sizes and token_grid must be positive")
    _require(all(v > 0 for v in rs.std + sv.std), where, "every std in 'inputs' must be positive")


def validate_meta(meta: Any, root: Path) -> None:
    """Check a package's model.json before anything uses it (see the module's docstring):
    a one-line PackageError naming the offending entry."""
    where = root / MODEL_JSON
    _require(isinstance(meta, dict), where, "not a JSON object")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise PackageError(
            f"{where}: package format version {version!r}, this plugin reads version {FORMAT_VERSION}; "
            "re-export the package with a matching gair_core, or update the plugin"
        )
    files = meta.get("files")
    if not isinstance(files, dict) or not files:
        raise PackageError(
            f"{where} has no 'files' list of sha256 hashes, so the package cannot be verified; "
            "re-export or re-import the package"
        )
    for name, digest in files.items():
        check_member_name(name, f"{where}: 'files' entry", root)
        _require(
            isinstance(digest, str) and bool(_SHA256.fullmatch(digest)),
            where,
            f"'files' entry {name!r} has no sha256 (64 hex digits)",
        )
    _require(isinstance(meta.get("name"), str) and bool(meta["name"]), where, "'name' is missing")
    size = meta.get("embedding_size")
    _require(
        isinstance(size, int) and not isinstance(size, bool) and size > 0,
        where,
        "'embedding_size' is not a positive whole number",
    )
    _check_inputs(meta, where)
    graphs = meta.get("graphs")
    _require(isinstance(graphs, dict), where, "'graphs' is missing")
    for graph in GRAPH_NAMES:
        _require(isinstance(graphs.get(graph), dict), where, f"'graphs' lacks {graph}")
        _check_listed(graphs[graph].get("file"), f"graphs.{graph}.file", files, where)
        for kind in ("weights", "layout"):
            if kind in graphs[graph]:
                _check_listed(graphs[graph][kind], f"graphs.{graph}.{kind}", files, where)
    arrays = meta.get("arrays")
    _require(isinstance(arrays, dict) and isinstance(arrays.get("nili"), dict), where, "'arrays.nili' is missing")
    _check_listed(arrays["nili"].get("file"), "arrays.nili.file", files, where)
    _check_heads(meta.get("heads", []), "heads", files, where)
    _check_heads(meta.get("replaced_heads", []), "replaced_heads", files, where)
    scale = meta.get("similarity_scale")
    _require(
        scale is None
        or (
            isinstance(scale, list)
            and len(scale) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in scale)
        ),
        where,
        "'similarity_scale' is not two numbers",
    )


# --- writing ---------------------------------------------------------------------------


def is_model_package(folder: Path) -> bool:
    """Whether `folder` holds a model.json as this project writes them (`validate_meta`: our
    format version, every file it names inside the folder); its files' hashes are not checked,
    so a damaged package of ours can still be replaced."""
    try:
        validate_meta(json.loads((Path(folder) / MODEL_JSON).read_text()), Path(folder))
    except (OSError, ValueError):  # PackageError is a ValueError
        return False
    return True


def check_replaceable(out_dir: str | Path, overwrite: bool) -> None:
    """Refuse to write over `out_dir` unless it is absent, or `overwrite` is set and it is one
    of our model packages holding nothing but the package's own files."""
    from .cli import check_output_folder

    out_dir = Path(out_dir)
    if not (out_dir.exists() or out_dir.is_symlink()):
        check_output_folder(out_dir, "the package folder")
        return
    if not overwrite:
        raise PackageError(f"{out_dir} already exists; choose another folder or allow overwriting")
    if out_dir.is_symlink() or not out_dir.is_dir() or not is_model_package(out_dir):
        raise PackageError(
            f"{out_dir} exists and is not a GAIR model package (no {MODEL_JSON} of ours); "
            "it was left untouched: choose a new folder for the package"
        )
    meta = json.loads((out_dir / MODEL_JSON).read_text())
    ours = set(meta.get("files", {})) | {MODEL_JSON, MODEL_CARD}
    foreign = sorted(
        str(p.relative_to(out_dir))
        for p in out_dir.rglob("*")
        if not p.is_dir() and str(p.relative_to(out_dir)) not in ours
    )
    if foreign:
        raise PackageError(
            f"{out_dir} is a GAIR model package but also holds other files ({', '.join(foreign[:5])}); "
            "it was left untouched: move those files out or choose a new folder"
        )


def write_package(
    out_dir: str | Path, meta: dict[str, Any], files: Mapping[str, Path | bytes], overwrite: bool = False
) -> Path:
    """Write a package atomically: files into a temporary sibling folder, hashes into
    model.json, then a swap by renames. An existing folder is replaced only with `overwrite`
    and only when it is one of our packages (`check_replaceable`); it is removed only after
    the new one is in place, and kept whole if anything fails before that."""
    out_dir = Path(out_dir)
    for name in files:
        check_member_name(name, f"package file for {out_dir}")
    check_replaceable(out_dir, overwrite)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        for name, source in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(source, bytes):
                target.write_bytes(source)
            else:
                shutil.copyfile(source, target)
        meta = dict(meta, format_version=FORMAT_VERSION)
        meta["files"] = {name: sha256_of(staging / name) for name in sorted(files)}
        (staging / MODEL_JSON).write_text(json.dumps(meta, indent=2))
        staging.chmod(0o755)  # mkdtemp makes it private
        _swap_in(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Move `staging` to `out_dir`; an existing `out_dir` is renamed aside first, restored if
    the move fails, and removed only once the new folder is in place."""
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-replaced-", dir=out_dir.parent))
    aside.rmdir()  # only the unique name is wanted
    os.rename(out_dir, aside)
    try:
        os.rename(staging, out_dir)
    except OSError:
        os.rename(aside, out_dir)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def write_weights(layout: Iterable[Mapping[str, Any]], arrays: Mapping[str, NDArray[Any]], path: Path) -> None:
    """Fill a graph's external-data file from named arrays, as its layout prescribes."""
    entries = list(layout)
    size = max((e["offset"] + e["length"] for e in entries), default=0)
    buffer = bytearray(size)
    for entry in entries:
        key = entry["key"]
        if key not in arrays:
            raise PackageError(f"weights for {path.name}: parameter {key} is missing")
        array = np.ascontiguousarray(arrays[key], dtype=np.dtype(entry["dtype"]))
        if list(array.shape) != list(entry["shape"]):
            raise PackageError(
                f"weights for {path.name}: {key} has shape {list(array.shape)}, expected {entry['shape']}"
            )
        raw = array.tobytes()
        if len(raw) != entry["length"]:
            raise PackageError(f"weights for {path.name}: {key} has {len(raw)} bytes, expected {entry['length']}")
        buffer[entry["offset"] : entry["offset"] + entry["length"]] = raw
    path.write_bytes(bytes(buffer))


def fill_graphs(template_dir: Path, arrays: dict[str, NDArray[Any]], out_dir: Path) -> dict[str, Path]:
    """Copy each template graph and its layout to out_dir, write its weights from `arrays`,
    and write nili.npz. Returns the package files (name -> path)."""
    files: dict[str, Path] = {}
    for graph in GRAPH_NAMES:
        names = graph_files(graph)
        for kind in ("file", "layout"):
            target = out_dir / names[kind]
            if template_dir.resolve() != out_dir.resolve():
                target.write_bytes((template_dir / names[kind]).read_bytes())
            files[names[kind]] = target
        layout = json.loads((template_dir / names["layout"]).read_text())
        write_weights(layout, arrays, out_dir / names["weights"])
        files[names["weights"]] = out_dir / names["weights"]
    weight, bias = arrays["nili.imnet.weight"], arrays["nili.imnet.bias"]
    nili = out_dir / NILI_ARRAYS
    nili.write_bytes(nili_npz(weight[:, weight.shape[1] - 2 :], bias))
    files[NILI_ARRAYS] = nili
    return files


def head_npz(layers: Sequence[tuple[NDArray[Any], NDArray[Any]]]) -> bytes:
    """A head file's bytes: affine layers weight_i (out, in), bias_i (out,); ReLU between them."""
    import io

    buffer = io.BytesIO()
    arrays = {}
    for index, (weight, bias) in enumerate(layers):
        arrays[f"weight_{index}"] = np.asarray(weight, np.float32)
        arrays[f"bias_{index}"] = np.asarray(bias, np.float32)
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def apply_layers(layers: Sequence[tuple[NDArray[Any], NDArray[Any]]], x: NDArray[Any], softmax: bool) -> NDArray[Any]:
    """A head's affine layers with ReLU between them, in float64; softmax for classifiers."""
    out = np.asarray(x, np.float64)
    for index, (weight, bias) in enumerate(layers):
        out = out @ np.asarray(weight, np.float64).T + np.asarray(bias, np.float64)
        if index < len(layers) - 1:
            out = np.maximum(out, 0)
    if softmax:
        out = np.exp(out - out.max(axis=1, keepdims=True))
        out /= out.sum(axis=1, keepdims=True)
    return out


REPLACED_HEADS = "replaced_heads"  # model.json: heads replaced by add_heads(replace=True), kept recoverable


def head_file(name: str) -> str:
    return f"heads/{name}.npz"


def replaced_head_file(name: str) -> str:
    """Where a replaced head's file is kept (one per name: the latest replaced)."""
    return f"heads/replaced/{name}.npz"


def check_head_name(name: Any, what: str = "head name") -> str:
    """`name` if it can name a head and its file: text without path separators, ':' or
    control characters, not '.' or '..'; else a PackageError."""
    if (
        not isinstance(name, str)
        or not name.strip()
        or name in (".", "..")
        or len(name) > 100
        or any(c in name for c in "/\\:")
        or any(ord(c) < 32 for c in name)
    ):
        raise PackageError(f"{what} {name!r} cannot name a head: use a short name without '/', '\\' or ':'")
    return name


def add_heads(
    package_dir: str | Path,
    heads: Sequence[tuple[dict[str, Any], Sequence[tuple[NDArray[Any], NDArray[Any]]]]],
    out_dir: Optional[str | Path] = None,
    *,
    replace: bool = False,
) -> ModelPackage:
    """Add prediction heads to a package and rewrite it atomically, in place or to `out_dir`.
    Each head is (spec, layers); the spec holds name, task ("classification" | "regression"),
    input ("rs_global" | "location" | "sv": the raw embedding the runtime returns), labels or
    targets, and metric (name, value, data, split). Its file is written as heads/<name>.npz.

    A head of a name the package already has is refused unless `replace`; a replaced head is
    kept recoverable in the package: its entry moves to model.json's "replaced_heads" and its
    file to heads/replaced/<name>.npz (hashed like every file; only the latest replaced one of
    each name is kept)."""
    package = ModelPackage.load(package_dir)
    files: dict[str, Path | bytes] = {name: package.root / name for name in package.meta["files"]}
    specs = {h["name"]: h for h in package.meta.get("heads", [])}
    replaced = {h["name"]: h for h in package.meta.get(REPLACED_HEADS, [])}
    for spec, layers in heads:
        name = check_head_name(spec.get("name"))
        if name in specs:
            if not replace:
                raise PackageError(
                    f"{package.root} already has a head {name}; choose another name, or replace it "
                    f"(the old one is then kept in the package as {replaced_head_file(name)})"
                )
            old = specs[name]
            files[replaced_head_file(name)] = package.root / old["file"]
            files.pop(old["file"], None)
            replaced[name] = dict(old, file=replaced_head_file(name))
        spec = dict(spec, file=head_file(name))
        HeadSpec.from_dict(spec)  # validates the fields
        if spec["task"] not in HEAD_TASKS or spec["input"] not in HEAD_INPUTS:
            raise PackageError(f"head {name}: bad task {spec['task']!r} or input {spec['input']!r}")
        specs[name] = spec
        files[spec["file"]] = head_npz(layers)
    meta = {k: v for k, v in package.meta.items() if k not in ("files", "format_version", REPLACED_HEADS)}
    meta["heads"] = list(specs.values())
    if replaced:
        meta[REPLACED_HEADS] = list(replaced.values())
    card_text = model_card(package.root)
    out = Path(out_dir) if out_dir else package.root
    write_package(out, meta, files, overwrite=True)
    if card_text is not None:
        (out / MODEL_CARD).write_bytes(card_text)
    return ModelPackage.load(out)


def bundled_package_path() -> Path:
    """The model package shipped with the plugin (resources/models/ of the checkout or zip)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "resources" / "models", here.parent / "resources" / "models"):
        if candidate.is_dir():
            packages = sorted(p for p in candidate.iterdir() if (p / MODEL_JSON).is_file())
            if packages:
                return packages[0]
    raise PackageError("no bundled model package found under resources/models")


def load_package(path: Optional[str | Path] = None) -> ModelPackage:
    """The package at `path`, or the bundled one."""
    return ModelPackage.load(path if path else bundled_package_path())


# --- metadata --------------------------------------------------------------------------

GRAPH_IO = {
    "rs_encoder": {
        "inputs": {"rs_image": "(B, bands, S, S) float32, preprocessed"},
        "outputs": ["token_grid (B, n, n, D)", "global_embedding (B, D)", "cell_table (B, n*n, D)"],
    },
    "sv_encoder": {
        "inputs": {"sv_image": "(B, 3, S, S) float32, preprocessed"},
        "outputs": ["pooled (B, D)", "projected (B, D)"],
    },
    "location_encoder": {
        "inputs": {"equal_earth": "(N, 2) float64 Equal Earth (X, Y) of (lon, lat)"},
        "outputs": ["embedding (N, D)"],
    },
}


def graph_files(graph: str) -> dict[str, str]:
    return {"file": f"{graph}.onnx", "weights": f"{graph}.weights", "layout": f"{graph}.layout.json"}


def build_meta(
    *,
    name: str,
    version: str,
    licence: str,
    description: str,
    untrained: bool,
    architecture: dict[str, Any],
    embed_dim: int,
    inputs: dict[str, Any],
    provenance: dict[str, Any],
    heads: Iterable[dict[str, Any]] = (),
) -> dict[str, Any]:
    """model.json contents (without format version and hashes, which write_package adds)."""
    return {
        "name": name,
        "version": version,
        "licence": licence,
        "description": description,
        "untrained": untrained,
        "provenance": provenance,
        "architecture": architecture,
        "embedding_size": embed_dim,
        "inputs": inputs,
        "query_modes": ["nili", "bilinear"],
        "graphs": {graph: dict(graph_files(graph), **GRAPH_IO[graph]) for graph in GRAPH_NAMES},
        "arrays": {"nili": {"file": NILI_ARRAYS, "contents": "offset_weight (D, 2), bias (D,) of imnet"}},
        "heads": list(heads),
    }


def nili_npz(offset_weight: NDArray[Any], bias: NDArray[Any]) -> bytes:
    """The nili.npz file's bytes."""
    import io

    buffer = io.BytesIO()
    np.savez(buffer, offset_weight=np.asarray(offset_weight, np.float32), bias=np.asarray(bias, np.float32))
    return buffer.getvalue()
