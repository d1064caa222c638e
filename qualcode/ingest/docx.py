"""Word transcripts (.docx) through python-docx.

The text is the body's paragraphs joined with ``\\n``, in document order. Tables are read where they stand:
a row whose first cell is a speaker label (optionally after a timestamp cell) becomes one line
``Label: rest of the row``; other rows give one line per non-empty cell. Headers, footers, footnotes and
comments are not read.

Speaker labels are found as in plain text (``Intervjuer: ...``) and also as a bold run at the start of a
paragraph: bold ``Intervjuer`` followed by ``:`` in bold or plain text, or a bold name without a colon
followed by the utterance. Bold names obey the same credibility rule as named labels in plain text.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from qualcode.ingest.base import Transcript, normalize_text
from qualcode.ingest.speakers import (
    Label,
    SpeakerConfig,
    build_turns,
    detect_labels,
    match_label_line,
    select_labels,
)
from qualcode.ingest.text import file_error, read_bytes

__all__ = ["read_docx"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A damaged package fails in zipfile (bad archive, bad deflate data, unknown compression), in the OPC
# layer (missing part or relationship) or in the XML parser.
_DOCX_ERRORS = (
    PackageNotFoundError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    KeyError,
    ValueError,
    etree.XMLSyntaxError,
)


def _is_bold(run: Run, paragraph_bold: bool | None) -> bool:
    if run.bold is not None:
        return run.bold
    style = run.style
    if style is not None and style.font.bold is not None:
        return bool(style.font.bold)
    return bool(paragraph_bold)


def _bold_prefix(paragraph: Paragraph) -> str:
    """The text of the bold runs that open the paragraph, if non-bold text follows them."""
    style = paragraph.style
    paragraph_bold = style.font.bold if style is not None else None
    prefix = ""
    pending = ""
    for item in paragraph.iter_inner_content():
        if not isinstance(item, Run):
            break
        text = item.text
        if not text:
            continue
        if not text.strip():
            pending += text
        elif _is_bold(item, paragraph_bold):
            prefix += pending + text
            pending = ""
        else:
            return prefix
    return ""  # the whole paragraph is bold (a heading) or has no bold start


def _bold_label(paragraph: Paragraph, offset: int, config: SpeakerConfig) -> Label | None:
    text = paragraph.text
    prefix = _bold_prefix(paragraph)
    if not prefix.strip() or not text.startswith(prefix):
        return None
    head = prefix.rstrip().rstrip(":").rstrip()
    found = match_label_line(head + ":", config)
    if found is None or found.content_start != len(head) + 1:
        return None
    content = len(prefix)
    while content < len(text) and text[content] in " \t":
        content += 1
    if text.startswith(":", content):
        content += 1
    if not text[content:].strip():
        return None
    return replace(found, line_start=offset, content_start=offset + content)


def _row_lines(cells: list[str], config: SpeakerConfig) -> list[str]:
    cells = [" ".join(c.split()) if "\n" not in c else c.strip() for c in cells if c.strip()]
    for width in (1, 2):
        if len(cells) > width:
            head = " ".join(cells[:width]).rstrip(":").rstrip()
            found = match_label_line(head + ":", config)
            if found is not None and found.content_start == len(head) + 1:
                return [f"{head}: " + " ".join(cells[width:])]
    return cells


def _table_lines(table: Table, config: SpeakerConfig) -> Iterator[str]:
    for row in table.rows:
        seen: set[int] = set()
        cells: list[str] = []
        for cell in row.cells:
            if id(cell._tc) not in seen:  # merged cells repeat
                seen.add(id(cell._tc))
                cells.append(cell.text)
        yield from _row_lines(cells, config)


def read_docx(path: Path, speakers: SpeakerConfig) -> Transcript:
    """Read a .docx transcript."""
    data = read_bytes(path)
    if data.startswith(OLE_MAGIC):
        raise file_error(
            path, "is password-protected or an old Word (.doc) file; save it as an unencrypted .docx"
        )
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        bold: list[Label] = []
        offset = 0
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                text = normalize_text(block.text)
                label = _bold_label(block, offset, speakers) if text == block.text else None
                if label is not None:
                    bold.append(label)
                new = [text]
            else:
                new = [normalize_text(line) for line in _table_lines(block, speakers)]
            for line in new:
                lines.append(line)
                offset += len(line) + 1
    except _DOCX_ERRORS as exc:
        raise file_error(path, f"is not a readable .docx file ({type(exc).__name__})") from None
    text = normalize_text("\n".join(lines))
    if not text.strip():
        raise file_error(path, "contains no text")
    by_line = {label.line_start: label for label in detect_labels(text, speakers)}
    by_line.update({label.line_start: label for label in bold})
    labels = select_labels(list(by_line.values()), speakers)
    return Transcript(text, tuple(build_turns(text, labels, speakers)), "docx")
