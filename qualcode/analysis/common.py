"""Helpers shared by the analysis modules: dimensions, attribute labels, interval overlap.

A *dimension* names what a table's rows or columns run over:

- ``code`` (the code path ``codebook/code``), ``codebook``, ``coder`` -- taken from a codings frame;
- ``case``, ``document`` -- the informant or the transcript;
- any case attribute (``ledermodell``, ``linje``, ...) -- looked up in the cases frame by ``case``.

Attribute values become text labels: booleans ``ja``/``nei``, whole numbers without decimals.
Rows whose label is missing (no case, attribute unset) are left out of a table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from qualcode.errors import InputError, NotFoundError

CODE_DIMS: dict[str, str] = {"code": "code_path", "codebook": "codebook"}
FRAME_DIMS: dict[str, str] = {"coder": "coder", "case": "case", "document": "document"}
MISSING = "(mangler)"


def attribute_names(cases: pd.DataFrame) -> list[str]:
    """The attribute columns of a cases frame."""
    return [c for c in cases.columns if c != "case"]


def check_dimension(cases: pd.DataFrame, dim: str, option: str = "--cols") -> None:
    """Raise NotFoundError unless ``dim`` is a built-in dimension or an attribute of ``cases``."""
    if dim in CODE_DIMS or dim in FRAME_DIMS or dim in cases.columns:
        return
    known = attribute_names(cases)
    raise NotFoundError(
        f"{option} {dim}: unknown attribute '{dim}'; known attributes: {', '.join(known) or '(none)'}"
        f" (or one of: {', '.join([*CODE_DIMS, *FRAME_DIMS])})"
    )


def format_label(value: Any) -> Any:
    """An attribute value as a text label (NA stays NA)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return pd.NA
    if isinstance(value, bool | np.bool_):
        return "ja" if value else "nei"
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)


def attribute_labels(cases: pd.DataFrame, attribute: str) -> tuple[dict[str, Any], list[str]]:
    """``case -> label`` for one attribute, and the labels in natural order (numbers numerically)."""
    column = cases[attribute]
    present = cases.loc[column.notna(), ["case", attribute]]
    ordered = present.sort_values(attribute, kind="stable")[attribute].drop_duplicates()
    order = [format_label(v) for v in ordered]
    mapping = {case: format_label(v) for case, v in zip(cases["case"], column, strict=True)}
    return mapping, list(dict.fromkeys(order))


def _source_column(frame: pd.DataFrame, dim: str) -> pd.Series:
    if dim in CODE_DIMS:
        return frame[CODE_DIMS[dim]]
    if dim in FRAME_DIMS:
        return frame[FRAME_DIMS[dim]]
    return frame["case"]


def _unique_labels(frame: pd.DataFrame, cases: pd.DataFrame, dim: str) -> tuple[np.ndarray, list[Any]]:
    """Factorised source column (-1 = missing) and the label of each distinct source value."""
    codes, uniques = pd.factorize(_source_column(frame, dim))
    values = list(uniques)
    if dim in CODE_DIMS or dim in FRAME_DIMS:
        return codes, [str(v) for v in values]
    mapping, _ = attribute_labels(cases, dim)
    return codes, [mapping.get(v, pd.NA) for v in values]


def observed_labels(frame: pd.DataFrame, cases: pd.DataFrame, dim: str) -> list[str]:
    """The distinct labels of ``dim`` in ``frame`` (first-seen order, missing left out)."""
    _, labels = _unique_labels(frame, cases, dim)
    return [v for v in dict.fromkeys(labels) if isinstance(v, str)]


def label_codes(frame: pd.DataFrame, cases: pd.DataFrame, dim: str, order: Sequence[str]) -> np.ndarray:
    """For every row of ``frame`` the position of its ``dim`` label in ``order`` (-1: missing or absent).

    Vectorised: only the distinct values of the source column are looked up in Python.
    """
    codes, labels = _unique_labels(frame, cases, dim)
    index = {label: i for i, label in enumerate(order)}
    lookup = np.array([index.get(v, -1) if isinstance(v, str) else -1 for v in labels] + [-1], dtype=np.int64)
    return lookup[codes]


def label_series(frame: pd.DataFrame, cases: pd.DataFrame, dim: str) -> pd.Series:
    """The label of dimension ``dim`` for every row of ``frame`` (a codings or segments frame); NA if missing."""
    codes, labels = _unique_labels(frame, cases, dim)
    values = np.array([*labels, pd.NA], dtype=object)[codes]
    return pd.Series(values, index=frame.index, dtype="string")


