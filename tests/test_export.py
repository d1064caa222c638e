"""write_frame (csv/json/xlsx), multi-sheet workbooks and the DOCX reports."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from docx import Document as DocxDocument

from qualcode import analysis as A
from qualcode import frames
from qualcode.db.session import session_scope
from qualcode.errors import InputError
from qualcode.export import framework_docx, quote_report_docx, to_json_text, write_frame, write_xlsx
from qualcode.search import retrieve


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame({
        "code": ["tillit/gjensidig tillit", "måling/målforskyvning"],
        "enleder": [1 / 3, np.nan],
        "n": [3, 4],
        "når": pd.to_datetime(["2024-05-01 10:00", None]),
    })


def test_csv_to_file_and_stdout(table, tmp_path, capsys):
    out = tmp_path / "t.csv"
    write_frame(table, "csv", out)
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "code,enleder,n,når"
    assert "0.3333333333333333" in text  # not rounded
    write_frame(table, "csv", None)
    assert capsys.readouterr().out == text
    back = pd.read_csv(out)
    assert back["code"].tolist() == table["code"].tolist()


def test_json_records_utf8_unrounded(table, tmp_path):
    out = tmp_path / "t.json"
    write_frame(table, "json", out)
    raw = out.read_text(encoding="utf-8")
    assert "måling" in raw  # not ASCII-escaped
    records = json.loads(raw)
    assert records[0]["enleder"] == 1 / 3 and records[1]["enleder"] is None
    assert records[0]["når"] == "2024-05-01T10:00:00" and records[1]["når"] is None
    assert records[1]["n"] == 4


def test_xlsx_roundtrip_and_needs_a_file(table, tmp_path):
    out = tmp_path / "t.xlsx"
    write_frame(table, "xlsx", out)
    back = pd.read_excel(out)
    assert back["code"].tolist() == table["code"].tolist()
    assert back["enleder"].iloc[0] == pytest.approx(1 / 3)
    with pytest.raises(InputError, match="needs an output file"):
        write_frame(table, "xlsx", None)


def test_unknown_format_and_unwritable_path(table, tmp_path):
    with pytest.raises(InputError, match="unknown format"):
        write_frame(table, "parquet", None)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="cannot write"):
        write_frame(table, "csv", tmp_path / "missing" / "t.csv")


def test_named_index_is_kept(tmp_path):
    frame = pd.DataFrame({"x": [1, 2]}, index=pd.Index(["a", "b"], name="code"))
    out = tmp_path / "i.csv"
    write_frame(frame, "csv", out)
    assert out.read_text(encoding="utf-8").splitlines() == ["code,x", "a,1", "b,2"]


def test_write_xlsx_several_sheets(table, tmp_path):
    out = tmp_path / "m.xlsx"
    write_xlsx({"enighet": table, "uenigheter/alle": table.head(1)}, out)
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["enighet", "uenigheter_alle"]


def test_to_json_text_nested():
    payload = {"per_code": {"a": {"kappa": np.float64(np.nan), "n": np.int64(3)}},
               "rows": pd.DataFrame({"x": [0.1]})}
    assert json.loads(to_json_text(payload)) == {"per_code": {"a": {"kappa": None, "n": 3}}, "rows": [{"x": 0.1}]}


def _docx_text(path) -> str:
    doc = DocxDocument(str(path))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        parts += [c.text for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_quote_report_docx(nav_project, tmp_path):
    engine, _ = nav_project
    with session_scope(engine) as s:
        quotes = retrieve(s)
    out = tmp_path / "r.docx"
    quote_report_docx(quotes, out, title="Sitater")
    doc = DocxDocument(str(out))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "tillit") in headings
    assert ("Heading 2", "gjensidig tillit (4)") in headings  # identical passages by two coders appear once
    text = _docx_text(out)
    assert "«Jeg har tillit til lederen» (Informant 2, enleder, kommune)" in text
    assert "Memo: Tillit begge veier." in text


def test_framework_docx(nav_project, tmp_path):
    engine, _ = nav_project
    with session_scope(engine) as s:
        pf = frames.project_frames(s)
    out = tmp_path / "f.docx"
    framework_docx(A.framework_long(pf.codings, pf.cases, pf.codes), out)
    text = _docx_text(out)
    assert "tillit/gjensidig tillit" in text and "Informant 5" in text and "Tillit begge veier." in text
