"""Read models and one-call actions for the Streamlit workbench (``qualcode.ui``).

The UI never opens a session or writes SQL: every page calls one function here (or a library
function through :func:`call`), which runs in its own transaction and returns plain dataclasses or
DataFrames. Functions that only reshape frames (``coding_progress``, ``highlight_runs``) are pure.
``Engine`` is importable from here so that UI type hints need not import SQLAlchemy.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from qualcode import coding as coding_ops
from qualcode.cases import set_case_attribute
from qualcode.db.models import (
    Attribute,
    Case,
    CaseAttribute,
    Code,
    Codebook,
    Coder,
    Coding,
    Document,
    Event,
    Memo,
    Segment,
    Suggestion,
)
from qualcode.db.session import session_scope
from qualcode.errors import InputError, NotFoundError
from qualcode.importer import FileResult, import_paths
from qualcode.ingest import SUPPORTED_EXTENSIONS
from qualcode.ingest.speakers import SpeakerConfig
from qualcode.nlp import words

if TYPE_CHECKING:
    from qualcode.suggest.project import ScoreSummary

P = ParamSpec("P")
T = TypeVar("T")

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$")
FALLBACK_COLOUR = "#888888"


def natural_key(text: str) -> tuple[object, ...]:
    """Sort key that puts "Informant 2" before "Informant 10"."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text))


def safe_colour(colour: str | None) -> str:
    """A ``#RRGGBB`` colour that is safe to put into a style attribute (grey for anything else)."""
    return colour if colour and _HEX.match(colour) else FALLBACK_COLOUR


def open_project(db: str | Path) -> Engine:
    """Open (create or upgrade) the project database ``db`` for the UI."""
    from qualcode.db.session import open_engine

    return open_engine(db, create=True)


