"""Framework matrix: informants (rows) x codes (columns), each cell the coded quotes and the memos.

A cell's ``quotes`` are the coded passages of that informant and code, in document order, each as
``«text»`` (a passage coded identically by several coders appears once); its ``memo`` joins the analyst's memos on those codings (the coding's own memo and any
memo whose target is the coding), each prefixed with the coder's name when known.
"""

from __future__ import annotations

import pandas as pd

from qualcode.analysis.common import attribute_names, dimension_order, require_columns

QUOTE_SEPARATOR = "\n\n"


def framework_long(
    codings: pd.DataFrame,
    cases: pd.DataFrame,
    codes: pd.DataFrame | None = None,
    memos: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (case, code) with codings: ``case, code, codebook, codings, quotes, memo, documents``.

    Codings without a case are left out. Cells are in case order then codebook order.
    """
    require_columns(codings, ["coding_id", "case", "code_path", "codebook", "text", "document", "start"], "codings")
    coded = codings.dropna(subset=["case"]).sort_values(["case", "document", "start", "coding_id"], kind="stable")
    coded = coded.assign(quote="«" + coded["text"].astype(str).str.strip() + "»",
                         memo_text=_memo_texts(coded, memos))
    grouped = coded.groupby(["case", "code_path"], sort=False)
    # the same passage coded by several coders is quoted once
    distinct = coded.drop_duplicates(subset=[c for c in ("case", "code_path", "document", "start", "end")
                                             if c in coded.columns])
    cells = pd.DataFrame({
        "codebook": grouped["codebook"].first(),
        "codings": grouped.size(),
        "quotes": distinct.groupby(["case", "code_path"], sort=False)["quote"].agg(QUOTE_SEPARATOR.join),
        "memo": grouped["memo_text"].agg(lambda s: QUOTE_SEPARATOR.join(t for t in s if t)),
        "documents": grouped["document"].agg(lambda s: ", ".join(dict.fromkeys(s))),
    }).reset_index().rename(columns={"code_path": "code"})
    code_order = dimension_order("code", cases, list(cells["code"]), codes)
    case_order = list(dict.fromkeys([*cases["case"].dropna().tolist(), *cells["case"].tolist()]))
    cells["_c"] = cells["case"].map({c: i for i, c in enumerate(case_order)})
    cells["_k"] = cells["code"].map({c: i for i, c in enumerate(code_order)})
    cells = cells.sort_values(["_c", "_k"]).drop(columns=["_c", "_k"]).reset_index(drop=True)
    return cells[["case", "code", "codebook", "codings", "quotes", "memo", "documents"]]


def _memo_texts(coded: pd.DataFrame, memos: pd.DataFrame | None) -> pd.Series:
    own = coded["memo"].fillna("").astype(str).str.strip() if "memo" in coded else pd.Series("", index=coded.index)
    if memos is None or memos.empty:
        return own
    on_codings = memos[memos["target_type"] == "coding"].copy()
    on_codings["line"] = [f"{c}: {t}" if isinstance(c, str) and c else str(t)
                          for c, t in zip(on_codings["coder"], on_codings["text"], strict=True)]
    extra = on_codings.groupby("target_id")["line"].agg("\n".join)
    more = coded["coding_id"].map(extra).fillna("")
    return pd.Series([("\n".join(p for p in (a, b) if p)) for a, b in zip(own, more, strict=True)],
                     index=coded.index, dtype=object)


def framework_matrix(
    codings: pd.DataFrame,
    cases: pd.DataFrame,
    codes: pd.DataFrame | None = None,
    memos: pd.DataFrame | None = None,
    value: str = "quotes",
    attributes: bool = True,
    all_codes: bool = False,
) -> pd.DataFrame:
    """Wide framework matrix: ``case``, the case attributes, then one column per code holding ``value``
    (``quotes``, ``memo`` or ``codings``). Empty cells are empty strings (0 for ``codings``).

    Every case of ``cases`` gets a row; codes without codings get a column only with ``all_codes``.
    """
    long = framework_long(codings, cases, codes, memos)
    code_order = dimension_order("code", cases, list(long["code"]), codes)
    if not all_codes:
        used = set(long["code"])
        code_order = [c for c in code_order if c in used]
    case_order = list(dict.fromkeys([*cases["case"].dropna().tolist(), *long["case"].tolist()]))
    wide = long.pivot(index="case", columns="code", values=value).reindex(index=case_order, columns=code_order)
    wide = wide.fillna(0).astype("int64") if value == "codings" else wide.fillna("")
    wide.columns = [str(c) for c in wide.columns]
    wide.index.name = "case"
    wide = wide.reset_index()
    if attributes and attribute_names(cases):
        wide = cases.merge(wide, on="case", how="right")
    return wide
