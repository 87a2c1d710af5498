"""The house has no import circles: no module of gair_qgis or gair_core imports, directly or
through others, a module that imports it back, counting imports inside functions too (a lazy
import hides a circle from Python, not from the reader). Pure ast: nothing is imported."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGES = ("gair_qgis", "gair_core")


def module_files() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_modules(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `module` imports anywhere in its file (its own parent packages left out)."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - (node.level - 1)] if node.level else []
            target = ".".join(base + (node.module.split(".") if node.module else []))
            for alias in node.names:
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in modules and not module.startswith(m + ".")}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_through_others():
    modules = module_files()
    graph = {module: imported_modules(module, path, modules) for module, path in modules.items()}
    assert sum(len(targets) for targets in graph.values()) > 100  # the graph was really read
    assert circles(graph) == []


def test_processing_and_runtime_never_import_the_gui():
    modules = module_files()
    for module, path in modules.items():
        if module.startswith(("gair_qgis.processing", "gair_qgis.runtime")):
            assert not any(m.startswith("gair_qgis.gui") for m in imported_modules(module, path, modules)), module


def external_imports(path: Path) -> set[str]:
    """The top-level names of absolute imports anywhere in a file (lazy imports counted)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


FRAMEWORKS = ("qgis", "PyQt5", "PyQt6", "torch", "timm")


def crosses_a_layer(module: str, target: str) -> bool:
    """runtime -> the plugin, gair_core, QGIS, Qt or torch; gair_core -> the plugin outside its
    runtime; anything of the library -> gair_core.tools; processing -> gui; the plugin -> torch
    or gair_core."""
    root = target.split(".")[0]
    if target.startswith("gair_core.tools") and not module.startswith("gair_core.tools"):
        return True  # release tooling, left out of `pip install .`: the library never needs it
    if module.startswith("gair_qgis.runtime"):
        return root in FRAMEWORKS + ("gair_core",) or (
            root == "gair_qgis" and not target.startswith("gair_qgis.runtime")
        )
    if module.startswith("gair_core"):
        return root == "gair_qgis" and target != "gair_qgis" and not target.startswith("gair_qgis.runtime")
    if module.startswith("gair_qgis.processing") and target.startswith("gair_qgis.gui"):
        return True
    return module.startswith("gair_qgis") and root in ("torch", "timm", "gair_core")


def layer_violations(modules: dict[str, Path]) -> list[str]:
    """Every import edge of the tree that goes against the layers, as 'module -> target'."""
    found = []
    for module, path in sorted(modules.items()):
        outside = {name for name in external_imports(path) if not name.startswith(PACKAGES)}
        targets = imported_modules(module, path, modules) | outside
        found += [f"{module} -> {target}" for target in sorted(targets) if crosses_a_layer(module, target)]
    return found


def test_every_layer_imports_only_what_sits_below_it():
    assert layer_violations(module_files()) == []


def test_the_layer_check_sees_a_forbidden_import(tmp_path):
    runtime = tmp_path / "gair_qgis" / "runtime"
    runtime.mkdir(parents=True)
    (runtime / "bad.py").write_text("def f():\n    from ..deps import missing_message\n    import qgis.core\n")
    (tmp_path / "gair_qgis" / "deps.py").write_text("")
    (tmp_path / "gair_core").mkdir()
    (tmp_path / "gair_core" / "x.py").write_text("from gair_qgis.processing import base\n")
    (tmp_path / "b.py").write_text("")
    (tmp_path / "gair_core" / "y.py").write_text("def g():\n    from .tools.benchmark import runner\n")
    (tmp_path / "runner.py").write_text("")
    modules = {
        "gair_qgis.runtime.bad": runtime / "bad.py",
        "gair_qgis.deps": tmp_path / "gair_qgis" / "deps.py",
        "gair_core.x": tmp_path / "gair_core" / "x.py",
        "gair_qgis.processing.base": tmp_path / "b.py",
        "gair_core.y": tmp_path / "gair_core" / "y.py",
        "gair_core.tools.benchmark.runner": tmp_path / "runner.py",
    }
    assert layer_violations(modules) == [
        "gair_core.x -> gair_qgis.processing.base",
        "gair_core.y -> gair_core.tools.benchmark.runner",
        "gair_qgis.runtime.bad -> gair_qgis.deps",
        "gair_qgis.runtime.bad -> qgis.core",
    ]


def test_pip_install_leaves_out_the_release_tooling():
    """`pip install .` installs the library: pyproject's package list has gair_core and gair_qgis
    but not gair_core.tools (benchmarks, the bundled model build), which lives in the checkout."""
    import tomllib
    from setuptools import find_packages  # type: ignore[import-untyped]  # no types-setuptools in the venv

    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    packages = find_packages(str(ROOT), include=found["include"], exclude=found.get("exclude", ()))
    assert {"gair_core", "gair_core.training", "gair_qgis", "gair_qgis.runtime"} <= set(packages)
    assert (ROOT / "gair_core" / "tools" / "benchmark" / "runner.py").is_file()
    assert [p for p in packages if p.startswith("gair_core.tools")] == []
