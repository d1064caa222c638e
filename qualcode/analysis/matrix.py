"""Code x attribute matrices (crosstabs), case x code tables and 0/1 presence tables.

All functions take the tidy frames of :mod:`qualcode.frames` (codings, coded segments, participant
segments, cases, codes) and return frames; nothing is rounded.

Measures of a cell (a row label x a column label):

- ``codings``    -- number of codings;
- ``segments``   -- distinct participant segments coded (a segment coded twice counts once);
- ``informants`` -- distinct cases with at least one coding;
- ``documents``  -- distinct documents with at least one coding;
- ``words``      -- words inside the coded spans (summed over codings);
- ``per1000``    -- codings per 1,000 participant words of the group (the cell's case/document/attribute
  group; interviewer words never count);
- ``share``      -- informants mentioning / informants in the group (cases with participant text).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qualcode.analysis.common import (
    CODE_DIMS,
    attribute_names,
    check_dimension,
    dimension_order,
    label_codes,
    observed_labels,
    require_columns,
    unique_ints,
)
from qualcode.errors import InputError

MEASURES: tuple[str, ...] = ("codings", "segments", "informants", "documents", "words", "per1000", "share")


def _group_dims(rows: str, cols: str) -> list[str]:
    return [d for d in (rows, cols) if d not in CODE_DIMS and d != "coder"]


def matrix_long(
    codings: pd.DataFrame,
    coded_segments: pd.DataFrame,
    segments: pd.DataFrame,
    cases: pd.DataFrame,
    rows: str = "code",
    cols: str = "case",
    codes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every measure for every (row label, column label) cell, zero cells included.

    Returns columns ``<rows>, <cols>, codings, segments, informants, documents, words, group_words,
    group_informants, per1000, share``. ``group_*`` are the denominators of the cell's text group (the
    non-code dimensions among ``rows``/``cols``; the whole project when there is none). ``per1000`` and
    ``share`` are NaN where the group has no participant text.
    """
    check_dimension(cases, rows, "--rows")
    check_dimension(cases, cols, "--cols")
    if rows == cols:
        raise InputError(f"--rows and --cols are both '{rows}'; choose two different dimensions")
    require_columns(codings, ["document_id", "case", "code_path", "codebook", "coder", "words"], "codings")
    row_order = dimension_order(rows, cases, _observed(rows, codings, segments, cases), codes)
    col_order = dimension_order(cols, cases, _observed(cols, codings, segments, cases), codes)
    n_rows, n_cols = len(row_order), len(col_order)
    size = n_rows * n_cols

    key = _cell_keys(codings, cases, rows, cols, row_order, col_order)
    ok = key >= 0
    cells = {
        "codings": np.bincount(key[ok], minlength=size),
        "segments": _distinct(_cell_keys(coded_segments, cases, rows, cols, row_order, col_order),
                              coded_segments["segment_id"], size),
        "informants": _distinct(key, codings["case"], size),
        "documents": _distinct(key, codings["document_id"], size),
        "words": np.bincount(key[ok], weights=codings["words"].to_numpy(dtype=float)[ok], minlength=size),
    }
    out = pd.DataFrame({
        rows: pd.Series(np.repeat(np.array(row_order, dtype=object), n_cols), dtype=object),
        cols: pd.Series(np.tile(np.array(col_order, dtype=object), n_rows), dtype=object),
        **{name: values.astype(np.int64) for name, values in cells.items()},
    })
    group_words, group_informants = _denominators(segments, cases, rows, cols, row_order, col_order)
    out["group_words"] = group_words
    out["group_informants"] = group_informants
    out["per1000"] = (out["codings"] * 1000 / out["group_words"]).where(out["group_words"] > 0)
    out["share"] = (out["informants"] / out["group_informants"]).where(out["group_informants"] > 0)
    return out[[rows, cols, "codings", "segments", "informants", "documents", "words", "group_words",
                "group_informants", "per1000", "share"]]


def _observed(dim: str, codings: pd.DataFrame, segments: pd.DataFrame, cases: pd.DataFrame) -> list[str]:
    values = observed_labels(codings, cases, dim)
    if dim not in CODE_DIMS and dim != "coder":
        values += observed_labels(segments, cases, dim)
    return values


def _cell_keys(frame: pd.DataFrame, cases: pd.DataFrame, rows: str, cols: str,
               row_order: list[str], col_order: list[str]) -> np.ndarray:
    """Cell number (row * n_cols + col) of every row of ``frame``; -1 where a label is missing."""
    r = label_codes(frame, cases, rows, row_order)
    c = label_codes(frame, cases, cols, col_order)
    return np.where((r >= 0) & (c >= 0), r * len(col_order) + c, -1)


