"""Processing error messages in a dock user's words.

The algorithms' messages name parameters (SV_POINT, INPUT, ...) as a toolbox or command
line user sees them. A dock shows the same message with the dock's own words: known
messages are rewritten whole, and any other one has its parameter names replaced by the
labels of the dock's widgets."""
from __future__ import annotations

import re

from qgis.core import Qgis
from qgis.gui import QgsMessageBar, QgsMessageBarItem
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtWidgets import QMessageBox, QPushButton, QWidget

# The labels the docks give the algorithms' parameters.
PARAMETER_WORDS = {
    "SV_POINT": "the place where the photo was taken",
    "SV_IMAGE": "the photo",
    "TILE_EXTENT": "the tile",
    "EXTENT": "the area",
    "INPUT": "the RS layer",
    "RASTER": "the RS layer",
    "MODEL": "the model",
    "PIXEL_SIZE": "the pixel size",
    "REFERENCE_POINT": "the reference place",
    "REFERENCE_IMAGE": "the reference photo",
    "OUTPUT_RASTER": "the prediction raster",
    "OUTPUT": "the output file",
    "BANDS": "the band list",
    "HEAD": "the prediction",
}

# (pattern, message): the first pattern found in the error decides; {0}, {1} are its groups.
KNOWN_ERRORS = (
    (r"lies outside the raster",
     "The place where the photo was taken is outside the RS layer. Click inside the layer on the map, "
     "or choose the RS layer that covers that place."),
    (r"no EXIF GPS position and SV_POINT is not set",
     "The photo does not say where it was taken. Click on the map where it was taken."),
    (r"needs (\d+) tiles, more than the limit of (\d+)",
     "This area needs {0} model tiles, more than the limit of {1}. Zoom in, or choose "
     "'One model tile around the point'."),
    (r"needs (\d+) pixels, more than the limit of (\d+)",
     "This area at this pixel size needs {0} pixels, more than the limit of {1}. Choose a larger pixel size "
     "or a smaller area."),
    (r"the raster has (\d+) band\(s\); GAIR needs",
     "The RS layer has {0} band(s) and is not a Sentinel-2 stack GAIR can read: it needs the 10 bands "
     "B2, B3, B4, B5, B6, B7, B8, B8A, B11, B12 (or a 12-band L2A stack). Choose a Sentinel-2 layer."),
    (r"does not overlap", "The area does not overlap the RS layer. Zoom to the layer and try again."),
    (r"no prediction head", "The chosen model has no prediction heads. Choose another model in the dock."),
    (r"cannot (?:read|open|identify) (?:the )?(?:image|photo)",
     "The photo cannot be read. Choose a JPEG, PNG or TIFF photo."),
)


def user_message(error: str) -> str:
    """`error` (an algorithm's message) as a dock user should read it: one sentence or two."""
    text = (error or "").strip().splitlines()[0] if (error or "").strip() else "The run failed."
    for pattern, message in KNOWN_ERRORS:
        found = re.search(pattern, text)
        if found:
            return message.format(*found.groups())
    for name in sorted(PARAMETER_WORDS, key=len, reverse=True):
        text = re.sub(rf"\b{name}\b", PARAMETER_WORDS[name], text)
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def headline(text: str) -> str:
    """The first sentence of `text` (what fits the message bar's one line)."""
    first = (text or "").strip().split("\n")[0].split(". ")[0].rstrip(".")
    return first + "." if first else ""


def push_with_details(bar: QgsMessageBar, title: str, text: str, level: Qgis.MessageLevel,
                      duration: int = 0) -> QgsMessageBarItem:
    """A message-bar line with the first sentence of `text` and, when there is more, a
    Details button that shows all of it (the bar itself cuts a message at its second line)."""
    short = headline(text)
    item = QgsMessageBar.createMessage(title, short, bar)
    if short != text.strip():
        button = QPushButton(QCoreApplication.translate("messages", "Details"))
        button.setToolTip(text)
        button.clicked.connect(lambda: show_details(bar.window(), title, text))
        item.layout().addWidget(button)
    bar.pushWidget(item, level, duration)
    return item


def show_details(parent: QWidget, title: str, text: str) -> QMessageBox:
    """The whole message in a small window whose text can be selected and copied."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Close, parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
    return box
