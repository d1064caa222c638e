"""The review queue: pending suggestions in order, and a person's accept, reject or skip.

Only :func:`accept` turns a suggestion into a coding, through :func:`qualcode.coding.apply_code`
with ``source="suggestion"``, the model version and the score. A rejected suggestion stays in the
database as a negative for the next training round; a skipped one waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.db.models import Code, Codebook, Coding, Document, Segment, Suggestion, utcnow
from qualcode.db.session import log_event
from qualcode.errors import InputError, NotFoundError
from qualcode.suggest.project import DEFAULT_THRESHOLD, PARTICIPANT, covers

QueueOrder = Literal["uncertainty", "confidence"]
QUEUE_ORDERS: tuple[str, ...] = ("uncertainty", "confidence")


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One suggestion as a reviewer sees it."""

    suggestion_id: int
    segment_id: int
    document_id: int
    document: str
    code_id: int
    code_path: str
    score: float
    uncertainty: float
    evidence: tuple[str, ...]
    model_version: str
    status: str
    text: str


def review_queue(
    session: Session,
    *,
    order: str = "uncertainty",
    code: str | None = None,
    document: str | None = None,
    status: str = "pending",
    threshold: float = DEFAULT_THRESHOLD,
    limit: int | None = 50,
) -> list[QueueItem]:
    """Suggestions with ``status``, most uncertain first (``|score - threshold|`` ascending: active
    learning) or most confident first (score descending); optionally for one code or document."""
    if order not in QUEUE_ORDERS:
        raise InputError(f"queue order '{order}': choose one of {', '.join(QUEUE_ORDERS)}")
    stmt = (
        select(Suggestion, Segment, Document.name, Document.text, Codebook.name, Code.name)
        .join(Segment, Suggestion.segment_id == Segment.id)
        .join(Document, Segment.document_id == Document.id)
        .join(Code, Suggestion.code_id == Code.id)
        .join(Codebook, Code.codebook_id == Codebook.id)
        .where(Suggestion.status == status, Code.retired.is_(False), Segment.speaker_role == PARTICIPANT)
    )
    if code is not None:
        from qualcode.coding import resolve_code

        stmt = stmt.where(Suggestion.code_id == resolve_code(session, code).id)
    if document is not None:
        from qualcode.coding import get_document

        stmt = stmt.where(Segment.document_id == get_document(session, document).id)
    if order == "uncertainty":
        stmt = stmt.order_by(func.abs(Suggestion.score - threshold), Suggestion.id)
    else:
        stmt = stmt.order_by(Suggestion.score.desc(), Suggestion.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    items: list[QueueItem] = []
    for suggestion, segment, doc_name, doc_text, book, name in session.execute(stmt):
        items.append(QueueItem(
            suggestion.id, segment.id, segment.document_id, doc_name, suggestion.code_id, f"{book}/{name}",
            float(suggestion.score), abs(float(suggestion.score) - threshold), tuple(suggestion.evidence or ()),
            suggestion.model_version, suggestion.status, doc_text[segment.start:segment.end],
        ))
    return items


def _open_suggestion(session: Session, suggestion_id: int) -> Suggestion:
    suggestion = session.get(Suggestion, suggestion_id)
    if suggestion is None:
        raise NotFoundError(f"unknown suggestion id {suggestion_id}")
    if suggestion.status not in ("pending", "skipped"):
        raise InputError(f"suggestion {suggestion_id} is already {suggestion.status}")
    return suggestion


def _decide(session: Session, suggestion: Suggestion, status: str, coder: str) -> None:
    from qualcode.coding import get_or_create_coder

    suggestion.status = status
    suggestion.decided_by_id = get_or_create_coder(session, coder).id
    suggestion.decided_at = utcnow()


def accept(session: Session, suggestion_id: int, coder: str) -> Coding:
    """Accept: code the segment's span (source ``suggestion``, with model version and score)."""
    from qualcode.coding import apply_code

    suggestion = _open_suggestion(session, suggestion_id)
    segment = suggestion.segment
    if segment.speaker_role != PARTICIPANT:
        raise InputError(f"suggestion {suggestion_id} is on an interviewer turn and cannot be accepted")
    coding = apply_code(session, segment.document_id, segment.start, segment.end, suggestion.code_id, coder,
                        source="suggestion", model_version=suggestion.model_version, score=suggestion.score)
    session.flush()
    _decide(session, suggestion, "accepted", coder)
    suggestion.coding_id = coding.id
    log_event(session, "suggestion.accept", "suggestion", suggestion.id,
              {"code": suggestion.code.path, "score": suggestion.score, "model_version": suggestion.model_version,
               "coding_id": coding.id}, coder)
    return coding


def reject(session: Session, suggestion_id: int, coder: str) -> Suggestion:
    """Reject: kept as a negative for the next training round."""
    suggestion = _open_suggestion(session, suggestion_id)
    _decide(session, suggestion, "rejected", coder)
    log_event(session, "suggestion.reject", "suggestion", suggestion.id,
              {"code": suggestion.code.path, "score": suggestion.score, "model_version": suggestion.model_version},
              coder)
    return suggestion


def skip(session: Session, suggestion_id: int, coder: str) -> Suggestion:
    """Skip: no answer now; the suggestion is neither a coding nor a negative."""
    suggestion = _open_suggestion(session, suggestion_id)
    _decide(session, suggestion, "skipped", coder)
    log_event(session, "suggestion.skip", "suggestion", suggestion.id,
              {"code": suggestion.code.path, "score": suggestion.score}, coder)
    return suggestion


DECISIONS = {"accept": accept, "reject": reject, "skip": skip}


# --------------------------------------------------------------------------- more like this


@dataclass(frozen=True, slots=True)
class SimilarSegment:
    segment_id: int
    document_id: int
    document: str
    similarity: float
    text: str


def more_like_this(session: Session, segment_id: int, k: int = 10) -> list[SimilarSegment]:
    """The ``k`` participant segments most similar to ``segment_id`` (tf-idf cosine over lemmas and
    compound parts) that are not yet coded with any of that segment's codes."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from qualcode.suggest.features import token_feature_names

    source = session.get(Segment, segment_id)
    if source is None:
        raise NotFoundError(f"unknown segment id {segment_id}")
    texts = dict(session.execute(select(Document.id, Document.text)).all())
    names = dict(session.execute(select(Document.id, Document.name)).all())
    rows = session.execute(
        select(Segment.id, Segment.document_id, Segment.start, Segment.end).where(Segment.speaker_role == PARTICIPANT)
    ).all()
    codings = session.execute(select(Coding.document_id, Coding.start, Coding.end, Coding.code_id)).all()
    own_codes = {c for d, s, e, c in codings if d == source.document_id and covers(s, e, source.start, source.end)}
    by_doc: dict[int, list[tuple[int, int]]] = {}
    for d, s, e, c in codings:
        if c in own_codes:
            by_doc.setdefault(d, []).append((s, e))
    candidates = [
        (sid, doc, start, end) for sid, doc, start, end in rows
        if sid != source.id and not any(covers(s, e, start, end) for s, e in by_doc.get(doc, ()))
    ]
    if not candidates:
        return []
    corpus = [texts[source.document_id][source.start:source.end]]
    corpus += [texts[doc][start:end] for _sid, doc, start, end in candidates]
    from qualcode.patterns import tokenize

    vectorizer = TfidfVectorizer(
        analyzer=lambda text: [name for token in tokenize(text) for name in token_feature_names(token)],
        sublinear_tf=True,
    )
    matrix = vectorizer.fit_transform(corpus)
    similarity = np.asarray((matrix[1:] @ matrix[0].T).todense()).ravel()
    best = np.argsort(-similarity, kind="stable")[:k]
    return [
        SimilarSegment(candidates[i][0], candidates[i][1], names[candidates[i][1]], round(float(similarity[i]), 4),
                       corpus[i + 1])
        for i in best if similarity[i] > 0
    ]
