"""Retrieval of coded segments and lemma-aware full-text search with a keyword-in-context view.

- :func:`retrieve` -- codings of one or more codes, filtered by case attributes, coder, source and
  document, each with its context and an attribution such as ``(Informant 3, toleder, kommune)``.
- :func:`search` -- words in the participant segments, matched on lemmas (``måling`` finds
  ``målingene``); every hit is a KWIC row (left context, keyword, right context).

Search narrows the candidates in SQL with ``LIKE`` on ``Segment.lemma_text`` (portable: SQLite and
PostgreSQL alike; no full-text index to keep in sync) and then checks every word of the candidates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qualcode.analysis.common import format_label
from qualcode.db.models import Case, Document, Segment
from qualcode.errors import InputError, NotFoundError
from qualcode.frames import cases_frame, codings_frame, document_texts
from qualcode.nlp import lemma, words

DEFAULT_ATTRIBUTION: tuple[str, ...] = ("ledermodell", "linje")
_SPACE = re.compile(r"\s+")

KWIC_COLUMNS = ["document", "case", "segment_id", "ordinal", "speaker", "start", "end", "left", "keyword",
                "right", "lemma", "attribution"]


def parse_filters(items: Sequence[str] | None) -> dict[str, str]:
    """``["ledermodell=toleder", "linje=stat"]`` -> a dict; InputError for an item without ``=``."""
    filters: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--where {item}: write ATTRIBUTE=VALUE, e.g. ledermodell=toleder")
        filters[name.strip()] = value.strip()
    return filters


def attributions(cases: pd.DataFrame, attributes: Sequence[str] | None = None) -> dict[str, str]:
    """``case -> "(Informant 3, toleder, kommune)"``: the case name and the chosen attributes' values.

    ``attributes=None`` uses :data:`DEFAULT_ATTRIBUTION` where those attributes exist; unknown
    attributes named explicitly raise NotFoundError.
    """
    if attributes is None:
        chosen = [a for a in DEFAULT_ATTRIBUTION if a in cases.columns]
    else:
        chosen = list(attributes)
        _check_attributes(cases, chosen)
    out: dict[str, str] = {}
    for row in cases.to_dict(orient="records"):
        parts = [str(row["case"])]
        parts += [label for a in chosen if isinstance(label := format_label(row[a]), str)]
        out[str(row["case"])] = "(" + ", ".join(parts) + ")"
    return out


def _check_attributes(cases: pd.DataFrame, names: Sequence[str]) -> None:
    known = [c for c in cases.columns if c != "case"]
    for name in names:
        if name not in known:
            raise NotFoundError(f"unknown attribute '{name}'; known: {', '.join(known) or '(none)'}")


def _cases_matching(cases: pd.DataFrame, filters: dict[str, str]) -> set[str] | None:
    if not filters:
        return None
    _check_attributes(cases, list(filters))
    keep = pd.Series(True, index=cases.index)
    for name, value in filters.items():
        labels = cases[name].map(format_label)
        keep &= labels.astype("string").str.casefold() == value.casefold()
    return set(cases.loc[keep, "case"])


def _attribution_of(case: object, document: str, names: dict[str, str]) -> str:
    return names.get(str(case), f"({case})") if isinstance(case, str) else f"({document})"


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text)


def retrieve(
    session: Session,
    codes: Sequence[str] | None = None,
    *,
    where: dict[str, str] | None = None,
    coder: str | None = None,
    source: str | None = None,
    document: str | None = None,
    include_interviewer: bool = False,
    context: int = 80,
    attribution: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Coded passages with context, in codebook/code then document order.

    ``codes`` are code references (``codebook/code`` or a unique name; all codes when empty); ``where``
    filters on case attributes (``{"ledermodell": "toleder"}``, case-insensitive). Returns columns
    ``coding_id, code, codebook, document, case, coder, source, start, end, left, text, right, memo,
    attribution``; ``left``/``right`` hold up to ``context`` characters around the coded text.
    """
    from qualcode.coding import resolve_code

    frame = codings_frame(session, include_interviewer=include_interviewer, coder=coder)
    cases = cases_frame(session)
    names = attributions(cases, attribution)
    if codes:
        paths = [resolve_code(session, ref).path for ref in codes]
        frame = frame[frame["code_path"].isin(paths)]
    allowed = _cases_matching(cases, where or {})
    if allowed is not None:
        frame = frame[frame["case"].isin(allowed)]
    if source is not None:
        frame = frame[frame["source"] == source]
    if document is not None:
        if document not in set(session.scalars(select(Document.name))):
            raise NotFoundError(f"unknown document '{document}'")
        frame = frame[frame["document"] == document]
    texts = document_texts(session, frame["document_id"].unique().tolist())
    rows = []
    for rec in frame.to_dict(orient="records"):
        text = texts[rec["document_id"]]
        rows.append({
            "coding_id": rec["coding_id"], "code": rec["code_path"], "codebook": rec["codebook"],
            "document": rec["document"], "case": rec["case"], "coder": rec["coder"], "source": rec["source"],
            "start": rec["start"], "end": rec["end"],
            "left": _flat(text[max(0, rec["start"] - context):rec["start"]]).lstrip(),
            "text": rec["text"],
            "right": _flat(text[rec["end"]:rec["end"] + context]).rstrip(),
            "memo": rec["memo"],
            "attribution": _attribution_of(rec["case"], rec["document"], names),
        })
    columns = ["coding_id", "code", "codebook", "document", "case", "coder", "source", "start", "end", "left",
               "text", "right", "memo", "attribution"]
    return pd.DataFrame.from_records(rows, columns=columns)


