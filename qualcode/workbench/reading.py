"""Codes and the reading view of a document (turns, codings, highlight runs), and the coding actions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select

from qualcode import coding as coding_ops
from qualcode.db.models import (
    Code,
    Codebook,
    Coder,
    Coding,
    Document,
    Memo,
    Segment,
)
from qualcode.db.session import session_scope
from qualcode.errors import InputError, NotFoundError
from qualcode.nlp import words

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$")
FALLBACK_COLOUR = "#888888"


def safe_colour(colour: str | None) -> str:
    """A ``#RRGGBB`` colour that is safe to put into a style attribute (grey for anything else)."""
    return colour if colour and _HEX.match(colour) else FALLBACK_COLOUR


# --------------------------------------------------------------------------- codes


@dataclass(frozen=True)
class CodeInfo:
    id: int
    path: str
    name: str
    codebook: str
    color: str
    definition: str
    inclusion: str
    exclusion: str
    retired: bool
    parent_path: str | None = None


def code_choices(engine: Engine, include_retired: bool = False) -> list[CodeInfo]:
    """Codes in codebook then position order (children after their parent)."""
    with session_scope(engine) as s:
        codes = s.scalars(select(Code).join(Codebook).order_by(Codebook.name, Code.position, Code.name)).all()
        infos = [code_info(c) for c in codes if include_retired or not c.retired]
    by_parent: dict[str | None, list[CodeInfo]] = {}
    for info in infos:
        by_parent.setdefault(info.parent_path, []).append(info)
    ordered: list[CodeInfo] = []

    def walk(parent: str | None) -> None:
        for info in by_parent.get(parent, []):
            ordered.append(info)
            walk(info.path)

    walk(None)
    seen = {info.id for info in ordered}
    ordered += [info for info in infos if info.id not in seen]  # children of retired/hidden parents
    return ordered


def code_info(code: Code) -> CodeInfo:
    parent = code.parent.path if code.parent is not None else None
    return CodeInfo(code.id, code.path, code.name, code.codebook.name, safe_colour(code.color), code.definition,
                    code.inclusion, code.exclusion, code.retired, parent)


@dataclass(frozen=True)
class CodeDetail:
    info: CodeInfo
    examples: list[dict[str, Any]]
    patterns: list[str]
    aliases: list[str]
    children: list[str]
    codings: int


@dataclass(frozen=True)
class CodebookView:
    id: int
    name: str
    description: str
    codes: list[CodeDetail]


def codebook_views(engine: Engine) -> list[CodebookView]:
    """Every codebook with its codes (retired ones included) and how often each code is used."""
    with session_scope(engine) as s:
        used = dict(s.execute(select(Coding.code_id, func.count(Coding.id)).group_by(Coding.code_id)).all())
        views = []
        for book in s.scalars(select(Codebook).order_by(Codebook.name)):
            details = []
            for code in sorted(book.codes, key=lambda c: (c.parent_id is not None, c.position, c.name)):
                details.append(CodeDetail(code_info(code), list(code.examples or []), list(code.patterns or []),
                                          list(code.aliases or []), [c.name for c in code.children],
                                          used.get(code.id, 0)))
            views.append(CodebookView(book.id, book.name, book.description or "", details))
    return views


# --------------------------------------------------------------------------- the reading view


@dataclass(frozen=True)
class CodingMark:
    coding_id: int
    code_id: int
    code_path: str
    color: str
    coder: str
    start: int
    end: int
    source: str
    memo: str | None
    text: str


@dataclass(frozen=True)
class Run:
    """A stretch of segment text covered by the same codings (``marks`` empty: uncoded)."""

    text: str
    marks: tuple[CodingMark, ...]


@dataclass(frozen=True)
class SegmentView:
    segment_id: int
    ordinal: int
    start: int
    end: int
    speaker: str | None
    speaker_role: str
    text: str
    marks: tuple[CodingMark, ...]

    @property
    def is_interviewer(self) -> bool:
        return self.speaker_role == "interviewer"

    def runs(self) -> list[Run]:
        return highlight_runs(self.text, self.start, self.marks)


@dataclass(frozen=True)
class DocumentView:
    id: int
    name: str
    case: str | None
    attributes: dict[str, str]
    segments: tuple[SegmentView, ...]
    marks: tuple[CodingMark, ...]
    memos: dict[str, str] = field(default_factory=dict)  # coder -> memo text (document memos)

    def segment(self, segment_id: int) -> SegmentView:
        for seg in self.segments:
            if seg.segment_id == segment_id:
                return seg
        raise NotFoundError(f"{self.name}: no segment {segment_id}")


