"""Command lines log to stderr; the plugin prints nothing (its log goes to QGIS's message log)."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

from gair_qgis.runtime.cli import command

ROOT = Path(__file__).resolve().parents[1]


def test_a_command_logs_to_stderr_and_debug_lines_only_with_debug(capsys):
    @command
    def main(argv=None) -> int:
        logging.getLogger("gair_qgis.runtime.download").info("resuming at byte 1024")
        logging.getLogger("gair_core.train").debug("step 3 details")
        return 0

    assert main([]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err == "gair_qgis.runtime.download: resuming at byte 1024\n"
    assert main(["--debug"]) == 0
    assert (
        capsys.readouterr().err
        == "gair_qgis.runtime.download: resuming at byte 1024\ngair_core.train: step 3 details\n"
    )


def bare_prints(path: Path) -> list[str]:
    """`print(...)` calls to stdout outside a command-line module (one with a top-level `main`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body):
        return []
    return [
        f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "print"
        and not any(k.arg == "file" and ast.unparse(k.value) == "sys.stderr" for k in node.keywords)
    ]


def test_no_bare_print_in_the_plugin():
    files = sorted((ROOT / "gair_qgis").rglob("*.py"))
    assert len(files) > 40
    assert [line for path in files for line in bare_prints(path)] == []


def test_the_print_check_finds_a_print(tmp_path):
    (tmp_path / "dock.py").write_text("import sys\nprint('debug')\nprint('error', file=sys.stderr)\n")
    (tmp_path / "tool.py").write_text("def main():\n    print('result')\n")
    assert bare_prints(tmp_path / "dock.py") == ["dock.py:2"] and bare_prints(tmp_path / "tool.py") == []
