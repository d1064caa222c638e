"""The Norwegian pipeline: abbreviations stay inside sentences, lookup lemmas, compounds."""

from __future__ import annotations

import pytest

from qualcode import nlp
from qualcode.ingest.base import trim_span


@pytest.mark.parametrize("abbr", ["bl.a.", "f.eks.", "dvs.", "ca.", "mht.", "osv.", "Bl.a.", "Mht.", "F.eks."])
def test_abbreviations_do_not_end_a_sentence(abbr: str) -> None:
    text = f"Vi snakket {abbr} om målekortet på møtet. Så gikk vi hjem."
    spans = nlp.sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [f"Vi snakket {abbr} om målekortet på møtet.", "Så gikk vi hjem."]


def test_abbreviation_at_sentence_start() -> None:
    text = "Bl.a. har vi lunsj sammen. Mht. tilliten er det bra."
    assert [text[s:e] for s, e in nlp.sentence_spans(text)] == [
        "Bl.a. har vi lunsj sammen.", "Mht. tilliten er det bra."]


@pytest.mark.parametrize(
    ("form", "lemma"),
    [("målingene", "måling"), ("tilliten", "tillit"), ("ledere", "leder"), ("handlingsrommet", "handlingsrom"),
     ("kommunen", "kommune"), ("måles", "måle"), ("skjønnet", "skjønn"),
     # compounds missing from the tables: the longest known tail is lemmatised
     ("brukermålingene", "brukermåling"), ("tillitsreformen", "tillitsreform"), ("NAV-kontoret", "nav-kontor")],
)
def test_lemma(form: str, lemma: str) -> None:
    assert nlp.lemma(form) == lemma


def test_lemma_candidates_keep_ambiguity() -> None:
    assert set(nlp.lemma_candidates("stoler")) == {"stol", "stole"}
    assert nlp.lemma_candidates("mål")[0] == "mål"  # the noun 'goal' first, the verb 'measure' after
    assert "måle" in nlp.lemma_candidates("mål")


def test_words_offsets_are_code_points() -> None:
    text = "Æ 😅 målingene, og NAV-kontoret!"
    found = nlp.words(text)
    assert [w for w, _, _ in found] == ["Æ", "målingene", "og", "NAV-kontoret"]
    assert all(text[s:e] == w for w, s, e in found)


def test_lemma_text_and_pipeline_agree() -> None:
    text = "Tilliten til lederne er stor."
    assert nlp.lemma_text(text) == "tillit til leder være stor"
    doc = nlp.get_nlp()(text)
    assert [t.lemma_ for t in doc if not t.is_punct] == ["tillit", "til", "leder", "være", "stor"]
    assert nlp.get_nlp() is nlp.get_nlp()  # loaded once


def _random_texts(n: int) -> list[str]:
    import random

    rng = random.Random(3)
    pieces = ["Hei", "bl.a.", "målekortet", ".", "!", "?", "...", "…", "«Ja.»", "(sa han).", "\n", "\n\n",
              "f.eks.", "Mht.", "osv.", "—", ",", "kl. 10", "NAV-kontoret", "ok?!", "ja", "Nei", "😅", "\"", "."]
    return [" ".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(n)]


def test_vectorised_sentencizer_matches_spacys() -> None:
    """nb_sentencizer draws exactly the boundaries spaCy's Sentencizer draws, on the same tokens."""
    from spacy.pipeline import Sentencizer

    reference = nlp._blank_nb()
    reference.add_pipe("sentencizer")
    texts = _random_texts(400)
    for text, ours, theirs in zip(texts, nlp.get_nlp().pipe(texts), reference.pipe(texts), strict=True):
        assert [t.is_sent_start for t in ours] == [t.is_sent_start for t in theirs], text
    expected = [[trim_span(text, s.start_char, s.end_char) for s in doc.sents]
                for text, doc in zip(texts, reference.pipe(texts), strict=True)]
    expected = [[(b, e) for b, e in spans if e > b] for spans in expected]
    assert nlp.sentence_spans_many(texts) == expected
    assert Sentencizer.default_punct_chars  # the rule's characters come from spaCy itself
