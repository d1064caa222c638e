"""The suggester on a project database: read the human decisions, train, score, store suggestions.

Training rows are participant segments with a human decision:

- a segment is *coded* with a code when a coding of that code covers it (the overlap is at least
  half of the shorter of the two spans); every coding counts, whoever made it (an accepted
  suggestion is a coding too);
- a coded segment is a positive for its codes and a negative for every other active code;
- a rejected suggestion is a negative for its code.

Codes' definitions, inclusion criteria and examples are extra training rows (a positive for the
code and a negative for the codes of other codebooks); they never count towards the blend weight.
Interviewer turns are neither training rows nor ever suggested.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from qualcode.db.models import Code, Coding, Document, Segment, Suggestion
from qualcode.db.session import log_event
from qualcode.errors import InputError
from qualcode.patterns import LabelPatterns
from qualcode.suggest.learned import Suggester, TrainingData

DEFAULT_THRESHOLD = 0.3
PARTICIPANT = "participant"


@dataclass(frozen=True, slots=True)
class CodeInfo:
    id: int
    path: str
    codebook_id: int
    patterns: tuple[str, ...]
    weak_patterns: tuple[str, ...]
    texts: tuple[tuple[str, bool], ...]  # (definition / example text, positive?)


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    id: int
    document_id: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class ProjectData:
    """Active codes, participant segments and the human decisions on them."""

    codes: list[CodeInfo]
    segments: list[SegmentInfo]
    coded: np.ndarray  # (segments x codes) bool: covered by a coding of the code
    rejected: np.ndarray  # (segments x codes) bool: a rejected suggestion
    decided: np.ndarray  # (segments x codes) bool: any suggestion already decided (accepted/rejected/skipped)

    def training(self) -> tuple[TrainingData, np.ndarray]:
        """Training rows and their segment indices."""
        any_coded = self.coded.any(axis=1)
        known = self.rejected | any_coded[:, None]
        rows = np.flatnonzero(known.any(axis=1))
        data = TrainingData([self.segments[i].text for i in rows], self.coded[rows], known[rows])
        return data, rows

    def examples(self) -> TrainingData:
        """Definitions, inclusion criteria and examples of the codes as training rows."""
        texts: list[str] = []
        labels: list[np.ndarray] = []
        known: list[np.ndarray] = []
        books = np.array([code.codebook_id for code in self.codes])
        for k, code in enumerate(self.codes):
            for text, positive in code.texts:
                row, mask = np.zeros(len(self.codes), dtype=bool), np.zeros(len(self.codes), dtype=bool)
                row[k] = positive
                mask[k] = True
                if positive:
                    mask |= books != code.codebook_id
                texts.append(text)
                labels.append(row)
                known.append(mask)
        if not texts:
            return TrainingData.empty(len(self.codes))
        return TrainingData(texts, np.array(labels), np.array(known))


def covers(coding_start: int, coding_end: int, segment_start: int, segment_end: int) -> bool:
    """A coding covers a segment when they overlap by at least half of the shorter span."""
    overlap = min(coding_end, segment_end) - max(coding_start, segment_start)
    shorter = min(coding_end - coding_start, segment_end - segment_start)
    return overlap > 0 and 2 * overlap >= shorter


def _code_texts(code: Code) -> tuple[tuple[str, bool], ...]:
    texts: list[tuple[str, bool]] = []
    for text in (code.definition, code.inclusion):
        if text and text.strip():
            texts.append((text, True))
    for example in code.examples or []:
        if isinstance(example, dict) and isinstance(example.get("text"), str) and example["text"].strip():
            texts.append((example["text"], example.get("kind") != "negative"))
    return tuple(texts)


def active_codes(session: Session, refs: Sequence[str] | None = None) -> list[CodeInfo]:
    """Codes that are not retired (optionally only ``refs``), in codebook order."""
    codes = session.scalars(select(Code).where(Code.retired.is_(False)).order_by(Code.codebook_id, Code.position,
                                                                                  Code.id)).all()
    if refs:
        from qualcode.coding import resolve_code

        wanted = {resolve_code(session, ref).id for ref in refs}
        codes = [code for code in codes if code.id in wanted]
        if not codes:
            raise InputError("the chosen codes are all retired")
    return [
        CodeInfo(code.id, code.path, code.codebook_id, tuple(code.patterns or ()), tuple(code.weak_patterns or ()),
                 _code_texts(code))
        for code in codes
    ]


def load_project(session: Session, codes: list[CodeInfo]) -> ProjectData:
    """Participant segments with their texts and the decisions on them for ``codes``."""
    column = {code.id: k for k, code in enumerate(codes)}
    texts = dict(session.execute(select(Document.id, Document.text)).all())
    rows = session.execute(
        select(Segment.id, Segment.document_id, Segment.start, Segment.end)
        .where(Segment.speaker_role == PARTICIPANT).order_by(Segment.document_id, Segment.start)
    ).all()
    segments = [SegmentInfo(sid, doc, start, end, texts[doc][start:end]) for sid, doc, start, end in rows]
    index = {seg.id: i for i, seg in enumerate(segments)}
    shape = (len(segments), len(codes))
    coded, rejected, decided = np.zeros(shape, bool), np.zeros(shape, bool), np.zeros(shape, bool)

    by_doc: dict[int, tuple[list[int], list[int]]] = {}
    for i, seg in enumerate(segments):
        starts, ids = by_doc.setdefault(seg.document_id, ([], []))
        starts.append(seg.start)
        ids.append(i)
    codings = session.execute(
        select(Coding.document_id, Coding.start, Coding.end, Coding.code_id).where(Coding.code_id.in_(list(column)))
    ).all()
    for doc, start, end, code_id in codings:
        starts, ids = by_doc.get(doc, ([], []))
        first = max(0, bisect.bisect_right(starts, start) - 1)
        for pos in range(first, len(ids)):
            seg = segments[ids[pos]]
            if seg.start >= end:
                break
            if covers(start, end, seg.start, seg.end):
                coded[ids[pos], column[code_id]] = True
    for seg_id, code_id, status in session.execute(
        select(Suggestion.segment_id, Suggestion.code_id, Suggestion.status).where(Suggestion.status != "pending")
    ):
        i, k = index.get(seg_id), column.get(code_id)
        if i is None or k is None:
            continue
        decided[i, k] = True
        if status == "rejected":
            rejected[i, k] = True
    return ProjectData(codes, segments, coded, rejected, decided)


def build_suggester(data: ProjectData, **params: Any) -> Suggester:
    """A suggester over the project's codes, trained on its human decisions."""
    labels = [code.path for code in data.codes]
    patterns = [LabelPatterns(code.path, code.patterns, code.weak_patterns) for code in data.codes]
    suggester = Suggester(labels, patterns, **params)
    training, _rows = data.training()
    return suggester.fit(training, data.examples())


