"""Database -> tidy pandas frames: the only bridge between the ORM and pandas.

Every frame is long and tidy (one row per thing) with plain column names; the analysis layer
(``qualcode.analysis``) works on these frames only. The column contract of each frame is listed in
its function's docstring and is what the UI, the CLI, exports and notebooks rely on.

Conventions shared by all frames:

- ``case`` is the case (informant) name, missing (NA) when a document has no case;
- ``code_path`` is ``"codebook/code"``, unique across codebooks; ``code`` is the bare code name;
- offsets are code-point indices into the document text, end exclusive;
- interviewer turns are left out by default: segments whose ``speaker_role`` is ``interviewer``,
  and codings that overlap only interviewer segments (a coding that overlaps no segment at all,
  e.g. in a document that has not been segmented, is kept).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from qualcode.analysis.common import overlap_pairs
from qualcode.db.models import (
    Attribute,
    Case,
    CaseAttribute,
    Code,
    Codebook,
    Coder,
    Coding,
    Document,
    Memo,
    Segment,
)
from qualcode.errors import IntegrityError, NotFoundError
from qualcode.nlp import word_count

TRUE_WORDS = frozenset({"ja", "yes", "true", "sann", "j", "y", "1"})
FALSE_WORDS = frozenset({"nei", "no", "false", "usann", "n", "0"})

SEGMENT_COLUMNS = ["segment_id", "document_id", "document", "case", "ordinal", "start", "end",
                   "speaker", "speaker_role", "words", "text"]
CODING_COLUMNS = ["coding_id", "document_id", "document", "case", "start", "end", "code_id", "code",
                  "code_path", "codebook", "coder", "source", "created_at", "memo", "text", "words"]
CODED_SEGMENT_COLUMNS = ["coding_id", "segment_id", "document_id", "document", "case", "ordinal",
                         "speaker_role", "code_id", "code", "code_path", "codebook", "coder", "source"]


def _frame(session: Session, stmt: object, columns: list[str]) -> pd.DataFrame:
    # plain tuples: building a frame from SQLAlchemy Row objects is several times slower
    rows = [tuple(r) for r in session.execute(stmt)]  # type: ignore[call-overload]
    return pd.DataFrame.from_records(rows, columns=columns)


# --------------------------------------------------------------------------- lookups


def coder_names(session: Session) -> list[str]:
    """Names of all coders in the project, sorted."""
    return sorted(session.scalars(select(Coder.name)).all())


def check_coders(session: Session, names: list[str]) -> None:
    """Raise NotFoundError naming the first coder in ``names`` that the project does not know."""
    known = coder_names(session)
    for name in names:
        if name not in known:
            raise NotFoundError(f"unknown coder '{name}'; known: {', '.join(known) or '(none)'}")


# --------------------------------------------------------------------------- frames


def cases_frame(session: Session) -> pd.DataFrame:
    """One row per case: ``case`` and one column per attribute, typed by the attribute's type.

    ``number`` attributes become float (NaN when unset), ``boolean`` ones pandas' nullable
    ``boolean`` (``ja``/``nei``, ``true``/``false``, ...), ``text`` ones strings (NA when unset).
    Cases without documents are included. Raises IntegrityError for a stored value that does not fit
    its attribute's type.
    """
    cases = _frame(session, select(Case.id, Case.name).order_by(Case.name), ["case_id", "case"])
    attributes = _frame(session, select(Attribute.id, Attribute.name, Attribute.type).order_by(Attribute.name),
                        ["attribute_id", "attribute", "type"])
    values = _frame(session, select(CaseAttribute.case_id, CaseAttribute.attribute_id, CaseAttribute.value),
                    ["case_id", "attribute_id", "value"])
    frame = cases[["case"]].copy()
    frame["case"] = frame["case"].astype("string")
    names = dict(zip(cases["case_id"], cases["case"], strict=True))
    for attr_id, attr_name, attr_type in attributes.itertuples(index=False, name=None):
        if attr_name == "case":
            continue
        these = values[values["attribute_id"] == attr_id]
        by_case = dict(zip(these["case_id"].map(names), these["value"], strict=True))
        raw = [by_case.get(name) for name in frame["case"]]
        frame[attr_name] = _typed(raw, attr_type, attr_name, list(frame["case"]))
    return frame.reset_index(drop=True)


def _typed(raw: list[str | None], attr_type: str, attr_name: str, cases: list[str]) -> pd.Series:
    clean = [None if v is None or not str(v).strip() else str(v).strip() for v in raw]
    if attr_type == "number":
        out: list[float] = []
        for case, value in zip(cases, clean, strict=True):
            if value is None:
                out.append(np.nan)
                continue
            try:
                out.append(float(value.replace(",", ".").replace(" ", "")))
            except ValueError:
                raise IntegrityError(f"case '{case}': attribute '{attr_name}' is '{value}', not a number") from None
        return pd.Series(out, dtype="float64")
    if attr_type == "boolean":
        flags: list[bool | None] = []
        for case, value in zip(cases, clean, strict=True):
            if value is None:
                flags.append(None)
            elif value.lower() in TRUE_WORDS:
                flags.append(True)
            elif value.lower() in FALSE_WORDS:
                flags.append(False)
            else:
                raise IntegrityError(f"case '{case}': attribute '{attr_name}' is '{value}', not ja/nei")
        return pd.Series(flags, dtype="boolean")
    return pd.Series(clean, dtype="string")


def documents_frame(session: Session) -> pd.DataFrame:
    """One row per document.

    Columns: ``document_id, document, case, format, source_path, sha256, imported_at, word_count,
    segments, participant_words, codings``. ``participant_words`` sums the word counts of the
    participant segments; ``codings`` counts codings by all coders.
    """
    docs = _frame(
        session,
        select(Document.id, Document.name, Case.name, Document.format, Document.source_path, Document.sha256,
               Document.imported_at, Document.word_count)
        .outerjoin(Case, Document.case_id == Case.id).order_by(Document.name),
        ["document_id", "document", "case", "format", "source_path", "sha256", "imported_at", "word_count"],
    )
    segs = _frame(session, select(Segment.document_id, Segment.speaker_role, Segment.word_count),
                  ["document_id", "speaker_role", "words"])
    codings = _frame(session, select(Coding.document_id), ["document_id"])
    n_segments = segs.groupby("document_id").size()
    words = segs[segs["speaker_role"] == "participant"].groupby("document_id")["words"].sum()
    n_codings = codings.groupby("document_id").size()
    docs["segments"] = docs["document_id"].map(n_segments).fillna(0).astype("int64")
    docs["participant_words"] = docs["document_id"].map(words).fillna(0).astype("int64")
    docs["codings"] = docs["document_id"].map(n_codings).fillna(0).astype("int64")
    docs["case"] = docs["case"].astype("string")
    return docs


def codes_frame(session: Session) -> pd.DataFrame:
    """One row per code: ``code_id, code, code_path, codebook, parent_path, position, retired, color,
    definition``, in codebook order then code position."""
    parent = aliased(Code)
    frame = _frame(
        session,
        select(Code.id, Code.name, Codebook.name, parent.name, Code.position, Code.retired, Code.color,
               Code.definition)
        .join(Codebook, Code.codebook_id == Codebook.id)
        .outerjoin(parent, Code.parent_id == parent.id)
        .order_by(Codebook.id, Code.position, Code.name),
        ["code_id", "code", "codebook", "parent", "position", "retired", "color", "definition"],
    )
    frame["code_path"] = frame["codebook"] + "/" + frame["code"]
    frame["parent_path"] = pd.Series(
        [f"{book}/{parent}" if isinstance(parent, str) else None
         for book, parent in zip(frame["codebook"], frame["parent"], strict=True)],
        dtype="string", index=frame.index,
    )
    return frame[["code_id", "code", "code_path", "codebook", "parent_path", "position", "retired", "color",
                  "definition"]]


def memos_frame(session: Session) -> pd.DataFrame:
    """One row per memo: ``memo_id, target_type, target_id, coder, text, created_at, updated_at``."""
    return _frame(
        session,
        select(Memo.id, Memo.target_type, Memo.target_id, Coder.name, Memo.text, Memo.created_at, Memo.updated_at)
        .outerjoin(Coder, Memo.coder_id == Coder.id).order_by(Memo.id),
        ["memo_id", "target_type", "target_id", "coder", "text", "created_at", "updated_at"],
    )


def segments_frame(session: Session, include_interviewer: bool = False) -> pd.DataFrame:
    """One row per segment (participant segments only unless ``include_interviewer``).

    Columns: ``segment_id, document_id, document, case, ordinal, start, end, speaker, speaker_role,
    words, text``; ``words`` is the segment's word count, ``text`` is ``document.text[start:end]``.
    Sorted by document and ordinal.
    """
    stmt = (
        select(Segment.id, Segment.document_id, Document.name, Case.name, Segment.ordinal, Segment.start,
               Segment.end, Segment.speaker, Segment.speaker_role, Segment.word_count)
        .join(Document, Segment.document_id == Document.id)
        .outerjoin(Case, Document.case_id == Case.id)
        .order_by(Document.name, Segment.ordinal)
    )
    if not include_interviewer:
        stmt = stmt.where(Segment.speaker_role != "interviewer")
    frame = _frame(session, stmt, SEGMENT_COLUMNS[:-1])
    texts = document_texts(session, frame["document_id"].unique().tolist())
    frame["text"] = pd.Series(
        [texts[d][s:e] for d, s, e in zip(frame["document_id"], frame["start"], frame["end"], strict=True)],
        dtype="string", index=frame.index,
    )
    frame["case"] = frame["case"].astype("string")
    return frame


def document_texts(session: Session, ids: list[int] | None = None) -> dict[int, str]:
    """``document_id -> text`` for the given documents (all documents when ``ids`` is None)."""
    stmt = select(Document.id, Document.text)
    if ids is not None:
        stmt = stmt.where(Document.id.in_(ids)) if ids else stmt.where(Document.id == -1)
    return {row[0]: row[1] for row in session.execute(stmt)}


def codings_frame(session: Session, include_interviewer: bool = False, coder: str | None = None) -> pd.DataFrame:
    """One row per coding, checked against the document text.

    Columns: ``coding_id, document_id, document, case, start, end, code_id, code, code_path, codebook,
    coder, source, created_at, memo, text, words``; ``text`` is the stored snapshot and ``words`` its
    word count. Without ``include_interviewer`` codings that overlap only interviewer segments are
    dropped. ``coder`` keeps one coder's codings (NotFoundError for an unknown coder). Raises
    IntegrityError naming the coding and document when a snapshot differs from the text.
    """
    if coder is not None:
        check_coders(session, [coder])
    stmt = (
        select(Coding.id, Coding.document_id, Document.name, Case.name, Coding.start, Coding.end, Coding.code_id,
               Code.name, Codebook.name, Coder.name, Coding.source, Coding.created_at, Coding.memo, Coding.text)
        .join(Document, Coding.document_id == Document.id)
        .outerjoin(Case, Document.case_id == Case.id)
        .join(Code, Coding.code_id == Code.id)
        .join(Codebook, Code.codebook_id == Codebook.id)
        .join(Coder, Coding.coder_id == Coder.id)
        .order_by(Document.name, Coding.start, Coding.id)
    )
    if coder is not None:
        stmt = stmt.where(Coder.name == coder)
    frame = _frame(session, stmt, ["coding_id", "document_id", "document", "case", "start", "end", "code_id",
                                   "code", "codebook", "coder", "source", "created_at", "memo", "text"])
    _check_snapshots(frame, document_texts(session, frame["document_id"].unique().tolist()))
    frame["code_path"] = frame["codebook"] + "/" + frame["code"]
    frame["words"] = pd.Series([word_count(t) for t in frame["text"]], dtype="int64", index=frame.index)
    frame["case"] = frame["case"].astype("string")
    if not include_interviewer and len(frame):
        frame = frame[_not_interviewer_only(session, frame)].reset_index(drop=True)
    return frame[CODING_COLUMNS]


def _check_snapshots(frame: pd.DataFrame, texts: dict[int, str]) -> None:
    columns = [frame[c].tolist() for c in ("coding_id", "document_id", "document", "start", "end", "text")]
    for cid, doc_id, doc, start, end, snap in zip(*columns, strict=True):
        if texts[doc_id][start:end] != snap:
            raise IntegrityError(
                f"coding {cid} in document '{doc}': stored text differs from the document text at {start}-{end}"
            )


def _not_interviewer_only(session: Session, codings: pd.DataFrame) -> np.ndarray:
    segs = _frame(
        session,
        select(Segment.document_id, Segment.start, Segment.end, Segment.speaker_role)
        .where(Segment.document_id.in_(codings["document_id"].unique().tolist())),
        ["document_id", "start", "end", "speaker_role"],
    )
    ci, si = overlap_pairs(codings["document_id"].to_numpy(), codings["start"].to_numpy(),
                           codings["end"].to_numpy(), segs["document_id"].to_numpy(),
                           segs["start"].to_numpy(), segs["end"].to_numpy())
    n = len(codings)
    any_segment = np.bincount(ci, minlength=n) > 0
    participant = (segs["speaker_role"].to_numpy() != "interviewer")[si]
    any_participant = np.bincount(ci, weights=participant.astype(float), minlength=n) > 0
    return any_participant | ~any_segment


def coded_segments_frame(
    session: Session,
    include_interviewer: bool = False,
    coder: str | None = None,
    *,
    codings: pd.DataFrame | None = None,
    segments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (coding, segment it overlaps); participant segments only unless ``include_interviewer``.

    Columns: ``coding_id, segment_id, document_id, document, case, ordinal, speaker_role, code_id, code,
    code_path, codebook, coder, source``. Pass already loaded ``codings`` / ``segments`` frames to
    avoid reading them again (they must have been loaded with the same options).
    """
    if codings is None:
        codings = codings_frame(session, include_interviewer=include_interviewer, coder=coder)
    if segments is None:
        segments = segments_frame(session, include_interviewer=include_interviewer)
    return coded_segments(codings, segments)


