"""Plain-text transcripts (.txt, .md), and the file helpers every reader shares.

Decoding: a UTF-16 byte-order mark -> UTF-16; otherwise strict UTF-8 (a UTF-8 BOM is dropped); otherwise
Windows-1252, never Latin-1 (byte 0x85 is "…" in cp1252 but a control character in Latin-1). NUL bytes,
bytes cp1252 does not define, or many control characters mean a binary file. The text is kept as written,
labels included; markdown is not rendered.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.base import Transcript, normalize_text
from qualcode.ingest.speakers import SpeakerConfig, find_turns

__all__ = ["decode_bytes", "file_error", "read_bytes", "read_markdown", "read_text"]

_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
# control characters other than the allowed ones (counted with a regex: no Python loop per character)
_CONTROL_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in range(32) if chr(c) not in _ALLOWED_CONTROLS) + "]")


def display_name(path: Path) -> str:
    """The file name, safe to show on one line."""
    return "".join(ch if ch.isprintable() else "?" for ch in path.name) or str(path)


def file_error(path: Path, problem: str) -> InputError:
    """An InputError whose one-line message names the file."""
    return InputError(f"{display_name(path)}: {' '.join(problem.split())}")


def read_bytes(path: Path) -> bytes:
    """The file's bytes; InputError if it is missing, unreadable or empty."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise file_error(path, "file does not exist") from None
    except IsADirectoryError:
        raise file_error(path, "is a directory, not a file") from None
    except OSError as exc:
        raise file_error(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    if not data.strip():
        raise file_error(path, "file is empty")
    return data


def _looks_binary(text: str) -> bool:
    controls = len(_CONTROL_RE.findall(text))
    return controls > max(2, len(text) // 200)


def decode_bytes(data: bytes, path: Path) -> tuple[str, str]:
    """Decode a text file's bytes -> (text, encoding name); InputError for a binary file."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise file_error(path, "is not a readable text file (invalid UTF-16)") from None
    elif b"\x00" in data:
        raise file_error(path, "is a binary file, not text")
    else:
        try:
            text = data.decode("utf-8-sig")
            encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                raise file_error(path, "is a binary file or uses an unknown encoding") from None
    if _looks_binary(text):
        raise file_error(path, "is a binary file, not text")
    return text, encoding


def _read_plain(path: Path, speakers: SpeakerConfig, fmt: str) -> Transcript:
    text, encoding = decode_bytes(read_bytes(path), path)
    text = normalize_text(text)
    if not text.strip():
        raise file_error(path, "file is empty")
    return Transcript(text, tuple(find_turns(text, speakers)), fmt, {"encoding": encoding})


def read_text(path: Path, speakers: SpeakerConfig) -> Transcript:
    """Read a .txt transcript."""
    return _read_plain(path, speakers, "txt")


def read_markdown(path: Path, speakers: SpeakerConfig) -> Transcript:
    """Read a .md transcript (as plain text; ``**Intervjuer:**`` labels are recognised)."""
    return _read_plain(path, speakers, "md")