@dataclass(frozen=True, slots=True)
class ScoreSummary:
    """What one scoring run did."""

    created: int
    segments: int
    model_version: str
    trained_codes: tuple[str, ...]
    pattern_only_codes: tuple[str, ...]
    decided_segments: int


def score_project(
    session: Session,
    *,
    codes: Sequence[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    min_score: float | None = None,
    actor: str | None = None,
    **params: Any,
) -> ScoreSummary:
    """Retrain on the human decisions, score every participant segment, store pending suggestions.

    A suggestion is stored for a segment and code when the blended score reaches ``min_score``
    (default: ``threshold``), the segment is not already coded with the code and no decision on
    that pair exists. Earlier pending suggestions of the scored codes are replaced; decided ones
    are kept.
    """
    infos = active_codes(session, codes)
    if not infos:
        raise InputError("the project has no active codes; import a codebook first")
    data = load_project(session, infos)
    suggester = build_suggester(data, threshold=threshold, **params)
    floor = threshold if min_score is None else min_score
    session.execute(delete(Suggestion).where(Suggestion.status == "pending",
                                             Suggestion.code_id.in_([c.id for c in infos])))
    rows: list[dict[str, Any]] = []
    if data.segments:
        scores = suggester.score([seg.text for seg in data.segments]).blended
        eligible = (scores >= floor) & ~data.coded & ~data.decided
        for i, k in zip(*np.nonzero(eligible), strict=True):
            segment = data.segments[i]
            rows.append({
                "segment_id": segment.id, "code_id": infos[k].id, "score": round(float(scores[i, k]), 4),
                "evidence": suggester.evidence(segment.text, int(k)),
                "model_version": suggester.label_version(int(k)), "status": "pending",
            })
    if rows:
        session.execute(insert(Suggestion), rows)
    trained = suggester.trained
    summary = ScoreSummary(
        created=len(rows), segments=len(data.segments), model_version=suggester.model_version,
        trained_codes=tuple(c.path for c, t in zip(infos, trained, strict=True) if t),
        pattern_only_codes=tuple(c.path for c, t in zip(infos, trained, strict=True) if not t),
        decided_segments=int(data.training()[1].size),
    )
    log_event(session, "suggestion.score", "suggestion", None,
              {"created": summary.created, "model_version": summary.model_version,
               "trained_codes": list(summary.trained_codes), "threshold": threshold}, actor)
    return summary
