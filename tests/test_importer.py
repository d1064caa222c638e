"""Import pipeline: per-file transactions, idempotence, --replace, metadata CSV, offsets."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qualcode.cases import read_meta_csv
from qualcode.coding import apply_code
from qualcode.db.models import Attribute, Case, Code, Codebook, Coding, Document, Event, Segment
from qualcode.db.session import open_engine, session_scope
from qualcode.errors import InputError
from qualcode.importer import import_paths
from qualcode.ingest import read_transcript
from qualcode.segment import segment_transcript

INTERVIEW = (
    "Intervju med informant 3\n\n"
    "I: Hvordan er samarbeidet mellom linjene?\n\n"
    "Informant 3: Altså, eh, vi har bl.a. felles lunsj – men staten bestemmer mest. Æøå 😅.\n"
    "Det er liksom litt lillebror-følelse.\n\n"
    "I: Og målekortet?\n\n"
    "Informant 3: Målingene tar tid … vi teller det som er lett å telle.\n"
)


@pytest.fixture()
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    return open_engine(tmp_path / "p.sqlite")


def _write(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def _segments(engine) -> list[tuple[str, str, str, int, int]]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return [(seg.document.text[seg.start:seg.end], seg.speaker or "", seg.speaker_role, seg.start, seg.end)
                for seg in s.scalars(select(Segment).order_by(Segment.document_id, Segment.ordinal))]


def test_import_txt_makes_turn_segments_with_exact_offsets(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path / "inf3.txt", INTERVIEW)
    (result,) = import_paths(engine, [path])
    assert result.status == "imported"
    segs = _segments(engine)
    assert [(t, sp, r) for t, sp, r, _, _ in segs] == [
        ("Hvordan er samarbeidet mellom linjene?", "I", "interviewer"),
        ("Altså, eh, vi har bl.a. felles lunsj – men staten bestemmer mest. Æøå 😅.\n"
         "Det er liksom litt lillebror-følelse.", "Informant 3", "participant"),
        ("Og målekortet?", "I", "interviewer"),
        ("Målingene tar tid … vi teller det som er lett å telle.", "Informant 3", "participant"),
    ]
    with session_scope(engine) as s:
        doc = s.scalars(select(Document)).one()
        assert doc.text == INTERVIEW
        assert doc.case.name == "inf3"  # without metadata each document is its own case
        seg = s.scalars(select(Segment).where(Segment.ordinal == 3)).one()
        assert seg.lemma_text.startswith("måling ta tid")


@pytest.mark.parametrize(("encoding", "newline"), [("utf-8", "\r\n"), ("utf-8-sig", "\n"), ("cp1252", "\r")])
def test_encodings_and_newlines_give_the_same_text(engine, tmp_path: Path, encoding: str, newline: str) -> None:  # type: ignore[no-untyped-def]
    text = INTERVIEW.replace(" 😅", "")  # cp1252 has no emoji
    (result,) = import_paths(engine, [_write(tmp_path / "a.txt", text, encoding, newline)])
    assert result.status == "imported", result.message
    with session_scope(engine) as s:
        assert s.scalars(select(Document.text)).one() == text  # … (0x85 in cp1252) survives, \n only


def test_reimport_is_idempotent_and_changed_file_is_refused(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path / "a.txt", INTERVIEW)
    import_paths(engine, [path])
    (again,) = import_paths(engine, [path])
    assert again.status == "unchanged" and "nothing changed" in again.message
    _write(path, INTERVIEW + "\nI: Takk.\n")
    (changed,) = import_paths(engine, [path])
    assert changed.status == "failed" and "--replace" in changed.message
    with session_scope(engine) as s:
        assert s.scalar(select(func.count(Document.id))) == 1
        assert s.scalars(select(Document.text)).one() == INTERVIEW


def test_replace_keeps_codings_whose_text_is_unchanged(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path / "a.txt", INTERVIEW)
    import_paths(engine, [path])
    with session_scope(engine) as s:
        book = Codebook(name="likeverd")
        code = Code(codebook=book, name="ubalanse")
        s.add_all([book, code])
        s.flush()
        doc = s.scalars(select(Document)).one()
        keep = doc.text.index("staten bestemmer mest")
        gone = doc.text.index("vi teller det")
        apply_code(s, doc.id, keep, keep + len("staten bestemmer mest"), code.id, "ingrid")
        apply_code(s, doc.id, gone, gone + len("vi teller det"), code.id, "ingrid")
    new = "Ny innledning.\n\n" + INTERVIEW.replace("vi teller det", "vi måler det")
    _write(path, new)
    (result,) = import_paths(engine, [path], replace=True)
    assert result.status == "replaced"
    assert result.kept_codings == 1 and len(result.dropped_codings) == 1
    assert "vi teller det" in result.dropped_codings[0]
    with session_scope(engine) as s:
        (coding,) = s.scalars(select(Coding)).all()
        assert coding.document.text[coding.start:coding.end] == coding.text == "staten bestemmer mest"
        assert s.scalar(select(func.count(Event.id)).where(Event.kind == "document.replace")) == 1


def test_bad_files_fail_alone_and_leave_nothing(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = _write(tmp_path / "good.txt", INTERVIEW)
    empty = _write(tmp_path / "empty.txt", "   \n")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02PK\x00")
    corrupt = tmp_path / "broken.docx"
    corrupt.write_bytes(b"not a zip at all")
    unsupported = _write(tmp_path / "notes.rtf", "{\\rtf1 hei}")
    results = import_paths(engine, [good, empty, binary, corrupt, unsupported, tmp_path / "missing.txt"])
    by_name = {r.path.name: r for r in results}
    assert by_name["good.txt"].status == "imported"
    for name in ("empty.txt", "bin.txt", "broken.docx", "notes.rtf", "missing.txt"):
        assert by_name[name].status == "failed"
        assert name in by_name[name].message and "\n" not in by_name[name].message
    with session_scope(engine) as s:
        assert s.scalars(select(Document.name)).all() == ["good.txt"]
        assert s.scalar(select(func.count(Case.id))) == 1


def test_folder_import_and_metadata(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "corpus"
    folder.mkdir()
    _write(folder / "a.txt", INTERVIEW)
    _write(folder / "b.txt", INTERVIEW.replace("Informant 3", "IP"))
    meta = _write(tmp_path / "meta.csv", "file,case,ledermodell,ansiennitet_ar,morsetat\n"
                  "a.txt,Informant 1,toleder,12,ja\nb.txt,Informant 2,enleder,\"3,5\",nei\n")
    results = import_paths(engine, [folder], meta_csv=meta)
    assert [r.status for r in results] == ["imported", "imported"]
    with session_scope(engine) as s:
        types = dict(s.execute(select(Attribute.name, Attribute.type)).all())
        assert types == {"ledermodell": "text", "ansiennitet_ar": "number", "morsetat": "boolean"}
        case = s.scalars(select(Case).where(Case.name == "Informant 2")).one()
        assert {v.attribute.name: v.value for v in case.values} == {
            "ledermodell": "enleder", "ansiennitet_ar": "3.5", "morsetat": "nei"}
        assert s.scalars(select(Document).where(Document.name == "b.txt")).one().case.name == "Informant 2"


@pytest.mark.parametrize(
    ("content", "message"),
    [("file,ledermodell\na.txt,toleder\n", "missing required column(s) case"),
     ("file,case\nukjent.txt,Informant 9\n", "row 2: file ukjent.txt is neither being imported"),
     ("file,case\na.txt,\n", "row 2: field 'case' is empty"),
     ("file,case\na.txt,X\na.txt,Y\n", "row 3: file a.txt is already listed in row 2"),
     ("", "empty")],
)
def test_bad_metadata_csv_imports_nothing(engine, tmp_path: Path, content: str, message: str) -> None:  # type: ignore[no-untyped-def]
    doc = _write(tmp_path / "a.txt", INTERVIEW)
    meta = _write(tmp_path / "meta.csv", content)
    with pytest.raises(InputError) as info:
        import_paths(engine, [doc], meta_csv=meta)
    assert message in str(info.value) and "meta.csv" in str(info.value)
    with session_scope(engine) as s:
        assert s.scalar(select(func.count(Document.id))) == 0


def test_read_meta_csv_semicolon_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes("file;case;linje\na.txt;Informant 1;kommune\n".encode("utf-8-sig"))
    table = read_meta_csv(path)
    assert table.rows[0].attributes == {"linje": "kommune"} and table.types == {"linje": "text"}


def test_killed_import_leaves_a_consistent_database(tmp_path: Path) -> None:
    """SIGKILL in the middle of a many-file import: every stored document is complete, the rest absent."""
    folder = tmp_path / "many"
    folder.mkdir()
    body = "\n\n".join(f"I: Spørsmål {i}?\n\nInformant: " + " ".join(["Målingene tar tid i kontoret."] * 40)
                       for i in range(40))
    for i in range(60):
        _write(folder / f"doc{i:03}.txt", f"Dokument {i}\n\n{body}")
    db = tmp_path / "kill.sqlite"
    open_engine(db)
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-m", "qualcode.cli", "import", str(folder), "--db", str(db)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    imported = 0
    while time.monotonic() < deadline and proc.poll() is None:
        with sqlite3.connect(db, timeout=10) as conn:
            imported = conn.execute("SELECT count(*) FROM document").fetchone()[0]
        if imported >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the import finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    engine = open_engine(db)
    with session_scope(engine) as s:
        docs = s.scalars(select(Document)).all()
        assert 3 <= len(docs) < 60
        expected = len(segment_transcript(read_transcript(folder / "doc000.txt")))
        for doc in docs:  # each stored document has all of its segments and its event
            assert len(doc.segments) == expected
            assert all(doc.text[seg.start:seg.end] for seg in doc.segments)
        assert s.scalar(select(func.count(Event.id)).where(Event.kind == "document.import")) == len(docs)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    # importing again completes the job
    results = import_paths(engine, [folder])
    assert {r.status for r in results} <= {"imported", "unchanged"}
    with session_scope(engine) as s:
        assert s.scalar(select(func.count(Document.id))) == 60


def test_metadata_for_documents_already_in_the_project(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A metadata CSV imported later (with no new files) still sets the cases of known documents."""
    import_paths(engine, [_write(tmp_path / "a.txt", INTERVIEW)])
    other = _write(tmp_path / "b.txt", INTERVIEW.replace("Informant 3", "IP"))
    meta = _write(tmp_path / "meta.csv", "file,case,linje\na.txt,Informant 7,kommune\nb.txt,Informant 8,stat\n")
    import_paths(engine, [other], meta_csv=meta)
    with session_scope(engine) as s:
        cases = dict(s.execute(select(Document.name, Case.name).join(Case)).all())
        assert cases == {"a.txt": "Informant 7", "b.txt": "Informant 8"}
        case = s.scalars(select(Case).where(Case.name == "Informant 7")).one()
        assert {v.attribute.name: v.value for v in case.values} == {"linje": "kommune"}
        assert sorted(s.scalars(select(Case.name))) == ["Informant 7", "Informant 8"]  # the automatic case "a" is gone
