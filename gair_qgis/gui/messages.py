"""Processing error messages in a dock user's words, and message-bar lines with their details.

The algorithms' messages name parameters (SV_POINT, INPUT, ...) as a toolbox or command
line user sees them. A dock recognises the errors it can say better by their type
(gair_qgis.processing.errors, handed over by `runner.RecordingFeedback`), never by their
text, which is translated, and builds its own sentence from the error's values; any other
error keeps its text with the parameter names replaced by the labels of the dock's widgets."""

from __future__ import annotations

import re
from typing import Optional, Union

from qgis.core import Qgis
from qgis.gui import QgsMessageBar, QgsMessageBarItem
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QFontMetrics
from qgis.PyQt.QtWidgets import QMessageBox, QPushButton, QWidget

from ..processing.errors import (
    BandLayout,
    NoHeads,
    NoOverlap,
    NoPhotoPosition,
    OverLimit,
    PointOutsideRaster,
    UnreadablePhoto,
)
from ..translation import translate


def parameter_words() -> dict[str, str]:
    """The labels the docks give the algorithms' parameters."""
    return {
        "SV_POINT": translate("messages", "the place where the photo was taken"),
        "SV_IMAGE": translate("messages", "the photo"),
        "TILE_EXTENT": translate("messages", "the tile"),
        "EXTENT": translate("messages", "the area"),
        "INPUT": translate("messages", "the RS layer"),
        "RASTER": translate("messages", "the RS layer"),
        "MODEL": translate("messages", "the model"),
        "PIXEL_SIZE": translate("messages", "the pixel size"),
        "REFERENCE_POINT": translate("messages", "the reference place"),
        "REFERENCE_IMAGE": translate("messages", "the reference photo"),
        "OUTPUT_RASTER": translate("messages", "the prediction raster"),
        "OUTPUT": translate("messages", "the output file"),
        "BANDS": translate("messages", "the band list"),
        "HEAD": translate("messages", "the prediction"),
    }


def known_error_message(error: BaseException) -> Optional[str]:
    """The dock's sentence for an error it recognises by type (None for any other)."""
    if isinstance(error, PointOutsideRaster):
        return translate(
            "messages",
            "The place where the photo was taken is outside the RS layer. Click inside the layer on the map, "
            "or choose the RS layer that covers that place.",
        )
    if isinstance(error, NoPhotoPosition):
        return translate(
            "messages", "The photo does not say where it was taken. Press Pick on map and click where it was taken."
        )
    if isinstance(error, OverLimit) and error.unit == "tiles":
        return translate(
            "messages",
            "This area needs {0} model tiles, more than the limit of {1}. Zoom in, or choose "
            "'One model tile around the point'.",
        ).format(error.needed, error.limit)
    if isinstance(error, OverLimit):
        return translate(
            "messages",
            "This area at this pixel size needs {0} pixels, more than the limit of {1}. Choose a larger "
            "pixel size or a smaller area.",
        ).format(error.needed, error.limit)
    if isinstance(error, BandLayout):
        return translate(
            "messages",
            "The RS layer has {0} band(s) and is not a Sentinel-2 stack GAIR can read: it needs the 10 bands "
            "B2, B3, B4, B5, B6, B7, B8, B8A, B11, B12 (or a 12-band L2A stack). Choose a Sentinel-2 "
            "layer.",
        ).format(error.band_count)
    if isinstance(error, NoOverlap):
        return translate("messages", "The area does not overlap the RS layer. Zoom to the layer and try again.")
    if isinstance(error, NoHeads):
        return translate("messages", "The chosen model has no prediction heads. Choose another model in the dock.")
    if isinstance(error, UnreadablePhoto):
        return translate("messages", "The photo cannot be read. Choose a JPEG, PNG or TIFF photo.")
    return None


def user_message(error: Union[BaseException, str, None]) -> str:
    """`error` (the algorithm's error object, or only its text) as a dock user should read
    it: one sentence or two."""
    if isinstance(error, BaseException):
        known = known_error_message(error)
        if known is not None:
            return known
        error = str(error)
    text = (error or "").strip().splitlines()[0] if (error or "").strip() else translate("messages", "The run failed.")
    words = parameter_words()
    for name in sorted(words, key=len, reverse=True):
        text = re.sub(rf"\b{name}\b", words[name], text)
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


BAR_CHROME = 170  # px of a message bar line besides its text: level icon, pause and close buttons, margins
MIN_LINE = 120  # px: a line is never cut shorter than this


def headline(text: str) -> str:
    """The first sentence of `text` (what fits the message bar's one line)."""
    first = (text or "").strip().split("\n")[0].split(". ")[0].rstrip(".")
    return first + "." if first else ""


def push_with_details(
    bar: QgsMessageBar, title: str, text: str, level: Qgis.MessageLevel, duration: int = 0
) -> QgsMessageBarItem:
    """A message-bar line with the first sentence of `text`, cut to the bar's one line, and,
    when that is not all of it, a Details button that shows all of it (the bar itself cuts a
    message at its second line)."""
    button = QPushButton(translate("messages", "Details"))
    short = one_line(headline(text), bar, title, button.sizeHint().width())
    item = QgsMessageBar.createMessage(title, short, bar)
    item.setToolTip(text)
    if short != text.strip():
        button.setToolTip(text)
        button.clicked.connect(lambda: show_details(bar.window(), title, text))
        item.layout().addWidget(button)
    else:
        button.deleteLater()
    bar.pushWidget(item, level, duration)
    return item


def bar_width(bar: QWidget) -> int:
    """The width `bar` has when it shows: a hidden bar keeps an old width, so then the width of
    the widget it sits in (QGIS's bar spans the map's column)."""
    parent = bar.parentWidget()
    return bar.width() if bar.isVisible() or parent is None else parent.width()


def one_line(text: str, bar: QWidget, title: str, button_width: int) -> str:
    """`text` elided ("…") to what fits one line of `bar` beside the bold title, the Details
    button and the bar's own icon, pause and close buttons (BAR_CHROME px); unchanged when the
    bar has no width yet."""
    metrics = bar.fontMetrics()
    bold = bar.font()
    bold.setBold(True)
    title_width = QFontMetrics(bold).horizontalAdvance(title + ": ")
    width = bar_width(bar)
    available = width - BAR_CHROME - button_width - title_width
    if width <= 0 or available >= metrics.horizontalAdvance(text):
        return text
    words = text.split(" ")
    for count in range(len(words) - 1, 0, -1):  # whole words while they fit
        shorter = " ".join(words[:count]).rstrip(",;:") + "…"
        if metrics.horizontalAdvance(shorter) <= available:
            return shorter
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(available, MIN_LINE))


def show_details(parent: QWidget, title: str, text: str) -> QMessageBox:
    """The whole message in a small window whose text can be selected and copied."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Close, parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
    return box
