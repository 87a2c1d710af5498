"""Errors of the algorithms that a dock says in its own words.

Each one is an InputError or PackageError whose message (translated) is what the toolbox and
the command line show; gui/messages.py recognises them by type, never by their text, and uses
their values. `clear_errors` (processing/base.py) hands the error object to a feedback that
asks for it (`record_error`), since only its text crosses QGIS's task."""

from __future__ import annotations

from ..runtime.errors import InputError, PackageError


class PointOutsideRaster(InputError):
    """The place where the photo was taken lies outside the raster."""


class NoPhotoPosition(InputError):
    """The photo has no EXIF GPS position and no point was given."""


class NoOverlap(InputError):
    """The area or tile to map does not overlap the raster."""


class UnreadablePhoto(InputError):
    """The photo cannot be read as an image."""


class OverLimit(InputError):
    """A run needs more tiles or pixels than the limit allows."""

    def __init__(self, message: str, unit: str, needed: int, limit: int) -> None:
        super().__init__(message)
        self.unit, self.needed, self.limit = unit, needed, limit  # unit: "tiles" or "pixels"


class BandLayout(InputError):
    """The raster's bands are not a Sentinel-2 stack the model can read."""

    def __init__(self, message: str, band_count: int) -> None:
        super().__init__(message)
        self.band_count = band_count


class NoHeads(PackageError):
    """The model package has no prediction head for this algorithm."""


def record_error(feedback: object, error: BaseException) -> None:
    """Give the error object to a feedback that keeps it (gui.runner.RecordingFeedback)."""
    record = getattr(feedback, "record_error", None)
    if callable(record):
        record(error)


def record_warning(feedback: object, warning: Warning) -> None:
    """Give a warning about the user's input (a SmallPhotoWarning) to a feedback that keeps it
    (gui.runner.RecordingFeedback), so that a dock can show it, not only log it."""
    record = getattr(feedback, "record_warning", None)
    if callable(record):
        record(warning)