def document_view(engine: Engine, document_id: int) -> DocumentView:
    """One document turn by turn, each segment with the codings that overlap it."""
    with session_scope(engine) as s:
        doc = s.get(Document, document_id)
        if doc is None:
            raise NotFoundError(f"unknown document id {document_id}")
        case_name = doc.case.name if doc.case else None
        attributes = {v.attribute.name: v.value or "" for v in doc.case.values} if doc.case else {}
        rows = s.execute(
            select(Coding.id, Coding.code_id, Codebook.name, Code.name, Code.color, Coder.name, Coding.start,
                   Coding.end, Coding.source, Coding.memo, Coding.text)
            .join(Code, Coding.code_id == Code.id).join(Codebook, Code.codebook_id == Codebook.id)
            .join(Coder, Coding.coder_id == Coder.id)
            .where(Coding.document_id == document_id).order_by(Coding.start, Coding.end, Coding.id)
        ).all()
        marks = tuple(CodingMark(cid, code_id, f"{book}/{name}", safe_colour(colour), coder, start, end, source,
                                 memo, text)
                      for cid, code_id, book, name, colour, coder, start, end, source, memo, text in rows)
        segments = s.execute(
            select(Segment.id, Segment.ordinal, Segment.start, Segment.end, Segment.speaker, Segment.speaker_role)
            .where(Segment.document_id == document_id).order_by(Segment.ordinal)
        ).all()
        memos = dict(s.execute(
            select(Coder.name, Memo.text).outerjoin(Coder, Memo.coder_id == Coder.id)
            .where(Memo.target_type == "document", Memo.target_id == document_id)
        ).all())
        text = doc.text
        name = doc.name
    views = tuple(
        SegmentView(sid, ordinal, start, end, speaker, role, text[start:end],
                    tuple(m for m in marks if m.start < end and m.end > start))
        for sid, ordinal, start, end, speaker, role in segments
    )
    return DocumentView(document_id, name, case_name, attributes, views, marks,
                        {coder or "": memo for coder, memo in memos.items()})


def highlight_runs(text: str, offset: int, marks: Sequence[CodingMark]) -> list[Run]:
    """Split ``text`` (which starts at document offset ``offset``) where codings start or end."""
    end = offset + len(text)
    cuts = {offset, end}
    for mark in marks:
        cuts.update(p for p in (mark.start, mark.end) if offset < p < end)
    points = sorted(cuts)
    runs: list[Run] = []
    for a, b in zip(points, points[1:], strict=False):
        covering = tuple(m for m in marks if m.start < b and m.end > a)
        piece = text[a - offset : b - offset]
        if runs and runs[-1].marks == covering:
            runs[-1] = Run(runs[-1].text + piece, covering)
        else:
            runs.append(Run(piece, covering))
    return runs


def word_positions(text: str, offset: int = 0) -> list[tuple[str, int, int]]:
    """Words of a segment with document offsets, for choosing part of a segment."""
    return [(w, offset + a, offset + b) for w, a, b in words(text)]


# --------------------------------------------------------------------------- coding actions


def apply_code(engine: Engine, document_id: int, start: int, end: int, code_id: int, coder: str,
               memo: str | None = None) -> int:
    """Code ``text[start:end]`` by ``coder`` (a manual coding); returns the coding id."""
    if not coder or not coder.strip():
        raise InputError("choose your coder name in the sidebar before coding")
    with session_scope(engine) as s:
        coding = coding_ops.apply_code(s, document_id, start, end, code_id, coder, memo=memo or None)
        return coding.id


def remove_coding(engine: Engine, coding_id: int, actor: str | None = None) -> None:
    with session_scope(engine) as s:
        coding_ops.remove_coding(s, coding_id, actor)


def set_coding_memo(engine: Engine, coding_id: int, memo: str, actor: str | None = None) -> None:
    with session_scope(engine) as s:
        coding_ops.set_coding_memo(s, coding_id, memo, actor)


def set_document_memo(engine: Engine, document_id: int, text: str, coder: str | None) -> None:
    with session_scope(engine) as s:
        coding_ops.set_memo(s, "document", document_id, text, coder or None)
