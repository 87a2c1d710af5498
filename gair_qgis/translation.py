"""The plugin in the user's language: a Qt translator for QGIS's locale, loaded from
i18n/gair_qgis_<locale>.qm in the plugin folder (compiled from i18n/gair_qgis_<locale>.ts by
scripts/i18n.sh build, which `make plugin` runs).

Strings are extracted by `scripts/i18n.sh update` (pylupdate5): `self.tr("...")` is filed under
the class whose body holds the call, `translate("context", "...")` under its context. Both take
a literal; values are formatted in after translation: `self.tr("{} tiles").format(n)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

I18N_FOLDER = Path(__file__).resolve().parent / "i18n"
QM_PREFIX = "gair_qgis_"

_installed: Optional[QTranslator] = None


def translate(context: str, text: str) -> str:
    """`text` (a literal) in the user's language, from the translations of `context`."""
    return QCoreApplication.translate(context, text)


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Mark a literal kept in a constant (a help text, a list of options) for extraction under
    `context`; it is translated where it is shown (`self.tr(CONSTANT)` in a class of `context`)."""
    return text


def translate_for(cls: type, text: str) -> str:
    """`text` as `self.tr(text)` of a `cls` instance should give it: pylupdate5 files the
    string under the class that holds the call, which may be any class of `cls`'s MRO (a base
    class's method called on a subclass), so each of their contexts is tried in turn."""
    for klass in cls.__mro__:
        translated = QCoreApplication.translate(klass.__name__, text)
        if translated != text:
            return translated
    return text


def user_locale() -> str:
    """The locale QGIS shows its interface in: QGIS's own translation when it set one, else the
    locale chosen in QGIS's options (locale/userLocale with locale/overrideFlag), else the system's."""
    app = QgsApplication.instance()
    chosen = app.translation() if isinstance(app, QgsApplication) else ""
    if chosen:
        return chosen
    settings = QgsSettings()
    if settings.value("locale/overrideFlag", False, type=bool):
        chosen = settings.value("locale/userLocale", "", type=str)
        if chosen:
            return chosen
    return QLocale().name()


def translation_file(locale: str) -> Optional[Path]:
    """The .qm file for `locale` ("de_DE" falls back to "de"), or None."""
    code = locale.replace("-", "_")
    for name in dict.fromkeys((code, code.split("_")[0])):
        path = I18N_FOLDER / f"{QM_PREFIX}{name}.qm"
        if name and path.is_file():
            return path
    return None


def install_translator() -> bool:
    """Install the plugin's translator for `user_locale()` once (the plugin and the Processing
    provider both ask: qgis_process loads the provider without the GUI). False when the plugin
    has no translation for that locale (its English texts stay)."""
    global _installed
    if _installed is not None:
        return True
    path = translation_file(user_locale())
    if path is None:
        return False
    translator = QTranslator()
    if not translator.load(str(path)):
        return False
    QCoreApplication.installTranslator(translator)
    _installed = translator
    return True


def remove_translator() -> None:
    """Remove the translator again (plugin unload)."""
    global _installed
    if _installed is not None:
        QCoreApplication.removeTranslator(_installed)
        _installed = None
