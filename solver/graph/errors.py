"""Errors that carry what went wrong and where, for the one place that prints them.

Library code raises these; the command line turns each into one line
``nnsolve: error: ...`` and an exit status (see ``ExitStatus``).
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    INTERNAL = 1
    BAD_INPUT = 2
    #: `nnsolve check` found answers that disagree with the source.
    DISCREPANCY = 3


class InputError(Exception):
    """Bad input from a person or a file: exit status 2, no traceback.

    ``where`` names the place (a file and line, a field path, an argument);
    ``field`` names a field of a problem's ``given`` data, so that the file
    loader can point at its line.
    """

    def __init__(self, message: str, *, where: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.field = field

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def located(self, where: str) -> InputError:
        """The same error, placed at ``where`` unless it already has a place."""
        if self.where is None:
            self.where = where
        return self


#: Errors named on the one line of ``InputErrors``; any beyond are counted.
SHOWN_ERRORS = 3


class InputErrors(InputError):
    """Several independent input errors found at once (e.g. in one file), said on one line.

    A file with thousands of bad entries gives the first few and a count, never a wall of text.
    """

    def __init__(self, errors: list[InputError]):
        shown = "; ".join(str(e) for e in errors[:SHOWN_ERRORS])
        more = len(errors) - SHOWN_ERRORS
        super().__init__(shown + (f"; and {more} more" if more > 0 else ""))
        self.errors = errors
