"""`python -m gair_qgis.runtime.download [--url URL] --out DIR`: download the released GAIR
checkpoint and import it into a model package, without torch.

One download core for the command line and the QGIS models dock:
- the file streams into a partial file beside the package folder (`<DIR>.download/`); a dropped
  connection is retried with backoff and resumed with an HTTP Range request, and so is a rerun
  after a cancel or a crash; a server that ignores Range makes it start again from zero, said once;
- before the transfer: the package folder (absent, or with `overwrite` one of our packages), a
  writable place for it and the partial file, free disk space (the file and the package it
  becomes), and the form of an expected sha256;
- bytes go to disk as they arrive (unbuffered writes: a slow server's bytes are never held back),
  each arrival reported to `progress` (bytes done, total, rate, time left); `cancelled` stops it
  (the partial file is kept, so a rerun resumes);
- a stall (less than STALL_BYTES in `stall_s` seconds, or nothing at all, however slowly it
  trickles) ends the attempt; after `retries` attempts in a row without real progress the error
  says "run again to resume";
- a disk that fills up during the transfer (a server that sends no Content-Length, or another
  program writing) ends in a DiskFullError and the partial file is removed, so the disk is freed;
- with `sha256`, the complete file must have that hash (else it is removed, nothing is written);
- then the strict torch-free import (`import_checkpoint`: every key and shape checked), with the
  file's sha256 and URL in the package's provenance, and the downloaded file is removed.
A failed or cancelled run leaves no package folder behind.

The transfer is pluggable (`Transport`): the command line uses `urllib_transport` (standard
library); the plugin passes one built on QGIS's network stack, so the user's proxy and
authentication settings apply.
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import pickle  # nosec B403  # only for pickle.UnpicklingError of the checkpoint import; nothing is unpickled here
import re
import shutil
import sys
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterable, Iterator, Optional, Protocol, Sequence

from .errors import CheckpointError, PackageError, UnsafeCheckpointError

if TYPE_CHECKING:  # imported where used: downloading needs no package code until the import
    from .package import ModelPackage

DEFAULT_URL = "https://huggingface.co/PingL/GAIR/resolve/main/checkpoint.pth"
DEFAULT_NAME = "gair-base-released"
CHUNK_BYTES = 1 << 20
PACKAGE_MARGIN_BYTES = 64 << 20  # model.json, graphs and headroom beyond the weights
USER_AGENT = "gair-qgis"
STALL_SECONDS = 60.0  # an attempt that gets less than STALL_BYTES in this long has stalled
STALL_BYTES = 1024
SHA256 = re.compile(r"[0-9a-f]{64}")


class DownloadError(Exception):
    """A download that cannot finish; the message says why in a user's words."""


class NotFoundError(DownloadError):
    """The server has no file at this address (HTTP 404/410)."""


class NoNetworkError(DownloadError):
    """The server could not be reached, or the connection kept dropping."""


class DiskFullError(DownloadError):
    """Not enough free space for the file and the package it becomes."""


class NotACheckpointError(DownloadError):
    """The file downloaded completely but is not a GAIR checkpoint."""


class DownloadCancelled(DownloadError):
    """The user cancelled; the partial file is kept for a later resume."""


class TransferError(Exception):
    """A transport's failure that a retry may cure (connection refused, reset, timed out)."""


class StalledError(TransferError):
    """The server sent (almost) nothing for a while; bytes that trickled in do not count as progress."""


@dataclass
class Reply:
    """What a transport returns for one request: the HTTP status, the headers that matter
    and the body as chunks (reading them may raise TransferError)."""

    status: int
    length: Optional[int] = None  # Content-Length of this reply's body
    content_range: str = ""  # e.g. "bytes 100-999/1000" (206) or "bytes */1000" (416)
    chunks: Iterable[bytes] = ()
    reason: str = ""
    close: Callable[[], None] = field(default=lambda: None)

    @property
    def range_total(self) -> Optional[int]:
        """The full size named by Content-Range, if any."""
        match = re.search(r"/(\d+)\s*$", self.content_range or "")
        return int(match.group(1)) if match else None

    @property
    def range_start(self) -> Optional[int]:
        match = re.match(r"\s*bytes\s+(\d+)-", self.content_range or "")
        return int(match.group(1)) if match else None


