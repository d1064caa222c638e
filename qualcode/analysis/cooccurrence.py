"""Code co-occurrence: which codes are applied to the same text.

Two units:

- ``segment`` (default): a participant segment counts for codes A and B when it has codings of both
  (by any coder in the frame; filter the frame first to count one coder). The diagonal is the number
  of segments coded with the code. ``jaccard`` = both / (A + B - both).
- ``span``: pairs of overlapping codings (different codings, same document). A cell counts the
  overlapping pairs of a coding of A with a coding of B; the diagonal counts the codings of the code.

Computed as a sparse incidence product (no Python loop over rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qualcode.analysis.common import dimension_order, overlap_pairs, positions, require_columns
from qualcode.errors import InputError

UNITS = ("segment", "span")
MEASURES = ("count", "jaccard")


def cooccurrence(
    frame: pd.DataFrame,
    unit: str = "segment",
    measure: str = "count",
    codes: pd.DataFrame | None = None,
    used_only: bool = True,
) -> pd.DataFrame:
    """A square codes x codes matrix: first column ``code``, then one column per code path.

    ``frame`` is a coded-segments frame for ``unit="segment"`` and a codings frame for ``"span"``.
    With ``used_only`` codes that never occur are left out; otherwise every code of ``codes`` is listed.
    """
    long = cooccurrence_long(frame, unit=unit, codes=codes, used_only=used_only)
    if measure not in MEASURES:
        raise InputError(f"--measure {measure}: use one of {', '.join(MEASURES)}")
    if measure == "jaccard" and unit != "segment":
        raise InputError("--measure jaccard needs --unit segment")
    order = list(dict.fromkeys(long["code_a"]))
    wide = long.pivot(index="code_a", columns="code_b", values=measure).reindex(index=order, columns=order)
    wide.index.name = "code"
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def cooccurrence_long(
    frame: pd.DataFrame,
    unit: str = "segment",
    codes: pd.DataFrame | None = None,
    used_only: bool = True,
) -> pd.DataFrame:
    """Every ordered code pair: columns ``code_a, code_b, count, n_a, n_b, jaccard``.

    ``n_a``/``n_b`` are the diagonal counts (segments or codings of each code); ``jaccard`` is NaN for
    the span unit.
    """
    if unit not in UNITS:
        raise InputError(f"--unit {unit}: use one of {', '.join(UNITS)}")
    from scipy import sparse

    require_columns(frame, ["code_path", "document_id"], "coded segments" if unit == "segment" else "codings")
    seen = frame["code_path"].unique().tolist()
    present = set(seen)
    order = dimension_order("code", pd.DataFrame({"case": []}), seen, codes)
    if used_only:
        order = [c for c in order if c in present]
    k = len(order)
    code_ix = positions(frame["code_path"], order)
    if unit == "segment":
        require_columns(frame, ["segment_id"], "coded segments")
        unit_ix, _ = pd.factorize(frame["segment_id"])
        ones = np.ones(len(frame), dtype=np.int64)
        incidence = sparse.csr_matrix((ones, (unit_ix, code_ix)), shape=(int(unit_ix.max(initial=-1)) + 1, k))
        incidence.data[:] = 1  # a segment coded twice with a code counts once
        counts = (incidence.T @ incidence).toarray()
        diagonal = np.diag(counts).astype(float)
    else:
        require_columns(frame, ["start", "end"], "codings")
        a, b = overlap_pairs(frame["document_id"], frame["start"], frame["end"],
                             frame["document_id"], frame["start"], frame["end"])
        keep = a != b
        pairs = sparse.csr_matrix((np.ones(int(keep.sum()), dtype=np.int64), (code_ix[a[keep]], code_ix[b[keep]])),
                                  shape=(k, k)).toarray()
        diagonal = np.bincount(code_ix, minlength=k).astype(float)
        counts = pairs.copy()
        np.fill_diagonal(counts, diagonal.astype(np.int64))
    n_a = np.repeat(diagonal, k)
    n_b = np.tile(diagonal, k)
    flat = counts.reshape(-1).astype(np.int64)
    union = n_a + n_b - flat
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = np.where(union > 0, flat / np.where(union > 0, union, 1), np.nan)
    if unit == "span":
        jaccard = np.full(len(flat), np.nan)
    return pd.DataFrame({
        "code_a": np.repeat(np.array(order, dtype=object), k),
        "code_b": np.tile(np.array(order, dtype=object), k),
        "count": flat,
        "n_a": n_a.astype(np.int64),
        "n_b": n_b.astype(np.int64),
        "jaccard": jaccard,
    })
