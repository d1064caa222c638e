"""One root error for everything a person should read, raised where the problem is found.

The CLI and the UI show ``str(error)`` as a one-line message; nothing else leaks out.
"""

from __future__ import annotations


class QualcodeError(Exception):
    """A problem a person can act on. ``str()`` is a one-line message naming the file, row or field."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(QualcodeError):
    """Bad input: a file, a CSV row, an argument or a field that cannot be used."""


class CodebookError(InputError):
    """A codebook file or a codebook operation that cannot be carried out."""


class NotFoundError(QualcodeError):
    """A document, code, coder, case or attribute that does not exist in the project."""


class IntegrityError(QualcodeError):
    """Stored data contradicts itself, e.g. a coding's snapshot differs from the document text."""
