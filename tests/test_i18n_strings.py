"""The plugin's strings, checked without QGIS: every user-facing string goes through tr() on a
literal (pylupdate5 extracts only literals), and each gair_qgis/i18n/*.ts translates every string
the code has, with its placeholders. tests/test_i18n.py starts QGIS in German."""

from __future__ import annotations

import ast
import re
import shutil
import string
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Optional

import pytest

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "gair_qgis" / "i18n" / "gair_qgis_de.ts"
TS_FILES = sorted(TS.parent.glob("gair_qgis_*.ts"))  # German, and any a translator adds
PLUGIN_SOURCES = sorted(p for p in (ROOT / "gair_qgis").rglob("*.py") if "runtime" not in p.relative_to(ROOT).parts)
TR_CALLS = {"tr", "translate", "translate_for", "QT_TRANSLATE_NOOP"}
# Calls whose text the user reads: Processing errors and log, widgets, dialogs, the message bar.
USER_FACING_CALLS = {
    "InputError",
    "PackageError",
    "QgsProcessingException",
    "OutputExistsError",
    "pushInfo",
    "pushWarning",
    "reportError",
    "setProgressText",
    "pushMessage",
    "createMessage",
    "show_message",
    "QLabel",
    "QCheckBox",
    "QRadioButton",
    "QPushButton",
    "QToolButton",
    "QGroupBox",
    "QAction",
    "addRow",
    "addItem",
    "addItems",
    "addTab",
    "setTabText",
    "setToolTip",
    "setWindowTitle",
    "setPlaceholderText",
    "setHelp",
    "setTitle",
    "setDialogTitle",
    "setText",
    "setStatusTip",
    "setWhatsThis",
    "setFilter",
    "setSpecialValueText",
    "setSuffix",
    "setHeaderLabels",
    "QMessageBox",
    "question",
    "information",
    "warning",
    "critical",
    "setLabelText",
    "wrapping_label",
    "push_with_details",
    "show_details",
}
MESSAGE_BOXES = {"question", "information", "warning", "critical"}
# A Processing parameter's or output's description and help (its first argument is its name).
PROCESSING_DEFINITION = ("QgsProcessingParameter", "QgsProcessingOutput")
# Proper names shown as they are.
NOT_TRANSLATED = {"GAIR"}


def messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    """(context, source) -> <translation> of a .ts file."""
    root = ET.parse(ts).getroot()
    found = {}
    for context in root.iter("context"):
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None, f"{ts}: a message without <translation>"
            found[context.findtext("name") or "", message.findtext("source") or ""] = translation
    return found


def placeholders(text: str) -> list[tuple[str, str]]:
    """The str.format fields of `text` (name, format spec), sorted."""
    return sorted((name, spec or "") for _, name, spec, _ in string.Formatter().parse(text) if name is not None)


def call_name(node: ast.Call) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def is_english(text: str) -> bool:
    """Whether a literal reads as words for the user: words with a space, or one capitalised
    word ("Run"); not a file pattern, a bare format field, a setting key or an upper-case name."""
    words = re.sub(r"\{[^}]*\}", "N", re.sub(r"\*\.\w+", "", text)).strip()
    if words in NOT_TRANSLATED or not re.search(r"[A-Za-z]{2}", words):
        return False
    return bool(re.search(r"\S\s+\S", words) or re.fullmatch(r"[A-Z][a-z]+\W*", words))


def untranslated(node: ast.AST) -> Iterator[ast.AST]:
    """The English literals (or f-strings holding English) in an expression, outside tr()."""
    if isinstance(node, ast.Call) and call_name(node) in TR_CALLS:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and is_english(node.value):
        yield node
    elif isinstance(node, ast.JoinedStr):
        if is_english("".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values)):
            yield node
    else:
        for child in ast.iter_child_nodes(node):
            yield from untranslated(child)


def parsed_sources() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in PLUGIN_SOURCES}


def marked_names(trees: Iterable[ast.Module]) -> set[str]:
    """Names (constants, class attributes, loop variables over them) given literals marked
    with QT_TRANSLATE_NOOP: pylupdate5 extracts those, so tr(NAME) finds them."""
    marked: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if (
                isinstance(node, (ast.Assign, ast.AnnAssign))
                and node.value is not None
                and any(isinstance(n, ast.Call) and call_name(n) == "QT_TRANSLATE_NOOP" for n in ast.walk(node.value))
            ):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                marked |= {
                    t.id if isinstance(t, ast.Name) else t.attr
                    for t in targets
                    if isinstance(t, (ast.Name, ast.Attribute))
                }
    for tree in trees:  # `for option in OPTIONS: self.tr(option)`
        for node in ast.walk(tree):
            if (
                isinstance(node, (ast.comprehension, ast.For))
                and isinstance(node.target, ast.Name)
                and name_of(node.iter) in marked
            ):
                marked.add(node.target.id)
    return marked