def call(engine: Engine, func_: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run one session-taking library function in its own transaction and return its result."""
    with session_scope(engine) as session:
        return func_(session, *args, **kwargs)


# --------------------------------------------------------------------------- project overview


@dataclass(frozen=True)
class ProjectSummary:
    documents: int
    cases: int
    segments: int
    codings: int
    coders: int
    codebooks: int
    codes: int
    pending_suggestions: int


def project_summary(engine: Engine) -> ProjectSummary:
    """Counts for the project header and the empty-project checks."""
    def count(column: Any) -> Any:
        return select(func.count(column)).scalar_subquery()

    with session_scope(engine) as s:
        row = s.execute(select(
            count(Document.id), count(Case.id), count(Segment.id), count(Coding.id), count(Coder.id),
            count(Codebook.id), count(Code.id),
            select(func.count(Suggestion.id)).where(Suggestion.status == "pending").scalar_subquery(),
        )).one()
    return ProjectSummary(*(int(v or 0) for v in row))


def data_version(engine: Engine) -> str:
    """Changes whenever the project data changes; the key of the UI's frame caches."""
    with session_scope(engine) as s:
        row = s.execute(select(
            select(func.max(Event.id)).scalar_subquery(),
            select(func.count(Coding.id)).scalar_subquery(),
            select(func.max(Coding.id)).scalar_subquery(),
            select(func.count(Suggestion.id)).scalar_subquery(),
            select(func.max(Suggestion.id)).scalar_subquery(),
            select(func.max(Suggestion.decided_at)).scalar_subquery(),
            select(func.count(Code.id)).scalar_subquery(),
            select(func.count(Document.id)).scalar_subquery(),
        )).one()
    return "-".join(str(v) for v in row)


# --------------------------------------------------------------------------- documents and cases


@dataclass(frozen=True)
class DocumentChoice:
    id: int
    name: str
    case: str | None
    segments: int
    codings: int

    @property
    def label(self) -> str:
        return f"{self.name} ({self.case})" if self.case else self.name


def document_choices(engine: Engine) -> list[DocumentChoice]:
    """Every document with its case and counts, by name."""
    with session_scope(engine) as s:
        n_segments = dict(s.execute(select(Segment.document_id, func.count(Segment.id))
                                    .group_by(Segment.document_id)).all())
        n_codings = dict(s.execute(select(Coding.document_id, func.count(Coding.id))
                                   .group_by(Coding.document_id)).all())
        rows = s.execute(select(Document.id, Document.name, Case.name)
                         .outerjoin(Case, Document.case_id == Case.id).order_by(Document.name)).all()
    return [DocumentChoice(i, n, c, n_segments.get(i, 0), n_codings.get(i, 0)) for i, n, c in rows]


def documents_overview(engine: Engine) -> pd.DataFrame:
    """One row per document with its counts and its case's attributes (for the project page).

    Columns: ``document, case, format, word_count, participant_words, segments, codings, imported_at``
    then one column per case attribute.
    """
    from qualcode.frames import cases_frame, documents_frame

    with session_scope(engine) as s:
        docs = documents_frame(s)
        cases = cases_frame(s)
    docs = docs[["document", "case", "format", "word_count", "participant_words", "segments", "codings",
                 "imported_at"]]
    return docs.merge(cases, on="case", how="left")


def case_attribute_table(engine: Engine) -> pd.DataFrame:
    """One row per case: ``case``, ``documents`` (names joined by ", ") and one text column per attribute."""
    with session_scope(engine) as s:
        cases = s.execute(select(Case.id, Case.name).order_by(Case.name)).all()
        attrs = s.execute(select(Attribute.id, Attribute.name).order_by(Attribute.name)).all()
        values = s.execute(select(CaseAttribute.case_id, CaseAttribute.attribute_id, CaseAttribute.value)).all()
        docs = s.execute(select(Document.case_id, Document.name).order_by(Document.name)).all()
    by_cell = {(c, a): v for c, a, v in values}
    doc_names: dict[int, list[str]] = {}
    for case_id, name in docs:
        if case_id is not None:
            doc_names.setdefault(case_id, []).append(name)
    rows = []
    for case_id, case_name in sorted(cases, key=lambda c: natural_key(c[1])):
        row: dict[str, Any] = {"case": case_name, "documents": ", ".join(doc_names.get(case_id, []))}
        for attr_id, attr_name in attrs:
            row[attr_name] = by_cell.get((case_id, attr_id)) or ""
        rows.append(row)
    return pd.DataFrame(rows, columns=["case", "documents", *[name for _, name in attrs]])


@dataclass(frozen=True)
class AttributeChange:
    case: str
    attribute: str
    value: str | None


def attribute_changes(before: pd.DataFrame, after: pd.DataFrame) -> list[AttributeChange]:
    """The cells that differ between two ``case_attribute_table`` frames (same rows, same order)."""
    changes: list[AttributeChange] = []
    skip = {"case", "documents"}
    for (_, old), (_, new) in zip(before.iterrows(), after.iterrows(), strict=True):
        for column in after.columns:
            if column in skip:
                continue
            old_value = "" if column not in before.columns or pd.isna(old[column]) else str(old[column]).strip()
            new_value = "" if pd.isna(new[column]) else str(new[column]).strip()
            if old_value != new_value:
                changes.append(AttributeChange(str(new["case"]), str(column), new_value or None))
    return changes


def save_case_attributes(engine: Engine, changes: Sequence[AttributeChange], actor: str | None = None) -> int:
    """Apply attribute changes in one transaction (all or nothing); returns how many were applied."""
    with session_scope(engine) as s:
        for change in changes:
            set_case_attribute(s, change.case, change.attribute, change.value, actor)
    return len(changes)


def import_uploads(
    engine: Engine,
    files: Sequence[tuple[str, bytes]],
    *,
    meta: tuple[str, bytes] | None = None,
    mode: str = "turn",
    interviewer_names: Sequence[str] = (),
    replace: bool = False,
    actor: str | None = None,
    progress: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Import uploaded files (name, content) through :func:`qualcode.importer.import_paths`.

    The files are written to a temporary folder under their own names (the document name is the
    file name) and removed afterwards.
    """
    if not files and meta is None:
        raise InputError("no files to import: choose one or more transcript files")
    with tempfile.TemporaryDirectory(prefix="qualcode-upload-") as tmp:
        folder = Path(tmp)
        paths: list[Path] = []
        for name, content in files:
            clean = Path(name).name
            if not clean or clean.startswith("."):
                raise InputError(f"'{name}': not a usable file name")
            path = folder / clean
            path.write_bytes(content)
            paths.append(path)
        meta_path = None
        if meta is not None:
            meta_path = folder / ("_meta_" + Path(meta[0]).name)
            meta_path.write_bytes(meta[1])
        speakers = SpeakerConfig(interviewer_names=tuple(interviewer_names)) if interviewer_names else None
        return import_paths(engine, paths, meta_csv=meta_path, replace=replace, speakers=speakers,
                            mode=mode, actor=actor, progress=progress)  # type: ignore[arg-type]


def supported_extensions() -> list[str]:
    """File extensions the importer reads, without the dot."""
    return [ext.lstrip(".") for ext in SUPPORTED_EXTENSIONS]


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
        infos = [_code_info(c) for c in codes if include_retired or not c.retired]
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


def _code_info(code: Code) -> CodeInfo:
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
                details.append(CodeDetail(_code_info(code), list(code.examples or []), list(code.patterns or []),
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


# --------------------------------------------------------------------------- suggestions


@dataclass(frozen=True)
class SuggestionView:
    id: int
    segment_id: int
    code_id: int
    code_path: str
    color: str
    definition: str
    score: float
    evidence: tuple[str, ...]
    model_version: str
    status: str


def document_suggestions(engine: Engine, document_id: int, status: str = "pending") -> dict[int, list[SuggestionView]]:
    """Suggestions of one document by segment id (highest score first)."""
    with session_scope(engine) as s:
        rows = s.execute(
            select(Suggestion.id, Suggestion.segment_id, Suggestion.code_id, Codebook.name, Code.name, Code.color,
                   Code.definition, Suggestion.score, Suggestion.evidence, Suggestion.model_version,
                   Suggestion.status)
            .join(Segment, Suggestion.segment_id == Segment.id).join(Code, Suggestion.code_id == Code.id)
            .join(Codebook, Code.codebook_id == Codebook.id)
            .where(Segment.document_id == document_id, Suggestion.status == status, Code.retired.is_(False))
            .order_by(Suggestion.score.desc())
        ).all()
    out: dict[int, list[SuggestionView]] = {}
    for sid, seg, code_id, book, name, colour, definition, score, evidence, version, st in rows:
        out.setdefault(seg, []).append(SuggestionView(sid, seg, code_id, f"{book}/{name}", safe_colour(colour),
                                                      definition, float(score), tuple(evidence or ()), version, st))
    return out


@dataclass(frozen=True)
class Turn:
    speaker: str | None
    speaker_role: str
    text: str


@dataclass(frozen=True)
class QueueItem:
    suggestion: SuggestionView
    code: CodeInfo
    document_id: int
    document: str
    case: str | None
    segment: Turn
    ordinal: int
    before: Turn | None
    after: Turn | None


@dataclass(frozen=True)
class QueueStatus:
    pending: int
    accepted: int
    rejected: int
    skipped: int

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected + self.skipped


def queue_status(engine: Engine, code_id: int | None = None) -> QueueStatus:
    """How many suggestions are pending and how many have been decided (optionally for one code)."""
    with session_scope(engine) as s:
        stmt = select(Suggestion.status, func.count(Suggestion.id)).group_by(Suggestion.status)
        if code_id is not None:
            stmt = stmt.where(Suggestion.code_id == code_id)
        counts = dict(s.execute(stmt).all())
    return QueueStatus(*(int(counts.get(k, 0)) for k in ("pending", "accepted", "rejected", "skipped")))


def next_suggestion(engine: Engine, order: str = "uncertainty", code_id: int | None = None) -> QueueItem | None:
    """The next pending suggestion in :func:`qualcode.suggest.queue.review_queue` order, with its context:
    the most uncertain first (active learning) or the most confident first."""
    from qualcode.suggest.queue import review_queue

    with session_scope(engine) as s:
        code_ref = None
        if code_id is not None:
            code = s.get(Code, code_id)
            if code is None:
                raise NotFoundError(f"unknown code id {code_id}")
            code_ref = code.path
        first = review_queue(s, order=order, code=code_ref, limit=1)
        if not first:
            return None
        row = s.get(Suggestion, first[0].suggestion_id)
        if row is None:  # pragma: no cover - read in the same transaction
            return None
        segment = row.segment
        document = segment.document
        text = document.text
        neighbours = dict(s.execute(
            select(Segment.ordinal, Segment).where(Segment.document_id == document.id,
                                                   Segment.ordinal.in_([segment.ordinal - 1, segment.ordinal + 1]))
        ).all())

        def turn(seg: Segment | None) -> Turn | None:
            return None if seg is None else Turn(seg.speaker, seg.speaker_role, text[seg.start:seg.end])

        view = SuggestionView(row.id, segment.id, row.code_id, row.code.path, safe_colour(row.code.color),
                              row.code.definition, float(row.score), tuple(row.evidence or ()), row.model_version,
                              row.status)
        return QueueItem(view, _code_info(row.code), document.id, document.name,
                         document.case.name if document.case else None,
                         Turn(segment.speaker, segment.speaker_role, text[segment.start:segment.end]),
                         segment.ordinal, turn(neighbours.get(segment.ordinal - 1)),
                         turn(neighbours.get(segment.ordinal + 1)))


DECISIONS = ("accepted", "rejected", "skipped")


def decide_suggestion(engine: Engine, suggestion_id: int, decision: str, coder: str) -> int | None:
    """Accept (creates the coding), reject or skip a suggestion as ``coder`` through
    :mod:`qualcode.suggest.queue`; returns the new coding's id when accepted."""
    from qualcode.suggest import queue

    if decision not in DECISIONS:
        raise InputError(f"decision '{decision}': choose one of {', '.join(DECISIONS)}")
    if not coder or not coder.strip():
        raise InputError("choose your coder name in the sidebar before deciding on suggestions")
    with session_scope(engine) as s:
        if decision == "accepted":
            return queue.accept(s, suggestion_id, coder).id
        if decision == "rejected":
            queue.reject(s, suggestion_id, coder)
        else:
            queue.skip(s, suggestion_id, coder)
    return None


def train_and_suggest(engine: Engine, actor: str | None = None) -> ScoreSummary:
    """Retrain the suggester on the project's codings and answers and store new pending suggestions."""
    from qualcode.suggest.project import score_project

    with session_scope(engine) as s:
        return score_project(s, actor=actor)


def model_report(engine: Engine, folds: int = 5) -> pd.DataFrame:
    """The suggester as a coder: cross-validated by document against the people's codings and answers.

    Columns ``code, mode, positives, decided, tp, fp, fn, tn, precision, recall, f1, kappa`` (see
    :func:`qualcode.suggest.report.suggestion_report`).
    """
    from qualcode.suggest.report import suggestion_report

    with session_scope(engine) as s:
        return suggestion_report(s, folds=folds).frame()


ANSWER_COLUMNS = ["code_path", "suggestions", "accepted", "rejected", "skipped", "pending", "precision"]


def answer_summary(engine: Engine) -> pd.DataFrame:
    """How people answered the suggestions so far, per code.

    Columns ``code_path, suggestions, accepted, rejected, skipped, pending, precision`` where
    ``precision`` = accepted / (accepted + rejected) (NaN before any answer).
    """
    with session_scope(engine) as s:
        rows = s.execute(
            select(Codebook.name, Code.name, Suggestion.status, func.count(Suggestion.id))
            .join(Code, Suggestion.code_id == Code.id).join(Codebook, Code.codebook_id == Codebook.id)
            .group_by(Codebook.name, Code.name, Suggestion.status)
        ).all()
    if not rows:
        return pd.DataFrame(columns=ANSWER_COLUMNS)
    frame = pd.DataFrame(rows, columns=["codebook", "code", "status", "n"])
    frame["code_path"] = frame["codebook"] + "/" + frame["code"]
    wide = frame.pivot_table(index="code_path", columns="status", values="n", aggfunc="sum", fill_value=0)
    for status in ("accepted", "rejected", "skipped", "pending"):
        if status not in wide.columns:
            wide[status] = 0
    wide["suggestions"] = wide[["accepted", "rejected", "skipped", "pending"]].sum(axis=1)
    answered = wide["accepted"] + wide["rejected"]
    wide["precision"] = (wide["accepted"] / answered.where(answered > 0)).astype(float)
    out = wide.reset_index()[ANSWER_COLUMNS]
    return out.sort_values("code_path").reset_index(drop=True)


# --------------------------------------------------------------------------- comparison


QUOTE_COLUMNS = ["coding_id", "code_path", "group", "case", "document", "coder", "text", "memo", "attribution"]


def cell_quotes(codings: pd.DataFrame, cases: pd.DataFrame, attribute: str, code_path: str | None = None,
                group: str | None = None) -> pd.DataFrame:
    """The codings behind one cell of a code x attribute matrix, with their attribution.

    ``codings`` and ``cases`` are frames of :mod:`qualcode.frames`; ``group`` is a label of ``attribute``
    as the analysis tables show it (``enleder``, ``ja``, ``12``). ``None`` for code or group means all.
    Returns columns ``coding_id, code_path, group, case, document, coder, text, memo, attribution``
    in document order; the attribution is e.g. ``(Informant 3, toleder, kommune)``.
    """
    from qualcode.analysis.common import label_series
    from qualcode.search import attributions

    if codings.empty:
        return pd.DataFrame(columns=QUOTE_COLUMNS)
    frame = codings.assign(group=label_series(codings, cases, attribute).astype("string"))
    if code_path is not None:
        frame = frame[frame["code_path"] == code_path]
    if group is not None:
        frame = frame[frame["group"] == group]
    chosen = [attribute] + [a for a in ("ledermodell", "linje") if a != attribute and a in cases.columns]
    names = attributions(cases, chosen) if attribute in cases.columns else attributions(cases)
    frame = frame.sort_values(["document", "start", "coding_id"], kind="stable")
    frame = frame.assign(attribution=[names.get(str(c), f"({d})") if isinstance(c, str) else f"({d})"
                                      for c, d in zip(frame["case"], frame["document"], strict=True)])
    return frame[QUOTE_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- downloads


def file_bytes(writer: Callable[[Path], Any], filename: str) -> bytes:
    """Run a file writer (``writer(path)``) into a temporary folder and return the file's bytes."""
    with tempfile.TemporaryDirectory(prefix="qualcode-export-") as tmp:
        path = Path(tmp) / Path(filename).name
        writer(path)
        return path.read_bytes()


def frame_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """A frame as CSV, XLSX or JSON bytes, written by :func:`qualcode.export.write_frame`."""
    from qualcode.export import write_frame

    return file_bytes(lambda path: write_frame(frame, fmt, path), f"table.{fmt}")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- supervision


PROGRESS_COLUMNS = ["document", "case", "coder", "codings", "coded_segments", "segments", "share"]


def coding_progress(codings: pd.DataFrame, coded_segments: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Per document and coder: codings, coded segments, all (participant) segments and the coded share.

    Takes the ``codings``, ``coded_segments`` and ``segments`` frames of :mod:`qualcode.frames`.
    Documents nobody has coded appear once with coder NA and zero counts.
    """
    totals = segments.groupby(["document", "case"], dropna=False).size().rename("segments").reset_index()
    if codings.empty:
        out = totals.assign(coder=pd.NA, codings=0, coded_segments=0)
    else:
        n_codings = codings.groupby(["document", "coder"]).size().rename("codings")
        n_coded = coded_segments.groupby(["document", "coder"])["segment_id"].nunique().rename("coded_segments")
        per = pd.concat([n_codings, n_coded], axis=1).fillna(0).reset_index()
        out = totals.merge(per, on="document", how="left")
        out["codings"] = out["codings"].fillna(0)
        out["coded_segments"] = out["coded_segments"].fillna(0)
    out["codings"] = out["codings"].astype("int64")
    out["coded_segments"] = out["coded_segments"].astype("int64")
    out["share"] = (out["coded_segments"] / out["segments"].where(out["segments"] > 0)).fillna(0.0)
    return out[PROGRESS_COLUMNS].sort_values(["document", "coder"], na_position="last").reset_index(drop=True)


def agreement_label(alpha: float | None, kappa: float | None = None) -> str:
    """A plain Norwegian reading of an agreement coefficient (Krippendorff's alpha, else Cohen's kappa).

    Alpha follows Krippendorff's thresholds (>= 0.800 reliable, >= 0.667 tentative); kappa follows
    Landis and Koch's bands. Both are conventions, not laws: the label is a reading aid.
    """
    def usable(value: float | None) -> bool:
        return value is not None and not pd.isna(value)

    if usable(alpha):
        a = float(alpha)  # type: ignore[arg-type]
        if a >= 0.8:
            return "god: kodingen er pålitelig for denne koden"
        if a >= 0.667:
            return "akseptabel for foreløpige konklusjoner"
        if a >= 0.0:
            return "svak: drøft definisjonen og kod på nytt"
        return "dårligere enn tilfeldig: koderne forstår koden ulikt"
    if usable(kappa):
        k = float(kappa)  # type: ignore[arg-type]
        for limit, text in ((0.8, "nesten perfekt"), (0.6, "betydelig"), (0.4, "moderat"), (0.2, "noe"),
                            (0.0, "svak")):
            if k > limit or (limit == 0.0 and k == 0.0):
                return text
        return "dårligere enn tilfeldig"
    return "kan ikke beregnes (for lite variasjon)"


@dataclass(frozen=True)
class EventRow:
    at: datetime
    actor: str | None
    kind: str
    entity: str
    entity_id: int | None
    data: dict[str, Any]


def recent_events(engine: Engine, limit: int = 50) -> list[EventRow]:
    """The newest ``limit`` events of the audit trail, newest first."""
    with session_scope(engine) as s:
        rows = s.execute(select(Event.at, Event.actor, Event.kind, Event.entity, Event.entity_id, Event.data)
                         .order_by(Event.id.desc()).limit(limit)).all()
    return [EventRow(at, actor, kind, entity, entity_id, dict(data or {}))
            for at, actor, kind, entity, entity_id, data in rows]


def attribute_names(engine: Engine) -> list[str]:
    """Names of the case attributes, sorted."""
    with session_scope(engine) as s:
        return sorted(s.scalars(select(Attribute.name)).all())


def coder_names(engine: Engine) -> list[str]:
    with session_scope(engine) as s:
        return sorted(s.scalars(select(Coder.name)).all())
