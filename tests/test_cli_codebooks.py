"""The codebook and code commands: thin calls into qualcode.codebook_ops, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.codebook_ops import create_codebook
from qualcode.coding import apply_code, resolve_code
from qualcode.db.models import Coding, Document, Event
from qualcode.db.session import open_engine, session_scope

BOOK = """\
name: hverdag
description: Fiktiv kodebok.
codes:
  - name: arbeid
    definition: Om arbeid.
  - name: hjem
    definition: Om hjemmet.
"""


@pytest.fixture
def project(tmp_path: Path) -> tuple[str, Path]:
    db = tmp_path / "p.sqlite"
    engine = open_engine(db)
    with session_scope(engine) as s:
        create_codebook(s, "tom")
    book = tmp_path / "hverdag.yaml"
    book.write_text(BOOK, encoding="utf-8")
    return str(db), book


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_import_list_and_manage_codes(project: tuple[str, Path]) -> None:
    db, book = project
    code, out = run("codebook", "import", str(book), "--db", db, "--actor", "ingrid")
    assert code == 0 and "hverdag: 2 new" in out
    with session_scope(open_engine(db)) as s:
        s.add(Document(name="d.txt", text="Jeg jobber hjemme.", sha256="0" * 64, format="txt"))
        s.flush()
        doc_id = s.scalar(select(Document.id))
        assert doc_id is not None
        coding_id = apply_code(s, doc_id, 4, 10, resolve_code(s, "hverdag/arbeid").id, "ingrid").id

    assert run("code", "create", "hverdag/kontor", "--parent", "arbeid", "--db", db)[0] == 0
    assert run("code", "rename", "hverdag/kontor", "hjemmekontor", "--db", db)[0] == 0
    assert run("code", "move", "hjemmekontor", "--parent", "hjem", "--db", db)[0] == 0
    code, out = run("code", "split", "arbeid", "lønnet", "ulønnet", "--reassign", f"lønnet={coding_id}", "--db", db)
    assert code == 0 and "hverdag/lønnet" in out
    code, out = run("code", "merge", "hverdag/lønnet", "hverdag/hjem", "--db", db)
    assert code == 0 and "1 codings moved" in out
    assert run("code", "retire", "ulønnet", "--db", db)[0] == 0
    code, out = run("codebook", "list", "--db", db, "--retired")
    assert code == 0
    assert "  hjem  " in out and "    hjemmekontor  " in out and "[retired]" in out and "1 codings" in out

    with session_scope(open_engine(db)) as s:
        assert s.get(Coding, coding_id).code.path == "hverdag/hjem"  # type: ignore[union-attr]
        kinds = set(s.scalars(select(Event.kind)))
    assert {"codebook.import", "code.create", "code.rename", "code.move", "code.split", "code.merge",
            "code.retire"} <= kinds


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("code", "create", "uten-skråstrek"), "write the new code as codebook/code"),
        (("code", "rename", "finnes/ikke", "noe"), "unknown code 'finnes/ikke'"),
        (("code", "merge", "tom", "tom"), "unknown code 'tom'"),
        (("code", "split", "x", "a", "--reassign", "a=b"), "--reassign a=b: write NAME=ID,ID"),
        (("codebook", "create", "tom"), "a codebook 'tom' already exists"),
    ],
)
def test_errors_are_one_line(project: tuple[str, Path], args: tuple[str, ...], message: str) -> None:
    db, _book = project
    code, out = run(*args, "--db", db)
    assert code == 1
    assert out.strip().startswith("error: ") and message in out and len(out.strip().splitlines()) == 1


def test_import_reports_a_bad_file(project: tuple[str, Path], tmp_path: Path) -> None:
    db, _book = project
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncodes:\n  - name: y\n    definition: z\n    color: blå\n", encoding="utf-8")
    code, out = run("codebook", "import", str(bad), "--db", db)
    assert code == 1 and 'code "x/y": field "color"' in out


def test_codebook_export_yaml_and_json_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from qualcode.cli import app
    from qualcode.codebook import load_codebook

    runner = CliRunner()
    db = str(tmp_path / "p.sqlite")
    assert runner.invoke(app, ["init", "--db", db]).exit_code == 0
    folder = tmp_path / "books"
    result = runner.invoke(app, ["codebook", "export", "--db", db, "-o", str(folder)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["autonomi.yaml", "likeverd.yaml", "måling.yaml", "tillit.yaml"]
    assert len(load_codebook(folder / "tillit.yaml").codes) == 6
    result = runner.invoke(app, ["codebook", "export", "--db", db, "--name", "måling", "--format", "json",
                                 "-o", str(tmp_path / "m.json")])
    assert result.exit_code == 0 and load_codebook(tmp_path / "m.json").name == "måling"
    db2 = str(tmp_path / "q.sqlite")
    runner.invoke(app, ["init", "--db", db2, "--no-codebooks"])
    assert runner.invoke(app, ["codebook", "import", str(folder), "--db", db2]).exit_code == 0
    again = tmp_path / "again"
    runner.invoke(app, ["codebook", "export", "--db", db2, "-o", str(again)])
    assert (again / "likeverd.yaml").read_text(encoding="utf-8") == (folder / "likeverd.yaml").read_text(encoding="utf-8")
    bad = runner.invoke(app, ["codebook", "export", "--db", db, "--format", "xml"])
    assert bad.exit_code == 1 and "--format xml" in bad.stderr