class Transport(Protocol):
    def __call__(self, url: str, offset: int) -> Reply:
        """GET `url`, from byte `offset` (a Range request when > 0); TransferError when the
        server cannot be reached."""


@dataclass(frozen=True)
class Progress:
    """One progress report: bytes on disk, the full size (None if unknown), the rate of this
    session in bytes/s and the estimated seconds left (None if unknown)."""

    done: int
    total: Optional[int]
    rate: float
    eta: Optional[float]

    def describe(self) -> str:
        """ "312.0 of 814.1 MB, 12.3 MB/s, 41 s left"."""
        mb = 1e6
        size = f"{self.done / mb:.1f} of {self.total / mb:.1f} MB" if self.total else f"{self.done / mb:.1f} MB"
        rate = f"{self.rate / mb:.1f} MB/s"
        left = f", {format_seconds(self.eta)} left" if self.eta is not None else ""
        return f"{size}, {rate}{left}"


def size_text(size: int) -> str:
    """ "12 bytes", "0.3 MB", "812.4 MB"."""
    return f"{size} bytes" if size < 100_000 else f"{size / 1e6:.1f} MB"


def format_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds // 60 % 60:02d} min"


# --- the standard-library transport ------------------------------------------------------


def urllib_transport(url: str, offset: int, timeout: float = STALL_SECONDS) -> Reply:
    """GET with urllib (follows redirects, keeps the Range header across them); the body comes in
    chunks of what has arrived (a slow server's bytes are not held back until a chunk is full), and
    `timeout` seconds without a byte end the attempt as a stall."""
    headers = {"User-Agent": USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)  # nosec B310  # the URL the user chose
    except urllib.error.HTTPError as error:
        reply = Reply(
            error.code,
            content_range=error.headers.get("Content-Range", "") if error.headers else "",
            reason=str(error.reason),
        )
        error.close()
        return reply
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise TransferError(str(getattr(error, "reason", error))) from None
    length = response.headers.get("Content-Length")

    def chunks() -> Iterator[bytes]:
        try:
            while True:
                block = response.read1(CHUNK_BYTES)
                if not block:
                    return
                yield block
        except TimeoutError:
            raise StalledError(f"the server sent nothing for {timeout:.0f} s") from None
        except (OSError, ValueError, urllib.error.URLError) as error:  # reset, IncompleteRead
            raise TransferError(f"the connection dropped ({type(error).__name__}: {error})") from None

    return Reply(
        response.status,
        int(length) if length and length.isdigit() else None,
        response.headers.get("Content-Range", ""),
        chunks(),
        close=response.close,
    )


# --- the core ------------------------------------------------------------------------------


@dataclass
class Fetch:
    """Settings of one transfer; `say` gets one-line notes (a restart, a retry)."""

    transport: Transport = urllib_transport
    progress: Callable[[Progress], None] = lambda report: None
    cancelled: Callable[[], bool] = lambda: False
    say: Callable[[str], None] = lambda message: None
    retries: int = 5  # attempts in a row without progress (a stalled attempt never counts as progress)
    backoff_s: float = 1.0  # first wait; doubled per failed attempt
    free_bytes: Callable[[Path], int] = lambda folder: shutil.disk_usage(folder).free
    sleep: Callable[[float], None] = time.sleep
    stall_s: float = STALL_SECONDS  # less than STALL_BYTES in this long ends an attempt (see StalledError)


