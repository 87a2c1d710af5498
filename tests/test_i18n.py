"""The plugin in the user's language: every user-facing string goes through tr() on a literal,
gair_qgis/i18n/gair_qgis_de.ts translates every string pylupdate5 extracts, and a QGIS set to
German (its options' locale/userLocale, or the system's language for qgis_process) shows the
docks, the Processing help and the errors in German."""
from __future__ import annotations

import ast
import os
import re
import shutil
import string
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Optional

import pytest
from qgis.core import QgsApplication, QgsProcessingContext, QgsSettings
from qgis.PyQt.QtWidgets import QLabel

from gair_qgis import classFactory, translation

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "gair_qgis" / "i18n" / "gair_qgis_de.ts"
TS_FILES = sorted(TS.parent.glob("gair_qgis_*.ts"))  # German, and any a translator adds
PLUGIN_SOURCES = sorted(p for p in (ROOT / "gair_qgis").rglob("*.py") if "runtime" not in p.relative_to(ROOT).parts)
TR_CALLS = {"tr", "translate", "translate_for", "QT_TRANSLATE_NOOP"}
# Calls whose text the user reads: Processing errors and log, widgets, dialogs, the message bar.
USER_FACING_CALLS = {"InputError", "PackageError", "QgsProcessingException", "OutputExistsError", "pushInfo",
                     "pushWarning", "reportError", "setProgressText", "pushMessage", "createMessage", "show_message",
                     "QLabel", "QCheckBox", "QRadioButton", "QPushButton", "QToolButton", "QGroupBox", "QAction",
                     "addRow", "addItem", "addItems", "addTab", "setTabText", "setToolTip", "setWindowTitle",
                     "setPlaceholderText", "setHelp", "setTitle", "setDialogTitle", "setText", "setStatusTip",
                     "setWhatsThis", "setFilter", "setSpecialValueText", "setSuffix", "setHeaderLabels", "QMessageBox",
                     "question", "information", "warning", "critical", "setLabelText", "wrapping_label",
                     "push_with_details", "show_details"}
MESSAGE_BOXES = {"question", "information", "warning", "critical"}
# A Processing parameter's or output's description and help (its first argument is its name).
PROCESSING_DEFINITION = ("QgsProcessingParameter", "QgsProcessingOutput")
# Proper names shown as they are.
NOT_TRANSLATED = {"GAIR"}
LOCALE_KEYS = ("locale/userLocale", "locale/overrideFlag")


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
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and any(
                    isinstance(n, ast.Call) and call_name(n) == "QT_TRANSLATE_NOOP" for n in ast.walk(node.value)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                marked |= {t.id if isinstance(t, ast.Name) else t.attr for t in targets
                           if isinstance(t, (ast.Name, ast.Attribute))}
    for tree in trees:  # `for option in OPTIONS: self.tr(option)`
        for node in ast.walk(tree):
            if isinstance(node, (ast.comprehension, ast.For)) and isinstance(node.target, ast.Name) \
                    and name_of(node.iter) in marked:
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
        calls = [call for sub in classes.values() if name in [name_of(b) for b in sub.bases]
                 for call in ast.walk(sub) if isinstance(call, ast.Call) and call_name(call) == "__init__"
                 and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Call)
                 and call_name(call.func.value) == "super"]
        for index, parameter in enumerate(parameters):
            given = [call.args[index] for call in calls if index < len(call.args)]
            if calls and len(given) == len(calls) and all(
                    isinstance(g, ast.Call) and call_name(g) == "QT_TRANSLATE_NOOP" for g in given):
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


def compile_translations() -> None:
    """The .qm files as the build makes them (scripts/i18n.sh build: lrelease)."""
    assert shutil.which("lrelease"), "lrelease not found: apt install qttools5-dev-tools (scripts/setup.sh)"
    subprocess.run([str(ROOT / "scripts" / "i18n.sh"), "build"], check=True)


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
                ok = (literal or name_of(text) in marked or (cls, name_of(text)) in parameters) and \
                     (context is None or isinstance(context, ast.Constant))
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
    found = [f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:90]}"
             for path, tree in trees.items() for node in ast.walk(tree)
             if isinstance(node, ast.Assign) and any(name_of(t) in marked for t in node.targets)
             and any(True for _ in untranslated(node.value))]
    assert found == []


