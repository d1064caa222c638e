"""Intercoder agreement: hand-computed cases, Krippendorff's published examples, sklearn and krippendorff."""

from __future__ import annotations

import math

import krippendorff  # GPL: used in tests only, never imported by qualcode
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from qualcode import frames
from qualcode.analysis import agreement, cohen_kappa, krippendorff_alpha_nominal
from qualcode.db.session import session_scope
from qualcode.errors import InputError

NAN = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section A: binary, two observers.
KRIPP_BINARY = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
                [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
# Section C: nominal, four observers, 12 units, missing values.
KRIPP_NOMINAL = [[1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
                 [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
                 [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
                 [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN]]


def test_alpha_published_binary_example():
    assert krippendorff_alpha_nominal(KRIPP_BINARY) == pytest.approx(0.095, abs=5e-4)


def test_alpha_published_nominal_example_with_missing_values():
    assert krippendorff_alpha_nominal(KRIPP_NOMINAL) == pytest.approx(0.743, abs=5e-4)


@pytest.mark.parametrize("seed", range(6))
def test_alpha_matches_krippendorff_package(seed):
    rng = np.random.default_rng(seed)
    coders, units = int(rng.integers(2, 6)), int(rng.integers(5, 60))
    data = rng.integers(0, int(rng.integers(2, 5)), size=(coders, units)).astype(float)
    data[rng.random(data.shape) < 0.15] = np.nan
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert krippendorff_alpha_nominal(data) == pytest.approx(expected, abs=1e-12)


def test_alpha_undefined_without_variation():
    assert math.isnan(krippendorff_alpha_nominal([[1, 1, 1], [1, 1, 1]]))


@pytest.mark.parametrize("seed", range(6))
def test_kappa_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 3, 40)
    b = np.where(rng.random(40) < 0.6, a, rng.integers(0, 3, 40))
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


def test_kappa_by_hand():
    # 10 units: 3 both yes, 5 both no, 2 disagree -> p_o = .8; pA = .4, pB = .4 -> p_e = .52
    a = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    b = [1, 1, 1, 0, 1, 0, 0, 0, 0, 0]
    assert cohen_kappa(a, b) == pytest.approx((0.8 - 0.52) / (1 - 0.52))


# --------------------------------------------------------------------------- on frames


def _frames(decisions: dict[str, dict[str, list[int]]], n_units: int, docs: int = 1):
    """Synthetic frames: ``decisions[coder][code]`` lists the unit numbers the coder coded."""
    segments = pd.DataFrame({
        "segment_id": np.arange(n_units) + 100,
        "document_id": np.arange(n_units) % docs + 1,
        "document": [f"d{u % docs + 1}.txt" for u in range(n_units)],
        "case": [f"Informant {u % docs + 1}" for u in range(n_units)],
        "ordinal": np.arange(n_units),
        "text": [f"tekst {u}" for u in range(n_units)],
    })
    rows = []
    for coder, by_code in decisions.items():
        for code, units in by_code.items():
            for u in units:
                seg = segments.iloc[u]
                rows.append({"coding_id": len(rows) + 1, "segment_id": seg.segment_id,
                             "document_id": seg.document_id, "document": seg.document, "coder": coder,
                             "code_path": code, "codebook": code.split("/")[0]})
    coded = pd.DataFrame(rows)
    return coded, coded, segments


def test_per_code_statistics_match_references():
    rng = np.random.default_rng(7)
    n = 50
    a_yes = rng.random(n) < 0.3
    b_yes = np.where(rng.random(n) < 0.8, a_yes, ~a_yes)
    codings, coded, segments = _frames({"a": {"bok/x": list(np.flatnonzero(a_yes)), "bok/y": [0, 1]},
                                        "b": {"bok/x": list(np.flatnonzero(b_yes)), "bok/y": [1]}}, n)
    result = agreement(codings, coded, segments, ["a", "b"], n_boot=200)
    row = result.per_code.set_index("code").loc["bok/x"]
    assert row["n_units"] == n
    assert row["percent_agreement"] == pytest.approx((a_yes == b_yes).mean())
    assert row["kappa"] == pytest.approx(cohen_kappa_score(a_yes, b_yes))
    assert row["alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=np.array([a_yes, b_yes], dtype=float), level_of_measurement="nominal"))
    assert row["prevalence"] == pytest.approx((a_yes.sum() + b_yes.sum()) / (2 * n))
    assert row["kappa_ci_low"] <= row["kappa"] <= row["kappa_ci_high"]
    assert row["alpha_ci_low"] <= row["alpha"] <= row["alpha_ci_high"]
    y = result.per_code.set_index("code").loc["bok/y"]
    assert y["percent_agreement"] == pytest.approx(49 / 50) and y["disagreements"] == 1


def test_overall_pools_all_decisions_and_averages_codes():
    codings, coded, segments = _frames({"a": {"k/x": [0, 1, 2], "k/y": [3]},
                                        "b": {"k/x": [0, 1], "k/y": [3, 4]}}, 10)
    result = agreement(codings, coded, segments, ["a", "b"], n_boot=100)
    a = np.zeros(20, int)
    b = np.zeros(20, int)
    a[[0, 1, 2, 13]] = 1
    b[[0, 1, 13, 14]] = 1
    assert result.overall["n_decisions"] == 20
    assert result.overall["percent_agreement"] == pytest.approx(18 / 20)
    assert result.overall["kappa"] == pytest.approx(cohen_kappa_score(a, b))
    assert result.overall["alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=[a, b], level_of_measurement="nominal"))
    assert result.overall["mean_kappa"] == pytest.approx(result.per_code["kappa"].mean())


def test_three_coders_alpha_and_no_kappa():
    decisions = {"a": {"k/x": [0, 1, 2]}, "b": {"k/x": [0, 1]}, "c": {"k/x": [0, 1, 2, 3]}}
    codings, coded, segments = _frames(decisions, 8)
    result = agreement(codings, coded, segments, ["a", "b", "c"], n_boot=50)
    row = result.per_code.iloc[0]
    data = np.zeros((3, 8))
    data[0, [0, 1, 2]] = data[1, [0, 1]] = data[2, [0, 1, 2, 3]] = 1
    assert row["alpha"] == pytest.approx(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    assert row["percent_agreement"] == pytest.approx(6 / 8)  # all three agree on 6 of 8 units
    assert math.isnan(row["kappa"]) and "to kodere" in row["note"]


def test_kappa_undefined_is_nan_with_note():
    codings, coded, segments = _frames({"a": {"k/x": list(range(5))}, "b": {"k/x": list(range(5))}}, 5)
    row = agreement(codings, coded, segments, ["a", "b"], n_boot=20).per_code.iloc[0]
    assert row["percent_agreement"] == 1.0
    assert math.isnan(row["kappa"]) and math.isnan(row["alpha"])
    assert "udefinert" in row["note"]


def test_bootstrap_is_seeded():
    codings, coded, segments = _frames({"a": {"k/x": [0, 2, 4, 6]}, "b": {"k/x": [0, 2, 5]}}, 12)
    one = agreement(codings, coded, segments, ["a", "b"], seed=3).per_code
    two = agreement(codings, coded, segments, ["a", "b"], seed=3).per_code
    pd.testing.assert_frame_equal(one, two)


def test_bad_coder_arguments():
    codings, coded, segments = _frames({"a": {"k/x": [0]}, "b": {"k/x": [1]}}, 3)
    with pytest.raises(InputError, match="at least two different coders"):
        agreement(codings, coded, segments, ["a"])
    with pytest.raises(InputError, match="at least two different coders"):
        agreement(codings, coded, segments, ["a", "a"])
    with pytest.raises(InputError, match="coder 'zed' has no codings"):
        agreement(codings, coded, segments, ["a", "zed"])
    with pytest.raises(InputError, match="--unit"):
        agreement(codings, coded, segments, ["a", "b"], unit="character")


def test_no_common_documents():
    codings, coded, segments = _frames({"a": {"k/x": [0]}, "b": {"k/x": [1]}}, 2, docs=2)
    with pytest.raises(InputError, match="no document is coded by all of a, b"):
        agreement(codings, coded, segments, ["a", "b"])


# --------------------------------------------------------------------------- on a project


def test_agreement_on_fixture_project(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        pf = frames.project_frames(s)
    result = agreement(pf.codings, pf.coded_segments, pf.segments, ["ingrid", "martin"], codes=pf.codes)
    # documents 4-6 are coded by ingrid only: skipped
    assert result.documents_skipped["document"].tolist() == ["intervju4.txt", "intervju5.txt", "intervju6.txt"]
    per_code = result.per_code.set_index("code")
    assert set(per_code["n_units"]) == {6}  # participant segments of documents 1-3
    # ingrid: målforskyvning on unit 3 of doc 1; martin: målekort there -> one disagreement each
    assert per_code.loc["måling/målforskyvning", "disagreements"] == 1
    assert per_code.loc["tillit/gjensidig tillit", "percent_agreement"] == 1.0
    dis = result.disagreements
    assert set(dis["code"]) == {"måling/målforskyvning", "måling/målekort og indikatorer",
                                "likeverd/ubalanse mellom linjene"}
    row = dis[dis["code"] == "likeverd/ubalanse mellom linjene"].iloc[0]
    assert row["coders_yes"] == "ingrid" and row["coders_no"] == "martin" and "lillebror" in row["text"]
    payload = result.to_dict()
    assert set(payload) >= {"per_code", "overall", "documents_skipped", "disagreements", "notes"}
    assert {"n_units", "percent_agreement", "kappa", "alpha"} <= set(payload["per_code"]["tillit/gjensidig tillit"])
    assert any("intervju4.txt" in note for note in payload["notes"])
