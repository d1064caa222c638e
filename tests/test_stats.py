"""Group comparisons: Fisher's exact test and chi-square against hand values and scipy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, fisher_exact

from qualcode.analysis import CAVEAT, compare_groups, mentions
from qualcode.errors import InputError, NotFoundError


def _frames(groups: dict[str, int], mentioning: dict[str, int], code: str = "bok/kode"):
    """``groups``: group -> informants; ``mentioning``: group -> informants with a coding of ``code``."""
    cases, codings = [], []
    for group, n in groups.items():
        for i in range(n):
            name = f"{group}-{i}"
            cases.append({"case": name, "gruppe": group})
            if i < mentioning.get(group, 0):
                codings.append({"case": name, "code_path": code, "codebook": code.split("/")[0]})
    cases = pd.DataFrame(cases)
    segments = pd.DataFrame({"case": cases["case"], "words": 100})
    codings = pd.DataFrame(codings, columns=["case", "code_path", "codebook"])
    return codings, segments, cases


def test_fisher_two_groups_by_hand_and_scipy():
    codings, segments, cases = _frames({"enleder": 5, "toleder": 5}, {"enleder": 4, "toleder": 1})
    row = compare_groups(codings, segments, cases, "gruppe").iloc[0]
    assert row["test"] == "fisher"
    assert row["p_value"] == pytest.approx(13 / 63)  # hypergeometric by hand: 52/252
    assert row["p_value"] == pytest.approx(fisher_exact([[4, 1], [1, 4]]).pvalue)
    assert row["odds_ratio"] == pytest.approx(16.0)
    assert row["statistic"] == pytest.approx(3.6)  # N(ad-bc)^2 / (r1 r2 c1 c2)
    assert row["effect_size"] == pytest.approx(0.6) and row["effect_measure"] == "phi"
    assert row["enleder_mentioning"] == 4 and row["toleder_n"] == 5
    assert row["min_expected"] == pytest.approx(2.5)
    assert "forventet antall under 5" in row["warning"]


@pytest.mark.parametrize("counts", [((6, 2), (7, 5)), ((9, 8), (3, 0)), ((12, 3), (10, 9))])
def test_fisher_matches_scipy(counts):
    (n1, y1), (n2, y2) = counts
    codings, segments, cases = _frames({"a": n1, "b": n2}, {"a": y1, "b": y2})
    row = compare_groups(codings, segments, cases, "gruppe").iloc[0]
    assert row["p_value"] == pytest.approx(fisher_exact([[y1, n1 - y1], [y2, n2 - y2]]).pvalue)


def test_chi_square_three_groups_matches_scipy():
    codings, segments, cases = _frames({"a": 8, "b": 6, "c": 7}, {"a": 6, "b": 1, "c": 3})
    row = compare_groups(codings, segments, cases, "gruppe").iloc[0]
    table = np.array([[6, 2], [1, 5], [3, 4]])
    chi2, p, dof, expected = chi2_contingency(table, correction=False)
    assert row["test"] == "chi2"
    assert row["statistic"] == pytest.approx(chi2) and row["p_value"] == pytest.approx(p) and row["dof"] == dof
    assert row["effect_size"] == pytest.approx(math.sqrt(chi2 / (21 * 1)))
    assert row["effect_measure"] == "cramers_v"
    assert row["min_expected"] == pytest.approx(expected.min())


def test_small_groups_warning_and_interpretation():
    codings, segments, cases = _frames({"enleder": 3, "toleder": 8}, {"enleder": 3, "toleder": 2})
    row = compare_groups(codings, segments, cases, "gruppe").iloc[0]
    assert "færre enn 5 informanter: enleder (3)" in row["warning"]
    assert "toleder (8)" not in row["warning"]
    assert row["interpretation"].startswith("Nevner koden: 3 av 3 (100 %) i enleder, 2 av 8 (25 %) i toleder.")
    assert "beskrivende" in row["interpretation"] and CAVEAT in row["interpretation"]


def test_no_variation_is_reported_not_tested():
    codings, segments, cases = _frames({"a": 6, "b": 6, "c": 6}, {})
    codings = pd.DataFrame({"case": ["a-0"], "code_path": ["bok/annen"], "codebook": ["bok"]})
    codes = pd.DataFrame({"code_path": ["bok/kode", "bok/annen"], "codebook": ["bok", "bok"]})
    table = compare_groups(codings, segments, cases, "gruppe", codes=codes).set_index("code")
    assert math.isnan(table.loc["bok/kode", "p_value"])
    assert "ingen variasjon" in table.loc["bok/kode", "warning"]


def test_mentions_counts_informants_once():
    codings, segments, cases = _frames({"a": 4, "b": 4}, {"a": 2, "b": 1})
    doubled = pd.concat([codings, codings], ignore_index=True)
    table = mentions(doubled, segments, cases, "gruppe").set_index("group")
    assert table.loc["a", "mentioning"] == 2 and table.loc["a", "share"] == 0.5
    assert table.loc["b", "informants"] == 4


def test_bad_arguments():
    codings, segments, cases = _frames({"a": 4}, {"a": 2})
    with pytest.raises(InputError, match="at least two groups"):
        compare_groups(codings, segments, cases, "gruppe")
    with pytest.raises(NotFoundError, match="unknown attribute 'kjønn'"):
        compare_groups(codings, segments, cases, "kjønn")
    with pytest.raises(InputError, match="choose a case attribute"):
        compare_groups(codings, segments, cases, "code")
