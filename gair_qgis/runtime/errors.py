"""The user-error types of the whole project, in one place (no torch, no QGIS).

Each is raised for something the user can fix; its message names the input and the fix.
Command lines turn them into a one-line message and exit code 2; the plugin shows the
message in its message bar or the Processing log.
"""

from __future__ import annotations

import pickle  # nosec B403  # only to subclass pickle.UnpicklingError; nothing is unpickled here


class InputError(ValueError):
    """Input data that the model cannot use; the message says what to do."""


class OutputExistsError(InputError):
    """An output file is already there; it is never overwritten silently."""


class PackageError(ValueError):
    """A model package that cannot be used; the message names the file and the fix."""


class CheckpointError(ValueError):
    """A checkpoint that does not match the model; the message lists every offending key."""


class UnsafeCheckpointError(pickle.UnpicklingError):
    """The checkpoint's pickle refers to something other than tensors and plain data."""


class OutsideTileError(ValueError):
    """A point does not fall inside the tile."""
