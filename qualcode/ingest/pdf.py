"""PDF transcripts through pypdf: text layer only, no OCR.

Per page the extracted lines are cleaned: a line among the first or last two of a page is dropped when,
with its digits masked ("Side 3 av 12" -> "Side # av #"), it recurs at the edge of most pages, or when it is
a bare page number. Lines are then rejoined: a line that starts with a speaker label or a timestamp starts
a new line; a line after a short line ending a sentence starts a new paragraph; other wrapped lines are
joined with a space, and a word hyphenated at a line end is rejoined ("veile-" + "dere" -> "veiledere",
but "mål-" + "og" keeps "mål- og", and "NAV-" + "kontoret" keeps its hyphen). Paragraphs are separated by
``\n``; without any speaker label, by a blank line, so that each becomes one turn.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections import Counter
from pathlib import Path

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, PyPdfError

from qualcode.ingest.base import Transcript, normalize_text
from qualcode.ingest.speakers import (
    SpeakerConfig,
    build_turns,
    detect_labels,
    match_label_line,
    select_labels,
    starts_with_timestamp,
)
from qualcode.ingest.text import file_error, read_bytes

__all__ = ["clean_pages", "join_lines", "read_pdf"]

EDGE_LINES = 2
_PAGE_NUMBER_RE = re.compile(
    r"^[-–—\s]*(?:(?:side|s\.|page|p\.)\s*)?\d{1,4}(?:\s*(?:av|of|/)\s*\d{1,4})?[-–—\s]*$", re.IGNORECASE
)
_SENTENCE_END = tuple('.!?…:»"”)')
_KEEP_HYPHEN_BEFORE = frozenset({"og", "eller", "samt", "and", "or"})

# pypdf raises its own errors on most broken files, but a damaged object tree can surface as one of these.
_PDF_ERRORS = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    RecursionError,
    OverflowError,
    NotImplementedError,  # an unknown stream filter
    zlib.error,
    struct.error,
)


def _edge_indices(lines: list[str]) -> list[int]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))


def _mask(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split())).casefold()


def clean_pages(pages: list[list[str]], config: SpeakerConfig) -> list[list[str]]:
    """Drop repeated header/footer lines and bare page numbers at the edges of each page."""
    seen: Counter[str] = Counter()
    for lines in pages:
        seen.update({_mask(lines[i]) for i in _edge_indices(lines)})
    needed = max(2, len(pages) // 2 + 1)
    cleaned: list[list[str]] = []
    for lines in pages:
        drop = set()
        for i in _edge_indices(lines):
            line = lines[i]
            found = match_label_line(line, config)
            if found is not None and found.role is not None:
                continue  # "Intervjuer: Mm." at the top of several pages is speech
            if _PAGE_NUMBER_RE.match(line) or seen[_mask(line)] >= needed:
                drop.add(i)
        cleaned.append([line for i, line in enumerate(lines) if i not in drop])
    return cleaned


def _join(previous: str, line: str) -> str:
    if len(previous) >= 2 and previous.endswith("-") and previous[-2].isalpha():
        first_word = line.split(maxsplit=1)[0].casefold()
        word_before = re.split(r"[\s/]", previous[:-1])[-1]
        if first_word in _KEEP_HYPHEN_BEFORE:
            return f"{previous} {line}"
        if line[0].islower() and not word_before.isupper():
            return previous[:-1] + line
        return previous + line
    return f"{previous} {line}"


def join_lines(lines: list[str], config: SpeakerConfig) -> list[str]:
    """Rejoin wrapped lines: one item per paragraph or speaker turn line."""
    lengths = sorted(len(line.strip()) for line in lines if line.strip())
    width = lengths[int(len(lengths) * 0.8)] if lengths else 0
    out: list[str] = []
    previous = ""  # the previous physical line
    for raw in lines:
        line = " ".join(raw.split())
        if (
            not previous
            or not line
            or match_label_line(line, config) is not None
            or starts_with_timestamp(line)
            or (previous.endswith(_SENTENCE_END) and len(previous) < 0.7 * width)
        ):
            if line:
                out.append(line)
        else:
            out[-1] = _join(out[-1], line)
        previous = line
    return out


def read_pdf(path: Path, speakers: SpeakerConfig) -> Transcript:
    """Read a .pdf transcript from its text layer."""
    data = read_bytes(path)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise file_error(path, "is password-protected; save an unprotected copy")
        pages = [normalize_text(page.extract_text() or "").split("\n") for page in reader.pages]
    except DependencyError:
        raise file_error(
            path, "is encrypted in a way that cannot be opened here; save an unprotected copy"
        ) from None
    except _PDF_ERRORS as exc:
        raise file_error(path, f"is not a readable PDF file ({type(exc).__name__})") from None
    lines = [line for page in clean_pages(pages, speakers) for line in page]
    if not any(line.strip() for line in lines):
        raise file_error(path, "has no text layer (scanned PDF?); run OCR first")
    blocks = join_lines(lines, speakers)
    has_labels = bool(select_labels(detect_labels("\n".join(blocks), speakers), speakers))
    text = normalize_text(("\n" if has_labels else "\n\n").join(blocks))
    labels = select_labels(detect_labels(text, speakers), speakers)
    meta = {"pages": str(len(pages))}
    return Transcript(text, tuple(build_turns(text, labels, speakers)), "pdf", meta)
