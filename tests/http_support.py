"""A local HTTP server on 127.0.0.1 (in a thread) that misbehaves on purpose, for the download
tests: paths name the behaviour, e.g. /drop/checkpoint.pth.

- /ok/...        serves the file, honours Range (206 + Content-Range);
- /drop/...      the first transfer stops half-way (the connection closes), later ones honour Range;
- /norange/...   the first transfer stops half-way, and Range is always ignored (200, whole file);
- /missing/...   404;
- /truncated/... the first half of the file, as if that were the whole file;
- /wrong/...     another file (`wrong` bytes) in place of the checkpoint;
- /flaky/...     every transfer closes before the first byte of the body.
Every request's path and Range header are recorded in `requests`.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class MisbehavingServer:
    def __init__(self, payload: bytes, wrong: bytes = b"<html>not a checkpoint</html>") -> None:
        self.payload, self.wrong = payload, wrong
        self.requests: list[tuple[str, str]] = []
        self._served: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.handle(self)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, behaviour: str, name: str = "checkpoint.pth") -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{behaviour}/{name}"

    def ranges(self, behaviour: str) -> list[str]:
        """The Range headers of the requests to one behaviour ('' when none was sent)."""
        return [r for path, r in self.requests if path.split("/")[1] == behaviour]

    def __enter__(self) -> MisbehavingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        behaviour = request.path.split("/")[1]
        wanted = request.headers.get("Range", "")
        self.requests.append((request.path, wanted))
        count = self._served.get(behaviour, 0)
        self._served[behaviour] = count + 1
        if behaviour == "missing":
            request.send_error(404, "Not Found")
            return
        body = {"truncated": self.payload[: len(self.payload) // 2], "wrong": self.wrong}.get(behaviour, self.payload)
        start = 0
        match = re.match(r"bytes=(\d+)-$", wanted)
        honour = behaviour in ("ok", "drop", "flaky") and match is not None
        if honour:
            assert match is not None
            start = int(match.group(1))
            if start >= len(body):
                request.send_response(416)
                request.send_header("Content-Range", f"bytes */{len(body)}")
                request.end_headers()
                return
            request.send_response(206)
            request.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            request.send_response(200)
        request.send_header("Content-Length", str(len(body) - start))
        request.send_header("Content-Type", "application/octet-stream")
        request.end_headers()
        part = body[start:]
        if behaviour == "flaky":
            part = b""
        elif behaviour in ("drop", "norange") and count == 0:
            part = part[: len(part) // 2]
        try:
            request.wfile.write(part)
            request.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        request.close_connection = True


def serve_file(path: Path) -> MisbehavingServer:
    return MisbehavingServer(Path(path).read_bytes())
