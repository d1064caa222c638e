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

import pandas as pd

from qualcode.analysis.common import (
    CODE_DIMS,
    attribute_names,
    check_dimension,
    dimension_order,
    label_series,
    require_columns,
)
from qualcode.errors import InputError

MEASURES: tuple[str, ...] = ("codings", "segments", "informants", "documents", "words", "per1000", "share")
_TEXT_DIMS = ("case", "document")  # dimensions that split the participant text into groups


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
    r_name, c_name = rows, cols
    c = pd.DataFrame({
        r_name: label_series(codings, cases, rows),
        c_name: label_series(codings, cases, cols),
        "case": codings["case"],
        "document_id": codings["document_id"],
        "words": codings["words"],
    }).dropna(subset=[r_name, c_name])
    keys = [r_name, c_name]
    grouped = c.groupby(keys, sort=False, observed=True)
    cells = pd.DataFrame({
        "codings": grouped.size(),
        "informants": grouped["case"].nunique(),
        "documents": grouped["document_id"].nunique(),
        "words": grouped["words"].sum(),
    })
    s = pd.DataFrame({
        r_name: label_series(coded_segments, cases, rows),
        c_name: label_series(coded_segments, cases, cols),
        "segment_id": coded_segments["segment_id"],
    }).dropna(subset=[r_name, c_name])
    cells["segments"] = s.groupby(keys, sort=False, observed=True)["segment_id"].nunique()

    seg_labels = {d: label_series(segments, cases, d) for d in _group_dims(rows, cols)}
    row_order = dimension_order(rows, cases, _observed(rows, c[r_name], seg_labels), codes)
    col_order = dimension_order(cols, cases, _observed(cols, c[c_name], seg_labels), codes)
    grid = pd.MultiIndex.from_product([row_order, col_order], names=keys)
    out = cells.reindex(grid).fillna(0).astype("int64").reset_index()

    group_words, group_informants = _denominators(segments, seg_labels, out)
    out["group_words"] = group_words
    out["group_informants"] = group_informants
    out["per1000"] = (out["codings"] * 1000 / out["group_words"]).where(out["group_words"] > 0)
    out["share"] = (out["informants"] / out["group_informants"]).where(out["group_informants"] > 0)
    return out[[r_name, c_name, "codings", "segments", "informants", "documents", "words", "group_words",
                "group_informants", "per1000", "share"]]


def _observed(dim: str, coded: pd.Series, seg_labels: dict[str, pd.Series]) -> list[str]:
    values = list(coded.dropna().unique())
    if dim in seg_labels:
        values += list(seg_labels[dim].dropna().unique())
    return values


def _denominators(segments: pd.DataFrame, seg_labels: dict[str, pd.Series],
                  out: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    if not seg_labels:
        words = float(segments["words"].sum())
        informants = float(segments["case"].nunique())
        return pd.Series(words, index=out.index), pd.Series(informants, index=out.index)
    dims = list(seg_labels)
    frame = pd.DataFrame({**seg_labels, "words": segments["words"], "case": segments["case"]}).dropna(subset=dims)
    grouped = frame.groupby(dims, observed=True)
    totals = pd.DataFrame({"group_words": grouped["words"].sum(), "group_informants": grouped["case"].nunique()})
    joined = out[dims].merge(totals.reset_index(), on=dims, how="left")
    return joined["group_words"].fillna(0), joined["group_informants"].fillna(0)


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
    code_order = dimension_order("code", cases, list(coded["code_path"]), codes)
    case_order = list(dict.fromkeys([*cases["case"].dropna().tolist(), *coded["case"].tolist()]))
    counts = pd.crosstab(coded["case"], coded["code_path"]).reindex(index=case_order, columns=code_order)
    presence = (counts.fillna(0) > 0).astype("int64")
    presence.index.name = "case"
    presence.columns.name = None
    presence = presence.reset_index()
    if attributes and attribute_names(cases):
        presence = cases.merge(presence, on="case", how="right")
    return presence