class _Attempt:
    """Bookkeeping across attempts: bytes of this session, start time, notes said once."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.session_bytes = 0
        self.said_restart = False
        self.checked_space = False


def fetch(url: str, partial: Path, settings: Fetch = Fetch()) -> Path:
    """Download `url` into `partial`, resuming what is already there; returns `partial`
    once complete. Raises a DownloadError subclass; on any error the partial file stays
    (a rerun resumes), except after NotFoundError when it was empty."""
    try:
        partial.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadError(
            f"cannot write the download into {partial.parent}: {error.strerror or error}; choose another folder"
        ) from None
    state = _Attempt()
    failures = 0
    while True:
        if settings.cancelled():
            raise DownloadCancelled("cancelled; run again to resume")
        before = partial.stat().st_size if partial.exists() else 0
        try:
            if _transfer_once(url, partial, settings, state):
                return partial
            reason = "the connection closed before the whole file arrived"
        except TransferError as error:
            reason = str(error)
            stalled = isinstance(error, StalledError)
        else:
            stalled = False
        after = partial.stat().st_size if partial.exists() else 0
        failures = 0 if after > before and not stalled else failures + 1
        if failures >= settings.retries:
            kept = f"; the {size_text(after)} downloaded are kept" if after else ""
            raise NoNetworkError(
                f"cannot download {url}: {reason}. Check the network connection (in QGIS also "
                f"Settings > Options > Network: proxy){kept}; run again to resume"
            ) from None
        wait = settings.backoff_s * 2 ** max(failures - 1, 0)
        settings.say(f"{reason}; retrying in {wait:.0f} s (resuming at {after / 1e6:.1f} MB)")
        settings.sleep(wait)


def _transfer_once(url: str, partial: Path, settings: Fetch, state: _Attempt) -> bool:
    """One request; True when the file is complete, False when the body ended short."""
    offset = partial.stat().st_size if partial.exists() else 0
    reply = settings.transport(url, offset)
    try:
        if reply.status == 416 and offset:  # asked beyond the end: complete already, or a changed file
            if reply.range_total == offset:
                return True
            settings.say("the file on the server is not the one partly downloaded; starting again from zero")
            reply.close()
            partial.unlink()
            return _transfer_once(url, partial, settings, state)
        _check_status(url, reply)
        if offset and (reply.status != 206 or reply.range_start != offset):
            if not state.said_restart:
                settings.say(
                    "the server does not resume downloads (it ignored the Range request); starting again from zero"
                )
                state.said_restart = True
            offset = 0
        total = reply.range_total if reply.status == 206 else reply.length
        if not state.checked_space:
            check_free_space(partial.parent, (total or 0) - offset, total or 0, settings.free_bytes)
            state.checked_space = True
        done = _write_body(reply, partial, offset, total, settings, state)
    finally:
        reply.close()
    return total is None or done >= total


def _check_status(url: str, reply: Reply) -> None:
    if reply.status in (404, 410):
        raise NotFoundError(f"not found: {url} (HTTP {reply.status}); check the address")
    if reply.status in (401, 403):
        raise DownloadError(
            f"access denied to {url} (HTTP {reply.status}); check the address or, in QGIS, the authentication settings"
        )
    if reply.status >= 500 or reply.status == 429:
        raise TransferError(f"the server answered HTTP {reply.status} {reply.reason}".strip())
    if reply.status not in (200, 206):
        raise DownloadError(f"unexpected answer from {url}: HTTP {reply.status} {reply.reason}".strip())


def check_free_space(folder: Path, remaining: int, package: int, free_bytes: Callable[[Path], int]) -> None:
    """Room for the rest of the file and the package it becomes (about the same size)."""
    needed = max(remaining, 0) + package + PACKAGE_MARGIN_BYTES
    free = free_bytes(folder)
    if free < needed:
        raise DiskFullError(
            f"not enough free disk space in {folder}: {needed / 1e6:.0f} MB needed (the file and "
            f"the package made from it), {free / 1e6:.0f} MB free; free some space or choose "
            "another folder"
        )


def _write_body(
    reply: Reply, partial: Path, offset: int, total: Optional[int], settings: Fetch, state: _Attempt
) -> int:
    """Append the body to the partial file (truncated to `offset` first), each block written to
    the file as it arrives (unbuffered); returns the file's size. StalledError when less than
    STALL_BYTES arrive in `settings.stall_s`; a write that fails ends in a DownloadError."""
    try:
        with open(partial, "r+b" if partial.exists() else "wb", buffering=0) as handle:
            handle.truncate(offset)
            handle.seek(offset)
            return _append(handle, reply, offset, total, settings, state)
    except OSError as error:
        raise _write_error(partial, error) from None


def _append(handle: BinaryIO, reply: Reply, done: int, total: Optional[int], settings: Fetch, state: _Attempt) -> int:
    """Write the body's blocks at the handle's position as they come; returns the size reached."""
    window_start, window_bytes = time.monotonic(), 0
    for block in reply.chunks:
        if settings.cancelled():
            raise DownloadCancelled("cancelled; run again to resume")
        view = memoryview(block)
        while view:  # an unbuffered write may take part of the block
            written = handle.write(view)
            if not written:
                raise OSError(errno.EIO, "the file took no bytes")
            view = view[written:]
        done += len(block)
        state.session_bytes += len(block)
        settings.progress(_report(done, total, state))
        window_bytes += len(block)
        if time.monotonic() - window_start >= settings.stall_s:
            if window_bytes < STALL_BYTES:
                raise StalledError(f"the server sent only {window_bytes} bytes in {settings.stall_s:.0f} s")
            window_start, window_bytes = time.monotonic(), 0
    return done


def _write_error(partial: Path, error: OSError) -> DownloadError:
    """A failed write as the user's error: a full disk frees the partial file it filled."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        size = partial.stat().st_size if partial.exists() else 0
        partial.unlink(missing_ok=True)
        return DiskFullError(
            f"the disk holding {partial.parent} is full after {size_text(size)} of the download; "
            "the partial file was removed: free some space or choose another folder"
        )
    return DownloadError(f"cannot write {partial}: {error.strerror or error}; choose another folder")


