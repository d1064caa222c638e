"""Code and codebook frequencies: how much each code was used, overall or per coder."""

from __future__ import annotations

import pandas as pd

from qualcode.analysis.common import CODE_DIMS, dimension_order, require_columns
from qualcode.errors import InputError

LEVELS = ("code", "codebook")


def frequencies(
    codings: pd.DataFrame,
    coded_segments: pd.DataFrame,
    level: str = "code",
    by_coder: bool = False,
    codes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Counts per code (or per codebook), optionally per coder.

    Returns columns ``[coder,] code|codebook, [codebook,] codings, segments, documents, informants,
    words``: number of codings, distinct participant segments coded, distinct documents, distinct
    informants (cases), and words inside the coded spans (summed over codings). With ``codes``
    (a codes frame) codes that were never used appear with zeros, in codebook order.
    """
    if level not in LEVELS:
        raise InputError(f"--level {level}: use one of {', '.join(LEVELS)}")
    require_columns(codings, ["code_path", "codebook", "coder", "document_id", "case", "words"], "codings")
    label = CODE_DIMS[level]
    keys = (["coder"] if by_coder else []) + [label]
    grouped = codings.groupby(keys, sort=False)
    table = pd.DataFrame({
        "codings": grouped.size(),
        "segments": coded_segments.groupby(keys, sort=False)["segment_id"].nunique(),
        "documents": grouped["document_id"].nunique(),
        "informants": grouped["case"].nunique(),
        "words": grouped["words"].sum(),
    })
    order = dimension_order(level, pd.DataFrame({"case": []}), codings[label].unique().tolist(), codes)
    if by_coder:
        coders = sorted(codings["coder"].dropna().unique())
        index = pd.MultiIndex.from_product([coders, order], names=keys)
    else:
        index = pd.Index(order, name=label)
    table = table.reindex(index).fillna(0).astype("int64").reset_index()
    table = table.rename(columns={label: level})
    if level == "code":
        books = _codebook_of(codings, codes)
        table.insert(table.columns.get_loc("code") + 1, "codebook", table["code"].map(books))
    return table


def _codebook_of(codings: pd.DataFrame, codes: pd.DataFrame | None) -> dict[str, str]:
    seen = codings[["code_path", "codebook"]].drop_duplicates("code_path")
    pairs = dict(zip(seen["code_path"].tolist(), seen["codebook"].tolist(), strict=True))
    if codes is not None:
        pairs.update(zip(codes["code_path"].tolist(), codes["codebook"].tolist(), strict=True))
    return pairs
