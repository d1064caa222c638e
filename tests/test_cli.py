"""The project commands: init, import, import-codings, export, demo, ui — exit codes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from qualcode.cli import app

runner = CliRunner()
INTERVIEW = "I: Hvordan er tilliten?\n\nInformant: Jeg stoler på lederen, og målekortet er grønt.\n"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_init_loads_the_four_codebooks(tmp_path: Path) -> None:
    code, out, _ = run("init", "--db", str(tmp_path / "p.sqlite"))
    assert code == 0 and "4 codebooks" in out
    code, out, _ = run("init", "--db", str(tmp_path / "q.sqlite"), "--no-codebooks")
    assert code == 0 and "0 codebooks" in out


def test_import_reports_each_file_and_fails_when_one_fails(tmp_path: Path) -> None:
    db = str(tmp_path / "p.sqlite")
    (tmp_path / "a.txt").write_text(INTERVIEW, encoding="utf-8")
    (tmp_path / "tom.txt").write_text("", encoding="utf-8")
    code, out, err = run("import", str(tmp_path / "a.txt"), str(tmp_path / "tom.txt"), "--db", db)
    assert code == 1
    assert "imported  a.txt" in out
    assert "tom.txt" in err and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("error: 1 of 2 file(s) failed")
    code, out, _ = run("import", str(tmp_path / "a.txt"), "--db", db)
    assert code == 0 and "unchanged" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [(["export", "segments", "--db", "{tmp}/none.sqlite"], "no such database"),
     (["import", "{tmp}/a.txt", "--db", "{tmp}/p.sqlite", "--segment", "ord"], "--segment ord"),
     (["import", "{tmp}/a.txt", "--db", "{tmp}/p.sqlite", "--meta", "{tmp}/mangler.csv"], "does not exist"),
     (["import-codings", "{tmp}/mangler.csv", "--db", "{tmp}/p.sqlite"], "no such file"),
     (["export", "cases", "--db", "{tmp}/p.sqlite", "--format", "xlsx"], "needs an output file")],
)
def test_bad_arguments_give_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "a.txt").write_text(INTERVIEW, encoding="utf-8")
    run("init", "--db", str(tmp_path / "p.sqlite"))
    code, _, err = run(*[a.format(tmp=tmp_path) for a in args])
    assert code == 1
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_exports_have_the_documented_columns(demo_copy: Path, tmp_path: Path) -> None:
    db = str(demo_copy)
    code, out, _ = run("export", "segments", "--db", db)
    assert code == 0
    header = out.splitlines()[0].split(",")
    assert header[:8] == ["document", "case", "segment", "start", "end", "speaker", "speaker_role", "text"]
    code, out, _ = run("export", "codings", "--db", db, "--format", "json")
    rows = json.loads(out)
    assert list(rows[0])[:9] == ["document", "case", "start", "end", "code", "codebook", "coder", "source", "text"]
    assert "ledermodell" in rows[0]
    out_file = tmp_path / "cases.xlsx"
    code, _, _ = run("export", "cases", "--db", db, "--format", "xlsx", "-o", str(out_file))
    cases = pd.read_excel(out_file)
    assert code == 0 and list(cases.columns)[0] == "case" and "ledermodell" in cases.columns
    code, out, _ = run("export", "codebooks", "--db", db, "--format", "json")
    books = json.loads(out)
    assert {b["name"] for b in books} == {"tillit", "autonomi", "måling", "likeverd"}
    first_code = books[0]["codes"][0]
    for key in ("name", "definition", "inclusion", "exclusion", "examples", "color", "patterns", "children"):
        assert key in first_code


def test_demo_without_ui(tmp_path: Path) -> None:
    code, out, _ = run("demo", "--db", str(tmp_path / "d.sqlite"), "--no-ui")
    assert code == 0 and "16 documents" in out and "ingrid" in out and "martin" in out