def _report(done: int, total: Optional[int], state: _Attempt) -> Progress:
    elapsed = max(time.monotonic() - state.started, 1e-6)
    rate = state.session_bytes / elapsed
    eta = (total - done) / rate if total and rate > 0 else None
    return Progress(done, total, rate, eta)


# --- download + import -------------------------------------------------------------------


def work_folder(out: Path) -> Path:
    """Where the partial file lives: beside the package folder, so a rerun finds it."""
    return out.with_name(out.name + ".download")


def partial_path(out: Path, url: str) -> Path:
    return work_folder(out) / (file_name(url) + ".part")


def file_name(url: str) -> str:
    name = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"[^0-9A-Za-z._-]", "_", name) or "checkpoint.pth"


def download_package(
    url: str,
    out: Path,
    settings: Fetch = Fetch(),
    *,
    name: Optional[str] = None,
    overwrite: bool = False,
    sha256: Optional[str] = None,
) -> ModelPackage:
    """Download `url` and import it into the package folder `out`; returns the ModelPackage.
    With `sha256` (64 hex digits) the downloaded file must have that hash.

    Raises DownloadError (NotFoundError, NoNetworkError, DiskFullError, NotACheckpointError,
    DownloadCancelled, PackageError's message for an existing `out`). `out`, the place for the
    download and `sha256` are checked before the transfer. Nothing is written to `out` unless
    the import succeeds; the partial file is kept after a network error or a cancel (a rerun
    resumes) and removed after success, a full disk, a wrong hash or a file that is not a checkpoint."""
    out = Path(out)
    expected = check_sha256(sha256)
    check_destination(out, overwrite)
    folder = work_folder(out)
    created = not folder.exists()
    partial = partial_path(out, url)
    try:
        fetch(url, partial, settings)
        if expected is not None:
            settings.say("download complete; checking its sha256")
            check_file_hash(partial, expected, url)
    except DownloadError:
        if created and (not partial.exists() or partial.stat().st_size == 0):
            shutil.rmtree(folder, ignore_errors=True)  # nothing worth resuming
        raise
    settings.say("download complete; importing (every key and shape is checked)")
    try:
        package = import_file(partial, out, url, name=name or out.name, overwrite=overwrite, say=settings.say)
    except NotACheckpointError:
        shutil.rmtree(folder, ignore_errors=True)  # a complete file that is wrong: resuming cannot help
        raise
    except PackageError as error:
        raise DownloadError(str(error)) from None
    shutil.rmtree(folder, ignore_errors=True)
    return package


def check_sha256(sha256: Optional[str]) -> Optional[str]:
    """An expected sha256 in lower case; DownloadError where it is not 64 hexadecimal digits."""
    if sha256 is None:
        return None
    text = sha256.strip().lower()
    if not SHA256.fullmatch(text):
        raise DownloadError(
            f"the expected sha256 {sha256!r} is not 64 hexadecimal digits; copy it whole from "
            "where the file is published"
        )
    return text


