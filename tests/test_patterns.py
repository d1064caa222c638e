"""The pattern language: inflections, compounds, coordinated compounds, false friends, fast path = slow path."""

from __future__ import annotations

import numpy as np
import pytest

from qualcode.errors import CodebookError
from qualcode.patterns import (
    HitCounts,
    LabelPatterns,
    PatternScorer,
    PatternSet,
    Term,
    compile_patterns,
    parse_pattern,
    tokenize,
    tokens_with_compounds,
)


def hits(patterns: list[str], text: str, weak: list[str] | None = None) -> list[str]:
    """The matched words of ``text`` for one label."""
    return [hit.text for hit in PatternSet([LabelPatterns("x", patterns, weak or [])]).match(text)]


@pytest.mark.parametrize(("source", "kind", "text"), [
    ("tillit", "exact", "tillit"), ("Tillit*", "prefix", "tillit"), ("*måling", "suffix", "måling"),
    ("*styring*", "infix", "styring"),
])
def test_parse_term_kinds(source: str, kind: str, text: str) -> None:
    assert parse_pattern(source).terms == (Term(text, kind),)  # type: ignore[arg-type]


def test_parse_exclusion_and_errors() -> None:
    assert parse_pattern("-tillitsvalgt*").exclusion
    for bad in ("", "**", "til*lit", "-a b"):
        with pytest.raises(CodebookError):
            parse_pattern(bad)


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    ("tillit", "Tilliten mellom oss er stor.", ["Tilliten"]),  # inflected noun via the lemma
    ("tillit*", "Tillitsbasert styring og tillitsreformen.", ["Tillitsbasert", "tillitsreformen"]),
    ("*måling", "Resultatmålingene og brukermåling, og måling.", ["Resultatmålingene", "brukermåling", "måling"]),
    ("måle", "Det måles hver uke, vi målte og har målt.", ["måles", "målte", "målt"]),  # verb forms
    ("mål", "Målene er klare, men det måles og målte mye.", ["Målene"]),  # goal, not measure
    ("måle", "Vi har et mål.", []),  # the noun is not read as the imperative of måle
    ("handlingsrom", "Vi har lite handlingsrom, men handlingsrommet vokser.", ["handlingsrom", "handlingsrommet"]),
    ("*styring*", "Styringsdialogen og målstyringen.", ["Styringsdialogen", "målstyringen"]),
    ("stole på", "Jeg stoler på henne, men stoler ikke på systemet.", ["stoler på"]),
    ("navleder", "Vår NAV-leder sa det.", ["NAV-leder"]),  # hyphen-less reading
])
def test_inflected_and_compound_forms(pattern: str, text: str, expected: list[str]) -> None:
    assert hits([pattern], text) == expected


@pytest.mark.parametrize("text", [
    "Vi har mål- og resultatstyring her.",
    "Vi har mål- eller resultatstyring her.",
    "Kontoret bruker mål-, resultat- og budsjettstyring.",
])
def test_coordinated_compounds_expand(text: str) -> None:
    found = hits(["målstyring"], text)
    assert len(found) == 1 and found[0].startswith("mål-")


def test_coordinated_compound_tokens() -> None:
    tokens = tokens_with_compounds("Stats- og kommuneansatte")
    assert tokens[0][3] == "statsansatte" and tokens[0][2] == len("Stats- og kommuneansatte")
    assert tokenize("mål- og resultatstyring")[0] == "mål\x00målstyring"
    assert hits(["statsansatt*"], "Stats- og kommuneansatte møtes.") == ["Stats- og kommuneansatte"]


def test_false_friends_are_excluded_per_label() -> None:
    text = "De tillitsvalgte og mestringstilliten, men tilliten til lederen er god."
    patterns = ["tillit*", "*tillit", "-tillitsvalgt*", "-mestringstillit"]
    assert set(hits(patterns, text)) == {"tilliten"}
    # another label without the exclusions still sees the words
    both = PatternSet([LabelPatterns("tillit", patterns), LabelPatterns("fag", ["tillitsvalgt*"])])
    assert {(h.label, h.text) for h in both.match(text)} == {("fag", "tillitsvalgte"), ("tillit", "tilliten")}


def test_multi_term_pattern_with_excluded_token_is_no_hit() -> None:
    assert hits(["stole på", "-stoler"], "Jeg stoler på henne.") == []


def test_hit_spans_point_into_the_text() -> None:
    text = "Vi har mål- og resultatstyring, og Tilliten vokser."
    patterns = PatternSet([LabelPatterns("m", ["målstyring"]), LabelPatterns("t", ["tillit"])])
    for hit in patterns.match(text):
        assert text[hit.start:hit.end] == hit.text


TEXTS = [
    "Tilliten er stor, og tillitsreformen hjelper.",
    "De tillitsvalgte sa nei, og mestringstilliten økte.",
    "Resultatmålingene og brukermåling ble målt i fjor.",
    "Vi har mål- og resultatstyring her, og målene er mange.",
    "Jeg stoler på deg. Stoler du på meg? Vi må ta vare på hverandre.",
    "Ingen treff i denne setningen.",
    "",
    "stole på stole på ta vare",
]


def test_fast_counts_agree_with_match() -> None:
    labels = [
        LabelPatterns("tillit", ["tillit*", "-tillitsvalgt*", "-mestringstillit", "stole på"], ["ta vare på", "trygg*"]),
        LabelPatterns("måling", ["*måling", "målstyring", "måle"], ["mål", "hverandre"]),
    ]
    patterns = PatternSet(labels)
    counts = patterns.count(TEXTS)
    for row, text in enumerate(TEXTS):
        found = patterns.match(text)
        for k, label in enumerate(patterns.labels):
            strong = {h.pattern for h in found if h.label == label and not h.weak}
            weak = {h.pattern for h in found if h.label == label and h.weak}
            occurrences = sum(1 for h in found if h.label == label and not h.weak)
            assert counts.strong[row, k] == len(strong), (text, label)
            assert counts.weak[row, k] == len(weak), (text, label)
            assert counts.strong_occurrences[row, k] == occurrences, (text, label)


def test_compiled_pattern_sets_are_shared_and_case_insensitive() -> None:
    first = compile_patterns([LabelPatterns("t", ["TILLIT*"])])
    assert compile_patterns([LabelPatterns("t", ["TILLIT*"])]) is first
    assert [h.text for h in first.match("TILLITEN er høy")] == ["TILLITEN"]


def test_pattern_scorer_counts_weak_cues_only_with_other_evidence() -> None:
    strong = np.array([[0.0], [1.0], [1.0], [0.0], [2.0]])
    weak = np.array([[1.0], [0.0], [1.0], [2.0], [0.0]])
    scores = PatternScorer().score(HitCounts(strong, weak, strong)).ravel()
    assert scores[0] == 0.0  # a lone weak cue
    assert scores[1] == pytest.approx(0.5)  # one strong hit
    assert scores[2] > scores[1]  # strong + weak
    assert scores[3] == pytest.approx(0.5)  # two weak cues together
    assert scores[4] == pytest.approx(0.75)


def test_bad_pattern_names_the_code() -> None:
    with pytest.raises(CodebookError, match="tillit/x"):
        PatternSet([LabelPatterns("tillit/x", ["til*lit"])])
