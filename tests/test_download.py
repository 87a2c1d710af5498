"""The download core (gair_qgis.runtime.download) against a local HTTP server on 127.0.0.1 that
drops the connection, ignores Range, answers 404, or serves a truncated or a wrong file."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from gair_qgis.runtime import download
from gair_qgis.runtime.import_checkpoint import import_released
from gair_qgis.runtime.package import ModelPackage, sha256_of

from conftest import ROOT
from http_support import MisbehavingServer
from released_reference import save_compact_released_checkpoint


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return save_compact_released_checkpoint(tmp_path_factory.mktemp("served") / "checkpoint.pth", seed=3)


@pytest.fixture(scope="module")
def reference(checkpoint, tmp_path_factory) -> ModelPackage:
    """import_checkpoint of the same file: what every download must produce."""
    return import_released(checkpoint, tmp_path_factory.mktemp("reference") / "gair-released", name="gair-released")


@pytest.fixture
def server(checkpoint):
    with MisbehavingServer(checkpoint.read_bytes()) as running:
        yield running


def quick(**changes) -> download.Fetch:
    """Settings for tests: no waiting between attempts; notes collected in .notes."""
    notes: list[str] = []
    settings = download.Fetch(backoff_s=0.0, say=notes.append, **changes)
    settings.notes = notes  # type: ignore[attr-defined]
    return settings


def assert_same_package(package: ModelPackage, reference: ModelPackage, url: str) -> None:
    assert package.meta["files"] == reference.meta["files"]  # every graph, weight and array file, by sha256
    provenance = dict(package.meta["provenance"])
    assert provenance.pop("source_url") == url
    assert provenance == reference.meta["provenance"]
    assert {k: v for k, v in package.meta.items() if k != "provenance"} == {
        k: v for k, v in reference.meta.items() if k != "provenance"
    }


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.slow  # 8-12 s: out of make test-fast
def test_cli_resumes_a_dropped_transfer_with_a_range_request_and_matches_import_checkpoint(
    server, checkpoint, reference, tmp_path
):
    out = tmp_path / "gair-released"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gair_qgis.runtime.download",
            "--url",
            server.url("drop"),
            "--out",
            str(out),
            "--backoff",
            "0",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    half = len(checkpoint.read_bytes()) // 2
    assert server.ranges("drop") == ["", f"bytes={half}-"]
    assert "retrying" in result.stderr and sha256_of(checkpoint) in result.stdout
    package = ModelPackage.load(out)
    assert package.meta["provenance"]["source_sha256"] == sha256_of(checkpoint)
    assert_same_package(package, reference, server.url("drop"))
    assert leftovers(tmp_path) == ["gair-released"]  # the partial file and its folder are gone


def test_a_server_that_ignores_range_restarts_from_zero_and_says_so_once(server, checkpoint, tmp_path):
    partial = tmp_path / "checkpoint.pth.part"
    settings = quick()
    download.fetch(server.url("norange"), partial, settings)
    assert partial.read_bytes() == checkpoint.read_bytes()
    assert len(server.ranges("norange")) == 2 and server.ranges("norange")[1].startswith("bytes=")
    restarts = [n for n in settings.notes if "starting again from zero" in n]  # type: ignore[attr-defined]  # quick()
    assert len(restarts) == 1 and "ignored the Range request" in restarts[0]


def test_a_rerun_after_a_cancel_resumes_where_it_stopped(server, checkpoint, tmp_path):
    partial = tmp_path / "checkpoint.pth.part"
    reports: list[download.Progress] = []
    with pytest.raises(download.DownloadCancelled):
        download.fetch(server.url("ok"), partial, quick(progress=reports.append, cancelled=lambda: bool(reports)))
    kept = partial.stat().st_size
    assert 0 < kept < checkpoint.stat().st_size and reports[0].total == checkpoint.stat().st_size
    assert reports[0].rate > 0 and reports[0].eta is not None and "MB/s" in reports[0].describe()
    download.fetch(server.url("ok"), partial, quick())
    assert server.ranges("ok") == ["", f"bytes={kept}-"]
    assert partial.read_bytes() == checkpoint.read_bytes()


def test_not_found_exits_non_zero_with_a_clear_message_and_leaves_nothing(server, tmp_path):
    out = tmp_path / "gair-released"
    result = subprocess.run(
        [sys.executable, "-m", "gair_qgis.runtime.download", "--url", server.url("missing"), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip().splitlines()[-1]
        == f"error: not found: {server.url('missing')} (HTTP 404); check the address"
    )
    assert "Traceback" not in result.stderr
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("behaviour", ["truncated", "wrong"])
def test_a_file_that_is_not_a_checkpoint_is_refused_and_leaves_nothing(server, tmp_path, behaviour):
    with pytest.raises(download.NotACheckpointError, match="is not a GAIR checkpoint"):
        download.download_package(server.url(behaviour), tmp_path / "pkg", quick())
    assert leftovers(tmp_path) == []


def test_a_wrong_checkpoint_layout_is_refused_naming_the_keys(checkpoint, tmp_path):
    import torch

    other = tmp_path / "other.pth"
    torch.save({"model": {"encoder.weight": torch.zeros(2, 2)}}, other)
    with (
        MisbehavingServer(checkpoint.read_bytes(), wrong=other.read_bytes()) as running,
        pytest.raises(download.NotACheckpointError, match="encoder.weight"),
    ):
        download.download_package(running.url("wrong"), tmp_path / "out" / "pkg", quick())
    assert leftovers(tmp_path / "out") == []


def test_no_network_after_the_retries_keeps_the_partial_file_for_a_rerun(server, tmp_path):
    out = tmp_path / "pkg"
    with pytest.raises(download.NoNetworkError, match="Check the network connection"):
        download.download_package(server.url("flaky"), out, quick(retries=3))
    assert len(server.ranges("flaky")) == 3 and not out.exists()
    with pytest.raises(download.NoNetworkError, match="Connection refused|cannot download"):
        download.download_package("http://127.0.0.1:9/checkpoint.pth", tmp_path / "pkg2", quick(retries=2))
    assert not (tmp_path / "pkg2").exists() and not download.work_folder(tmp_path / "pkg2").exists()


def test_too_little_free_disk_space_stops_before_the_transfer(server, tmp_path):
    out = tmp_path / "pkg"
    with pytest.raises(download.DiskFullError, match="not enough free disk space"):
        download.download_package(server.url("ok"), out, quick(free_bytes=lambda folder: 10 << 20))
    assert leftovers(tmp_path) == [] and server.ranges("ok") == [""]


def test_an_existing_package_folder_is_not_replaced(server, tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mine.txt").write_text("keep")
    with pytest.raises(download.DownloadError, match="already exists"):
        download.download_package(server.url("ok"), tmp_path / "pkg", quick())
    assert (tmp_path / "pkg" / "mine.txt").read_text() == "keep" and server.requests == []


@pytest.mark.slow  # 8-12 s: out of make test-fast
def test_a_rerun_after_the_transfer_finished_imports_without_downloading_again(server, checkpoint, reference, tmp_path):
    out = tmp_path / "gair-released"
    partial = download.partial_path(out, server.url("ok"))
    partial.parent.mkdir()
    partial.write_bytes(checkpoint.read_bytes())  # a crash after the transfer, before the import
    package = download.download_package(server.url("ok"), out, quick())
    assert server.ranges("ok") == [f"bytes={checkpoint.stat().st_size}-"]  # answered 416: nothing left to send
    assert_same_package(package, reference, server.url("ok"))
    # a partial file longer than the served one is not the same file: start again from zero
    other = tmp_path / "other.part"
    other.write_bytes(checkpoint.read_bytes() + b"extra")
    settings = quick()
    download.fetch(server.url("ok"), other, settings)
    assert other.read_bytes() == checkpoint.read_bytes()
    assert any("starting again from zero" in note for note in settings.notes)  # type: ignore[attr-defined]  # quick()


# --- issue 23, item 4: a full disk, an unwritable or foreign destination, a trickling server, --sha256 ------


class SlowServer(MisbehavingServer):
    """MisbehavingServer plus three behaviours:
    - /nolength/... the payload with no Content-Length (HTTP/1.0: the body ends when the connection closes);
    - /trickle/...  a Content-Length, then one byte every 0.1 s (200 bytes at most);
    - /silent/...   a Content-Length, then nothing for 30 s."""

    def handle(self, request) -> None:
        behaviour = request.path.split("/")[1]
        if behaviour not in ("nolength", "trickle", "silent"):
            super().handle(request)
            return
        self.requests.append((request.path, request.headers.get("Range", "")))
        request.send_response(200)
        if behaviour != "nolength":
            request.send_header("Content-Length", str(len(self.payload)))
        request.end_headers()
        request.wfile.flush()
        try:
            if behaviour == "nolength":
                for start in range(0, len(self.payload), 1 << 20):
                    request.wfile.write(self.payload[start : start + (1 << 20)])
            elif behaviour == "trickle":
                for index in range(200):
                    request.wfile.write(self.payload[index : index + 1])
                    request.wfile.flush()
                    time.sleep(0.1)
            else:
                time.sleep(30)
        except (BrokenPipeError, ConnectionResetError):
            pass
        request.close_connection = True


@contextlib.contextmanager
def tmpfs(folder: Path, options: str) -> Iterator[Path]:
    """A real small or read-only file system (a tmpfs mount: permission bits do not stop root)."""
    folder.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("mounting a tmpfs is not permitted here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gair_qgis.runtime.download", "--backoff", "0", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def last_line_error(result: subprocess.CompletedProcess) -> str:
    """The error line of a failed run, checked to be the only thing after the progress and no traceback."""
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("error: "), result.stderr[-2000:]
    return line


def test_a_disk_that_fills_up_during_a_transfer_without_content_length_ends_in_one_line_and_is_freed(tmp_path):
    payload = bytes(range(256)) * (96 << 12)  # 96 MiB; the disk holds 72 MiB (over the 64 MiB the check asks for)
    with SlowServer(payload) as server, tmpfs(tmp_path / "small", "size=72m") as disk:
        result = run_cli("--url", server.url("nolength"), "--out", str(disk / "pkg"))
        line = last_line_error(result)
        assert "is full after" in line and "the partial file was removed" in line, line
        assert sorted(p.name for p in disk.iterdir()) == []  # nothing left: the disk is free again
        assert shutil.disk_usage(disk).used < 1 << 20


def test_an_unwritable_out_is_refused_in_one_line_before_the_transfer(server, tmp_path):
    with tmpfs(tmp_path / "readonly", "ro,size=1m") as readonly:
        line = last_line_error(run_cli("--url", server.url("ok"), "--out", str(readonly / "pkg")))
    assert "not writable" in line and "choose" in line, line
    (tmp_path / "a-file").write_text("x")
    line = last_line_error(run_cli("--url", server.url("ok"), "--out", str(tmp_path / "a-file" / "pkg")))
    assert "a-file is a file" in line, line
    assert server.requests == []


def test_overwrite_onto_a_folder_that_is_not_a_package_is_refused_before_the_transfer(server, tmp_path):
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "chapter1.tex").write_text("keep")
    line = last_line_error(run_cli("--url", server.url("ok"), "--out", str(folder), "--overwrite"))
    assert "is not a GAIR model package" in line and "left untouched" in line, line
    assert server.requests == [] and leftovers(tmp_path) == ["thesis"]
    assert (folder / "chapter1.tex").read_text() == "keep"


def test_a_trickling_server_shows_progress_writes_each_byte_and_gives_up_after_a_stall(tmp_path):
    partial = tmp_path / "checkpoint.pth.part"
    reports: list[tuple[int, int]] = []
    settings = quick(
        stall_s=1.0, retries=2, progress=lambda report: reports.append((report.done, partial.stat().st_size))
    )
    started = time.monotonic()
    with SlowServer(b"x" * 100_000) as server, pytest.raises(download.NoNetworkError) as raised:
        download.fetch(server.url("trickle"), partial, settings)
    assert time.monotonic() - started < 15  # two attempts of about a second, not 200 bytes x 0.1 s each
    assert "sent only" in str(raised.value) and str(raised.value).endswith("run again to resume")
    assert len(server.requests) == 2 and len(reports) >= 10  # a report for every byte that came
    assert all(on_disk == done for done, on_disk in reports)  # each byte on disk when it is reported
    assert partial.stat().st_size == reports[-1][0] > 0  # kept for a rerun


def test_a_silent_server_stalls_after_the_timeout_and_says_run_again(tmp_path):
    with SlowServer(b"x" * 1000) as server:
        line = last_line_error(
            run_cli(
                "--url", server.url("silent"), "--out", str(tmp_path / "pkg"), "--stall-timeout", "1", "--retries", "1"
            )
        )
    assert "sent nothing for 1 s" in line and line.endswith("run again to resume"), line


@pytest.mark.slow  # 8-12 s: out of make test-fast
def test_sha256_accepts_the_published_file_and_refuses_another_before_importing(
    server, checkpoint, reference, tmp_path
):
    right = sha256_of(checkpoint)
    package = download.download_package(
        server.url("ok"), tmp_path / "pkg", quick(), sha256=right.upper(), name="gair-released"
    )
    assert_same_package(package, reference, server.url("ok"))
    wrong = "0" * 64
    line = last_line_error(run_cli("--url", server.url("ok"), "--out", str(tmp_path / "other"), "--sha256", wrong))
    assert f"has sha256 {right}, not the expected {wrong}" in line, line
    assert leftovers(tmp_path) == ["pkg"]  # neither a package nor the downloaded file
    requests = len(server.requests)
    line = last_line_error(run_cli("--url", server.url("ok"), "--out", str(tmp_path / "other"), "--sha256", "abc"))
    assert "is not 64 hexadecimal digits" in line and len(server.requests) == requests  # refused before the transfer