def _term_lemmas(query: str) -> list[str]:
    terms = [w for w, _, _ in words(query)]
    if not terms:
        raise InputError(f"search query '{query}' has no words")
    return [lemma(t) for t in terms]


def search(
    session: Session,
    query: str,
    *,
    where: dict[str, str] | None = None,
    document: str | None = None,
    include_interviewer: bool = False,
    context: int = 40,
    compounds: bool = False,
    attribution: Sequence[str] | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Segments containing every word of ``query`` (as lemmas), one KWIC row per matching word.

    A word matches a query word when their lemmas are equal (``målingene`` -> ``måling``) or, with
    ``compounds``, when the word's lemma ends with it (``brukermålingene`` for ``måling``). Returns
    columns ``document, case, segment_id, ordinal, speaker, start, end, left, keyword, right, lemma,
    attribution``; ``start``/``end`` are the keyword's offsets in the document.
    """
    lemmas = _term_lemmas(query)
    cases = cases_frame(session)
    names = attributions(cases, attribution)
    allowed = _cases_matching(cases, where or {})
    stmt = (
        select(Segment.id, Segment.document_id, Document.name, Case.name, Segment.ordinal, Segment.speaker,
               Segment.start, Segment.end, Segment.lemma_text)
        .join(Document, Segment.document_id == Document.id)
        .outerjoin(Case, Document.case_id == Case.id)
        .order_by(Document.name, Segment.ordinal)
    )
    for lem in dict.fromkeys(lemmas):
        stmt = stmt.where(or_(Segment.lemma_text.is_(None), Segment.lemma_text.contains(lem, autoescape=True)))
    if not include_interviewer:
        stmt = stmt.where(Segment.speaker_role != "interviewer")
    if document is not None:
        if session.scalar(select(Document.id).where(Document.name == document)) is None:
            raise NotFoundError(f"unknown document '{document}'")
        stmt = stmt.where(Document.name == document)
    candidates = session.execute(stmt).all()
    if allowed is not None:
        candidates = [c for c in candidates if c[3] in allowed]
    texts = document_texts(session, sorted({c[1] for c in candidates}))
    wanted = set(lemmas)

    def matches(lem: str) -> str | None:
        if lem in wanted:
            return lem
        if compounds:
            return next((w for w in wanted if len(w) >= 3 and lem.endswith(w)), None)
        return None

    rows = []
    for seg_id, doc_id, doc, case, ordinal, speaker, s_start, s_end, _lemmas in candidates:
        text = texts[doc_id]
        segment = text[s_start:s_end]
        hits = []
        for word, w_start, w_end in words(segment):
            found = matches(lemma(word))
            if found is not None:
                hits.append((found, s_start + w_start, s_start + w_end))
        if {h[0] for h in hits} != wanted:
            continue  # every query word must occur in the segment
        for found, start, end in hits:
            rows.append({
                "document": doc, "case": case, "segment_id": seg_id, "ordinal": ordinal, "speaker": speaker,
                "start": start, "end": end,
                "left": _flat(text[max(0, start - context):start]).lstrip(),
                "keyword": text[start:end],
                "right": _flat(text[end:end + context]).rstrip(),
                "lemma": found,
                "attribution": _attribution_of(case, doc, names),
            })
            if limit is not None and len(rows) >= limit:
                return pd.DataFrame.from_records(rows, columns=KWIC_COLUMNS)
    return pd.DataFrame.from_records(rows, columns=KWIC_COLUMNS)