def test_user_facing_texts_go_through_tr():
    found = [f"{path.relative_to(ROOT)}:{call.lineno}: {ast.unparse(text)[:90]}"
             for path, tree in parsed_sources().items() for call, text in shown_untranslated(tree, path)]
    assert found == [], "English text shown without tr():\n" + "\n".join(found)


def test_the_checks_see_what_they_should():
    """The scanners above flag untranslated texts (they would pass on anything otherwise)."""
    code = ast.parse('QLabel("Output folder"); b.setText(f"{n} tiles" if n else "None"); QPushButton("Run"); '
                     'QgsProcessingParameterNumber("TILES", "Tile count"); QMessageBox.warning(w, "Oops", m); '
                     'log.warning("to the log"); self.tr("Run"); b.setFilter(self.tr("Photos") + " (*.jpg)"); '
                     'QLabel("GAIR"); QLabel(f"{a} ({b})"); raise ValueError("Choose a photo")')
    shown = [ast.unparse(text) for _, text in shown_untranslated(code, ROOT / "gair_qgis" / "gui" / "x.py")]
    assert sorted(shown) == ["'Choose a photo'", "'None'", "'Oops'", "'Output folder'", "'Run'", "'Tile count'",
                             "f'{n} tiles'"]
    tree = ast.parse('X = QT_TRANSLATE_NOOP("A", "Title")\nY = "Plain"\nclass A:\n    def f(self, x):\n'
                     '        self.tr(X); self.tr(Y); self.tr(x); self.tr(f"{x} y"); self.tr("a " + x); self.tr("ok")\n'
                     '        translate(x, "text"); translate("A", X)')
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
    unfinished = [key for key, translated in extracted.items()
                  if translated.get("type") in ("unfinished", "obsolete", "vanished") or not (translated.text or "").strip()]
    assert unfinished == []
    assert ET.parse(ts).getroot().get("language") == ts.stem.removeprefix("gair_qgis_")
    assert TS in TS_FILES


@pytest.mark.parametrize("ts", TS_FILES, ids=lambda ts: ts.stem)
def test_each_translation_keeps_the_placeholders_of_its_source(ts):
    wrong = [(context, source[:60], translated.text[:60]) for (context, source), translated in messages(ts).items()
             if translated.text and placeholders(source) != placeholders(translated.text)]
    assert wrong == []


# --- QGIS in German ------------------------------------------------------------------------------


@pytest.fixture
def german_plugin(qgis_iface, qgis_new_project, gair_settings):
    """The plugin loaded by a QGIS whose options say German (locale/userLocale=de with
    locale/overrideFlag), unloaded and the options restored after the test."""
    compile_translations()
    settings = QgsSettings()
    saved = {key: settings.value(key) for key in LOCALE_KEYS}
    settings.setValue("locale/userLocale", "de")
    settings.setValue("locale/overrideFlag", True)
    plugin = classFactory(qgis_iface)
    try:
        plugin.initGui()
        qgis_iface.messageBar().clear_messages()
        yield plugin
    finally:
        plugin.unload()
        for key, value in saved.items():
            settings.remove(key) if value is None else settings.setValue(key, value)


def test_german_qgis_shows_the_docks_in_german(german_plugin, qgis_iface):
    from gair_qgis.gui.heatmap_dock import HeatmapDock
    from gair_qgis.gui.location_dock import LocationDock

    heatmap = german_plugin.gui.dock(HeatmapDock)
    labels = {label.text() for label in heatmap.findChildren(QLabel)}
    assert {"Fernerkundungs-Layer", "Foto", "Modell", "Ausgabeordner"} <= labels
    assert heatmap.keep_results.text() == "Jedes Ergebnis behalten"  # made by the docks' base class
    assert heatmap.run_panel.run_button.text() == "Ausführen"
    assert any(text.startswith("Wo in der Satellitenszene passt dieses Straßenansichtsfoto hin?") for text in labels)
    assert german_plugin.gui.dock(LocationDock).windowTitle() == "Ort"
    assert {"GAIR-Heatmap", "GAIR-Ort", "GAIR-Vorhersagen", "GAIR-Modelle"} <= \
        {action.text() for action in german_plugin.gui.actions}


