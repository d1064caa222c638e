"""The analysis commands end to end: output shapes, formats and one-line errors (never a traceback)."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from qualcode.cli import app

runner = CliRunner()


@pytest.fixture
def db(nav_project) -> str:
    engine, _ = nav_project
    return str(engine.url.database)


def _run(*args: str):
    return runner.invoke(app, list(args))


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_matrix_csv(db):
    result = _run("matrix", "--db", db, "--rows", "code", "--cols", "ledermodell")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "code,enleder,toleder"
    rows = {r["code"]: r for r in _csv(result.stdout)}
    assert rows["tillit/gjensidig tillit"] == {"code": "tillit/gjensidig tillit", "enleder": "5", "toleder": "0"}


def test_matrix_measures_coder_and_interviewer(db):
    share = _csv(_run("matrix", "--db", db, "--cols", "ledermodell", "--measure", "share").stdout)
    assert {r["code"]: float(r["toleder"]) for r in share}["likeverd/ubalanse mellom linjene"] == pytest.approx(2 / 3)
    martin = _csv(_run("matrix", "--db", db, "--cols", "ledermodell", "--coder", "martin").stdout)
    assert {r["code"]: r["enleder"] for r in martin}["tillit/gjensidig tillit"] == "2"
    both = _csv(_run("matrix", "--db", db, "--cols", "ledermodell", "--include-interviewer").stdout)
    assert {r["code"]: r["enleder"] for r in both}["tillit/gjensidig tillit"] == "6"
    books = _run("matrix", "--db", db, "--rows", "codebook", "--cols", "linje", "--measure", "informants")
    assert books.stdout.splitlines()[0] == "codebook,kommune,stat"


def test_matrix_json_and_xlsx(db, tmp_path):
    records = json.loads(_run("matrix", "--db", db, "--cols", "ledermodell", "--format", "json").stdout)
    assert records[0] == {"code": "tillit/gjensidig tillit", "enleder": 5, "toleder": 0}
    out = tmp_path / "m.xlsx"
    result = _run("matrix", "--db", db, "--cols", "ledermodell", "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0
    assert pd.read_excel(out).columns.tolist() == ["code", "enleder", "toleder"]


@pytest.mark.parametrize(("args", "message"), [
    (("matrix", "--cols", "kjønn"), "unknown attribute 'kjønn'"),
    (("matrix", "--cols", "ledermodell", "--coder", "nobody"), "unknown coder 'nobody'; known: ingrid, martin"),
    (("matrix", "--cols", "ledermodell", "--measure", "mean"), "unknown measure"),
    (("matrix", "--cols", "ledermodell", "--format", "xlsx"), "needs an output file"),
    (("agreement", "--coders", "ingrid"), "at least two different coders"),
    (("agreement", "--coders", "ingrid,nobody"), "unknown coder 'nobody'"),
    (("stats", "--attribute", "kjønn"), "unknown attribute 'kjønn'"),
    (("search", "..."), "has no words"),
    (("retrieve", "--where", "ledermodell"), "ATTRIBUTE=VALUE"),
])
def test_bad_arguments_give_one_line(db, args, message):
    result = _run(*args[:1], "--db", db, *args[1:])
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1


def test_agreement_json_shape(db):
    result = _run("agreement", "--db", db, "--coders", "ingrid,martin", "--unit", "segment", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    code = payload["per_code"]["tillit/gjensidig tillit"]
    assert {"n_units", "percent_agreement", "kappa", "alpha", "prevalence", "alpha_ci_low"} <= set(code)
    assert code["n_units"] == 6 and code["percent_agreement"] == 1.0
    assert 0 <= payload["overall"]["percent_agreement"] <= 1
    assert [d["document"] for d in payload["documents_skipped"]] == ["intervju4.txt", "intervju5.txt",
                                                                      "intervju6.txt"]
    assert "dokument" in result.stderr  # the skipped documents are also said out loud


def test_agreement_csv_and_disagreements(db):
    table = _csv(_run("agreement", "--db", db, "--coders", "ingrid,martin").stdout)
    assert table[-1]["code"] == "(samlet)"
    dis = _csv(_run("agreement", "--db", db, "--coders", "ingrid,martin", "--disagreements").stdout)
    assert {r["coders_yes"] for r in dis} == {"ingrid", "martin"} and len(dis) == 3


def test_frequencies_presence_cooccurrence_stats(db):
    freq = _csv(_run("frequencies", "--db", db).stdout)
    assert freq[0]["code"] == "tillit/gjensidig tillit" and freq[0]["informants"] == "3"
    presence = _csv(_run("presence", "--db", db).stdout)
    assert presence[0]["case"] == "Informant 1" and presence[0]["tillit/gjensidig tillit"] == "1"
    co = _run("cooccurrence", "--db", db, "--jaccard")
    assert co.exit_code == 0 and co.stdout.startswith("code,")
    stats = _run("stats", "--db", db, "--attribute", "ledermodell", "--format", "json")
    rows = json.loads(stats.stdout)
    assert rows[0]["test"] == "fisher" and "warning" in rows[0] and "beskrivende" in stats.stderr


def test_framework_search_retrieve_report(db, tmp_path):
    framework = _run("framework", "--db", db)
    assert framework.exit_code == 0 and framework.stdout.startswith("case,")
    docx = tmp_path / "f.docx"
    assert _run("framework", "--db", db, "--format", "docx", "-o", str(docx)).exit_code == 0 and docx.exists()
    xlsx = tmp_path / "f.xlsx"
    assert _run("framework", "--db", db, "--format", "xlsx", "-o", str(xlsx)).exit_code == 0
    assert list(pd.read_excel(xlsx, sheet_name=None)) == ["sitater", "memo", "antall"]
    hits = _csv(_run("search", "måling", "--db", db).stdout)
    assert hits[0]["keyword"] == "Målingene" and hits[0]["attribution"] == "(Informant 1, enleder, stat)"
    quotes = _csv(_run("retrieve", "--db", db, "--code", "gjensidig tillit", "--where", "ledermodell=enleder").stdout)
    assert {q["case"] for q in quotes} == {"Informant 1", "Informant 2", "Informant 5"}
    report = tmp_path / "r.docx"
    assert _run("report", "--db", db, "-o", str(report)).exit_code == 0 and report.stat().st_size > 0
