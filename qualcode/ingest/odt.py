"""OpenDocument text transcripts (.odt) through odfpy.

The text is every paragraph and heading of the body (also inside lists, sections and table cells, one line
each) joined with ``\\n``; tracked-change records are skipped. Speaker labels as in plain text; bold runs
are not examined.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from xml.sax import SAXException

from lxml import etree
from odf import teletype
from odf.element import Element
from odf.namespaces import TEXTNS
from odf.opendocument import load

from qualcode.ingest.base import Transcript, normalize_text
from qualcode.ingest.speakers import SpeakerConfig, find_turns
from qualcode.ingest.text import file_error, read_bytes

__all__ = ["read_odt"]

_PARAGRAPHS = {(TEXTNS, "p"), (TEXTNS, "h")}
_SKIP = {(TEXTNS, "tracked-changes"), (TEXTNS, "sequence-decls"), (TEXTNS, "variable-decls")}
_ODT_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    KeyError,
    ValueError,
    IndexError,
    etree.XMLSyntaxError,
    SAXException,
)


def _paragraphs(element: Element) -> Iterator[str]:
    for child in element.childNodes:
        qname = getattr(child, "qname", None)
        if qname in _PARAGRAPHS:
            yield teletype.extractText(child)
        elif qname is not None and qname not in _SKIP:
            yield from _paragraphs(child)


def _check_package(data: bytes, path: Path) -> None:
    """Refuse encrypted or non-text packages before odfpy (which prints unparsable XML to stdout)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = set(package.namelist())
        if "content.xml" not in names:
            raise file_error(path, "is not a readable .odt file (no content.xml)")
        if "META-INF/manifest.xml" in names and b"encryption-data" in package.read("META-INF/manifest.xml"):
            raise file_error(path, "is password-protected; save an unprotected copy")
        if "mimetype" in names:
            mimetype = package.read("mimetype").decode("ascii", "replace").strip()
            if not mimetype.startswith("application/vnd.oasis.opendocument.text"):
                raise file_error(path, f"is not an OpenDocument text file ({mimetype})")
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        for part in ("content.xml", "styles.xml", "meta.xml", "settings.xml"):
            if part in names:
                etree.fromstring(package.read(part), parser)


def read_odt(path: Path, speakers: SpeakerConfig) -> Transcript:
    """Read an .odt transcript."""
    data = read_bytes(path)
    try:
        _check_package(data, path)
        document = load(io.BytesIO(data))
        body = document.text
        lines = [normalize_text(p) for p in _paragraphs(body)] if body is not None else []
    except _ODT_ERRORS as exc:
        raise file_error(path, f"is not a readable .odt file ({type(exc).__name__})") from None
    text = normalize_text("\n".join(lines))
    if not text.strip():
        raise file_error(path, "contains no text")
    return Transcript(text, tuple(find_turns(text, speakers)), "odt")
