"""Transcript readers: one per format, chosen by file extension from a plain dict registry.

``read_transcript(path)`` returns a :class:`Transcript` (NFC text with ``\\n`` newlines, speaker turns as
code-point offsets) or raises :class:`qualcode.errors.InputError` with a one-line message naming the file.
No library exception escapes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from qualcode.ingest.base import Transcript, Turn, normalize_text
from qualcode.ingest.speakers import SpeakerConfig, find_turns
from qualcode.ingest.subtitles import read_srt, read_vtt
from qualcode.ingest.text import file_error, read_markdown, read_text

Reader = Callable[[Path, SpeakerConfig], Transcript]


def _on_demand(module: str, name: str) -> Reader:
    """A reader whose module (and its library: python-docx, pypdf, odfpy) is imported on first use."""

    def reader(path: Path, speakers: SpeakerConfig) -> Transcript:
        function: Reader = getattr(importlib.import_module(module), name)
        return function(path, speakers)

    reader.__name__ = reader.__qualname__ = name
    return reader


read_docx = _on_demand("qualcode.ingest.docx", "read_docx")
read_pdf = _on_demand("qualcode.ingest.pdf", "read_pdf")
read_odt = _on_demand("qualcode.ingest.odt", "read_odt")

__all__ = [
    "READERS",
    "SUPPORTED_EXTENSIONS",
    "SpeakerConfig",
    "Transcript",
    "Turn",
    "find_turns",
    "normalize_text",
    "read_transcript",
]

READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".md": read_markdown,
    ".docx": read_docx,
    ".pdf": read_pdf,
    ".vtt": read_vtt,
    ".srt": read_srt,
    ".odt": read_odt,
}
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(sorted(READERS))


def read_transcript(path: Path, speakers: SpeakerConfig | None = None) -> Transcript:
    """Read a transcript file with the reader for its (lower-case) extension."""
    path = Path(path)
    if not path.exists():
        raise file_error(path, "file does not exist")
    if not path.is_file():
        raise file_error(path, "is not a file")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        kind = f"'{path.suffix}'" if path.suffix else "none"
        raise file_error(
            path, f"unsupported file type ({kind}); supported: {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    return reader(path, speakers or SpeakerConfig())
