"""Does a code's use differ between groups of informants? Tests with honest small-N handling.

For each code: how many informants in each group of a case attribute mention it (at least one
coding) and how many do not. Two groups -> Fisher's exact test on the 2x2 table (two-sided) plus the
phi coefficient; more groups -> Pearson's chi-square (no continuity correction) with Cramér's V and
the expected counts. Every row carries a ``warning`` (expected counts under 5, groups with fewer than
5 informants, no variation) and a plain-language ``interpretation`` in Norwegian bokmål that says
what the test can and cannot show. Informants in a qualitative study are not a random sample, so the
p-values are descriptive.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from qualcode.analysis.common import (
    CODE_DIMS,
    check_dimension,
    dimension_order,
    label_series,
    require_columns,
)
from qualcode.errors import InputError

SMALL_GROUP = 5
SMALL_EXPECTED = 5.0

CAVEAT = (
    "Informantene er valgt strategisk, ikke trukket tilfeldig, så p-verdien er beskrivende: den sier hvor "
    "uvanlig forskjellen ville vært om informantene var fordelt tilfeldig på gruppene, ikke at den gjelder "
    "utover disse informantene. Testen ser bare på om koden er brukt minst én gang per informant, ikke hvor "
    "ofte eller hvordan. Med få informanter fanger testen bare opp store forskjeller, så en ikke-signifikant "
    "forskjell betyr ikke at grupper er like."
)


def mentions(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    cases: pd.DataFrame,
    attribute: str,
    rows: str = "code",
    codes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Informants mentioning each code per attribute group.

    Returns columns ``code|codebook, group, mentioning, informants, share``: ``informants`` counts the
    group's cases that have participant text (or all its cases when ``segments`` is empty).
    """
    check_dimension(cases, attribute, "--attribute")
    if attribute in CODE_DIMS or attribute in ("coder", "document"):
        raise InputError(f"--attribute {attribute}: choose a case attribute such as ledermodell or linje")
    if rows not in CODE_DIMS:
        raise InputError(f"--rows {rows}: use code or codebook")
    require_columns(codings, ["case", "code_path", "codebook"], "codings")
    group_of = label_series(cases, cases, attribute)
    groups_by_case = dict(zip(cases["case"], group_of, strict=True))
    speaking = segments["case"].dropna().unique() if len(segments) else cases["case"].dropna().unique()
    members = pd.DataFrame({"case": list(speaking)})
    members["group"] = members["case"].map(groups_by_case).astype("string")
    members = members.dropna(subset=["group"])
    sizes = members.groupby("group").size()

    coded = pd.DataFrame({"label": label_series(codings, cases, rows), "case": codings["case"]}).dropna()
    coded = coded[coded["case"].isin(members["case"])].drop_duplicates()
    coded["group"] = coded["case"].map(groups_by_case).astype("string")
    counts = coded.groupby(["label", "group"]).size()

    label_order = dimension_order(rows, cases, list(coded["label"]), codes)
    group_order = [g for g in dimension_order(attribute, cases, list(sizes.index)) if g in sizes.index]
    grid = pd.MultiIndex.from_product([label_order, group_order], names=["label", "group"])
    out = counts.reindex(grid).fillna(0).astype("int64").rename("mentioning").reset_index()
    out["informants"] = out["group"].map(sizes).astype("int64")
    out["share"] = out["mentioning"] / out["informants"]
    return out.rename(columns={"label": rows})