def name_of(node: Optional[ast.AST]) -> str:
    """NAME of `NAME`, `x.NAME`, `NAME[...]`."""
    if isinstance(node, ast.Subscript):
        return name_of(node.value)
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def marked_parameters(trees: Iterable[ast.Module]) -> set[tuple[str, str]]:
    """(class, parameter) of `__init__` parameters that every subclass's super().__init__ call
    gives a QT_TRANSLATE_NOOP literal (PackageTaskPanel's title, translated by the base class)."""
    classes = {node.name: node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    found = set()
    for name, cls in classes.items():
        init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
        if init is None:
            continue
        parameters = [a.arg for a in init.args.args[1:]]
        calls = [
            call
            for sub in classes.values()
            if name in [name_of(b) for b in sub.bases]
            for call in ast.walk(sub)
            if isinstance(call, ast.Call)
            and call_name(call) == "__init__"
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Call)
            and call_name(call.func.value) == "super"
        ]
        for index, parameter in enumerate(parameters):
            given = [call.args[index] for call in calls if index < len(call.args)]
            if (
                calls
                and len(given) == len(calls)
                and all(isinstance(g, ast.Call) and call_name(g) == "QT_TRANSLATE_NOOP" for g in given)
            ):
                found.add((name, parameter))
    return found


def tr_calls(tree: ast.Module) -> Iterator[tuple[str, ast.Call]]:
    """(enclosing class, call) for each tr()/translate()/translate_for()/QT_TRANSLATE_NOOP call,
    less those inside a `def tr` (the overrides that pass their argument on)."""

    def visit(node: ast.AST, cls: str) -> Iterator[tuple[str, ast.Call]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef) and child.name == "tr":
                continue
            if isinstance(child, ast.Call) and call_name(child) in TR_CALLS:
                yield cls, child
            yield from visit(child, child.name if isinstance(child, ast.ClassDef) else cls)

    yield from visit(tree, "")


def text_argument(call: ast.Call) -> Optional[ast.expr]:
    index = 0 if call_name(call) == "tr" else 1
    return call.args[index] if len(call.args) > index else None


# --- the strings ---------------------------------------------------------------------------------


def unextractable(trees: dict[Path, ast.Module]) -> Iterator[tuple[Path, ast.Call]]:
    """The tr()/translate() calls whose text pylupdate5 cannot extract: an f-string, a
    concatenation, a call, a variable not marked with QT_TRANSLATE_NOOP, a computed context."""
    marked, parameters = marked_names(trees.values()), marked_parameters(trees.values())
    for path, tree in trees.items():
        for cls, call in tr_calls(tree):
            text = text_argument(call)
            context = call.args[0] if call_name(call) != "tr" and call.args else None
            literal = isinstance(text, ast.Constant) and isinstance(text.value, str)
            if call_name(call) == "QT_TRANSLATE_NOOP":
                ok = literal and isinstance(context, ast.Constant)
            elif call_name(call) == "translate_for":
                ok = literal or name_of(text) in marked
            else:
                ok = (literal or name_of(text) in marked or (cls, name_of(text)) in parameters) and (
                    context is None or isinstance(context, ast.Constant)
                )
            if not ok:
                yield path, call