def coded_segments(codings: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Join a codings frame to a segments frame by interval overlap (see :func:`coded_segments_frame`)."""
    ci, si = overlap_pairs(codings["document_id"].to_numpy(), codings["start"].to_numpy(),
                           codings["end"].to_numpy(), segments["document_id"].to_numpy(),
                           segments["start"].to_numpy(), segments["end"].to_numpy())
    left = codings.iloc[ci][["coding_id", "document_id", "document", "case", "code_id", "code", "code_path",
                             "codebook", "coder", "source"]].reset_index(drop=True)
    right = segments.iloc[si][["segment_id", "ordinal", "speaker_role"]].reset_index(drop=True)
    frame = pd.concat([left, right], axis=1)
    return frame[CODED_SEGMENT_COLUMNS]


@dataclass(frozen=True)
class ProjectFrames:
    """The frames an analysis needs, loaded once with the same options."""

    codings: pd.DataFrame
    coded_segments: pd.DataFrame
    segments: pd.DataFrame
    cases: pd.DataFrame
    codes: pd.DataFrame
    documents: pd.DataFrame
    include_interviewer: bool
    coder: str | None


def project_frames(session: Session, include_interviewer: bool = False, coder: str | None = None) -> ProjectFrames:
    """Load codings, coded segments, segments, cases, codes and documents in one go."""
    codings = codings_frame(session, include_interviewer=include_interviewer, coder=coder)
    segments = segments_frame(session, include_interviewer=include_interviewer)
    return ProjectFrames(
        codings=codings,
        coded_segments=coded_segments(codings, segments),
        segments=segments,
        cases=cases_frame(session),
        codes=codes_frame(session),
        documents=documents_frame(session),
        include_interviewer=include_interviewer,
        coder=coder,
    )