def compare_groups(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    cases: pd.DataFrame,
    attribute: str,
    rows: str = "code",
    codes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One test per code of informants mentioning vs not mentioning it across the groups of ``attribute``.

    Returns columns ``code|codebook, test, groups, informants, mentioning, <group>_mentioning, <group>_n
    (per group), statistic, dof, p_value, odds_ratio, effect_size, effect_measure, min_expected,
    expected, warning, interpretation``. ``test`` is ``fisher`` (two groups) or ``chi2`` (more);
    ``statistic`` is Pearson's chi-square without continuity correction (also given for 2x2 tables);
    ``effect_size`` is phi (2x2) or Cramér's V; ``expected`` lists the expected counts
    (mentioning / not, per group). Raises InputError when the attribute has fewer than two groups.
    """
    table = mentions(codings, segments, cases, attribute, rows=rows, codes=codes)
    groups = list(dict.fromkeys(table["group"]))
    if len(groups) < 2:
        raise InputError(
            f"--attribute {attribute}: needs at least two groups of informants; found {len(groups)} "
            f"({', '.join(groups) or 'none'})"
        )
    records = []
    for label, part in table.groupby(rows, sort=False):
        part = part.set_index("group").reindex(groups)
        yes = part["mentioning"].to_numpy(dtype=np.int64)
        n = part["informants"].to_numpy(dtype=np.int64)
        records.append(_test_one(str(label), groups, yes, n, rows))
    return pd.DataFrame.from_records(records)


def _test_one(label: str, groups: list[str], yes: np.ndarray, n: np.ndarray, rows: str) -> dict[str, object]:
    from scipy import stats as sps

    no = n - yes
    observed = np.column_stack([yes, no]).astype(float)
    total = observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / total if total else observed * 0
    varies = 0 < yes.sum() < n.sum()
    two = len(groups) == 2
    record: dict[str, object] = {rows: label, "test": "fisher" if two else "chi2", "groups": len(groups),
                                 "informants": int(n.sum()), "mentioning": int(yes.sum())}
    for g, y, m in zip(groups, yes, n, strict=True):
        record[f"{g}_mentioning"] = int(y)
        record[f"{g}_n"] = int(m)
    statistic = dof = p_value = odds_ratio = effect = math.nan
    if varies:
        chi2, p_chi2, dof_, _ = sps.chi2_contingency(observed, correction=False)
        statistic, dof = float(chi2), int(dof_)
        effect = math.sqrt(statistic / (total * (min(observed.shape) - 1)))
        if two:
            fisher = sps.fisher_exact(observed.astype(np.int64), alternative="two-sided")
            p_value, odds_ratio = float(fisher.pvalue), float(fisher.statistic)
        else:
            p_value = float(p_chi2)
    elif two:
        p_value = 1.0
    record.update({
        "statistic": statistic, "dof": dof, "p_value": p_value, "odds_ratio": odds_ratio,
        "effect_size": effect, "effect_measure": "phi" if two else "cramers_v",
        "min_expected": float(expected.min()) if expected.size else math.nan,
        "expected": "; ".join(f"{g}: {e[0]:.2f}/{e[1]:.2f}" for g, e in zip(groups, expected, strict=True)),
    })
    record["warning"] = _warning(groups, n, expected, varies)
    record["interpretation"] = _interpretation(groups, yes, n, record, varies, two)
    return record


def _warning(groups: list[str], n: np.ndarray, expected: np.ndarray, varies: bool) -> str:
    notes = []
    if not varies:
        notes.append("ingen variasjon: alle eller ingen informanter nevner koden, så testen sier ingenting")
    small_cells = int((expected < SMALL_EXPECTED).sum())
    if varies and small_cells:
        notes.append(f"forventet antall under {SMALL_EXPECTED:g} i {small_cells} av {expected.size} celler")
    small = [f"{g} ({m})" for g, m in zip(groups, n, strict=True) if m < SMALL_GROUP]
    if small:
        notes.append(f"grupper med færre enn {SMALL_GROUP} informanter: {', '.join(small)}")
    return "; ".join(notes)


def _num(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _interpretation(groups: list[str], yes: np.ndarray, n: np.ndarray, record: dict[str, object],
                    varies: bool, two: bool) -> str:
    parts = [f"{y} av {m} ({_num(100 * y / m, 0)} %) i {g}" if m else f"ingen informanter i {g}"
             for g, y, m in zip(groups, yes, n, strict=True)]
    text = "Nevner koden: " + ", ".join(parts) + ". "
    if not varies:
        return text + "Alle eller ingen nevner koden, så en test kan ikke skille gruppene. " + CAVEAT
    p = float(record["p_value"])  # type: ignore[arg-type]
    test = "Fishers eksakte test" if two else "Kjikvadrattesten"
    p_text = "p < 0,001" if p < 0.001 else f"p = {_num(p, 3)}"
    if p < 0.05:
        text += (f"{test} gir {p_text}: en så stor forskjell ville vært uvanlig om informantene var fordelt "
                 "tilfeldig på gruppene. ")
    else:
        text += (f"{test} gir {p_text}: forskjellen er ikke større enn det en tilfeldig fordeling av "
                 "informantene ofte gir. ")
    if record["warning"]:
        text += "Små tall: les resultatet med forsiktighet" + (
            " (kjikvadrattesten er upålitelig når forventet antall er under 5). " if not two else ". ")
    return text + CAVEAT
