"""Suggestions in the workbench: per document, the review queue with context, decisions, training, reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Engine, func, select

from qualcode.db.models import Code, Codebook, Segment, Suggestion
from qualcode.db.session import session_scope
from qualcode.errors import InputError, NotFoundError
from qualcode.workbench.reading import CodeInfo, code_info, safe_colour

if TYPE_CHECKING:
    from qualcode.suggest.project import ScoreSummary

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
        return QueueItem(view, code_info(row.code), document.id, document.name,
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
    verb = {"accepted": "accept", "rejected": "reject", "skipped": "skip"}[decision]
    with session_scope(engine) as s:
        result = queue.DECISIONS[verb](s, suggestion_id, coder)
        return result.id if decision == "accepted" else None


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