def dimension_order(dim: str, cases: pd.DataFrame, observed: Sequence[Any],
                    codes: pd.DataFrame | None = None) -> list[str]:
    """Labels of ``dim`` in display order: codes in codebook order, attribute values sorted."""
    seen = [v for v in dict.fromkeys(observed) if v is not pd.NA and isinstance(v, str)]
    if dim in CODE_DIMS and codes is not None and len(codes):
        column = codes[CODE_DIMS[dim]]
        listed = list(dict.fromkeys(column.tolist()))
        if "retired" in codes.columns:
            retired = set(codes.loc[codes["retired"].astype(bool), CODE_DIMS[dim]])
            listed = [v for v in listed if v not in retired or v in seen]
        return listed + [v for v in seen if v not in listed]
    if dim in CODE_DIMS or dim in FRAME_DIMS:
        return sorted(seen) if dim != "code" else seen
    _, order = attribute_labels(cases, dim)
    return order + [v for v in seen if v not in order]


def require_columns(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    """Raise InputError naming the missing columns of ``frame``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{name} frame lacks the column(s) {', '.join(missing)}")


def with_attributes(frame: pd.DataFrame, cases: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
    """``frame`` (one row per coding, segment, ...) with the case attributes joined on ``case``.

    Attribute columns come after the frame's own columns, named ``prefix + attribute``; an attribute
    whose name clashes with a frame column gets the prefix ``attr_``. Row order and count are kept.
    """
    attrs = attribute_names(cases)
    renamed = {a: (prefix + a if prefix + a not in frame.columns else f"attr_{a}") for a in attrs}
    right = cases[["case", *attrs]].drop_duplicates("case").rename(columns=renamed)
    return frame.merge(right, on="case", how="left", validate="many_to_one")


def positions(values: pd.Series, order: Sequence[Any]) -> np.ndarray:
    """Position of every value in ``order`` (-1 if absent or missing); only distinct values are looked up."""
    codes, uniques = pd.factorize(values)
    index = {v: i for i, v in enumerate(order)}
    lookup = np.array([index.get(v, -1) for v in list(uniques)] + [-1], dtype=np.int64)
    return lookup[codes]


def unique_ints(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values of an integer array (sort based; faster than hashing for large arrays)."""
    ordered = np.sort(np.asarray(values, dtype=np.int64), kind="stable")
    if len(ordered) == 0:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def overlap_pairs(
    a_doc: Any, a_start: Any, a_end: Any, b_doc: Any, b_start: Any, b_end: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """All (i, j) with ``a[i]`` and ``b[j]`` in the same document and overlapping (ends exclusive).

    Vectorised with sort + searchsorted, no Python loop over rows; ``b`` intervals may overlap each
    other. Returns index arrays into ``a`` and ``b`` (sorted by ``i``).
    """
    a_doc, a_start, a_end = (np.asarray(x, dtype=np.int64) for x in (a_doc, a_start, a_end))
    b_doc, b_start, b_end = (np.asarray(x, dtype=np.int64) for x in (b_doc, b_start, b_end))
    empty = np.zeros(0, dtype=np.int64)
    if len(a_doc) == 0 or len(b_doc) == 0:
        return empty, empty
    _, inverse = np.unique(np.concatenate([a_doc, b_doc]), return_inverse=True)
    a_key_doc, b_key_doc = inverse[: len(a_doc)], inverse[len(a_doc):]
    stride = int(max(a_end.max(), b_end.max())) + 1
    order = np.lexsort((b_start, b_key_doc))
    bs = b_key_doc[order] * stride + b_start[order]
    be = b_key_doc[order] * stride + b_end[order]
    reach = np.maximum.accumulate(be)  # furthest end so far: nondecreasing
    ka_s = a_key_doc * stride + a_start
    ka_e = a_key_doc * stride + a_end
    lo = np.searchsorted(reach, ka_s, side="right")  # first b that may still reach past a.start
    hi = np.searchsorted(bs, ka_e, side="left")  # first b starting at or after a.end
    counts = np.clip(hi - lo, 0, None)
    total = int(counts.sum())
    if total == 0:
        return empty, empty
    a_idx = np.repeat(np.arange(len(a_doc), dtype=np.int64), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    b_sorted = np.repeat(lo, counts) + (np.arange(total, dtype=np.int64) - first)
    keep = be[b_sorted] > ka_s[a_idx]
    return a_idx[keep], order[b_sorted[keep]]
