"""Comparison quotes, supervision (progress, agreement labels, recent events) and download bytes."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from qualcode.db.models import Event
from qualcode.db.session import session_scope

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
