"""Running the project's command lines as a user does, and what a refusal must look like
(docs: one line naming the input and the fix, exit code 2, no traceback unless --debug)."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT


def run_cli(module: str, *args: object, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m module args` from the checkout, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=600,
    )


def assert_one_line_refusal(result: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit code 2, one line on stderr naming every fragment, no traceback."""
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip() and line.startswith("error")]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
