"""Retrieval with filters and attribution; lemma-aware full-text search with KWIC."""

from __future__ import annotations

import pytest
from conftest import DocSpec, ProjectSpec
from sqlalchemy import update

from qualcode.db.models import Segment
from qualcode.db.session import session_scope
from qualcode.errors import InputError, NotFoundError
from qualcode.search import KWIC_COLUMNS, parse_filters, retrieve, search


def test_search_finds_inflected_forms(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        hits = search(s, "måling")
    assert list(hits.columns) == KWIC_COLUMNS
    assert hits["keyword"].tolist() == ["Målingene"]
    hit = hits.iloc[0]
    assert hit["lemma"] == "måling" and hit["attribution"] == "(Informant 1, enleder, stat)"
    assert hit["right"].startswith(" tar mye tid") and hit["left"].endswith("Informant 1: ")


def test_search_offsets_point_at_the_keyword(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        hits = search(s, "tillit")
        from qualcode.db.models import Document

        texts = {d.name: d.text for d in s.query(Document)}
    assert len(hits) == 3  # 'tillit' twice and 'tilliten' in a participant turn; interviewer turns excluded
    for hit in hits.to_dict(orient="records"):
        assert texts[hit["document"]][hit["start"]:hit["end"]] == hit["keyword"]


def test_search_interviewer_turns_on_request(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        default = search(s, "tilliten")
        everything = search(s, "tilliten", include_interviewer=True)
    assert len(everything) > len(default)
    assert set(everything["speaker"]) >= {"Intervjuer"}


def test_search_filters_and_all_terms(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        toleder = search(s, "tillit", where={"ledermodell": "toleder"})
        both = search(s, "tillit lederen")
        kommune = search(s, "tillit", where={"linje": "Kommune"})
    assert toleder.empty
    assert set(both["lemma"]) == {"tillit", "leder"} and set(both["document"]) == {"intervju1.txt", "intervju2.txt"}
    assert set(kommune["case"]) == {"Informant 2", "Informant 5"}


def test_search_compounds(make_project):
    doc = DocSpec("a.txt", "A", [("A", "participant", "Brukermålingene viser lite. Målingen var ny.")])
    engine, _ = make_project(ProjectSpec(documents=[doc], codes={}))
    with session_scope(engine) as s:
        plain = search(s, "måling")
        compounds = search(s, "måling", compounds=True)
    assert plain["keyword"].tolist() == ["Målingen"]
    assert compounds["keyword"].tolist() == ["Brukermålingene", "Målingen"]


def test_search_without_stored_lemmas(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        s.execute(update(Segment).values(lemma_text=None))
    with session_scope(engine) as s:
        assert search(s, "målingene")["keyword"].tolist() == ["Målingene"]


def test_search_bad_input(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        with pytest.raises(InputError, match="has no words"):
            search(s, "  ...  ")
        with pytest.raises(NotFoundError, match="unknown attribute 'kjønn'"):
            search(s, "tillit", where={"kjønn": "k"})
        with pytest.raises(NotFoundError, match="unknown document"):
            search(s, "tillit", document="finnes.txt")


def test_retrieve_by_code_with_filters_and_context(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        rows = retrieve(s, ["gjensidig tillit"], where={"linje": "kommune"}, coder="ingrid", context=12)
    assert rows["case"].tolist() == ["Informant 2", "Informant 5"]
    first = rows.iloc[0]
    assert first["text"] == "Jeg har tillit til lederen"
    assert first["right"] == ", men kommun" and first["attribution"] == "(Informant 2, enleder, kommune)"


def test_retrieve_attribution_attributes_and_errors(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        rows = retrieve(s, ["tillit/gjensidig tillit"], attribution=["alder"], document="intervju1.txt")
        assert set(rows["attribution"]) == {"(Informant 1, 45)"}
        assert len(rows) == 2  # both coders; the interviewer-turn coding is left out
        assert len(retrieve(s, ["tillit/gjensidig tillit"], document="intervju1.txt",
                            include_interviewer=True)) == 3
        with pytest.raises(NotFoundError, match="unknown code"):
            retrieve(s, ["tillit/finnes ikke"])
        with pytest.raises(NotFoundError, match="unknown coder"):
            retrieve(s, coder="nobody")


def test_parse_filters():
    assert parse_filters(["ledermodell=toleder", " linje = stat "]) == {"ledermodell": "toleder", "linje": "stat"}
    with pytest.raises(InputError, match="ATTRIBUTE=VALUE"):
        parse_filters(["ledermodell"])