def _distinct(key: np.ndarray, values: pd.Series, size: int) -> np.ndarray:
    """Number of distinct non-missing ``values`` per cell ``key`` (vectorised)."""
    codes, uniques = pd.factorize(values)
    ok = (key >= 0) & (codes >= 0)
    if not ok.any():
        return np.zeros(size, dtype=np.int64)
    pairs = unique_ints(key[ok].astype(np.int64) * (len(uniques) + 1) + codes[ok])
    return np.bincount(pairs // (len(uniques) + 1), minlength=size)


def _denominators(segments: pd.DataFrame, cases: pd.DataFrame, rows: str, cols: str,
                  row_order: list[str], col_order: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Participant words and informants of each cell's text group, laid out like the cells."""
    n_rows, n_cols = len(row_order), len(col_order)
    words = segments["words"].to_numpy(dtype=float)
    row_group, col_group = rows in _group_dims(rows, cols), cols in _group_dims(rows, cols)
    if not row_group and not col_group:
        total_words = float(words.sum())
        total_cases = float(segments["case"].nunique())
        return np.full(n_rows * n_cols, total_words), np.full(n_rows * n_cols, total_cases)
    r = label_codes(segments, cases, rows, row_order) if row_group else np.zeros(len(segments), dtype=np.int64)
    c = label_codes(segments, cases, cols, col_order) if col_group else np.zeros(len(segments), dtype=np.int64)
    width = n_cols if col_group else 1
    height = n_rows if row_group else 1
    key = np.where((r >= 0) & (c >= 0), r * width + c, -1)
    ok = key >= 0
    group_words = np.bincount(key[ok], weights=words[ok], minlength=height * width).reshape(height, width)
    group_cases = _distinct(key, segments["case"], height * width).reshape(height, width).astype(float)
    shape = (n_rows, n_cols)
    return np.broadcast_to(group_words, shape).reshape(-1), np.broadcast_to(group_cases, shape).reshape(-1)


def to_wide(long: pd.DataFrame, measure: str, rows: str | None = None, cols: str | None = None) -> pd.DataFrame:
    """Pivot a :func:`matrix_long` frame to one row per row label and one column per column label.

    The first column is named after the row dimension (``code``, ``codebook``, ``case``, an attribute).
    """
    if measure not in MEASURES:
        raise InputError(f"--measure {measure}: unknown measure; use one of {', '.join(MEASURES)}")
    rows = rows or str(long.columns[0])
    cols = cols or str(long.columns[1])
    row_order = list(dict.fromkeys(long[rows]))
    col_order = list(dict.fromkeys(long[cols]))
    wide = long.pivot(index=rows, columns=cols, values=measure).reindex(index=row_order, columns=col_order)
    wide.columns = [str(c) for c in wide.columns]
    wide.index.name = rows
    return wide.reset_index()


def code_matrix(
    codings: pd.DataFrame,
    coded_segments: pd.DataFrame,
    segments: pd.DataFrame,
    cases: pd.DataFrame,
    cols: str,
    measure: str = "codings",
    rows: str = "code",
    codes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A wide matrix: rows ``rows`` (default codes), one column per label of ``cols``, cells ``measure``.

    With ``rows="code"`` and ``cols="ledermodell"`` the columns are ``code, enleder, toleder``.
    """
    if measure not in MEASURES:
        raise InputError(f"--measure {measure}: unknown measure; use one of {', '.join(MEASURES)}")
    long = matrix_long(codings, coded_segments, segments, cases, rows=rows, cols=cols, codes=codes)
    return to_wide(long, measure, rows, cols)


def presence_table(
    codings: pd.DataFrame,
    cases: pd.DataFrame,
    codes: pd.DataFrame | None = None,
    attributes: bool = True,
) -> pd.DataFrame:
    """One row per case, one 0/1 column per code (1 = the case has at least one coding of it).

    Columns: ``case``, the case attributes (unless ``attributes=False``), then one column per code
    path. Every case of ``cases`` is listed (plus any case seen only in ``codings``). Ready for R/SPSS.
    """
    coded = codings.dropna(subset=["case"])
    code_order = dimension_order("code", cases, coded["code_path"].unique().tolist(), codes)
    case_order = list(dict.fromkeys([*cases["case"].dropna().tolist(), *coded["case"].unique().tolist()]))
    counts = pd.crosstab(coded["case"], coded["code_path"]).reindex(index=case_order, columns=code_order)
    presence = (counts.fillna(0) > 0).astype("int64")
    presence.index.name = "case"
    presence.columns.name = None
    presence = presence.reset_index()
    if attributes and attribute_names(cases):
        presence = cases.merge(presence, on="case", how="right")
    return presence
