"""One rule for every command line of gair_core and gair_qgis.runtime: a user's mistake (a
bad input, a refused file, an unwritable folder) ends in one line `error: ...` on stderr
naming the input and the fix, exit code 2, and no traceback unless `--debug` is given.

    @command
    def main(argv: Optional[Sequence[str]] = None) -> int:
        args = build_parser().parse_args(argv)
        ...

`--debug` may appear anywhere on the command line; it is taken out before the command's
own parser sees it. Torch-free: the torch side passes its own error types in `errors`.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import pickle  # nosec B403  # only for pickle.UnpicklingError (user errors); nothing is unpickled here
import sys
import tempfile
import traceback
import zipfile
from pathlib import Path
from typing import Callable, Optional, Protocol, Sequence, overload

from .errors import CheckpointError, InputError, OutsideTileError, PackageError

DEBUG_FLAG = "--debug"
EXIT_INPUT = 2  # the user's input or environment: fix it and run again
EXIT_INTERNAL = 1  # a defect of the program: report it with the --debug traceback
EXIT_INTERRUPTED = 130

# What users cause: the project's error types (runtime/errors.py; pickle.UnpicklingError covers
# UnsafeCheckpointError), OSError for missing, unreadable and unwritable files, and the errors of
# reading a file the user gave (a damaged zip or pickle, text that is not JSON or not UTF-8). Any
# other exception, a plain ValueError included, is a defect: "internal error", exit code 1.
USER_ERRORS: tuple[type[BaseException], ...] = (
    InputError,
    PackageError,
    CheckpointError,
    OutsideTileError,
    OSError,
    EOFError,
    pickle.UnpicklingError,
    zipfile.BadZipFile,
    json.JSONDecodeError,
    UnicodeDecodeError,
)


class StderrHandler(logging.Handler):
    """A command line's log on stderr (the stream of the moment, so a redirected stderr is honoured)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # logging must never raise into the caller
            self.handleError(record)


def log_to_stderr(debug: bool) -> None:
    """The project's loggers (gair_qgis, gair_core) write to stderr: INFO and above, DEBUG with --debug."""
    for name in ("gair_qgis", "gair_core"):
        logger = logging.getLogger(name)
        if not any(isinstance(handler, StderrHandler) for handler in logger.handlers):
            handler = StderrHandler()
            handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
            logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if debug else logging.INFO)


class Main(Protocol):
    """A command's `main(argv=None) -> int`: called with no arguments it reads sys.argv."""

    def __call__(self, argv: Optional[Sequence[str]] = None) -> int: ...


def split_debug(argv: Optional[Sequence[str]]) -> tuple[list[str], bool]:
    """The arguments without `--debug`, and whether it was there."""
    args = list(sys.argv[1:] if argv is None else argv)
    return [a for a in args if a != DEBUG_FLAG], DEBUG_FLAG in args


def describe(error: BaseException) -> str:
    """The message of an error, prefixed with its kind when the message alone would not say
    what went wrong (an OSError's text already names the file)."""
    message = str(error).strip() or type(error).__name__
    if isinstance(error, (zipfile.BadZipFile, EOFError)) or type(error).__name__ == "SafetensorError":
        return f"{type(error).__name__}: {message}"
    return message


def check_output_folder(path: str | Path, what: str) -> None:
    """Refuse, before any long work, an output folder that is a file or that cannot be created
    or written (tried with a real temporary folder: permission bits do not stop root)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{what} {path} is a file; give a folder")
    ancestor = path
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(f"{what} {path} is not writable: {ancestor} is a file; choose another folder")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".gair-write-test-", dir=ancestor))
    except OSError as error:
        raise InputError(
            f"{what} {path} is not writable ({error.strerror} in {ancestor}); choose a folder you can write to"
        ) from None


@overload
def command(main: Main, *, errors: tuple[type[BaseException], ...] = ()) -> Main: ...


@overload
def command(main: None = None, *, errors: tuple[type[BaseException], ...] = ()) -> Callable[[Main], Main]: ...


def command(
    main: Optional[Main] = None, *, errors: tuple[type[BaseException], ...] = ()
) -> Main | Callable[[Main], Main]:
    """Decorate a command's `main(argv) -> int` with the rule above. `errors` adds error types
    (beyond USER_ERRORS) that are the user's to fix."""

    def decorate(function: Main) -> Main:
        @functools.wraps(function)
        def wrapper(argv: Optional[Sequence[str]] = None) -> int:
            args, debug = split_debug(argv)
            log_to_stderr(debug)
            try:
                return function(args)
            except KeyboardInterrupt:
                print("error: interrupted; nothing half-written is left behind", file=sys.stderr)
                return EXIT_INTERRUPTED
            except USER_ERRORS + errors as error:
                if debug:
                    traceback.print_exc()
                print(f"error: {describe(error)}", file=sys.stderr)
                return EXIT_INPUT
            except Exception as error:  # a defect: one line, the traceback on request
                if debug:
                    traceback.print_exc()
                print(
                    f"error: internal error ({type(error).__name__}: {error}); run again with {DEBUG_FLAG} "
                    "for the traceback and report it",
                    file=sys.stderr,
                )
                return EXIT_INTERNAL

        return wrapper

    return decorate(main) if main is not None else decorate