def test_german_qgis_shows_the_models_dock_in_german(german_plugin):
    from gair_qgis.gui.models_dock import DownloadPanel, ImportPanel, ModelManagerDock

    models = german_plugin.gui.dock(ModelManagerDock)
    download, = models.findChildren(DownloadPanel)
    assert download.title() == "GAIR herunterladen"
    assert download.cancel_button.text() == "Abbrechen"  # made by the panels' base class
    assert download.status.text().startswith("Etwa 814 MB von Hugging Face")
    importer, = models.findChildren(ImportPanel)
    assert (importer.title(), importer.import_button.text()) == ("Checkpoint-Datei importieren", "Importieren")


def test_german_qgis_refuses_a_run_in_german(german_plugin, qgis_iface):
    from gair_qgis.gui.heatmap_dock import HeatmapDock

    heatmap = german_plugin.gui.dock(HeatmapDock)
    heatmap.layer_combo.setLayer(None)
    assert not heatmap.run_panel.start()
    assert heatmap.run_panel.status.text() == "Wählen Sie einen Fernerkundungs-Raster-Layer."


def test_german_qgis_shows_processing_help_and_errors_in_german(german_plugin, l2a_tile):
    from gair_qgis.gui.runner import RecordingFeedback

    registry = QgsApplication.processingRegistry()
    heatmap = registry.algorithmById("gair:svheatmap")
    assert heatmap.displayName() == "Ähnlichkeits-Heatmap eines Straßenansichtsfotos"
    assert heatmap.group() == "Straßenansicht"
    assert heatmap.shortHelpString().startswith("Kosinus-Ähnlichkeit")
    assert heatmap.parameterDefinition("INPUT").description() == "Sentinel-2-L2A-Raster (beliebiges KBS)"
    feedback = RecordingFeedback()
    _, ok = registry.createAlgorithmById("gair:rsembed").run(
        {"INPUT": str(l2a_tile), "OUTPUT_TYPE": 1}, QgsProcessingContext(), feedback)
    assert not ok
    assert any("OUTPUT_TYPE 1 schreibt ein Raster: Setzen Sie OUTPUT" in error for error in feedback.errors), feedback.errors


def test_unloading_the_plugin_removes_its_translator(german_plugin):
    assert translation.translate("RunPanel", "Run") == "Ausführen"
    german_plugin.unload()
    assert translation.translate("RunPanel", "Run") == "Run"


# --- qgis_process in German ----------------------------------------------------------------------


def qgis_process_german(*args: str) -> subprocess.CompletedProcess:
    """scripts/qgis_process with the system language German (no plugin GUI: the Processing
    provider installs the translator)."""
    env = {**os.environ, "LANG": "de_DE.UTF-8", "LANGUAGE": "de"}
    env.pop("LC_ALL", None)
    return subprocess.run([str(ROOT / "scripts" / "qgis_process"), *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_qgis_process_in_german_shows_the_help_and_errors_in_german(l2a_tile, tmp_path):
    compile_translations()
    helped = qgis_process_german("help", "gair:svheatmap")
    assert helped.returncode == 0, helped.stderr
    assert "Ähnlichkeits-Heatmap eines Straßenansichtsfotos (gair:svheatmap)" in helped.stdout
    assert "Kosinus-Ähnlichkeit" in helped.stdout
    failed = qgis_process_german("run", "gair:rsembed", "--", f"INPUT={l2a_tile}", "OUTPUT_TYPE=1")
    assert failed.returncode != 0
    assert "OUTPUT_TYPE 1 schreibt ein Raster" in failed.stdout + failed.stderr
