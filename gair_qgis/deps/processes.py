"""Running pip and the checks: the child's environment (proxy, no stray pip settings), output
streamed line by line to a log, cancel, and no console window on Windows."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import threading
from typing import Callable, Optional, Sequence

from .common import CancelFn, Cancelled, LogFn


def no_window() -> dict:
    """No console window flashing up on Windows."""
    return {"creationflags": getattr(subprocess, "CREATE_NO_WINDOW", 0)} if os.name == "nt" else {}


def child_environment(proxy: Optional[str] = None) -> dict[str, str]:
    """The environment for pip: ours, without settings that would send pip elsewhere than --target."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PIP_USER", "PIP_TARGET", "PIP_PREFIX", "PIP_REQUIRE_VIRTUALENV", "PYTHONNOUSERSITE")
    }
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONUNBUFFERED"] = "1"
    if proxy:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env[name] = proxy
    return env


def hide_password(text: str) -> str:
    """A proxy URL's password replaced by ***, for logs."""
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)


def run_streaming(
    command: Sequence[str],
    log: LogFn,
    should_cancel: CancelFn,
    env: Optional[dict] = None,
    on_line: Optional[Callable[[str], None]] = None,
) -> int:
    """Run `command`, passing each output line to `log` as it comes; stop it when should_cancel()."""
    log("$ " + hide_password(" ".join(f'"{c}"' if " " in c else c for c in command)))
    process = subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # nosec B603  # pip of QGIS's Python, argv list, no shell
        stdin=subprocess.DEVNULL,
        env=env,
        text=True,
        encoding="utf-8",
        errors="replace",
        bufsize=1,
        **no_window(),
    )
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            lines.put(line.rstrip("\r\n"))
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while True:
            if should_cancel():
                _stop(process)
                raise Cancelled("cancelled; nothing was changed")
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                break
            if line.strip():
                log(hide_password(line))
                if on_line:
                    on_line(line)
    except BaseException:
        _stop(process)
        _close_output(process, reader)
        raise
    code = process.wait()
    _close_output(process, reader)
    return code


def _close_output(process: subprocess.Popen, reader: threading.Thread) -> None:
    """Close the program's output pipe once its reader has seen the end (a grandchild that still
    holds the pipe open keeps it open, rather than closing it under the reader)."""
    reader.join(timeout=5)
    if not reader.is_alive() and process.stdout is not None:
        process.stdout.close()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
