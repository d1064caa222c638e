"""Database -> tidy frames: columns, interviewer exclusion, snapshots, interval overlap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import CodingSpec, DocSpec, ProjectSpec
from sqlalchemy import update

from qualcode import frames
from qualcode.analysis.common import overlap_pairs
from qualcode.db.models import Coding
from qualcode.db.session import session_scope
from qualcode.errors import IntegrityError, NotFoundError


def test_segments_frame_leaves_out_interviewer_turns(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        participant = frames.segments_frame(s)
        everything = frames.segments_frame(s, include_interviewer=True)
    assert list(participant.columns) == frames.SEGMENT_COLUMNS
    assert set(participant["speaker_role"]) == {"participant"}
    assert len(participant) == 9 and len(everything) == 18
    first = participant.iloc[0]
    assert first["text"].startswith("Vi har stor tillit") and first["words"] == 14
    assert first["case"] == "Informant 1" and first["document"] == "intervju1.txt"


def test_cases_frame_types_attributes(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        cases = frames.cases_frame(s)
    assert list(cases["case"]) == [f"Informant {i}" for i in range(1, 7)]
    assert cases["alder"].dtype == "float64"
    assert cases.loc[0, "alder"] == 45.0 and np.isnan(cases.loc[4, "alder"])
    assert list(cases["ledermodell"]) == ["enleder", "enleder", "toleder", "toleder", "enleder", "toleder"]


def test_cases_frame_booleans(make_project):
    spec = ProjectSpec(documents=[DocSpec("a.txt", "A", [("A", "participant", "Hei.")])], codes={},
                       cases={"A": {"leder": "ja"}, "B": {"leder": "nei"}, "C": {}},
                       attribute_types={"leder": "boolean"})
    engine, _ = make_project(spec)
    with session_scope(engine) as s:
        cases = frames.cases_frame(s)
    assert str(cases["leder"].dtype) == "boolean"
    assert cases["leder"].tolist()[:2] == [True, False] and cases["leder"].isna().tolist()[2]


def test_codings_frame_excludes_interviewer_only_codings(nav_project):
    engine, ids = nav_project
    with session_scope(engine) as s:
        default = frames.codings_frame(s)
        everything = frames.codings_frame(s, include_interviewer=True)
    assert list(default.columns) == frames.CODING_COLUMNS
    interviewer_coding = ids["codings"][2]
    assert interviewer_coding in set(everything["coding_id"])
    assert interviewer_coding not in set(default["coding_id"])
    assert len(everything) - len(default) == 1
    row = default.set_index("coding_id").loc[ids["codings"][4]]
    assert row["text"] == "Jeg har tillit til lederen" and row["words"] == 5
    assert row["code_path"] == "tillit/gjensidig tillit" and row["codebook"] == "tillit"


def test_coding_across_interviewer_and_participant_counts(make_project):
    doc = DocSpec("a.txt", "A", [("I", "interviewer", "Hva tenker du?"), ("A", "participant", "Jeg tenker mye.")])
    spec = ProjectSpec(documents=[doc], codes={"bok": ["kode"]},
                       codings=[CodingSpec("a.txt", "du?\nA: Jeg", "bok/kode", "ingrid")])
    engine, _ = make_project(spec)
    with session_scope(engine) as s:
        codings = frames.codings_frame(s)
        coded = frames.coded_segments_frame(s)
    assert len(codings) == 1  # overlaps a participant segment, so it is not an interviewer coding
    assert coded["ordinal"].tolist() == [1]


def test_coder_filter_and_unknown_coder(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        martin = frames.codings_frame(s, coder="martin")
        assert set(martin["coder"]) == {"martin"} and len(martin) == 6
        with pytest.raises(NotFoundError, match=r"unknown coder 'nobody'; known: ingrid, martin"):
            frames.codings_frame(s, coder="nobody")


def test_snapshot_mismatch_raises_integrity_error(nav_project):
    engine, ids = nav_project
    bad = ids["codings"][0]
    with session_scope(engine) as s:
        s.execute(update(Coding).where(Coding.id == bad).values(text="noe annet"))
    with session_scope(engine) as s, pytest.raises(IntegrityError, match=rf"coding {bad} in document 'intervju1.txt'"):
        frames.codings_frame(s)


def test_coded_segments_one_row_per_overlapped_segment(make_project):
    doc = DocSpec("a.txt", "A", [("A", "participant", "Første setning her."), ("A", "participant", "Andre setning."),
                                 ("A", "participant", "Tredje.")])
    spec = ProjectSpec(documents=[doc], codes={"bok": ["kode"]},
                       codings=[CodingSpec("a.txt", "her.\nA: Andre", "bok/kode", "ingrid")])
    engine, ids = make_project(spec)
    with session_scope(engine) as s:
        coded = frames.coded_segments_frame(s)
    assert list(coded.columns) == frames.CODED_SEGMENT_COLUMNS
    assert coded["segment_id"].tolist() == ids["segments"]["a.txt"][:2]
    assert set(coded["coding_id"]) == {ids["codings"][0]}


def test_documents_and_codes_frames(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        docs = frames.documents_frame(s)
        codes = frames.codes_frame(s)
    doc1 = docs.set_index("document").loc["intervju1.txt"]
    assert doc1["segments"] == 4 and doc1["participant_words"] == 27 and doc1["codings"] == 5
    assert codes["code_path"].tolist()[:2] == ["tillit/gjensidig tillit", "tillit/mistillit"]


def test_project_frames_bundle(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        pf = frames.project_frames(s, coder="ingrid")
    assert set(pf.codings["coder"]) == {"ingrid"} and set(pf.coded_segments["coder"]) == {"ingrid"}
    assert pf.coder == "ingrid" and not pf.include_interviewer


def _brute_force(a: pd.DataFrame, b: pd.DataFrame) -> set[tuple[int, int]]:
    return {(i, j) for i, ra in a.iterrows() for j, rb in b.iterrows()
            if ra.doc == rb.doc and ra.start < rb.end and rb.start < ra.end}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_overlap_pairs_matches_brute_force(seed):
    rng = np.random.default_rng(seed)

    def intervals(n: int) -> pd.DataFrame:
        start = rng.integers(0, 100, n)
        return pd.DataFrame({"doc": rng.integers(1, 4, n), "start": start, "end": start + rng.integers(1, 30, n)})

    a, b = intervals(40), intervals(30)  # b intervals overlap each other too
    i, j = overlap_pairs(a.doc, a.start, a.end, b.doc, b.start, b.end)
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == _brute_force(a, b)
    assert len(i) == len(set(zip(i.tolist(), j.tolist(), strict=True)))


def test_overlap_pairs_touching_is_not_overlap():
    i, j = overlap_pairs([1], [0], [10], [1, 1], [10, 5], [20, 9])
    assert i.tolist() == [0] and j.tolist() == [1]
