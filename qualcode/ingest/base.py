"""What every reader returns: a Transcript with normalised text and speaker turns.

Offsets are Python code-point indices into ``Transcript.text`` (NFC, ``\\n`` newlines),
first code point = 0, end exclusive (the REFI-QDA convention).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Literal

SpeakerRole = Literal["interviewer", "participant"]


@dataclass(frozen=True)
class Turn:
    """One speaker turn. ``start``/``end`` delimit the spoken content (the label excluded)."""

    start: int
    end: int
    speaker: str | None = None
    role: SpeakerRole = "participant"
    time_start: float | None = None  # seconds from the start of the recording
    time_end: float | None = None


@dataclass(frozen=True)
class Transcript:
    """A document as read from a file, before it enters the database."""

    text: str
    turns: tuple[Turn, ...]
    format: str  # "txt", "md", "docx", "pdf", "vtt", "srt", "odt"
    meta: dict[str, str] = field(default_factory=dict)


def normalize_text(text: str) -> str:
    """NFC-normalise and turn CRLF and CR into ``\\n``. Every reader ends with this."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` moved inwards past whitespace at both edges (empty spans stay empty)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
