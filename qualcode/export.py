"""Frames and reports -> CSV, XLSX, JSON and DOCX.

``write_frame(df, fmt, out)`` is the one writer of tables used by every CLI command:

- ``csv``  -- UTF-8, header row, no index column, floats at full precision;
- ``json`` -- a list of records (one object per row), UTF-8 (not ASCII-escaped), floats unrounded,
  NaN/NA as ``null``, timestamps as ISO 8601;
- ``xlsx`` -- one sheet; needs a file (``out``), since a workbook cannot go to a terminal.

``out=None`` writes CSV or JSON to standard output. A frame whose index carries information (a
named index or a MultiIndex) gets it written as ordinary columns first, so nothing is lost.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from qualcode.errors import InputError

FORMATS: tuple[str, ...] = ("csv", "xlsx", "json")
Format = Literal["csv", "xlsx", "json"]


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with an informative index moved into columns and column names as strings."""
    named_index = isinstance(df.index, pd.MultiIndex) or df.index.name is not None
    flat = df.reset_index() if named_index else df
    if not all(isinstance(c, str) for c in flat.columns):
        flat = flat.copy()
        flat.columns = [str(c) for c in flat.columns]
    return flat


def _json_value(value: Any) -> Any:
    """A JSON-safe Python value; floats stay unrounded, missing values become None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.DataFrame):
        return frame_records(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_json_value(v) for v in value]
    return value


def frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``df`` as JSON-safe dicts (what ``write_frame(..., "json", ...)`` writes)."""
    flat = _flat(df)
    columns = list(flat.columns)
    return [
        {col: _json_value(val) for col, val in zip(columns, row, strict=True)}
        for row in flat.itertuples(index=False, name=None)
    ]


def to_json_text(obj: Any) -> str:
    """``obj`` (dicts, lists, frames, numpy scalars) as indented UTF-8 JSON text, floats unrounded."""
    return json.dumps(_json_value(obj), ensure_ascii=False, indent=2, allow_nan=False)


def check_format(fmt: str, out: Path | None) -> None:
    """Raise InputError for an unknown format or an xlsx without an output file."""
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt}: unknown format; use one of {', '.join(FORMATS)}")
    if fmt == "xlsx" and out is None:
        raise InputError("--format xlsx needs an output file: add -o FILE.xlsx")


def _write_text(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        Path(out).write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"-o {out}: cannot write the file ({exc.strerror})") from None


def write_frame(df: pd.DataFrame, fmt: Format, out: Path | None) -> None:
    """Write ``df`` as ``fmt`` to the file ``out`` (``None``: standard output; not for xlsx)."""
    check_format(fmt, out)
    flat = _flat(df)
    if fmt == "csv":
        _write_text(flat.to_csv(index=False, lineterminator="\n"), out)
    elif fmt == "json":
        _write_text(to_json_text(flat) + "\n", out)
    else:
        write_xlsx({"data": flat}, Path(out))  # type: ignore[arg-type]


def _excel_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Excel has no time zones and no nested values: make them plain."""
    safe = _flat(df).copy()
    for col in safe.columns:
        series = safe[col]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            safe[col] = series.dt.tz_localize(None)
        elif series.dtype == object:
            safe[col] = series.map(lambda v: json.dumps(_json_value(v), ensure_ascii=False)
                                   if isinstance(v, dict | list | tuple) else v)
    return safe


def write_xlsx(sheets: dict[str, pd.DataFrame], out: Path) -> None:
    """Write several frames to one workbook, one sheet each (names cut to Excel's 31 characters)."""
    try:
        with pd.ExcelWriter(out, engine="openpyxl") as writer:
            used: set[str] = set()
            for name, frame in sheets.items():
                sheet = _sheet_name(name, used)
                _excel_safe(frame).to_excel(writer, sheet_name=sheet, index=False)
    except OSError as exc:
        raise InputError(f"-o {out}: cannot write the file ({exc.strerror})") from None


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "sheet"
    candidate, n = clean, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


# --------------------------------------------------------------------------- DOCX reports


def _docx_document(title: str, intro: str | None) -> Any:
    from docx import Document as DocxDocument

    doc = DocxDocument()
    doc.add_heading(title, level=0)
    if intro:
        doc.add_paragraph(intro)
    return doc


def _save_docx(doc: Any, out: Path) -> None:
    try:
        doc.save(str(out))
    except OSError as exc:
        raise InputError(f"-o {out}: cannot write the file ({exc.strerror})") from None


def _style(doc: Any, name: str, fallback: str = "Normal") -> str:
    return name if name in [s.name for s in doc.styles] else fallback


def quote_report_docx(quotes: pd.DataFrame, out: Path, title: str = "Sitatrapport",
                      intro: str | None = None) -> None:
    """A Word report of coded quotes grouped by codebook (heading 1) and code (heading 2).

    ``quotes`` is a :func:`qualcode.search.retrieve` frame (columns ``codebook, code, text,
    attribution``; ``document`` and ``memo`` are used when present). Each quote is followed by its
    attribution, e.g. ``(Informant 3, toleder, kommune)``. Identical passages coded by several coders
    appear once.
    """
    doc = _docx_document(title, intro)
    quote_style = _style(doc, "Quote")
    if quotes.empty:
        doc.add_paragraph("Ingen kodede sitater.")
        _save_docx(doc, out)
        return
    keys = [c for c in ("code", "document", "start", "end") if c in quotes.columns]
    unique = quotes.drop_duplicates(subset=keys) if len(keys) == 4 else quotes
    for book, in_book in unique.groupby("codebook", sort=False):
        doc.add_heading(str(book), level=1)
        for code, in_code in in_book.groupby("code", sort=False):
            name = str(code).split("/", 1)[-1]
            doc.add_heading(f"{name} ({len(in_code)})", level=2)
            for rec in in_code.to_dict(orient="records"):
                para = doc.add_paragraph(f"«{str(rec['text']).strip()}»", style=quote_style)
                para.add_run(f" {rec['attribution']}").italic = True
                memo = rec.get("memo")
                if isinstance(memo, str) and memo.strip():
                    doc.add_paragraph(f"Memo: {memo.strip()}")
    _save_docx(doc, out)


def framework_docx(long: pd.DataFrame, out: Path, title: str = "Rammeverksmatrise",
                   intro: str | None = None) -> None:
    """The framework matrix as Word: one section per code, a table of informant | quotes | memo.

    ``long`` is a :func:`qualcode.analysis.framework_long` frame.
    """
    doc = _docx_document(title, intro)
    if long.empty:
        doc.add_paragraph("Ingen kodinger.")
        _save_docx(doc, out)
        return
    for code, part in long.groupby("code", sort=False):
        doc.add_heading(str(code), level=1)
        table = doc.add_table(rows=1, cols=3)
        table.style = _style(doc, "Table Grid", table.style.name if table.style is not None else "Normal")
        header = table.rows[0].cells
        for cell, text in zip(header, ("Informant", "Sitater", "Memo"), strict=True):
            cell.text = text
        for rec in part.to_dict(orient="records"):
            cells = table.add_row().cells
            cells[0].text = str(rec["case"])
            cells[1].text = str(rec["quotes"])
            cells[2].text = str(rec["memo"] or "")
    _save_docx(doc, out)
