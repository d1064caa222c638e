"""The only writer of codings: apply, remove, memos, snapshots, CSV import with row-numbered errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from qualcode.cases import set_case_attribute
from qualcode.coding import (
    apply_code,
    import_codings,
    remove_coding,
    require_consistent,
    resolve_code,
    set_coding_memo,
    set_memo,
    verify_snapshots,
)
from qualcode.db.models import Case, Code, Codebook, Coding, Document, Event, Memo
from qualcode.db.session import open_engine, session_scope
from qualcode.errors import InputError, IntegrityError, NotFoundError

TEXT = "I: Hva med tilliten?\n\nInformant: Jeg stoler på lederen min, æ ø å 😅. Målekortet styrer alt."


@pytest.fixture()
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = open_engine(tmp_path / "p.sqlite")
    with session_scope(engine) as s:
        tillit = Codebook(name="tillit")
        maling = Codebook(name="måling")
        s.add_all([
            Code(codebook=tillit, name="gjensidig tillit", aliases=["tillit leder"]),
            Code(codebook=maling, name="målekort og indikatorer"),
            Code(codebook=maling, name="felles"), Code(codebook=tillit, name="felles"),
            Code(codebook=tillit, name="gammel", retired=True),
            Document(name="inf1.txt", text=TEXT, sha256="x" * 64, format="txt", case=Case(name="Informant 1")),
        ])
    return engine


def _span(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


def test_apply_stores_snapshot_and_event_and_is_idempotent(engine) -> None:  # type: ignore[no-untyped-def]
    start, end = _span("stoler på lederen min, æ ø å 😅")
    with session_scope(engine) as s:
        code = resolve_code(s, "tillit/gjensidig tillit")
        first = apply_code(s, 1, start, end, code.id, "ingrid", memo="tydelig")
        again = apply_code(s, 1, start, end, code.id, "ingrid")
        assert first.id == again.id
        assert first.text == TEXT[start:end] == "stoler på lederen min, æ ø å 😅"
        assert (first.source, first.coder.name, first.memo) == ("manual", "ingrid", "tydelig")
        assert s.scalar(select(func.count(Event.id)).where(Event.kind == "coding.apply")) == 1


@pytest.mark.parametrize(
    ("start", "end", "code", "message"),
    [(5, 5, "tillit/gjensidig tillit", "outside the text"), (0, 10_000, "tillit/gjensidig tillit", "outside"),
     (0, 4, "tillit/gammel", "retired")],
)
def test_apply_rejects_bad_spans_and_retired_codes(engine, start: int, end: int, code: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message), session_scope(engine) as s:
        apply_code(s, 1, start, end, resolve_code(s, code).id, "ingrid")


def test_resolve_code_by_path_name_and_alias(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        assert resolve_code(s, "målekort og indikatorer").path == "måling/målekort og indikatorer"
        assert resolve_code(s, "tillit leder").path == "tillit/gjensidig tillit"
        with pytest.raises(InputError, match="ambiguous; write one of: måling/felles, tillit/felles"):
            resolve_code(s, "felles")
        with pytest.raises(NotFoundError, match="unknown code 'tillit/finnes ikke'"):
            resolve_code(s, "tillit/finnes ikke")


def test_remove_and_memos_are_logged(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        coding = apply_code(s, 1, *_span("Målekortet styrer alt."), resolve_code(s, "målekort og indikatorer").id, "martin")
        set_coding_memo(s, coding.id, "viktig sitat", "martin")
        set_memo(s, "document", 1, "Intervjuet ble avbrutt.", "martin")
        set_memo(s, "document", 1, "Intervjuet ble avbrutt to ganger.", "martin")
        assert s.scalars(select(Memo.text)).all() == ["Intervjuet ble avbrutt to ganger."]
        remove_coding(s, coding.id, "martin")
    with session_scope(engine) as s:
        assert s.scalar(select(func.count(Coding.id))) == 0
        kinds = s.scalars(select(Event.kind).order_by(Event.id)).all()
        assert kinds[-5:] == ["coding.apply", "coding.memo", "memo.set", "memo.set", "coding.remove"]
        removed = s.scalars(select(Event).where(Event.kind == "coding.remove")).one()
        assert removed.data["text"] == "Målekortet styrer alt."


def test_snapshot_mismatch_is_reported_loudly(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        apply_code(s, 1, *_span("Målekortet"), resolve_code(s, "målekort og indikatorer").id, "ingrid")
    with engine.begin() as conn:  # simulate corruption behind qualcode's back
        conn.execute(text("UPDATE coding SET text = 'Tilliten'"))
    with session_scope(engine) as s:
        (problem,) = verify_snapshots(s)
        assert problem.snapshot == "Tilliten" and problem.actual == "Målekortet"
        with pytest.raises(IntegrityError, match="inf1.txt"):
            require_consistent(s)


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "codings.csv"
    path.write_text("document,start,end,code,coder,text\n" + body, encoding="utf-8")
    return path


def test_import_codings_csv(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s1, e1 = _span("stoler på lederen min")
    s2, e2 = _span("Målekortet styrer alt.")
    path = _csv(tmp_path, f"inf1.txt,{s1},{e1},tillit/gjensidig tillit,ingrid,stoler på lederen min\n"
                          f"inf1.txt,{s2},{e2},målekort og indikatorer,martin,\n")
    assert import_codings(engine, path).added == 2
    assert import_codings(engine, path).unchanged == 2  # idempotent
    with session_scope(engine) as s:
        rows = s.execute(select(Coding.text, Coding.source)).all()
        assert sorted(rows) == [("Målekortet styrer alt.", "import"), ("stoler på lederen min", "import")]


def test_import_codings_reports_every_bad_row_and_imports_nothing(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s1, e1 = _span("stoler på lederen min")
    path = _csv(tmp_path, f"inf1.txt,{s1},{e1},tillit/gjensidig tillit,ingrid,\n"
                          "ukjent.txt,0,4,tillit/gjensidig tillit,ingrid,\n"
                          "inf1.txt,a,4,tillit/gjensidig tillit,ingrid,\n"
                          "inf1.txt,0,4,tillit/finnes ikke,ingrid,\n"
                          f"inf1.txt,{s1},{e1},tillit/gjensidig tillit,ingrid,feil tekst\n"
                          "inf1.txt,0,4,tillit/gjensidig tillit,,\n")
    with pytest.raises(InputError) as info:
        import_codings(engine, path)
    message = str(info.value)
    assert "\n" not in message and message.startswith("codings.csv: 5 bad row(s), nothing imported")
    for fragment in ("row 3: unknown document", "row 4: start/end must be whole numbers",
                     "row 5: unknown code", "row 6: text does not match", "row 7: field 'coder' is empty"):
        assert fragment in message
    with session_scope(engine) as s:
        assert s.scalar(select(func.count(Coding.id))) == 0


def test_import_codings_missing_columns(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.csv"
    path.write_text("document,start,code\n", encoding="utf-8")
    with pytest.raises(InputError, match="c.csv: missing required column"):
        import_codings(engine, path)


def test_set_case_attribute_checks_types(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        set_case_attribute(s, "Informant 1", "ansiennitet_ar", "12", "ingrid")
        set_case_attribute(s, "Informant 1", "ansiennitet_ar", "13,5", "ingrid")
        with pytest.raises(InputError, match="holds number values"):
            set_case_attribute(s, "Informant 1", "ansiennitet_ar", "lenge", "ingrid")
        with pytest.raises(NotFoundError):
            set_case_attribute(s, "Informant 9", "linje", "stat", "ingrid")
        case = s.scalars(select(Case)).one()
        assert {v.attribute.name: v.value for v in case.values} == {"ansiennitet_ar": "13.5"}
        set_case_attribute(s, "Informant 1", "ansiennitet_ar", "", "ingrid")
        assert s.scalars(select(Case)).one().values == []
        assert s.scalar(select(func.count(Document.id))) == 1
