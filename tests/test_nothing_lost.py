"""Issue 9: nothing of the user's lost, nothing silently wrong, one rule for every command line.

Each test reproduces a failure found by hand (bad input, faults) and checks that it now ends
in a clear refusal or a correct result."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, SHARED, UNTRAINED_TWIN


def run_cli(module: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m module args` from the checkout, as a user runs it."""
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=600)


def assert_one_line_refusal(result: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit code 2, one line on stderr naming every fragment, no traceback."""
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip() and line.startswith("error")]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# --- 1. replacing a package replaces only a package -------------------------------------


def package_files(marker: bytes) -> dict[str, Path | bytes]:
    """The tiny untrained package's files, its nili.npz replaced by `marker` (write_package's input)."""
    meta = json.loads((UNTRAINED_TWIN / "model.json").read_text())
    return {**{name: UNTRAINED_TWIN / name for name in meta["files"]}, "nili.npz": marker}


def small_package(folder: Path, marker: bytes = b"one") -> Path:
    """A package that passes validate_meta (so it is one of ours), its nili.npz holding `marker`."""
    from gair_qgis.runtime.package import write_package

    meta = json.loads((UNTRAINED_TWIN / "model.json").read_text())
    return write_package(folder, meta, package_files(marker), overwrite=True)


def test_import_overwrite_refuses_a_folder_that_is_not_a_package(tmp_path):
    """`import_checkpoint CKPT --out D --overwrite` once deleted D whole (the user's thesis in it)."""
    user = tmp_path / "D"
    (user / "thesis").mkdir(parents=True)
    (user / "thesis" / "c.txt").write_text("x")
    checkpoint = tmp_path / "checkpoint.pth"
    checkpoint.write_bytes(b"not read: the refusal comes first")
    result = run_cli("gair_qgis.runtime.import_checkpoint", checkpoint, "--out", user, "--overwrite")
    assert_one_line_refusal(result, str(user), "not a GAIR model package")
    assert (user / "thesis" / "c.txt").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["D", "checkpoint.pth"]  # nothing half-written


def test_write_package_replaces_only_our_packages_and_keeps_the_old_one_on_failure(tmp_path):
    from gair_qgis.runtime.errors import PackageError
    from gair_qgis.runtime.package import write_package

    package = small_package(tmp_path / "pkg")
    meta = json.loads((package / "model.json").read_text())
    # a package folder that also holds the user's file is not replaced
    (package / "notes.txt").write_text("mine")
    with pytest.raises(PackageError, match=r"is a GAIR model package but also holds other files \(notes.txt\)"):
        write_package(package, meta, package_files(b"two"), overwrite=True)
    assert (package / "notes.txt").read_text() == "mine" and (package / "nili.npz").read_bytes() == b"one"
    (package / "notes.txt").unlink()
    # a write that fails before the swap leaves the old package whole
    with pytest.raises(FileNotFoundError):
        write_package(package, meta, {**package_files(b"two"), "nili.npz": tmp_path / "missing-source"}, overwrite=True)
    assert (package / "nili.npz").read_bytes() == b"one"
    # a good write replaces it
    write_package(package, meta, package_files(b"two"), overwrite=True)
    assert (package / "nili.npz").read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]  # no staging or set-aside folder left
    # a plain folder is refused, naming it
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "model.json").write_text('{"something": "else"}')
    with pytest.raises(PackageError, match="plain.*not a GAIR model package"):
        write_package(plain, meta, {"nili.npz": b"x"}, overwrite=True)
    assert (plain / "model.json").read_text() == '{"something": "else"}'


# --- 2. a training run never silently replaces an earlier one -----------------------------


TRAIN_FAST = ["--preset", "tiny", "--no-progress", "--no-tensorboard", "--batch-size", "2", "--max-steps", "1"]


@pytest.fixture
def train_manifest(tmp_path, l2a_tile, photo) -> Path:
    path = tmp_path / "manifest.csv"
    rows = [f"{photo},{9.1605 + 0.005 * i},{48.7605 + 0.004 * i},{l2a_tile}" for i in range(2)]
    path.write_text("sv_path,lon,lat,rs_path\n" + "\n".join(rows) + "\n")
    return path


