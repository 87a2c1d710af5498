"""Small widgets the docks share so that nothing widens a dock: labels that wrap (paths too),
labels that elide with the full text as tooltip, and button rows that wrap into a grid.

A dock's body sits in a vertical-only scroll area (`base_dock.scrolling`); every widget in
it must be able to shrink to the dock's width, else the body is cut off on the right."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Optional

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QResizeEvent
from qgis.PyQt.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

ZERO_WIDTH_SPACE = "\u200b"
BUTTON_COLUMNS = 2  # buttons per row: two fit a dock at its default width (400 px)
_BREAK_AFTER = re.compile(r"([/\\_.,;:=&?-])(?=\S)")


def breakable(text: str) -> str:
    """`text` with invisible break opportunities after path separators and punctuation, so a
    word-wrapping label can wrap a long path or URL instead of running past its edge."""
    return _BREAK_AFTER.sub(lambda found: found.group(1) + ZERO_WIDTH_SPACE, text)


def plain(text: str) -> str:
    """`text` without the break opportunities `breakable` added (for the clipboard, tests)."""
    return text.replace(ZERO_WIDTH_SPACE, "")


class WrappingLabel(QLabel):
    """A label that wraps (long paths included) and never widens its dock; `text()` gives
    the text as set, without the break opportunities."""

    def __init__(self, text: str = "", parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(1)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(breakable(text or ""))

    def text(self) -> str:
        return plain(super().text())


def wrapping_label(text: str = "") -> WrappingLabel:
    """A label that wraps and never widens the dock."""
    return WrappingLabel(text)


class ElidedLabel(QLabel):
    """One line that ends in "…" where the dock is too narrow; the full text is its tooltip
    and what `text()` returns."""

    def __init__(self, text: str = "", parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(1)
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text or ""
        self.setToolTip(self._full)
        self._elide()

    def text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        """The text as drawn (elided to the label's width)."""
        return super().text()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.contentsRect().width(), 1)
        super().setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, width))


def button_grid(buttons: Sequence[QWidget], columns: int = BUTTON_COLUMNS) -> QGridLayout:
    """Buttons in rows of `columns`, each button free to shrink with the dock (its text is
    also its tooltip where it has none)."""
    grid = QGridLayout()
    for index, button in enumerate(buttons):
        button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        button.setMinimumWidth(1)
        if not button.toolTip() and hasattr(button, "text"):
            button.setToolTip(button.text())
        grid.addWidget(button, index // columns, index % columns)
    for column in range(columns):
        grid.setColumnStretch(column, 1)
    return grid