def shown_untranslated(tree: ast.Module, path: Path) -> Iterator[tuple[ast.Call, ast.AST]]:
    """(call, text) for each English text given untranslated to a call that shows it."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = call_name(node)
        if name in MESSAGE_BOXES and name_of(getattr(node.func, "value", node.func)) != "QMessageBox":
            continue  # a logger's warning() goes to the log, in English
        if name in USER_FACING_CALLS:
            arguments = [*node.args, *(k.value for k in node.keywords)]
        elif name.startswith(PROCESSING_DEFINITION):  # its name is not shown
            arguments = [*node.args[1:], *(k.value for k in node.keywords if k.arg != "name")]
        elif name == "ValueError" and "gui" in path.parts:  # a dock shows why its inputs are refused
            arguments = list(node.args)
        else:
            continue
        yield from ((node, text) for argument in arguments for text in untranslated(argument))


def test_tr_takes_a_literal_or_a_marked_constant_and_values_are_formatted_after_translation():
    trees = parsed_sources()
    del trees[ROOT / "gair_qgis" / "translation.py"]  # translate() itself
    found = [f"{path.relative_to(ROOT)}:{call.lineno}: {ast.unparse(call)[:90]}" for path, call in unextractable(trees)]
    assert found == [], "tr()/translate() on a text pylupdate5 cannot extract:\n" + "\n".join(found)


def test_marked_constants_hold_only_marked_literals():
    """A class attribute like a dock's `title` is translated where it is shown: a subclass that
    sets it to a plain literal would stay English."""
    trees = parsed_sources()
    marked = marked_names(trees.values())
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:90]}"
        for path, tree in trees.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(name_of(t) in marked for t in node.targets)
        and any(True for _ in untranslated(node.value))
    ]
    assert found == []


def test_user_facing_texts_go_through_tr():
    found = [
        f"{path.relative_to(ROOT)}:{call.lineno}: {ast.unparse(text)[:90]}"
        for path, tree in parsed_sources().items()
        for call, text in shown_untranslated(tree, path)
    ]
    assert found == [], "English text shown without tr():\n" + "\n".join(found)


def test_the_checks_see_what_they_should():
    """The scanners above flag untranslated texts (they would pass on anything otherwise)."""
    code = ast.parse(
        'QLabel("Output folder"); b.setText(f"{n} tiles" if n else "None"); QPushButton("Run"); '
        'QgsProcessingParameterNumber("TILES", "Tile count"); QMessageBox.warning(w, "Oops", m); '
        'log.warning("to the log"); self.tr("Run"); b.setFilter(self.tr("Photos") + " (*.jpg)"); '
        'QLabel("GAIR"); QLabel(f"{a} ({b})"); raise ValueError("Choose a photo")'
    )
    shown = [ast.unparse(text) for _, text in shown_untranslated(code, ROOT / "gair_qgis" / "gui" / "x.py")]
    assert sorted(shown) == [
        "'Choose a photo'",
        "'None'",
        "'Oops'",
        "'Output folder'",
        "'Run'",
        "'Tile count'",
        "f'{n} tiles'",
    ]
    tree = ast.parse(
        'X = QT_TRANSLATE_NOOP("A", "Title")\nY = "Plain"\nclass A:\n    def f(self, x):\n'
        '        self.tr(X); self.tr(Y); self.tr(x); self.tr(f"{x} y"); self.tr("a " + x); self.tr("ok")\n'
        '        translate(x, "text"); translate("A", X)'
    )
    flagged = [ast.unparse(call) for _, call in unextractable({ROOT / "x.py": tree})]
    assert flagged == ["self.tr(Y)", "self.tr(x)", "self.tr(f'{x} y')", "self.tr('a ' + x)", "translate(x, 'text')"]


@pytest.mark.parametrize("ts", TS_FILES, ids=lambda ts: ts.stem)
def test_each_ts_translates_every_string_the_code_has(ts, tmp_path):
    assert shutil.which("pylupdate5"), "pylupdate5 not found: apt install pyqt5-dev-tools (scripts/setup.sh)"
    fresh = tmp_path / ts.name
    shutil.copy(ts, fresh)
    subprocess.run([str(ROOT / "scripts" / "i18n.sh"), "update", str(fresh)], check=True, capture_output=True)
    committed, extracted = messages(ts), messages(fresh)
    assert sorted(set(extracted) - set(committed)) == [], "new strings: run scripts/i18n.sh update and translate them"
    assert sorted(set(committed) - set(extracted)) == [], "strings gone from the code: run scripts/i18n.sh update"
    unfinished = [
        key
        for key, translated in extracted.items()
        if translated.get("type") in ("unfinished", "obsolete", "vanished") or not (translated.text or "").strip()
    ]
    assert unfinished == []
    assert ET.parse(ts).getroot().get("language") == ts.stem.removeprefix("gair_qgis_")
    assert TS in TS_FILES


@pytest.mark.parametrize("ts", TS_FILES, ids=lambda ts: ts.stem)
def test_each_translation_keeps_the_placeholders_of_its_source(ts):
    wrong = [
        (context, source[:60], translated.text[:60])
        for (context, source), translated in messages(ts).items()
        if translated.text and placeholders(source) != placeholders(translated.text)
    ]
    assert wrong == []