def check_destination(out: Path, overwrite: bool) -> None:
    """Before any transfer: `out` absent (or, with overwrite, one of our packages and nothing
    else), and a writable place for it and for the partial file beside it."""
    from .cli import check_output_folder
    from .errors import InputError
    from .package import check_replaceable

    try:
        check_replaceable(out, overwrite)
        check_output_folder(work_folder(out), "the download folder")
    except (PackageError, InputError) as error:
        raise DownloadError(str(error)) from None


def check_file_hash(path: Path, expected: str, url: str) -> None:
    """DownloadError, and the file removed, when `path`'s sha256 is not `expected`."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        path.unlink()
        raise DownloadError(
            f"the file downloaded from {url} has sha256 {digest.hexdigest()}, not the expected "
            f"{expected}: it is not the published file (or the server changed it); it was removed "
            "and nothing was written: check the address and the hash"
        )


def import_file(
    checkpoint: Path, out: Path, url: str, *, name: str, overwrite: bool, say: Callable[[str], None]
) -> ModelPackage:
    """The strict import of a downloaded file, with its URL and real file name in the provenance."""
    from .import_checkpoint import import_released

    try:
        return import_released(
            checkpoint,
            out,
            overwrite=overwrite,
            name=name,
            progress=say,
            provenance={"source_checkpoint": file_name(url), "source_url": url},
        )
    except (CheckpointError, UnsafeCheckpointError) as error:
        raise NotACheckpointError(f"the file downloaded from {url} is not a GAIR checkpoint: {error}") from None
    except OSError as error:
        if error.errno is not None:  # writing the package failed, not reading the file
            raise DownloadError(f"cannot write the package {out}: {error}") from None
        raise NotACheckpointError(f"the file downloaded from {url} is not a GAIR checkpoint: {error}") from None
    except (KeyError, ValueError, EOFError, zipfile.BadZipFile, pickle.UnpicklingError) as error:
        raise NotACheckpointError(
            f"the file downloaded from {url} is not a GAIR checkpoint (a PyTorch "
            f"checkpoint.pth): {type(error).__name__}: {error}"
        ) from None


# --- command line --------------------------------------------------------------------------


class _ConsoleProgress:
    """Progress on stderr, at most one line a second."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, report: Progress) -> None:
        now = time.monotonic()
        if now - self.last >= 1.0 or (report.total and report.done >= report.total):
            self.last = now
            print(f"\r{report.describe()}    ", end="", file=sys.stderr, flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gair_qgis.runtime.download", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the checkpoint to download (default: {DEFAULT_URL})")
    parser.add_argument("--out", type=Path, required=True, help="the package folder to write")
    parser.add_argument("--name", help="package name (default: the folder's name)")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing model package folder (any other folder is refused)",
    )
    parser.add_argument(
        "--sha256", help="the file's expected sha256 (64 hex digits): a file with another hash is refused and removed"
    )
    parser.add_argument(
        "--stall-timeout",
        type=float,
        default=STALL_SECONDS,
        metavar="SECONDS",
        help=f"give up an attempt that gets less than {STALL_BYTES} bytes in this long (default {STALL_SECONDS:.0f})",
    )
    parser.add_argument("--retries", type=int, default=5, help="attempts in a row without progress (default 5)")
    parser.add_argument("--backoff", type=float, default=1.0, help="first wait between attempts in seconds")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    args = parser.parse_args(argv)

    def say(message: str) -> None:
        print(f"\n{message}" if message else "", file=sys.stderr)

    if not args.stall_timeout > 0:
        parser.error("--stall-timeout must be a number of seconds above 0")
    stall = args.stall_timeout

    def transport(url: str, offset: int) -> Reply:
        return urllib_transport(url, offset, timeout=stall)

    settings = Fetch(
        transport=transport,
        progress=_ConsoleProgress(),
        say=say,
        retries=args.retries,
        backoff_s=args.backoff,
        stall_s=stall,
    )
    try:
        package = download_package(
            args.url, args.out, settings, name=args.name, overwrite=args.overwrite, sha256=args.sha256
        )
    except KeyboardInterrupt:
        print("\ninterrupted; run the same command again to resume", file=sys.stderr)
        return 130
    except DownloadError as error:
        if args.debug:
            raise
        print(f"\nerror: {error}", file=sys.stderr)
        return 2
    print(
        f"package {package.name} written to {args.out} (sha256 of the file "
        f"{package.meta['provenance']['source_sha256']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