def test_train_into_a_folder_with_an_earlier_run_is_refused_unless_restart(tmp_path, train_manifest):
    from gair_core import train

    out = tmp_path / "run"
    assert train.main(["--manifest", str(train_manifest), *TRAIN_FAST, "--output-dir", str(out)]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert out / "metrics.csv" in before
    result = run_cli("gair_core.train", "--manifest", train_manifest, *TRAIN_FAST, "--output-dir", out)
    assert_one_line_refusal(result, str(out), "--resume", "new --output-dir", "--restart")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    # --restart starts over, and deletes only files a run writes
    (out / "notes.txt").write_text("mine")
    (out / "checkpoints" / "README").write_text("mine too")
    result = run_cli("gair_core.train", "--manifest", train_manifest, *TRAIN_FAST, "--max-steps", "2",
                     "--output-dir", out, "--restart")
    assert result.returncode == 0, result.stderr[-3000:]
    assert (out / "notes.txt").read_text() == "mine" and (out / "checkpoints" / "README").read_text() == "mine too"
    assert [line.split(",")[0] for line in (out / "metrics.csv").read_text().splitlines()[1:]] == ["1", "2"]
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["README", "latest", "step_00000002"]


# --- one rule for every command line ------------------------------------------------------


def cli_cases(tmp: Path, checkpoint: Path) -> dict[str, list]:
    """For each command line: arguments with a user's mistake that once gave a traceback."""
    a_file = tmp / "a-file"
    a_file.write_text("x")
    folder = tmp / "a-folder"
    folder.mkdir(exist_ok=True)
    return {
        "gair_qgis.runtime.embed": ["--lon", "1", "--lat", "2", "--output-dir", a_file],
        "gair_core.embed": ["--checkpoint", checkpoint, "--lon", "1", "--lat", "2", "--output-dir", a_file],
        "gair_core.train": ["--manifest", folder, "--output-dir", a_file],
        "gair_core.data": ["validate", folder],
        "gair_core.finetune": ["--data", folder, "--task", "location", "--kind", "regression", "--target", "y",
                               "--output-dir", tmp / "ft"],
        "gair_core.export": ["--checkpoint", checkpoint, "--out", a_file],
        "gair_qgis.runtime.import_checkpoint": [folder, "--out", tmp / "new-package"],
    }


@pytest.mark.parametrize("module", ["gair_qgis.runtime.embed", "gair_core.embed", "gair_core.train", "gair_core.data",
                                    "gair_core.finetune", "gair_core.export", "gair_qgis.runtime.import_checkpoint"])
def test_every_command_line_refuses_in_one_line_with_exit_2_and_a_traceback_only_with_debug(
        module, tmp_path, tiny_checkpoint):
    args = cli_cases(tmp_path, tiny_checkpoint)[module]
    result = run_cli(module, *args)
    assert_one_line_refusal(result)
    debug = run_cli(module, *args, "--debug")
    assert debug.returncode == 2 and "Traceback" in debug.stderr, debug.stderr[-2000:]
    assert not (tmp_path / "new-package").exists() and not (tmp_path / "ft").exists()


# --- 5. one validation of (lon, lat) for both embed commands ---------------------------------


@pytest.mark.parametrize("lon, lat", [("0", "95"), ("400", "10"), ("nan", "10"), ("10", "inf")])
def test_both_embed_commands_refuse_a_location_outside_lon_lat_ranges(tmp_path, tiny_checkpoint, lon, lat):
    for module, model in (("gair_core.embed", ["--checkpoint", tiny_checkpoint]), ("gair_qgis.runtime.embed", [])):
        out = tmp_path / module
        result = run_cli(module, *model, f"--lon={lon}", f"--lat={lat}", "--output-dir", out)
        assert_one_line_refusal(result, "--lon/--lat", "longitude in [-180, 180]", "latitude in [-90, 90]")
        assert not out.exists()


def test_a_points_csv_with_a_bad_row_is_refused_naming_the_row(tmp_path):
    from gair_qgis.runtime import embed_cli
    from gair_qgis.runtime.errors import InputError

    points = tmp_path / "points.csv"
    points.write_text("lon,lat\n10,20\n20,-91\n")
    args = embed_cli.build_parser("x", "--package", "", required=False).parse_args(["--points", str(points)])
    with pytest.raises(InputError, match=r"points.csv row 3: .*latitude in \[-90, 90\]"):
        embed_cli.read_points(args)


# --- 3, 9. the tile cache: content identity, broken entries, a cache folder that is a file ----


def small_tile():
    from gair_qgis.runtime.tile import EncodedTile
    from gair_qgis.runtime.tile_cache import CachedTile

    rng = np.random.default_rng(0)
    tile = EncodedTile(grid=rng.standard_normal((2, 2, 4)).astype(np.float32),
                       global_embedding=rng.standard_normal(4).astype(np.float32),
                       cell_table=rng.standard_normal((4, 4)).astype(np.float32),
                       offset_weight=rng.standard_normal((4, 2)).astype(np.float32), bias=np.zeros(4, np.float32))
    return CachedTile(tile, np.ones((3, 3), bool))


def test_a_raster_rewritten_at_the_same_path_gets_a_new_cache_key(tmp_path):
    from gair_qgis.runtime import tile_cache
    from gair_qgis.runtime.geometry import PixelGrid, Window
    from gair_qgis.runtime.package import load_package

    from conftest import sentinel_like, write_geotiff

    bounds = (9.16, 48.76, 9.17, 48.77)
    raster = write_geotiff(tmp_path / "rs.tif", sentinel_like(20, 20, seed=1), bounds, "EPSG:4326")
    grid, window, package = PixelGrid.from_bounds(*bounds, 20, 20), Window(0, 0, 20, 20), load_package()
    source = f"gdal:{raster}"
    first = tile_cache.tile_key(source, grid, window, package, range(10))
    assert tile_cache.tile_key(source, grid, window, package, range(10)) == first
    stat = raster.stat()
    write_geotiff(raster, sentinel_like(20, 20, seed=2), bounds, "EPSG:4326")  # same size, new pixels
    os.utime(raster, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # whatever the clock's resolution
    assert tile_cache.tile_key(source, grid, window, package, range(10)) != first


@pytest.mark.parametrize("kept", [0, 100, -10])  # empty, inside the first header, the last array short
def test_a_truncated_cache_entry_is_a_miss_and_is_replaced(tmp_path, kept):
    from gair_qgis.runtime.tile_cache import TileCache

    TileCache(directory=tmp_path).put("k", small_tile())
    entry = tmp_path / "k.tile"
    entry.write_bytes(entry.read_bytes()[:kept])  # a run killed while the disk was full, say
    fresh = TileCache(directory=tmp_path)
    assert fresh.get("k") is None and not entry.exists()
    fresh.put("k", small_tile())
    np.testing.assert_array_equal(TileCache(directory=tmp_path).get("k").tile.grid, small_tile().tile.grid)


def test_the_cache_deletes_no_npz_file_nor_anything_else_not_its_own(tmp_path):
    from gair_qgis.runtime.tile_cache import TileCache

    theirs = [tmp_path / f"{'ab' * 32}.npz", tmp_path / "notes.npz", tmp_path / f"{'AB' * 32}.npz",
              tmp_path / "mine.txt"]
    for path in theirs:
        path.write_text("keep")
    TileCache(directory=tmp_path).put("k", small_tile())
    assert TileCache(directory=tmp_path).get("k") is not None
    assert all(path.read_text() == "keep" for path in theirs)


def test_pruning_goes_by_last_use_and_spares_the_running_job(tmp_path):
    import os

    from gair_qgis.runtime.tile_cache import TileCache

    tiles = TileCache(directory=tmp_path)
    keys = [f"{n:064x}" for n in range(4)]
    for age, key in enumerate(keys):
        tiles.put(key, small_tile())
        os.utime(tmp_path / f"{key}.tile", ns=(0, (10 - age) * 10**9))  # keys[0] is the oldest
    size = (tmp_path / f"{keys[0]}.tile").stat().st_size
    TileCache(directory=tmp_path).get(keys[1])  # read back: now the most recently used
    deleted, freed = tiles.prune(2 * size, keep=[keys[0]])
    assert (deleted, freed) == (2, 2 * size)
    assert sorted(p.stem for p in tmp_path.glob("*.tile")) == sorted([keys[0], keys[1]])


def test_a_cache_folder_that_is_a_file_is_refused_naming_the_setting(tmp_path):
    from gair_qgis.runtime.errors import InputError
    from gair_qgis.runtime.tile_cache import TileCache

    a_file = tmp_path / "cache"
    a_file.write_text("mine")
    with pytest.raises(InputError, match=r"GAIR_CACHE_DIR.*cache is a file"):
        TileCache(directory=a_file).get("k")
    assert a_file.read_text() == "mine"


# --- 11, 12. messages instead of tracebacks; messages that say what is wrong -------------------


@pytest.fixture
def small_torch_checkpoint(tmp_path) -> Path:
    import torch

    path = tmp_path / "checkpoint.pth"
    torch.save({"model": {"weight": torch.zeros(4096)}}, path)
    return path


def test_a_damaged_checkpoint_zip_is_named_as_damaged_not_as_legacy(small_torch_checkpoint, tmp_path):
    data = bytearray(small_torch_checkpoint.read_bytes())
    crc = tmp_path / "crc.pth"
    at = bytes(data).index(bytes(4096 * 4)) + 100
    data[at] ^= 0xFF
    crc.write_bytes(bytes(data))
    truncated = tmp_path / "truncated.pth"
    truncated.write_bytes(small_torch_checkpoint.read_bytes()[:3000])
    for checkpoint, expected in ((crc, "damaged"), (truncated, "truncated"), (tmp_path / "missing.pth", "not found")):
        result = run_cli("gair_qgis.runtime.import_checkpoint", checkpoint, "--out", tmp_path / "new")
        assert_one_line_refusal(result, str(checkpoint), expected)
        assert "legacy" not in result.stderr and not (tmp_path / "new").exists()


def test_an_unwritable_output_is_refused_before_the_long_work(tiny_checkpoint, tmp_path):
    """/proc refuses new folders even to root (chmod would not stop a root test run)."""
    unwritable = Path("/proc/gair-test-output/package")
    result = run_cli("gair_core.export", "--checkpoint", tiny_checkpoint, "--out", unwritable)
    assert_one_line_refusal(result, str(unwritable), "not writable")
    assert "onnxruntime vs torch" not in result.stdout  # refused before exporting
    result = run_cli("gair_qgis.runtime.import_checkpoint", tiny_checkpoint, "--out", unwritable)
    assert_one_line_refusal(result, str(unwritable), "not writable")


def test_an_output_dir_that_is_a_file_is_refused_naming_it(tmp_path):
    a_file = tmp_path / "out"
    a_file.write_text("mine")
    result = run_cli("gair_qgis.runtime.embed", "--lon", "1", "--lat", "2", "--output-dir", a_file)
    assert_one_line_refusal(result, f"--output-dir {a_file} is a file")
    assert a_file.read_text() == "mine"
    data = tmp_path / "rows.csv"
    data.write_text("lon,lat,y\n1,2,3\n")
    result = run_cli("gair_core.finetune", "--data", data, "--task", "location", "--kind", "regression", "--target", "y",
                     "--output-dir", a_file)
    assert_one_line_refusal(result, f"--output-dir {a_file} is a file")
    result = run_cli("gair_core.train", "--manifest", data, "--output-dir", a_file)
    assert_one_line_refusal(result, f"--output-dir {a_file} is a file")
    assert a_file.read_text() == "mine"


# --- 10. a truncated latest training checkpoint --------------------------------------------


def test_resume_falls_back_to_the_newest_intact_checkpoint_and_says_so(tmp_path, train_manifest):
    from gair_core import train

    out = tmp_path / "run"
    common = ["--manifest", str(train_manifest), *TRAIN_FAST, "--save-every", "1", "--output-dir", str(out)]
    assert train.main([*common, "--max-steps", "2"]) == 0
    latest = out / "checkpoints" / "step_00000002" / "model.safetensors"
    latest.write_bytes(latest.read_bytes()[:1000])  # the machine died while it was written
    result = run_cli("gair_core.train", *common, "--max-steps", "3", "--resume")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    warning = [line for line in result.stderr.splitlines() if "step_00000002" in line and "unreadable" in line]
    assert warning and "step_00000001" in warning[0], result.stderr
    assert [line.split(",")[0] for line in (out / "metrics.csv").read_text().splitlines()[1:]] == ["1", "2", "3"]
    assert (out / "checkpoints" / "latest").read_text().strip() == "step_00000003"


# --- 4. tiles are 2 km on the ground in every CRS ------------------------------------------


def pyproj_to_lonlat(crs: str):
    from pyproj import Transformer

    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return lambda x, y: transformer.transform(x, y)


@pytest.mark.parametrize("crs, lon, lat, pixel", [("EPSG:3857", -83.0, 42.5, 10.0), ("EPSG:4326", -83.0, 42.5, 1e-4),
                                                  ("EPSG:32617", -81.0, 42.5, 10.0)])
def test_ground_pixel_size_is_the_geodesic_size_in_any_crs(crs, lon, lat, pixel):
    from gair_qgis.runtime.geometry import PixelGrid, ground_pixel_size_m

    from processing_support import geodesic_pixel_m, to_crs

    x, y = to_crs(lon, lat, crs)
    grid = PixelGrid(x - 500 * pixel, y + 500 * pixel, pixel, pixel, 1000, 1000)
    measured = ground_pixel_size_m(grid, pyproj_to_lonlat(crs), x, y)
    np.testing.assert_allclose(measured, geodesic_pixel_m(crs, pixel, x, y), rtol=1e-6)
    if crs == "EPSG:3857":  # Web Mercator's scale at 42.5 N: a map metre is cos(42.5 deg) ~ 0.737 ground metres
        assert measured[0] == pytest.approx(7.38, abs=0.01)


def test_a_web_mercator_raster_gets_2_km_tiles_on_the_ground(tmp_path, gair_provider, photo):
    from processing_support import RasterCase, geodesic_pixel_m, make_raster, read_output, run, to_crs

    lon, lat = -83.05, 42.5
    x, y = to_crs(lon, lat, "EPSG:3857")
    case = RasterCase("EPSG:3857", x - 1500.0, y + 1500.0, 10.0, (lon, lat))
    raster = make_raster(tmp_path / "mercator.tif", case, 300, 300)
    run("svheatmap", {"INPUT": str(raster), "SV_IMAGE": str(photo), "SV_POINT": f"{lon},{lat} [EPSG:4326]",
                      "OUTPUT": str(tmp_path / "heat.tif")})
    out = read_output(tmp_path / "heat.tif")
    ground = geodesic_pixel_m("EPSG:3857", 10.0, x, y)
    expected = (round(2000 / ground[0]), round(2000 / ground[1]))
    assert (out.values.shape[2], out.values.shape[1]) == expected
    assert expected[0] == 271  # 2 km / 7.38 m, where 2000 map units would give 200 pixels (1.48 km)


# --- 7. bounded memory for any photo -----------------------------------------------------------


MEASURE_PEAK = """
import sys
from gair_qgis.runtime.preprocess import preprocess_sv, read_photo, released_sv_spec
spec = released_sv_spec()
image = preprocess_sv(read_photo(sys.argv[1], spec.input_size), spec)
assert image.shape == (3, spec.input_size, spec.input_size), image.shape
# this process's peak resident memory (VmHWM; ru_maxrss would count the forking parent too)
print(next(int(line.split()[1]) // 1024 for line in open("/proc/self/status") if line.startswith("VmHWM")))
"""


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_a_12000_by_9000_photo_is_read_in_bounded_memory(tmp_path, suffix):
    """The full-size path took 4-9 GB on such a photo (float64 at full size); now a PNG is decoded
    once at 3 bytes per pixel (324 MB) and reduced, a JPEG decoded at half size."""
    from PIL import Image, ImageDraw

    path = tmp_path / f"large{suffix}"
    image = Image.new("RGB", (12000, 9000), (120, 90, 60))
    draw = ImageDraw.Draw(image)
    for i in range(0, 12000, 500):
        draw.rectangle((i, 0, i + 250, 9000), fill=(i % 255, 200, 30))
    image.save(path)
    del image, draw
    result = subprocess.run([sys.executable, "-c", MEASURE_PEAK, str(path)], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    peak_mb = int(result.stdout.split()[-1])
    assert peak_mb < (600 if suffix == ".jpg" else 900), peak_mb  # measured: ~330 and ~520 MB


def test_photos_up_to_4096_px_a_side_are_read_at_full_size(tmp_path):
    from PIL import Image

    from gair_qgis.runtime.preprocess import read_photo

    rng = np.random.default_rng(3)
    for size in ((4096, 300), (1920, 1080)):
        path = tmp_path / f"{size[0]}.png"
        Image.fromarray(rng.integers(0, 255, size=(size[1], size[0], 3), dtype=np.uint8)).save(path)
        np.testing.assert_array_equal(read_photo(path, 224), read_photo(path))
    path = tmp_path / "wide.png"
    Image.fromarray(rng.integers(0, 255, size=(300, 4200, 3), dtype=np.uint8)).save(path)
    assert read_photo(path, 224).shape == (300, 2100, 3)  # 4200 > 4096: reduced by 2 along x only


STREETSCAPES = SHARED / "data" / "global-streetscapes-sample" / "images"


@pytest.mark.skipif(not STREETSCAPES.is_dir(), reason=f"{STREETSCAPES} not found (evaluation data, not shipped)")
def test_reducing_a_large_photo_changes_its_embedding_little(tmp_path):
    """The figures in read_photo's docstring: full-size vs reduced read of 6144 x 3072 mosaics
    of six real 2048 x 1536 street views (real detail at full resolution; no larger photo in
    ../shared), through the bundled model."""
    from PIL import Image

    from gair_qgis.runtime.preprocess import preprocess_sv, read_photo
    from gair_qgis.runtime.session import GAIRRuntime

    runtime = GAIRRuntime(None, force_cpu=True)
    spec = runtime.package.sv_spec
    photos = [p for p in sorted(STREETSCAPES.rglob("*.jpeg")) if Image.open(p).size == (2048, 1536)][:24]
    assert len(photos) >= 6
    mean_difference, max_difference, cosines = [], [], []
    for first in range(0, len(photos) - 5, 6):
        mosaic = Image.new("RGB", (6144, 3072))
        for k, photo in enumerate(photos[first:first + 6]):
            mosaic.paste(Image.open(photo).convert("RGB"), ((k % 3) * 2048, (k // 3) * 1536))
        path = tmp_path / f"mosaic{first}.png"
        mosaic.save(path)
        assert read_photo(path, spec.input_size).shape == (3072, 3072, 3)
        full, reduced = preprocess_sv(read_photo(path), spec), preprocess_sv(read_photo(path, spec.input_size), spec)
        mean_difference.append(float(np.abs(full - reduced).mean()))
        max_difference.append(float(np.abs(full - reduced).max()))
        (a,), _ = runtime.encode_sv(full[None])
        (b,), _ = runtime.encode_sv(reduced[None])
        cosines.append(float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)))
    print(f"{len(cosines)} mosaics: mean |difference| {np.mean(mean_difference):.4f}, max {max(max_difference):.3f}, "
          f"cosine min {min(cosines):.5f}")
    assert np.mean(mean_difference) < 0.2 and min(cosines) > 0.99, (mean_difference, cosines)


# --- 6. inputs that once passed silently ----------------------------------------------------------


def all_nodata_raster(path: Path) -> Path:
    import rasterio
    from rasterio.transform import from_bounds

    from conftest import L2A_12

    with rasterio.open(path, "w", driver="GTiff", width=60, height=50, count=12, dtype="uint16", crs="EPSG:4326",
                       transform=from_bounds(9.16, 48.76, 9.1654, 48.7645, 60, 50), nodata=0) as dataset:
        dataset.write(np.zeros((12, 50, 60), np.uint16))
        for index, name in enumerate(L2A_12, start=1):
            dataset.set_band_description(index, name)
    return path


def test_an_all_nodata_raster_is_refused_by_the_embed_command_and_the_algorithms(tmp_path, gair_provider, photo):
    from qgis.core import QgsProcessingException

    from processing_support import run

    raster = all_nodata_raster(tmp_path / "empty.tif")
    result = run_cli("gair_qgis.runtime.embed", "--rs-image", raster, "--output-dir", tmp_path / "out")
    assert_one_line_refusal(result, str(raster), "nodata")
    assert not (tmp_path / "out").exists()
    with pytest.raises(QgsProcessingException, match="no data.*nodata"):
        run("svheatmap", {"INPUT": str(raster), "SV_IMAGE": str(photo), "SV_POINT": "9.162,48.762 [EPSG:4326]",
                          "OUTPUT": str(tmp_path / "heat.tif")})
    assert not (tmp_path / "heat.tif").exists()


@pytest.mark.parametrize("bands, match", [("2,2,2,2,2,2,2,2,2,2", "band 2 .*B2.* where B3"), ("1,1,1,1,1,1,1,1,1,1", "band 1 .*B1.* where B2"),
                                          ("12,11,10,9,8,7,6,5,4,3", "band 12 .*B12.* where B2")])
def test_a_bands_mapping_that_contradicts_the_band_names_is_refused(tmp_path, gair_provider, l2a_tile, photo,
                                                                    bands, match):
    from qgis.core import QgsProcessingException

    from processing_support import run

    with pytest.raises(QgsProcessingException, match=match):
        run("svheatmap", {"INPUT": str(l2a_tile), "SV_IMAGE": str(photo), "SV_POINT": "9.17,48.768 [EPSG:4326]",
                          "BANDS": bands, "OUTPUT": str(tmp_path / "heat.tif")})


def test_a_package_whose_model_json_lacks_its_files_list_is_refused(tmp_path):
    import shutil

    from gair_qgis.runtime.errors import PackageError
    from gair_qgis.runtime.package import ModelPackage, bundled_package_path

    copy = shutil.copytree(bundled_package_path(), tmp_path / "copy")
    meta = json.loads((copy / "model.json").read_text())
    del meta["files"]
    (copy / "model.json").write_text(json.dumps(meta))
    with pytest.raises(PackageError, match="files.*cannot be verified"):
        ModelPackage.load(copy)


def test_nan_weights_in_a_checkpoint_are_refused_naming_the_key():
    from gair_qgis.runtime.errors import CheckpointError
    from gair_qgis.runtime.released_layout import check_finite

    arrays = {"a.weight": np.ones(3, np.float32), "b.bias": np.array([1.0, np.nan], np.float32)}
    with pytest.raises(CheckpointError, match="b.bias.*1 of 2 values are NaN or infinite"):
        check_finite(arrays, "checkpoint.pth")


# --- 8. SIGTERM while a GeoTIFF is written -------------------------------------------------------


SIGTERM_WHILE_WRITING = """
import os, signal, sys
import numpy as np
from qgis.core import QgsCoordinateReferenceSystem
from gair_qgis.qgis_io import atomic_geotiff
from gair_qgis.runtime.geometry import PixelGrid

grid = PixelGrid(9.16, 48.77, 1e-4, 1e-4, 200, 100)
with atomic_geotiff(sys.argv[1], grid, 1, QgsCoordinateReferenceSystem("EPSG:4326")) as writer:
    writer.write(np.zeros((1, 50, 200)), 0)
    os.kill(os.getpid(), signal.SIGTERM)  # as `kill PID` while qgis_process writes its output
    writer.write(np.ones((1, 50, 200)), 50)
print("not reached")
"""


def test_sigterm_while_a_geotiff_is_written_leaves_nothing_behind(tmp_path):
    out = tmp_path / "heat.tif"
    result = subprocess.run([sys.executable, "-c", SIGTERM_WHILE_WRITING, str(out)], capture_output=True, text=True,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert result.returncode == -15 and "not reached" not in result.stdout, result.stderr[-2000:]
    assert list(tmp_path.iterdir()) == []  # no output and no hidden .partial.tif


# --- 12. messages that say what is wrong --------------------------------------------------------


def test_missing_key_errors_name_the_released_key_too():
    from gair_qgis.runtime.released_layout import ImportReport

    report = ImportReport(missing=["rs_encoder.transformer.layers.0.0.weight", "sv_encoder.vit.blocks.3.mlp.fc1.bias",
                                   "nili.imnet.layers.0.weight"])
    text = report.describe()
    assert "(released name: rs_encoder.s2_encoder.transformer.layers.0.0.weight)" in text
    assert "(released name: sv_encoder.encoder.layer.3.intermediate.dense.bias)" in text
    assert "(released name: imnet.layers.0.weight)" in text


def test_an_ungeoreferenced_raster_is_named_as_such(tmp_path):
    import rasterio

    path = tmp_path / "plain.tif"
    with rasterio.open(path, "w", driver="GTiff", width=30, height=20, count=10, dtype="uint16") as dataset:
        dataset.write(np.ones((10, 20, 30), np.uint16))
    result = run_cli("gair_qgis.runtime.embed", "--rs-image", path, "--output-dir", tmp_path / "out")
    assert_one_line_refusal(result, str(path), "no georeference")
    assert "rotated" not in result.stderr


@pytest.mark.parametrize("text, expected", [("lon,lat\n", "no rows"), ("lon,lat\n1,2\n,3\n", "row 3"),
                                            ("x,y\n1,2\n", "columns 'lon' and 'lat'")])
def test_points_csv_problems_are_named_precisely(tmp_path, text, expected):
    points = tmp_path / "points.csv"
    points.write_text(text)
    result = run_cli("gair_qgis.runtime.embed", "--points", points, "--output-dir", tmp_path / "out")
    assert_one_line_refusal(result, str(points), expected)


def test_duplicate_manifest_rows_are_flagged(tmp_path, l2a_tile, photo):
    from gair_core.data.manifest import validate_manifest

    manifest = tmp_path / "m.csv"
    manifest.write_text(f"sv_path,lon,lat,rs_path\n{photo},9.1605,48.7605,{l2a_tile}\n{photo},9.1655,48.7645,{l2a_tile}\n"
                        f"{photo},9.1605,48.7605,{l2a_tile}\n")
    count, problems = validate_manifest(manifest)
    assert count == 3 and [(p.row, "duplicate of row 1" in p.message) for p in problems] == [(3, True)]


def test_the_gui_import_with_replace_refuses_a_folder_that_is_not_a_package(tmp_path, qgis_app):
    """The model manager's "Replace if it exists" runs ImportCheckpointTask(overwrite=True)."""
    from gair_qgis.gui.tasks import ImportCheckpointTask

    user = tmp_path / "D"
    (user / "thesis").mkdir(parents=True)
    (user / "thesis" / "c.txt").write_text("x")
    checkpoint = tmp_path / "checkpoint.pth"
    checkpoint.write_bytes(b"not read: the refusal comes first")
    task = ImportCheckpointTask(checkpoint, user, overwrite=True)
    assert task.run() is False
    assert str(user) in task.message and "not a GAIR model package" in task.message
    assert (user / "thesis" / "c.txt").read_text() == "x"
