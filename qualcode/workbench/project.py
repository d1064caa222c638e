"""Projects, documents and cases for the workbench: open, count, version, import uploads, edit attributes."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

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
    Segment,
    Suggestion,
)
from qualcode.db.session import session_scope
from qualcode.errors import InputError
from qualcode.importer import FileResult, import_paths
from qualcode.ingest import SUPPORTED_EXTENSIONS
from qualcode.ingest.speakers import SpeakerConfig

P = ParamSpec("P")
T = TypeVar("T")

def natural_key(text: str) -> tuple[object, ...]:
    """Sort key that puts "Informant 2" before "Informant 10"."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text))


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


@dataclass(frozen=True)
class DataVersion:
    """Keys for the UI's caches: ``full`` changes with every write, ``frames`` only with writes that
    change the analysis frames (documents, segments, cases, codes, codings, memos), not with answers
    to suggestions."""

    frames: str
    full: str


def data_versions(engine: Engine) -> DataVersion:
    """Both cache keys in one query. Every write logs an event, so the newest event id moves with it."""
    with session_scope(engine) as s:
        row = s.execute(select(
            select(func.max(Event.id)).where(Event.kind.not_like("suggestion.%")).scalar_subquery(),
            select(func.count(Coding.id)).scalar_subquery(),
            select(func.max(Coding.id)).scalar_subquery(),
            select(func.count(Code.id)).scalar_subquery(),
            select(func.count(Document.id)).scalar_subquery(),
            select(func.max(Event.id)).scalar_subquery(),
            select(func.count(Suggestion.id)).scalar_subquery(),
            select(func.max(Suggestion.id)).scalar_subquery(),
            select(func.max(Suggestion.decided_at)).scalar_subquery(),
        )).one()
    frames = "-".join(str(v) for v in row[:5])
    return DataVersion(frames, frames + "/" + "-".join(str(v) for v in row[5:]))


def data_version(engine: Engine) -> str:
    """Changes whenever the project data changes."""
    return data_versions(engine).full


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


def attribute_names(engine: Engine) -> list[str]:
    """Names of the case attributes, sorted."""
    with session_scope(engine) as s:
        return sorted(s.scalars(select(Attribute.name)).all())


def coder_names(engine: Engine) -> list[str]:
    with session_scope(engine) as s:
        return sorted(s.scalars(select(Coder.name)).all())
