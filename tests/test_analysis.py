"""Frequencies, matrices, presence, co-occurrence and framework matrices on the fixture project.

Hand counts (see ``conftest.nav_spec``): enleder = Informants 1, 2, 5 (participant words 27 + 22 + 7 = 56),
toleder = Informants 3, 4, 6 (17 + 9 + 7 = 33). ingrid also coded one interviewer turn in intervju1.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from qualcode import analysis as A
from qualcode import frames
from qualcode.db.session import session_scope
from qualcode.errors import InputError, NotFoundError

GT = "tillit/gjensidig tillit"
MK = "måling/målekort og indikatorer"
UB = "likeverd/ubalanse mellom linjene"


@pytest.fixture
def pf(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        return frames.project_frames(s)


def _matrix(pf, cols="ledermodell", measure="codings", rows="code"):
    table = A.code_matrix(pf.codings, pf.coded_segments, pf.segments, pf.cases, cols=cols, measure=measure,
                          rows=rows, codes=pf.codes)
    return table.set_index(table.columns[0])


def test_matrix_header_and_codings(pf):
    table = A.code_matrix(pf.codings, pf.coded_segments, pf.segments, pf.cases, cols="ledermodell", codes=pf.codes)
    assert list(table.columns) == ["code", "enleder", "toleder"]
    counts = table.set_index("code")
    assert counts.loc[GT].tolist() == [5, 0]  # ingrid 1, 2, 5 + martin 1, 2
    assert counts.loc[MK].tolist() == [1, 3]
    assert counts.loc["tillit/mistillit"].tolist() == [0, 0]  # unused codes are listed


@pytest.mark.parametrize(("measure", "enleder", "toleder"), [
    ("segments", 3, 0),
    ("informants", 3, 0),
    ("documents", 3, 0),
    ("words", 14 + 14 + 5 + 12 + 7, 0),
    ("per1000", 5 * 1000 / 56, 0.0),
    ("share", 1.0, 0.0),
])
def test_matrix_measures_by_hand(pf, measure, enleder, toleder):
    row = _matrix(pf, measure=measure).loc[GT]
    assert row["enleder"] == pytest.approx(enleder) and row["toleder"] == pytest.approx(toleder)


def test_matrix_share_and_per1000_for_toleder(pf):
    assert _matrix(pf, measure="share").loc[UB, "toleder"] == pytest.approx(2 / 3)
    assert _matrix(pf, measure="per1000").loc[UB, "toleder"] == pytest.approx(3 * 1000 / 33)


def test_interviewer_turns_are_excluded_by_default(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        default = frames.project_frames(s)
        everything = frames.project_frames(s, include_interviewer=True)
    assert _matrix(default).loc[GT, "enleder"] == 5
    assert _matrix(everything).loc[GT, "enleder"] == 6
    # the interviewer's words do not count in per1000
    assert _matrix(default, measure="per1000").loc[GT, "enleder"] == pytest.approx(5000 / 56)


def test_matrix_one_coder(nav_project):
    engine, _ = nav_project
    with session_scope(engine) as s:
        martin = frames.project_frames(s, coder="martin")
    assert _matrix(martin).loc[GT].tolist() == [2, 0]


def test_matrix_rows_codebook_case_and_attribute(pf):
    books = _matrix(pf, rows="codebook")
    assert books.index.tolist() == ["tillit", "måling", "likeverd"]
    assert books.loc["likeverd"].tolist() == [3, 3]
    by_case = _matrix(pf, rows="case", cols="code")
    assert by_case.loc["Informant 1", GT] == 2 and by_case.loc["Informant 6", UB] == 1
    cross = _matrix(pf, rows="ledermodell", cols="linje")
    assert cross.columns.tolist() == ["kommune", "stat"]
    assert cross.loc["enleder", "stat"] == 4  # Informant 1: 2 + 1 + 1 codings by two coders
    ages = _matrix(pf, cols="alder")
    assert ages.columns.tolist() == ["38", "45", "52", "61"]  # numeric order, Informants 5-6 have none


def test_matrix_bad_arguments(pf):
    with pytest.raises(NotFoundError, match="unknown attribute 'kjønn'; known attributes: alder, ledermodell, linje"):
        _matrix(pf, cols="kjønn")
    with pytest.raises(InputError, match="unknown measure"):
        _matrix(pf, measure="mean")
    with pytest.raises(InputError, match="both 'code'"):
        _matrix(pf, cols="code")


def test_matrix_long_has_denominators(pf):
    long = A.matrix_long(pf.codings, pf.coded_segments, pf.segments, pf.cases, cols="ledermodell")
    enleder = long[long["ledermodell"] == "enleder"]
    assert set(enleder["group_words"]) == {56} and set(enleder["group_informants"]) == {3}


def test_frequencies_by_hand(pf):
    table = A.frequencies(pf.codings, pf.coded_segments, codes=pf.codes).set_index("code")
    assert table.loc[GT, ["codings", "segments", "documents", "informants"]].tolist() == [5, 3, 3, 3]
    assert table.loc[GT, "codebook"] == "tillit"
    assert table.loc["tillit/mistillit", "codings"] == 0
    by_coder = A.frequencies(pf.codings, pf.coded_segments, by_coder=True, codes=pf.codes)
    martin = by_coder[by_coder["coder"] == "martin"].set_index("code")
    assert martin.loc[GT, "codings"] == 2 and martin.loc[MK, "informants"] == 2
    books = A.frequencies(pf.codings, pf.coded_segments, level="codebook", codes=pf.codes).set_index("codebook")
    assert books.loc["likeverd", "codings"] == 6


def test_presence_table(pf):
    table = A.presence_table(pf.codings, pf.cases, pf.codes).set_index("case")
    assert table.loc["Informant 1", GT] == 1 and table.loc["Informant 3", GT] == 0
    assert table.loc["Informant 6", UB] == 1 and table.loc["Informant 6", "ledermodell"] == "toleder"
    assert set(table[[GT, MK, UB]].stack()) <= {0, 1}
    bare = A.presence_table(pf.codings, pf.cases, attributes=False)
    assert "ledermodell" not in bare.columns and len(bare) == 6


def test_cooccurrence_segments_and_jaccard(pf):
    counts = A.cooccurrence(pf.coded_segments).set_index("code")
    assert counts.loc[GT, GT] == 3
    assert counts.loc[GT, UB] == counts.loc[UB, GT] == 1  # intervju2, second answer
    assert counts.loc[MK, "måling/målforskyvning"] == 1  # intervju1, second answer (two coders)
    jaccard = A.cooccurrence(pf.coded_segments, measure="jaccard").set_index("code")
    assert jaccard.loc[GT, UB] == pytest.approx(1 / (3 + 3 - 1))
    assert jaccard.loc[GT, GT] == 1.0


def test_cooccurrence_spans(pf):
    spans = A.cooccurrence(pf.codings, unit="span").set_index("code")
    assert spans.loc[GT, GT] == 5  # diagonal: codings of the code
    # martin's whole-turn coding overlaps ingrid's 'lillebror' quote; ingrid's two quotes do not overlap
    assert spans.loc[GT, UB] == 1
    with pytest.raises(InputError, match="jaccard needs --unit segment"):
        A.cooccurrence(pf.codings, unit="span", measure="jaccard")


def test_framework_matrix(nav_project):
    engine, ids = nav_project
    with session_scope(engine) as s:
        pf = frames.project_frames(s)
        memos = frames.memos_frame(s)
    long = A.framework_long(pf.codings, pf.cases, pf.codes, memos)
    cell = long[(long["case"] == "Informant 1") & (long["code"] == GT)].iloc[0]
    assert cell["codings"] == 2
    assert cell["quotes"].count("«") == 1  # the same passage by two coders is quoted once
    assert cell["memo"] == "Tillit begge veier."
    wide = A.framework_matrix(pf.codings, pf.cases, pf.codes, memos).set_index("case")
    assert wide.loc["Informant 2", GT].startswith("«Jeg har tillit til lederen»")
    assert wide.loc["Informant 3", GT] == ""
    assert "ledermodell" in wide.columns and len(wide) == 6


def test_analysis_imports_neither_db_nor_nlp():
    package = Path(A.__file__).parent
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not name.startswith(("qualcode.db", "qualcode.nlp", "qualcode.frames", "sqlalchemy",
                                            "streamlit")), f"{path.name} imports {name}"


def test_empty_project_gives_empty_tables(make_project):
    from conftest import DocSpec, ProjectSpec

    engine, _ = make_project(ProjectSpec(documents=[DocSpec("a.txt", "A", [("A", "participant", "Hei.")])],
                                         codes={"bok": ["kode"]}, cases={"A": {"gruppe": "x"}}))
    with session_scope(engine) as s:
        pf = frames.project_frames(s)
    table = A.code_matrix(pf.codings, pf.coded_segments, pf.segments, pf.cases, cols="gruppe", codes=pf.codes)
    assert table.to_dict(orient="records") == [{"code": "bok/kode", "x": 0}]
    assert A.frequencies(pf.codings, pf.coded_segments, codes=pf.codes)["codings"].tolist() == [0]
    assert A.cooccurrence(pf.coded_segments).empty
    assert isinstance(A.framework_matrix(pf.codings, pf.cases), pd.DataFrame)


def test_benchmark_script_reports_the_agreed_keys():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "bench" / "analysis.py"
    spec = importlib.util.spec_from_file_location("bench_analysis", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.run(3000)
    assert set(result) == {"codings", "matrix_seconds", "agreement_seconds", "cooccurrence_seconds"}
    assert result["codings"] == 3000 and all(v >= 0 for v in result.values())


def test_codings_with_attributes_one_row_per_coding(pf):
    table = A.with_attributes(pf.codings, pf.cases)
    assert len(table) == len(pf.codings)
    assert table.columns.tolist()[-3:] == ["alder", "ledermodell", "linje"]
    row = table[table["case"] == "Informant 4"].iloc[0]
    assert row["ledermodell"] == "toleder" and row["alder"] == 61.0
    clash = A.with_attributes(pf.codings, pf.cases.rename(columns={"linje": "source"}))
    assert "attr_source" in clash.columns and set(clash["source"]) == {"manual"}
